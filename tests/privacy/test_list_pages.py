"""The subjects' requests and the incidents on their own list pages: every row reachable (the
overview shows the newest ten), sorted by a header, filtered, paged; outsiders refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from frontend.tables import PAGE_SIZE
from tenants.models import Cluster
from tenants.privacy.models import Incident, SubjectRequest
from tests.conftest import ROLE, MakeUser, client_for, signed_in
from tests.frontend.test_list_pages import order, outsiders, refused, text

pytestmark = pytest.mark.django_db

MANY = PAGE_SIZE + 5


def _requests(cluster: Cluster) -> None:
    """MANY requests, «Субъект 00» received first; every third one a deletion, every fourth answered."""
    start = dt.date(2026, 1, 1)
    with schema_context(cluster.schema_name):
        SubjectRequest.objects.bulk_create(
            SubjectRequest(
                kind=SubjectRequest.Kind.DELETION if i % 3 == 0 else SubjectRequest.Kind.COPY,
                subject_name=f"Субъект {i:02d}",
                received_on=start + dt.timedelta(days=i),
                deadline=start + dt.timedelta(days=i + 10),
                status=SubjectRequest.Status.EXPORTED if i % 4 == 0 else SubjectRequest.Status.OPEN,
            )
            for i in range(MANY)
        )


def _incidents(cluster: Cluster) -> None:
    """MANY incidents, «Инцидент 00» detected first; the even ones closed."""
    start = timezone.now() - dt.timedelta(days=MANY + 1)
    with schema_context(cluster.schema_name):
        Incident.objects.bulk_create(
            Incident(
                title=f"Инцидент {i:02d}",
                detected_at=start + dt.timedelta(days=i),
                closed_at=start + dt.timedelta(days=i, hours=5) if i % 2 == 0 else None,
            )
            for i in range(MANY)
        )


def test_requests_list_shows_every_request_sorted_filtered_and_paged(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    _requests(cluster_a)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    overview = text(admin, "/privacy/")
    assert "Субъект 29" in overview and "Субъект 00" not in overview  # the newest ten
    assert f"Все запросы ({MANY})" in overview and 'href="/privacy/requests/"' in overview

    newest = text(admin, "/privacy/requests/")
    assert f"Найдено запросов: {MANY}" in newest
    assert order(newest, "Субъект 29", "Субъект 28") == ["Субъект 29", "Субъект 28"]
    assert "Субъект 00" not in newest and "Субъект 00" in text(admin, "/privacy/requests/?page=2")
    oldest = text(admin, "/privacy/requests/?sort=received")
    assert order(oldest, "Субъект 00", "Субъект 01") == ["Субъект 00", "Субъект 01"]
    deletions = text(admin, "/privacy/requests/?kind=deletion&sort=subject")
    assert f"Найдено запросов: {len(range(0, MANY, 3))}" in deletions
    assert "Субъект 03" in deletions and "Субъект 01" not in deletions
    answered = text(admin, "/privacy/requests/?status=exported")
    assert f"Найдено запросов: {len(range(0, MANY, 4))}" in answered
    assert "Субъект 12</a>" in text(admin, "/privacy/requests/?q=ект 12")
    nothing = text(admin, "/privacy/requests/?q=никого")
    assert "Найдено запросов: 0" in nothing and "Сбросить фильтры" in nothing
    assert "Найдено запросов" in text(admin, "/privacy/requests/?sort=unknown")


def test_incidents_list_shows_every_incident_sorted_filtered_and_paged(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    _incidents(cluster_a)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    overview = text(staff, "/privacy/")
    assert "Инцидент 29" in overview and "Инцидент 00" not in overview
    assert f"Все инциденты ({MANY})" in overview

    newest = text(staff, "/privacy/incidents/")
    assert f"Найдено инцидентов: {MANY}" in newest
    assert order(newest, "Инцидент 29", "Инцидент 28") == ["Инцидент 29", "Инцидент 28"]
    assert "Инцидент 00" in text(staff, "/privacy/incidents/?page=2")
    by_title = text(staff, "/privacy/incidents/?sort=title")
    assert order(by_title, "Инцидент 00", "Инцидент 01") == ["Инцидент 00", "Инцидент 01"]
    still_open = text(staff, "/privacy/incidents/?state=open")
    assert f"Найдено инцидентов: {len(range(1, MANY, 2))}" in still_open and "Инцидент 02<" not in still_open
    assert "Найдено инцидентов: 1" in text(staff, "/privacy/incidents/?q=Инцидент 07")


def test_empty_lists_say_so(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    assert "Запросов нет." in text(admin, "/privacy/requests/")
    assert "Инцидентов не было." in text(admin, "/privacy/incidents/")
    assert "Все запросы" not in text(admin, "/privacy/")


@pytest.mark.parametrize(
    "url", ["/privacy/requests/?sort=subject&q=Субъект", "/privacy/incidents/?state=open"]
)
def test_outsiders_are_refused(cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, url: str) -> None:
    _requests(cluster_a)
    _incidents(cluster_a)
    member = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    for client in [*outsiders(cluster_b, make_user, cluster_a), client_for(cluster_a), member]:
        assert refused(client, url), url
