"""Meetings and committees sort by their table headers (the one list pattern, frontend.tables):
the old ?sort= values keep working, an unknown one falls back, the tables have captions."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from tenants.governance import services
from tenants.governance.models import Meeting
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, signed_in

from . import factories as f

pytestmark = pytest.mark.django_db


def test_meetings_sort_by_header_links(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with schema_context(cluster_a.schema_name):
        general = f.body(cluster_a)
        f.meeting(cluster_a, general, number="7", held_at=f.PAST - dt.timedelta(days=400))
        f.meeting(cluster_a, general, number="8", held_at=f.PAST)
    newest = staff.get("/governance/meetings/").content.decode()
    assert "Найдено заседаний: 2" in newest and 'name="sort"' not in newest  # no sort select
    assert 'aria-sort="descending"' in newest and 'href="?sort=body"' in newest
    assert newest.index("<td>8</td>") < newest.index("<td>7</td>")
    oldest = staff.get("/governance/meetings/?sort=held_at").content.decode()
    assert oldest.index("<td>7</td>") < oldest.index("<td>8</td>")
    assert 'aria-sort="ascending"' in oldest
    by_number_desc = staff.get("/governance/meetings/?sort=-number").content.decode()
    assert by_number_desc.index("<td>8</td>") < by_number_desc.index("<td>7</td>")
    unknown = staff.get("/governance/meetings/?sort=place;drop").content.decode()
    assert unknown.index("<td>8</td>") < unknown.index("<td>7</td>")  # the default order


def test_committees_sort_by_header_links(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with schema_context(cluster_a.schema_name):
        for name in ("Альфа-комитет", "Яхонтовая группа"):
            services.committee_create(actor=f.system(cluster_a), name=name)
    page = staff.get("/governance/committees/").content.decode()
    assert "Найдено комитетов и рабочих групп: 2" in page and 'href="?sort=-name"' in page
    assert page.index("Альфа-комитет") < page.index("Яхонтовая группа")
    reverse = staff.get("/governance/committees/?sort=-name").content.decode()
    assert reverse.index("Яхонтовая группа") < reverse.index("Альфа-комитет")


def test_committees_search_name_or_tasks_and_filter_by_kind(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with schema_context(cluster_a.schema_name):
        services.committee_create(actor=f.system(cluster_a), name="Альфа-комитет", description="Экспорт")
        services.committee_create(
            actor=f.system(cluster_a), name="Яхонтовая группа", kind="working_group", description="Кадры"
        )
    by_tasks = staff.get("/governance/committees/?q=экспорт").content.decode()
    assert "Найдено комитетов и рабочих групп: 1" in by_tasks and "Яхонтовая группа" not in by_tasks
    by_name = staff.get("/governance/committees/?q=ЯХОНТ").content.decode()
    assert "Найдено комитетов и рабочих групп: 1" in by_name and "Альфа-комитет" not in by_name
    groups = staff.get("/governance/committees/?kind=working_group").content.decode()
    assert "Найдено комитетов и рабочих групп: 1" in groups and "Альфа-комитет" not in groups
    assert '<option value="working_group" selected>' in groups
    for made_up in ("council", "working_group;drop", "²"):  # not a kind of the choices: every committee
        assert (
            "Найдено комитетов и рабочих групп: 2"
            in staff.get(f"/governance/committees/?kind={made_up}").content.decode()
        )
    nothing = staff.get("/governance/committees/?q=нет-такого&kind=committee").content.decode()
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing


def test_meetings_filter_by_body_and_state_and_ignore_made_up_bodies(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with schema_context(cluster_a.schema_name):
        general = f.body(cluster_a)
        council = f.body(cluster_a, kind="council", name="Совет кластера")
        f.meeting(cluster_a, general, number="7", agenda=("О плане работы",))
        held = f.meeting(
            cluster_a, general, number="8", agenda=("О взносах за 2025 год", "О взносах за 2026 год")
        )
        Meeting.objects.filter(pk=held.pk).update(status=Meeting.Status.HELD)
        f.meeting(cluster_a, council, number="1", agenda=("О взносах",))
    by_body = staff.get(f"/governance/meetings/?body={council.pk}").content.decode()
    assert "Найдено заседаний: 1" in by_body and f'<option value="{council.pk}" selected>' in by_body
    held_only = staff.get("/governance/meetings/?status=held").content.decode()
    assert "Найдено заседаний: 1" in held_only and "<td>8</td>" in held_only
    # the agenda's questions find their meeting once, however many of them match
    dues = staff.get(f"/governance/meetings/?q=взнос&body={general.pk}").content.decode()
    assert "Найдено заседаний: 1" in dues and "<td>8</td>" in dues
    # not a body of the choices (a deleted one, a typed URL): every meeting, never an error
    for made_up in ("99999999999999999999", "²", "0", "-1", "1;drop"):
        response = staff.get(f"/governance/meetings/?body={made_up}")
        assert response.status_code == 200, made_up
        assert "Найдено заседаний: 3" in response.content.decode(), made_up
