"""Events API: managers write, representatives register only their own company, isolation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_tenants.utils import schema_context
from pytest_django import DjangoAssertNumQueries

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.audit.services import Actor
from tenants.events.models import Event, Participation
from tenants.events.services import event_create
from tenants.members.models import Company
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, token_for
from tests.site.conftest import moscow_today

pytestmark = pytest.mark.django_db

FUTURE = moscow_today() + dt.timedelta(days=60)
PAST = moscow_today() - dt.timedelta(days=60)


def _api(user: User, cluster: Cluster) -> Client:
    return api_client(token_for(user, cluster), cluster)


def test_end_before_start_is_refused_in_russian_and_nothing_is_saved(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        with pytest.raises(ValidationError) as error:
            event_create(
                actor=Actor.system(cluster_a),
                title="Форум",
                starts_on=FUTURE,
                ends_on=FUTURE - dt.timedelta(days=1),
            )
        assert error.value.message_dict == {"ends_on": ["Дата окончания не может быть раньше даты начала."]}
        assert not Event.objects.exists()


def test_staff_create_change_and_delete_events_with_audit(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    api = _api(staff, cluster_a)
    created = api.post(
        "/api/v1/events/",
        {
            "kind": "exhibition",
            "title": "Здравоохранение-2030",
            "starts_on": str(FUTURE),
            "ends_on": str(FUTURE + dt.timedelta(days=4)),
            "place": "ЦВК «Экспоцентр»",
            "has_joint_stand": True,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    event = created.json()
    assert event["kind_display"] == "Выставка" and event["participants"] == []
    bad = api.patch(
        f"/api/v1/events/{event['id']}/",
        {"ends_on": str(FUTURE - dt.timedelta(days=1))},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"ends_on": ["Дата окончания не может быть раньше даты начала."]}
    changed = api.patch(
        f"/api/v1/events/{event['id']}/", {"place": "Москва"}, content_type="application/json"
    )
    assert changed.json()["place"] == "Москва"
    assert api.delete(f"/api/v1/events/{event['id']}/").status_code == 204
    actions = list(
        AuditEntry.objects.filter(cluster=cluster_a, object_type="events.event")
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions == [("event.create", staff.pk), ("event.update", staff.pk), ("event.delete", staff.pk)]
    with schema_context(cluster_a.schema_name):
        assert not Event.objects.exists()


def test_only_managers_write_events(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, make_event: Callable[..., Event]
) -> None:
    event = make_event(cluster_a, "Форум", FUTURE)
    member = _api(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    body = {"title": "От участника", "starts_on": str(FUTURE)}
    denied = member.post("/api/v1/events/", body, content_type="application/json")
    assert denied.status_code == 403
    assert (
        member.patch(
            f"/api/v1/events/{event.pk}/", {"title": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert member.delete(f"/api/v1/events/{event.pk}/").status_code == 403
    assert (
        client_for(cluster_a).post("/api/v1/events/", body, content_type="application/json").status_code
        == 401
    )
    assert client_for(cluster_a).get("/api/v1/events/").status_code == 401
    staff_b = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_b), cluster_b), cluster_a)
    assert staff_b.get("/api/v1/events/").status_code == 403
    assert staff_b.post("/api/v1/events/", body, content_type="application/json").status_code == 403
    with schema_context(cluster_a.schema_name):
        assert list(Event.objects.values_list("title", flat=True)) == ["Форум"]


def test_events_of_another_cluster_are_invisible_and_guessed_ids_404(
    cluster_a: Cluster,
    cluster_b: Cluster,
    make_user: MakeUser,
    make_event: Callable[..., Event],
) -> None:
    own = make_event(cluster_a, "Выставка Альфы", FUTURE)
    secret = make_event(cluster_b, "Выставка Беты", FUTURE, is_public=False)
    if secret.pk == own.pk:  # schemas count ids separately: make sure the guess is a beta-only id
        secret = make_event(cluster_b, "Ещё одна выставка Беты", FUTURE, is_public=False)
    api = _api(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    assert [e["title"] for e in api.get("/api/v1/events/").json()["results"]] == ["Выставка Альфы"]
    assert api.get(f"/api/v1/events/{secret.pk}/").status_code == 404
    assert api.delete(f"/api/v1/events/{secret.pk}/").status_code == 404
    assert api.get(f"/api/v1/events/{own.pk + 1000}/").status_code == 404
    assert (
        api.post(
            f"/api/v1/events/{own.pk + 1000}/participants/", {}, content_type="application/json"
        ).status_code
        == 404
    )


def test_representative_registers_and_withdraws_only_its_own_company(
    cluster_a: Cluster,
    make_user: MakeUser,
    make_company: Callable[..., Company],
    make_event: Callable[..., Event],
) -> None:
    own = make_company(cluster_a, "Медтехника")
    other = make_company(cluster_a, "Другая")
    event = make_event(cluster_a, "Форум «Здоровье»", FUTURE, has_joint_stand=True)
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=own.pk)
    api = _api(rep, cluster_a)

    created = api.post(
        f"/api/v1/events/{event.pk}/participants/", {"role": "joint_stand"}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json() == {
        "company": own.pk,
        "company_name": "Медтехника",
        "role": "joint_stand",
        "role_display": "на совместном стенде",
        "note": "",
    }
    changed = api.post(
        f"/api/v1/events/{event.pk}/participants/", {"role": "own_stand"}, content_type="application/json"
    )
    assert changed.json()["role_display"] == "отдельный стенд"

    foreign = api.post(
        f"/api/v1/events/{event.pk}/participants/", {"company": other.pk}, content_type="application/json"
    )
    assert foreign.status_code == 403
    assert foreign.json()["detail"] == (
        "Представитель может регистрировать и снимать с участия только свою организацию."
    )
    staff = _api(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert (
        staff.post(
            f"/api/v1/events/{event.pk}/participants/", {"company": other.pk}, content_type="application/json"
        ).status_code
        == 201
    )
    assert api.delete(f"/api/v1/events/{event.pk}/participants/{other.pk}/").status_code == 403
    assert api.delete(f"/api/v1/events/{event.pk}/participants/{own.pk}/").status_code == 204

    with schema_context(cluster_a.schema_name):
        assert list(Participation.objects.values_list("company__short_name", flat=True)) == ["Другая"]
    actions = list(
        AuditEntry.objects.filter(cluster=cluster_a, object_type="events.participation")
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions == [
        ("event_participation.create", rep.pk),
        ("event_participation.update", rep.pk),
        ("event_participation.create", actions[2][1]),
        ("event_participation.delete", rep.pk),
    ]
    assert (
        client_for(cluster_a)
        .post(f"/api/v1/events/{event.pk}/participants/", {}, content_type="application/json")
        .status_code
        == 401
    )


def test_registration_rules_in_russian(
    cluster_a: Cluster,
    make_user: MakeUser,
    make_company: Callable[..., Company],
    make_event: Callable[..., Event],
) -> None:
    applicant = make_company(cluster_a, "Заявитель", status=Company.Status.APPLIED)
    member = make_company(cluster_a, "Участник")
    event = make_event(cluster_a, "Конференция", FUTURE, kind="conference")
    past = make_event(cluster_a, "Прошлая выставка", PAST)
    staff = _api(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)

    not_member = staff.post(
        f"/api/v1/events/{event.pk}/participants/", {"company": applicant.pk}, content_type="application/json"
    )
    assert not_member.status_code == 400
    assert not_member.json()["errors"]["company"] == [
        "На мероприятия регистрируются только участники кластера (принятые или действующие)."
    ]
    no_stand = staff.post(
        f"/api/v1/events/{event.pk}/participants/",
        {"company": member.pk, "role": "joint_stand"},
        content_type="application/json",
    )
    assert no_stand.json()["errors"]["role"] == ["У этого мероприятия нет совместного стенда кластера."]

    rep = _api(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=member.pk), cluster_a)
    closed = rep.post(f"/api/v1/events/{past.pk}/participants/", {}, content_type="application/json")
    assert closed.status_code == 400
    assert closed.json()["errors"] == {"non_field_errors": ["Мероприятие уже прошло: регистрация закрыта."]}
    # staff still record who took part in a past event
    assert (
        staff.post(
            f"/api/v1/events/{past.pk}/participants/", {"company": member.pk}, content_type="application/json"
        ).status_code
        == 201
    )
    assert rep.delete(f"/api/v1/events/{past.pk}/participants/{member.pk}/").status_code == 400


def test_joint_stand_cannot_be_removed_while_companies_stand_on_it(
    cluster_a: Cluster,
    make_user: MakeUser,
    make_company: Callable[..., Company],
    make_event: Callable[..., Event],
) -> None:
    member = make_company(cluster_a, "Участник")
    event = make_event(cluster_a, "Выставка", FUTURE, has_joint_stand=True)
    staff = _api(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    staff.post(
        f"/api/v1/events/{event.pk}/participants/",
        {"company": member.pk, "role": "joint_stand"},
        content_type="application/json",
    )
    refused = staff.patch(
        f"/api/v1/events/{event.pk}/", {"has_joint_stand": False}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"]["has_joint_stand"] == [
        "На совместном стенде зарегистрированы участники: сначала измените их формат участия."
    ]


def test_list_filters_search_and_bounded_queries(
    cluster_a: Cluster,
    make_user: MakeUser,
    make_company: Callable[..., Company],
    make_event: Callable[..., Event],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    companies = [make_company(cluster_a, f"Компания {i}") for i in range(3)]
    api = _api(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)

    def add_events(count: int, offset: int) -> None:
        with schema_context(cluster_a.schema_name):
            for i in range(offset, offset + count):
                event = event_create(
                    actor=Actor.system(cluster_a),
                    title=f"Событие {i:02d}",
                    starts_on=FUTURE + dt.timedelta(days=i),
                    kind="forum" if i % 2 else "exhibition",
                )
                for company in companies:
                    Participation.objects.create(event=event, company=company)

    add_events(3, 0)
    with django_assert_max_num_queries(8):
        small = api.get("/api/v1/events/?page_size=100")
    add_events(27, 3)
    with django_assert_max_num_queries(8):
        large = api.get("/api/v1/events/?page_size=100")
    assert small.json()["count"] == 3 and large.json()["count"] == 30
    assert len(large.json()["results"][0]["participants"]) == 3
    assert api.get("/api/v1/events/?kind=forum").json()["count"] == 15
    assert api.get("/api/v1/events/?search=Событие 2").json()["count"] == 12  # 02, 12, 20-29
    assert api.get("/api/v1/events/?period=past").json()["count"] == 0
    first = api.get("/api/v1/events/?ordering=starts_on").json()["results"][0]
    assert first["title"] == "Событие 00"


def test_openapi_documents_events_and_public_endpoints(cluster_a: Cluster) -> None:
    paths = client_for(cluster_a).get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {
        "/api/v1/events/",
        "/api/v1/events/{id}/participants/",
        "/api/v1/events/{id}/participants/{company_id}/",
        "/api/v1/public/directory/",
        "/api/v1/public/directory/{id}/",
        "/api/v1/public/products/",
        "/api/v1/public/events/",
        "/api/v1/articles/",
        "/api/v1/jobs/",
        "/api/v1/documents/",
        "/api/v1/documents/{id}/download/",
    } <= set(paths)
    public = paths["/api/v1/public/directory/"]["get"]
    assert public.get("security", []) in ([], [{}]) and "без входа" in public["description"]
    assert post_absent(paths["/api/v1/public/directory/"])


def post_absent(operations: dict) -> bool:
    return not {"post", "put", "patch", "delete"} & set(operations)
