"""htmx where it saves a page load: a meeting's agenda (add and delete a question) and a call's
«Назначить» (an expert for one application). With the HX-Request header the answer is the part
of the page that changed, with the message in it; without it the same POST redirects as before.
Who may not do it still cannot, with or without the header."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from core.selection.models import Assignment
from tenants.governance.models import AgendaItem, Meeting
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, signed_in
from tests.governance import factories as f
from tests.selection_pages.conftest import open_call, submitted

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _meeting(cluster: Cluster) -> Meeting:
    with schema_context(cluster.schema_name):
        return f.meeting(cluster, f.body(cluster), agenda=("О приёме в члены кластера",))


def test_agenda_question_added_with_htmx_answers_the_agenda_section(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    meeting = _meeting(cluster_a)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    page = staff.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert f'hx-post="/governance/meetings/{meeting.pk}/agenda/"' in page and "htmx-2.min" in page
    response = staff.post(
        f"/governance/meetings/{meeting.pk}/agenda/", {"title": "О плане работы"}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section id="agenda"')
    assert "<html" not in html and "О приёме в члены кластера" in html and "О плане работы" in html
    assert "Вопрос 2 добавлен в повестку." in html
    refused = staff.post(
        f"/governance/meetings/{meeting.pk}/agenda/", {"title": ""}, headers=HTMX
    ).content.decode()
    assert "Введите вопрос повестки." in refused and '<section id="agenda"' in refused
    plain = staff.post(f"/governance/meetings/{meeting.pk}/agenda/", {"title": "О взносах"})
    assert plain.status_code == 302 and plain["Location"] == f"/governance/meetings/{meeting.pk}/"
    with schema_context(cluster_a.schema_name):
        assert list(AgendaItem.objects.filter(meeting=meeting).values_list("title", flat=True)) == [
            "О приёме в члены кластера",
            "О плане работы",
            "О взносах",
        ]


def test_agenda_question_deleted_with_htmx_leaves_the_others(cluster_a: Cluster, make_user: MakeUser) -> None:
    meeting = _meeting(cluster_a)
    with schema_context(cluster_a.schema_name):
        item = meeting.agenda_items.get()
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    response = staff.post(f"/governance/meetings/{meeting.pk}/agenda/{item.pk}/delete/", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "Вопрос 1 удалён из повестки." in html
    assert "О приёме в члены кластера" not in html and "Повестка не заполнена." in html
    with schema_context(cluster_a.schema_name):
        assert not AgendaItem.objects.filter(pk=item.pk).exists()


def test_agenda_htmx_posts_are_refused_to_a_member_and_to_another_cluster(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    meeting = _meeting(cluster_a)
    member = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    assert (
        member.post(
            f"/governance/meetings/{meeting.pk}/agenda/", {"title": "Чужой"}, headers=HTMX
        ).status_code
        == 403
    )
    other = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_b), cluster_b)
    assert (
        other.post(f"/governance/meetings/{meeting.pk}/agenda/", {"title": "Чужой"}, headers=HTMX).status_code
        == 404
    )
    with schema_context(cluster_a.schema_name):
        assert not AgendaItem.objects.filter(title="Чужой").exists()


def test_expert_assigned_with_htmx_answers_the_application_row(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    call = open_call()
    alpha, beta = submitted(call, cluster_a), submitted(call, cluster_b)
    federal = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    insider = make_user(ROLE.CLUSTER_STAFF, cluster_a, email="insider@example.test")
    make_user(email="outsider@example.test")
    for email in ("insider@example.test", "outsider@example.test"):
        federal.post(f"/selection/{call.pk}/experts/", {"email": email})
    page = federal.get(f"/selection/{call.pk}/").content.decode()
    assert f'hx-target="#application-{beta.pk}"' in page
    response = federal.post(
        f"/selection/{call.pk}/assign/", {"application": beta.pk, "expert": insider.pk}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="application-{beta.pk}">')
    assert insider.full_name in html and "Эксперт назначен." in html and "<html" not in html
    conflict = federal.post(
        f"/selection/{call.pk}/assign/", {"application": alpha.pk, "expert": insider.pk}, headers=HTMX
    ).content.decode()
    assert "Конфликт интересов" in conflict and f'<tr id="application-{alpha.pk}">' in conflict
    assert list(Assignment.objects.filter(application=beta).values_list("expert_id", flat=True)) == [
        insider.pk
    ]
    assert not Assignment.objects.filter(application=alpha).exists()
    regional = signed_in(make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-NVS"]), None)
    refused = regional.post(
        f"/selection/{call.pk}/assign/", {"application": beta.pk, "expert": insider.pk}, headers=HTMX
    )
    assert refused.status_code == 403
    assert Assignment.objects.filter(application=beta).count() == 1
