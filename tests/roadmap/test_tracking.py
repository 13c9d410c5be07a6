"""Roadmap tracking: which items are overdue (per deadline kind and status, in the cluster's time
zone), progress per section / committee / executor, «my items», and deadline reminders."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, TypedDict, cast

import pytest
from django.core import mail
from django_tenants.utils import schema_context
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from core.accounts.models import Grant, User
from core.audit.models import AuditEntry
from core.audit.services import Actor
from core.clock import cluster_today
from tenants.governance.models import CommitteeMember
from tenants.models import Cluster
from tenants.roadmap import services, tasks, tracking
from tenants.roadmap.deadlines import DeadlineKind as K
from tenants.roadmap.models import Item, ReminderSent, Roadmap
from tenants.roadmap.reminders import reminders_send
from tests.conftest import InCluster, MakeUser

from . import factories as f

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

pytestmark = pytest.mark.django_db
S = Item.Status
TODAY = dt.date(2025, 6, 16)
DAY = dt.timedelta(days=1)


# --- overdue --------------------------------------------------------------------------------

# (deadline kind, start, end, status, overdue on TODAY?)
OVERDUE_TABLE = [
    ("date yesterday, planned", K.DATE, None, TODAY - DAY, S.PLANNED, True),
    ("date yesterday, in progress", K.DATE, None, TODAY - DAY, S.IN_PROGRESS, True),
    ("date yesterday, not done", K.DATE, None, TODAY - DAY, S.NOT_DONE, True),
    ("date yesterday, done", K.DATE, None, TODAY - DAY, S.DONE, False),
    ("date yesterday, cancelled", K.DATE, None, TODAY - DAY, S.CANCELLED, False),
    ("date today", K.DATE, None, TODAY, S.PLANNED, False),
    ("date tomorrow", K.DATE, None, TODAY + DAY, S.PLANNED, False),
    ("until last week", K.UNTIL, None, TODAY - 7 * DAY, S.PLANNED, True),
    ("last month", K.MONTH, dt.date(2025, 5, 1), dt.date(2025, 5, 31), S.IN_PROGRESS, True),
    ("this month", K.MONTH, dt.date(2025, 6, 1), dt.date(2025, 6, 30), S.PLANNED, False),
    ("first quarter", K.QUARTER, dt.date(2025, 1, 1), dt.date(2025, 3, 31), S.PLANNED, True),
    ("range ended", K.RANGE, dt.date(2025, 3, 1), dt.date(2025, 4, 30), S.PLANNED, True),
    (
        "whole period, period over",
        K.WHOLE_PERIOD,
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 31),
        S.PLANNED,
        False,
    ),
    ("from March, period over", K.START, dt.date(2024, 3, 1), dt.date(2024, 12, 31), S.PLANNED, False),
    ("quarterly", K.RECURRING, None, None, S.PLANNED, False),
    ("by separate plan", K.SEPARATE_PLAN, None, None, S.PLANNED, False),
    ("no deadline", K.NONE, None, None, S.PLANNED, False),
    ("unparsed", K.UNPARSED, None, None, S.PLANNED, False),
]


def test_overdue_for_every_deadline_kind_and_status(cluster_a: Cluster, in_cluster: InCluster) -> None:
    with in_cluster(cluster_a):
        plan = f.roadmap(cluster_a, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
        made = {
            name: f.item(plan, title=name, kind=kind, start=start, end=end, status=status)
            for name, kind, start, end, status, _ in OVERDUE_TABLE
        }
        expected = {name for name, *_, overdue in OVERDUE_TABLE if overdue}
        in_sql = set(
            Item.objects.filter(roadmap=plan)
            .filter(tracking.overdue_q(TODAY))
            .values_list("title", flat=True)
        )
        in_python = {name for name, item in made.items() if tracking.is_overdue(item, TODAY)}
        listed = [i.title for i in tracking.overdue_items(roadmap=plan, today=TODAY)]
    assert in_sql == expected
    assert in_python == expected
    assert listed[0] == "first quarter" and set(listed) == expected  # oldest deadline first


def test_due_soon_is_today_up_to_n_days_ahead_for_open_dated_items(
    cluster_a: Cluster, in_cluster: InCluster, settings: Settings
) -> None:
    settings.ROADMAP_REMINDER_DAYS_BEFORE = 7
    with in_cluster(cluster_a):
        plan = f.roadmap(cluster_a)
        for name, end, status in [
            ("today", TODAY, S.PLANNED),
            ("in 7 days", TODAY + 7 * DAY, S.IN_PROGRESS),
            ("in 8 days", TODAY + 8 * DAY, S.PLANNED),
            ("yesterday", TODAY - DAY, S.PLANNED),
            ("done in 2 days", TODAY + 2 * DAY, S.DONE),
        ]:
            f.item(plan, title=name, end=end, status=status)
        f.item(plan, title="whole period", kind=K.WHOLE_PERIOD, start=TODAY - DAY, end=TODAY + DAY)
        soon = [i.title for i in tracking.due_soon_items(roadmap=plan, today=TODAY)]
        assert soon == ["today", "in 7 days"]
        assert [i.title for i in tracking.due_soon_items(roadmap=plan, today=TODAY, days=8)] == [
            "today",
            "in 7 days",
            "in 8 days",
        ]


def test_today_is_the_clusters_date_moscow_vs_novosibirsk(
    cluster_a: Cluster,
    cluster_b: Cluster,
    in_cluster: InCluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    settings: Settings,
) -> None:
    """18:30 UTC on 10 March is 21:30 in Moscow (still the 10th) and 01:30 on the 11th in Novosibirsk:
    an item due on 10 March is due today in Moscow and overdue in Novosibirsk."""
    settings.ROADMAP_REMINDER_HOUR = 0
    cluster_b.time_zone = "Asia/Novosibirsk"
    cluster_b.save(update_fields=["time_zone"])
    now = dt.datetime(2025, 3, 10, 18, 30, tzinfo=dt.UTC)
    assert cluster_today(cluster_a, now) == dt.date(2025, 3, 10)
    assert cluster_today(cluster_b, now) == dt.date(2025, 3, 11)
    kinds: dict[str, tuple[bool | str, ...]] = {}
    for cluster in (cluster_a, cluster_b):
        executor = make_user(Grant.Role.CLUSTER_STAFF, cluster)
        with in_cluster(cluster):
            plan = f.roadmap(cluster, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
            item = f.item(
                plan,
                title="Подготовить заявку",
                end=dt.date(2025, 3, 10),
                text="10 марта 2025 г.",
                executors=[f.person(executor)],
            )
            f.approve(cluster, plan)
            today = cluster_today(cluster, now)
            kinds[cluster.schema_name] = (
                tracking.is_overdue(item, today),
                [i.pk for i in tracking.due_soon_items(roadmap=plan, today=today)] == [item.pk],
            )
            with django_capture_on_commit_callbacks(execute=True):
                reminders_send(cluster=cluster, now=now)
            kinds[cluster.schema_name] += tuple(
                ReminderSent.objects.filter(item=item).values_list("kind", flat=True)
            )
    assert kinds == {"alpha": (False, True, "due_soon"), "beta": (True, False, "overdue")}
    by_subject = {m.to[0]: m.subject for m in mail.outbox}
    assert len(mail.outbox) == 2
    assert any(s.startswith("Приближается срок") for s in by_subject.values())
    assert any(s.startswith("Просрочены мероприятия") for s in by_subject.values())


# --- progress ---------------------------------------------------------------------------------


def test_progress_per_section_committee_and_executor(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    person = make_user(Grant.Role.CLUSTER_STAFF, cluster_a)
    with in_cluster(cluster_a):
        plan = f.roadmap(cluster_a)
        quality = f.committee("Комитет по качеству")
        firm = f.company("Медтех")
        first, second = f.section(plan, "Организация"), f.section(plan, "Выставки")
        f.section(plan, "Пустой раздел")
        me = f.person(person, "Иванов И.И.")
        f.item(plan, first, end=TODAY - DAY, status=S.DONE, executors=[me, f.committee_executor(quality)])
        f.item(plan, first, end=TODAY - DAY, status=S.PLANNED, executors=[f.committee_executor(quality)])
        f.item(plan, first, end=TODAY - DAY, status=S.CANCELLED, executors=[me])
        f.item(plan, second, end=TODAY + DAY, status=S.IN_PROGRESS, executors=[f.company_executor(firm), me])
        f.item(
            plan,
            second,
            kind=K.WHOLE_PERIOD,
            start=dt.date(2025, 1, 1),
            end=TODAY - DAY,
            status=S.NOT_DONE,
            executors=[f.text_executor("Университет «Дубна»"), f.text_executor("университет «дубна»")],
        )
        f.item(
            plan, second, end=TODAY - 2 * DAY, status=S.NOT_DONE, executors=[f.person(person, "Иванов И. И.")]
        )
        result = tracking.roadmap_progress(roadmap=plan, today=TODAY)

    sections = [(r.number, r.label, r.done, r.total, r.overdue, r.percent) for r in result.sections]
    assert sections == [
        ("1.", "Организация", 1, 2, 1, 50),
        ("2.", "Выставки", 0, 3, 1, 0),
        ("3.", "Пустой раздел", 0, 0, 0, None),
    ]
    assert (result.overall.done, result.overall.total, result.overall.overdue) == (1, 5, 2)
    assert [(r.label, r.done, r.total, r.overdue) for r in result.committees] == [
        ("Комитет по качеству", 1, 2, 1)
    ]
    executors = {r.label: (r.done, r.total, r.overdue) for r in result.executors}
    # the user counts once whatever the spelling; the cancelled item is not counted
    assert executors[person.full_name] == (1, 3, 1)
    assert executors["Медтех"] == (0, 1, 0)
    # two spellings of one organization written as text are one row; «whole period» is never overdue
    assert [
        (r.done, r.total, r.overdue) for r in result.executors if r.key == "name:университет «дубна»"
    ] == [(0, 1, 0)]


def test_progress_of_the_imported_seed_matches_the_items(cluster_a: Cluster, in_cluster: InCluster) -> None:
    with in_cluster(cluster_a):
        hr_group = f.committee("Рабочая группа по кадрам")
        plan = f.import_seed(cluster_a)
        item = plan.items.get(number="6.2.")
        services.item_update(
            actor=Actor.system(cluster_a),
            item=item,
            status=S.DONE,
            actual_result="Собрание проведено 14 марта 2019 г.",
        )
        today = dt.date(2019, 1, 15)
        result = tracking.roadmap_progress(roadmap=plan, today=today)
        items = list(plan.items.all())
    assert len(result.sections) == 6
    assert result.overall.total == len([i for i in items if i.status != S.CANCELLED]) == 24
    assert result.overall.done == len([i for i in items if i.status == S.DONE])
    assert result.overall.overdue == len([i for i in items if tracking.is_overdue(i, today)])
    assert not tracking.is_overdue(next(i for i in items if i.number == "6.2."), today)  # done now
    [group] = result.committees
    assert (group.label, group.committee_id, group.total) == ("Рабочая группа по кадрам", hr_group.pk, 1)


# --- my items -------------------------------------------------------------------------------


class _Via(TypedDict):
    """Why an item is mine: tracking.my_items annotates each row with these."""

    via_user: bool
    via_company: bool
    via_committee: bool


def test_my_items_for_a_user_a_company_representative_and_a_committee_member(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    with in_cluster(cluster_a):
        firm, other_firm = f.company("Медтех"), f.company("Другая")
        quality = f.committee("Комитет по качеству")
    staff = make_user(Grant.Role.CLUSTER_STAFF, cluster_a)
    rep = make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a, company_id=firm.pk)
    seated = make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a, company_id=other_firm.pk)
    with in_cluster(cluster_a):
        CommitteeMember.objects.create(committee=quality, user=seated, person_name=seated.full_name)
        plan = f.roadmap(cluster_a)
        mine_late = f.item(plan, title="Моё просроченное", end=TODAY - 3 * DAY, executors=[f.person(staff)])
        mine_soon = f.item(plan, title="Моё скоро", end=TODAY + 3 * DAY, executors=[f.person(staff)])
        mine_undated = f.item(plan, title="Моё без срока", kind=K.SEPARATE_PLAN, executors=[f.person(staff)])
        mine_done = f.item(
            plan, title="Моё выполненное", end=TODAY - 9 * DAY, status=S.DONE, executors=[f.person(staff)]
        )
        firms = f.item(plan, title="Компании", end=TODAY + DAY, executors=[f.company_executor(firm)])
        committees = f.item(
            plan,
            title="Комитета",
            end=TODAY - DAY,
            executors=[f.committee_executor(quality), f.person(staff)],
        )
        f.item(plan, title="Чужое", end=TODAY - DAY, executors=[f.text_executor("Университет «Дубна»")])
        old = f.roadmap(cluster_a, "Старая карта")
        f.item(old, title="В закрытой карте", end=TODAY - DAY, executors=[f.person(staff)])
        f.approve(cluster_a, old)
        services.roadmap_close(actor=Actor.system(cluster_a), roadmap=old)

        def mine(user: User, **kw: Any) -> list[WithAnnotations[Item, _Via]]:
            scope = tracking.my_scope(user=user, cluster=cluster_a)
            return cast(
                "list[WithAnnotations[Item, _Via]]", list(tracking.my_items(scope=scope, today=TODAY, **kw))
            )

        staff_items = mine(staff)
        # overdue first (oldest deadline first), then by deadline, undated last; closed roadmaps left out
        assert [i.title for i in staff_items] == [
            "Моё просроченное",
            "Комитета",
            "Моё выполненное",
            "Моё скоро",
            "Моё без срока",
        ]
        assert [i.pk for i in mine(staff, status="open")] == [
            mine_late.pk,
            committees.pk,
            mine_soon.pk,
            mine_undated.pk,
        ]
        assert [i.pk for i in mine(staff, status="overdue")] == [mine_late.pk, committees.pk]
        assert [i.pk for i in mine(staff, status=S.DONE)] == [mine_done.pk]
        assert [i.pk for i in mine(staff, query="скоро")] == [mine_soon.pk]
        [rep_item] = mine(rep)
        assert (rep_item.pk, rep_item.via_company, rep_item.via_user, rep_item.via_committee) == (
            firms.pk,
            True,
            False,
            False,
        )
        [seat_item] = mine(seated)
        assert (seat_item.pk, seat_item.via_committee, seat_item.via_company) == (committees.pk, True, False)
        assert mine(make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)) == []


def test_a_draft_new_version_does_not_double_my_items(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    staff = make_user(Grant.Role.CLUSTER_STAFF, cluster_a)
    with in_cluster(cluster_a):
        plan = f.roadmap(cluster_a)
        f.item(plan, title="Моё", end=TODAY, executors=[f.person(staff)])
        f.approve(cluster_a, plan)
        draft = services.roadmap_new_version(actor=Actor.system(cluster_a), roadmap=plan)
        scope = tracking.my_scope(user=staff, cluster=cluster_a)
        assert [i.roadmap_id for i in tracking.my_items(scope=scope, today=TODAY)] == [plan.pk]
        assert set(tracking.current_roadmaps()) == {plan}
        assert draft.status == Roadmap.Status.DRAFT


# --- reminders ------------------------------------------------------------------------------


def _links(message: Any) -> list[str]:
    return re.findall(r"https://[\w.-]+/roadmap/\d+/items/\d+/", message.body)


def test_reminders_go_once_to_executors_and_to_managers_for_items_without_one(
    cluster_a: Cluster,
    in_cluster: InCluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    settings: Settings,
) -> None:
    settings.ROADMAP_REMINDER_HOUR = 0
    settings.ROADMAP_REMINDER_DAYS_BEFORE = 7
    executor = make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a, email="executor@alpha.test")
    make_user(Grant.Role.CLUSTER_ADMIN, cluster_a, email="admin@alpha.test")
    make_user(Grant.Role.CLUSTER_STAFF, cluster_a, email="staff@alpha.test")
    make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a, email="bystander@alpha.test")
    today = cluster_today(cluster_a)
    with in_cluster(cluster_a):
        plan = f.roadmap(cluster_a, start=today - 200 * DAY, end=today + 200 * DAY)
        soon = f.item(
            plan,
            title="Подготовить стенд",
            end=today + 3 * DAY,
            text="через три дня",
            executors=[f.person(executor, "Петров П.П."), f.text_executor("Университет «Дубна»")],
        )
        late = f.item(
            plan,
            title="Отчёт комитета",
            end=today - 2 * DAY,
            executors=[f.text_executor("Рабочая группа по кадрам")],
        )
        f.item(plan, title="Выполнено", end=today - DAY, status=S.DONE, executors=[f.person(executor)])
        f.item(plan, title="Далеко", end=today + 30 * DAY, executors=[f.person(executor)])
        f.item(plan, title="Давно просрочено", end=today - 100 * DAY, executors=[f.person(executor)])
        f.item(
            plan,
            title="В течение года",
            kind=K.WHOLE_PERIOD,
            start=plan.period_start,
            end=today - DAY,
            executors=[f.person(executor)],
        )
        f.approve(cluster_a, plan)
        draft = f.roadmap(cluster_a, "Черновик")
        f.item(draft, title="В черновике", end=today + DAY, executors=[f.person(executor)])

    for _ in range(2):  # the beat task twice: the second run finds nothing new
        with django_capture_on_commit_callbacks(execute=True):
            tasks.reminders_dispatch.delay()

    letters = {m.to[0]: m for m in mail.outbox}
    assert sorted(letters) == ["admin@alpha.test", "executor@alpha.test", "staff@alpha.test"]
    assert len(mail.outbox) == 3
    to_executor = letters["executor@alpha.test"]
    assert to_executor.subject == f"Приближается срок мероприятий дорожной карты — {cluster_a.display_name}"
    assert "Подготовить стенд" in to_executor.body and "осталось дней: 3" in to_executor.body
    assert _links(to_executor) == [f"https://alpha.localhost/roadmap/{plan.pk}/items/{soon.pk}/"]
    for email in ("admin@alpha.test", "staff@alpha.test"):
        body = letters[email].body
        assert letters[email].subject.startswith("Просрочены мероприятия дорожной карты")
        assert "Отчёт комитета" in body and "истёк" in body and "нет исполнителя с учётной записью" in body
        assert _links(letters[email]) == [f"https://alpha.localhost/roadmap/{plan.pk}/items/{late.pk}/"]
    with in_cluster(cluster_a):
        sent = sorted(ReminderSent.objects.values_list("item__title", "kind", "deadline"))
        assert sent == [
            ("Отчёт комитета", "overdue", today - 2 * DAY),
            ("Подготовить стенд", "due_soon", today + 3 * DAY),
        ]
        assert AuditEntry.objects.filter(cluster=cluster_a, action="roadmap_item.reminder").count() == 2

        # the deadline moves (a new version would do it): the reminder is due again, once
        Item.objects.filter(pk=soon.pk).update(deadline_end=today + 5 * DAY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.reminders_dispatch.delay()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.reminders_dispatch.delay()
    assert [m.to for m in mail.outbox] == [["executor@alpha.test"]]
    assert "осталось дней: 5" in mail.outbox[0].body


def test_reminders_stay_in_their_cluster(
    cluster_a: Cluster,
    cluster_b: Cluster,
    in_cluster: InCluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    settings: Settings,
) -> None:
    settings.ROADMAP_REMINDER_HOUR = 0
    alpha_admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a, email="admin@alpha.test")
    beta_admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_b, email="admin@beta.test")
    beta_only = make_user(Grant.Role.CLUSTER_STAFF, cluster_b, email="staff@beta.test")
    today_a, today_b = cluster_today(cluster_a), cluster_today(cluster_b)
    with in_cluster(cluster_a):
        plan_a = f.roadmap(cluster_a, start=today_a - 100 * DAY, end=today_a + 100 * DAY)
        # linked by name to a person who holds a role only in beta: alpha's managers are told instead
        item_a = f.item(plan_a, title="Альфа", end=today_a + DAY, executors=[f.person(beta_only)])
        f.approve(cluster_a, plan_a)
    with in_cluster(cluster_b):
        plan_b = f.roadmap(cluster_b, start=today_b - 100 * DAY, end=today_b + 100 * DAY)
        item_b = f.item(plan_b, title="Бета", end=today_b + DAY, executors=[f.person(beta_only)])
        f.approve(cluster_b, plan_b)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.reminders_dispatch.delay()
    letters = {m.to[0]: m for m in mail.outbox}
    assert sorted(letters) == ["admin@alpha.test", "staff@beta.test"]
    assert _links(letters["admin@alpha.test"]) == [
        f"https://alpha.localhost/roadmap/{plan_a.pk}/items/{item_a.pk}/"
    ]
    assert "Бета" not in letters["admin@alpha.test"].body
    assert _links(letters["staff@beta.test"]) == [
        f"https://beta.localhost/roadmap/{plan_b.pk}/items/{item_b.pk}/"
    ]
    assert "Альфа" not in letters["staff@beta.test"].body
    assert beta_admin.email not in letters and alpha_admin.email in letters
    with schema_context(cluster_b.schema_name):
        assert list(ReminderSent.objects.values_list("item_id", flat=True)) == [item_b.pk]


def test_reminders_wait_for_the_clusters_morning_and_skip_suspended_clusters(
    cluster_a: Cluster,
    in_cluster: InCluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    settings: Settings,
) -> None:
    settings.ROADMAP_REMINDER_HOUR = 9
    make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    with in_cluster(cluster_a):
        plan = f.roadmap(cluster_a, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
        f.item(plan, end=dt.date(2025, 3, 12))
        f.approve(cluster_a, plan)
        early = dt.datetime(2025, 3, 10, 5, 0, tzinfo=dt.UTC)  # 08:00 in Moscow
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.reminders_run.delay(now=early.isoformat()).get()["skipped"]
            result = tasks.reminders_run.delay(now=(early + dt.timedelta(hours=1)).isoformat()).get()
        assert result["reminders"] == 1 and len(mail.outbox) == 1
    cluster_a.status = cluster_a.Status.SUSPENDED
    cluster_a.save(update_fields=["status"])
    assert "alpha" not in tasks.reminders_dispatch.delay().get()["clusters"]
