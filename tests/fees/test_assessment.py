"""Assessment runs: one invoice per liable member, idempotent; tiers, exemptions, proration,
entrance fees, quarterly periods, due dates and the cluster's time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context
from pytest_django import DjangoCaptureOnCommitCallbacks

from billing.models import Invoice
from billing.services import invoices_mark_overdue
from billing.services.invoices import InvoiceRequest, IssueOutcome
from core.audit.models import AuditEntry
from core.audit.services import Actor
from tenants.fees import services
from tenants.fees.models import AssessmentRun, FeeSchedule
from tenants.fees.periods import overdue_from, parse_period, period_containing, prorate
from tenants.governance.models import Body, Decision
from tenants.members.models import Company, KpiReport
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser

from . import factories as f

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
ISSUE = dt.date(2025, 1, 10)


def _run(
    cluster: Cluster,
    schedule: FeeSchedule,
    period: str,
    *,
    issue_date: dt.date = ISSUE,
    actor: Actor | None = None,
) -> AssessmentRun:
    """Start a run and carry it out here (the queued task fires only on a real commit)."""
    run = services.assessment_start(
        actor=actor or Actor.system(cluster), schedule=schedule, period=period, issue_date=issue_date
    )
    done = services.assessment_execute(run_id=run.pk)
    assert done is not None
    return done


def _invoices(cluster: Cluster) -> dict[str, Invoice]:
    return {i.source_key: i for i in Invoice.objects.filter(cluster=cluster).prefetch_related("lines")}


def test_one_invoice_per_liable_member_and_a_second_run_creates_nothing(
    cluster_a: Cluster, cluster_b: Cluster
) -> None:
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(cluster_a, amount_kopecks=150_000_00, due_month=3, due_day=31)
        active = f.member(cluster_a, "Медтех")
        suspended = f.member(cluster_a, "Реабилитация", status=Company.Status.SUSPENDED)
        f.member(cluster_a, "Ушедший", status=Company.Status.WITHDRAWN)
        f.member(cluster_a, "Кандидат", status=Company.Status.APPLIED)
        run = _run(cluster_a, schedule, "2025")
        assert (run.status, run.total, run.created_count, run.existing_count) == ("done", 2, 2, 0)
        assert run.amount_kopecks == 300_000_00
        invoices = _invoices(cluster_a)
        assert set(invoices) == {f"fees:2025:{active.pk}", f"fees:2025:{suspended.pk}"}
        invoice = invoices[f"fees:2025:{active.pk}"]
        assert invoice.company_name == "ООО «Медтех»" and invoice.company_inn == active.inn
        assert invoice.company_kpp == "500101001"
        assert (invoice.amount_kopecks, invoice.issue_date, invoice.due_date) == (
            150_000_00,
            ISSUE,
            dt.date(2025, 3, 31),
        )
        assert invoice.period_label == "2025 год"
        assert [line.description for line in invoice.lines.all()] == ["Членский взнос за 2025 год"]

        again = _run(cluster_a, schedule, "2025")
        assert (again.status, again.created_count, again.existing_count) == ("done", 0, 2)
        assert Invoice.objects.filter(cluster=cluster_a).count() == 2
        assert AssessmentRun.objects.count() == 2
    assert not Invoice.objects.filter(cluster=cluster_b).exists()
    actions = set(AuditEntry.objects.filter(cluster=cluster_a).values_list("action", flat=True))
    assert {"fee_schedule.create", "assessment.start", "assessment.finish"} <= actions


def test_a_member_admitted_later_is_picked_up_by_the_next_run(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(cluster_a)
        f.member(cluster_a, "Первый")
        assert _run(cluster_a, schedule, "2025").created_count == 1
        late = f.member(cluster_a, "Второй")
        run = _run(cluster_a, schedule, "2025")
        assert (run.created_count, run.existing_count) == (1, 1)
        assert f"fees:2025:{late.pk}" in _invoices(cluster_a)


def test_tiers_by_headcount_use_the_latest_accepted_report_before_the_period(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(
            cluster_a,
            amount_kopecks=50_000_00,
            tier_basis=FeeSchedule.TierBasis.HEADCOUNT,
            tiers=((0, 60_000_00), (50, 100_000_00), (250, 200_000_00)),
        )
        small, middle, big, unknown, edge = (
            f.member(cluster_a, n) for n in ("Малая", "Средняя", "Крупная", "Без отчёта", "Ровно 250")
        )
        f.kpi(small, 2024, employees=12)
        f.kpi(middle, 2023, employees=400)
        f.kpi(middle, 2024, employees=80)  # the latest accepted one counts
        f.kpi(big, 2024, employees=300)
        f.kpi(big, 2025, employees=10)  # the period's own year: not yet a completed year
        f.kpi(unknown, 2024, employees=900, status=KpiReport.Status.SUBMITTED)  # not accepted
        f.kpi(edge, 2024, employees=250)
        _run(cluster_a, schedule, "2025")
        amounts = {k.split(":")[-1]: i.amount_kopecks for k, i in _invoices(cluster_a).items()}
        assert amounts == {
            str(small.pk): 60_000_00,
            str(middle.pk): 100_000_00,
            str(big.pk): 200_000_00,
            str(unknown.pk): 50_000_00,
            str(edge.pk): 200_000_00,
        }
        big_invoice = _invoices(cluster_a)[f"fees:2025:{big.pk}"]
        assert big_invoice.lines.get().description == "Членский взнос за 2025 год (численность от 250 чел.)"


def test_tiers_by_revenue(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(
            cluster_a,
            tier_basis=FeeSchedule.TierBasis.REVENUE,
            tiers=((0, 30_000_00), (100_000_000_00, 90_000_00)),
        )
        poor, rich = f.member(cluster_a, "Стартап"), f.member(cluster_a, "Завод")
        f.kpi(poor, 2024, revenue=5_000_000_00)
        f.kpi(rich, 2024, revenue=250_000_000_00)
        _run(cluster_a, schedule, "2025")
        invoices = _invoices(cluster_a)
        assert invoices[f"fees:2025:{poor.pk}"].amount_kopecks == 30_000_00
        assert invoices[f"fees:2025:{rich.pk}"].amount_kopecks == 90_000_00
        assert "выручка от 100 000 000,00 ₽" in invoices[f"fees:2025:{rich.pk}"].lines.get().description


def test_exemptions_free_or_discount_a_member_for_their_dates(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(cluster_a, amount_kopecks=100_000_00)
        freed, halved, expired, future = (
            f.member(cluster_a, n) for n in ("Фонд", "Вуз", "Бывший льготник", "Будущий льготник")
        )
        system = Actor.system(cluster_a)
        services.exemption_create(
            actor=system,
            company=freed,
            starts_on=dt.date(2024, 1, 1),
            reason="Решение совета № 4: некоммерческая организация",
        )
        services.exemption_create(
            actor=system,
            company=halved,
            starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2025, 12, 31),
            percent=50,
            reason="Вуз-партнёр",
        )
        services.exemption_create(
            actor=system,
            company=expired,
            starts_on=dt.date(2023, 1, 1),
            ends_on=dt.date(2024, 12, 31),
            reason="Льгота на 2023–2024 годы",
        )
        services.exemption_create(
            actor=system, company=future, starts_on=dt.date(2026, 1, 1), reason="Льгота с 2026 года"
        )
        run = _run(cluster_a, schedule, "2025")
        assert (run.created_count, run.exempt_count) == (3, 1)
        invoices = _invoices(cluster_a)
        assert f"fees:2025:{freed.pk}" not in invoices
        assert invoices[f"fees:2025:{halved.pk}"].amount_kopecks == 50_000_00
        assert "освобождение 50 %" in invoices[f"fees:2025:{halved.pk}"].lines.get().description
        assert invoices[f"fees:2025:{expired.pk}"].amount_kopecks == 100_000_00
        assert invoices[f"fees:2025:{future.pk}"].amount_kopecks == 100_000_00

        with pytest.raises(ValidationError) as err:
            services.exemption_create(actor=system, company=freed, starts_on=dt.date(2025, 1, 1), reason="  ")
        assert "Укажите основание освобождения." in err.value.messages
        with pytest.raises(ValidationError):
            services.exemption_create(
                actor=system,
                company=freed,
                starts_on=dt.date(2025, 1, 1),
                ends_on=dt.date(2024, 1, 1),
                reason="Опечатка в датах",
            )


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("none", 120_000_00),
        ("monthly", 70_000_00),  # admitted 20 June: June–December, 7 of 12 months
        ("daily", 64_109_59),  # 195 of 365 days, rounded half up
    ],
)
def test_proration_for_a_member_admitted_mid_year(cluster_a: Cluster, mode: str, expected: int) -> None:
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(cluster_a, amount_kopecks=120_000_00, proration=mode, due_day=31)
        newcomer = f.member(cluster_a, "Новичок", admitted=dt.datetime(2025, 6, 20, 15, tzinfo=MSK))
        _run(cluster_a, schedule, "2025", issue_date=dt.date(2025, 7, 1))
        invoice = _invoices(cluster_a)[f"fees:2025:{newcomer.pk}"]
        assert invoice.amount_kopecks == expected
        # issued after the period's due day (31 January): due 30 days after issue
        assert invoice.due_date == dt.date(2025, 7, 31)
        if mode != "none":
            assert "членство с 20.06.2025" in invoice.lines.get().description


def test_entrance_fee_once_for_members_admitted_under_the_schedule(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(
            cluster_a, entrance_fee_kopecks=25_000_00, payment_days=14, effective_from=dt.date(2025, 1, 1)
        )
        founder = f.member(cluster_a, "Учредитель")  # admitted in 2020: before the schedule
        newcomer = f.member(cluster_a, "Новичок", admitted=dt.datetime(2025, 2, 3, 10, tzinfo=MSK))
        exempt = f.member(cluster_a, "Вуз", admitted=dt.datetime(2025, 2, 3, 10, tzinfo=MSK))
        services.exemption_create(
            actor=Actor.system(cluster_a),
            company=exempt,
            starts_on=dt.date(2025, 1, 1),
            covers_entrance=True,
            reason="Вузы освобождены от вступительного взноса",
        )
        _run(cluster_a, schedule, "2025", issue_date=dt.date(2025, 3, 1))
        invoices = _invoices(cluster_a)
        assert f"entrance:{founder.pk}" not in invoices
        assert f"entrance:{exempt.pk}" not in invoices
        entrance = invoices[f"entrance:{newcomer.pk}"]
        assert (entrance.amount_kopecks, entrance.due_date) == (25_000_00, dt.date(2025, 3, 15))
        assert entrance.lines.get().code == "entrance"
        assert entrance.period_label == "2025 год"
        # a later period does not charge it again
        run = _run(cluster_a, schedule, "2026", issue_date=dt.date(2026, 1, 10))
        assert not any(
            k.startswith("entrance:") and i.issue_date.year == 2026 for k, i in _invoices(cluster_a).items()
        )
        assert (run.created_count, run.exempt_count) == (2, 1)  # the exemption also frees the periodic fee


def test_quarterly_periods_and_due_dates(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(
            cluster_a,
            period=FeeSchedule.Period.QUARTER,
            amount_kopecks=30_000_00,
            due_month=2,
            due_day=31,
            grace_days=10,
        )
        company = f.member(cluster_a, "Квартальный")
        run = _run(cluster_a, schedule, "2025-q2", issue_date=dt.date(2025, 4, 1))
        assert (run.period, run.period_start, run.period_end) == (
            "2025-Q2",
            dt.date(2025, 4, 1),
            dt.date(2025, 6, 30),
        )
        invoice = _invoices(cluster_a)[f"fees:2025-Q2:{company.pk}"]
        assert invoice.due_date == dt.date(2025, 5, 31)
        assert invoice.period_label == "II квартал 2025 года"
        assert overdue_from(invoice.due_date, grace_days=schedule.grace_days) == dt.date(2025, 6, 11)
        # billing honours the grace period: not overdue on 10 June, overdue on the 11th (the
        # invoice was issued «today», long after, so it starts overdue: reopen it for the check)
        assert invoice.overdue_after == dt.date(2025, 6, 10)
        Invoice.objects.filter(pk=invoice.pk).update(status="open")
        assert invoices_mark_overdue(cluster=cluster_a, today=dt.date(2025, 6, 10)) == 0
        assert invoices_mark_overdue(cluster=cluster_a, today=dt.date(2025, 6, 11)) == 1
        invoice.refresh_from_db()
        assert invoice.status == "overdue"
        _run(cluster_a, schedule, "2025-Q3", issue_date=dt.date(2025, 7, 1))
        assert f"fees:2025-Q3:{company.pk}" in _invoices(cluster_a)
        with pytest.raises(ValidationError) as err:
            services.assessment_start(actor=Actor.system(cluster_a), schedule=schedule, period="2025")
        assert "укажите квартал" in " ".join(err.value.messages)
        with pytest.raises(ValidationError):
            services.fee_schedule_update(actor=Actor.system(cluster_a), schedule=schedule, due_month=4)
        with pytest.raises(ValidationError) as err:
            services.fee_schedule_update(
                actor=Actor.system(cluster_a), schedule=schedule, period=FeeSchedule.Period.YEAR
            )
        assert "период взноса менять нельзя" in " ".join(err.value.messages)


def test_admission_day_and_issue_day_are_the_clusters_local_dates(cluster_a: Cluster) -> None:
    Cluster.objects.filter(pk=cluster_a.pk).update(time_zone="Asia/Novosibirsk")
    cluster_a.refresh_from_db()
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(
            cluster_a,
            period=FeeSchedule.Period.QUARTER,
            amount_kopecks=30_000_00,
            proration=FeeSchedule.Proration.DAILY,
            entrance_fee_kopecks=1_000_00,
            effective_from=dt.date(2025, 1, 1),
        )
        # 31 March 20:30 UTC is 1 April 03:30 in Novosibirsk (and still 31 March in Moscow)
        company = f.member(cluster_a, "Сибирь", admitted=dt.datetime(2025, 3, 31, 20, 30, tzinfo=dt.UTC))
        run = services.assessment_start(actor=Actor.system(cluster_a), schedule=schedule, period="2025-Q1")
        services.assessment_execute(run_id=run.pk)
        assert f"fees:2025-Q1:{company.pk}" not in _invoices(cluster_a)  # not yet a member in Q1
        _run(cluster_a, schedule, "2025-Q2", issue_date=dt.date(2025, 4, 2))
        invoices = _invoices(cluster_a)
        assert invoices[f"fees:2025-Q2:{company.pk}"].amount_kopecks == 30_000_00  # whole quarter
        assert f"entrance:{company.pk}" in invoices  # admitted on the schedule's first day


def test_the_run_dates_its_invoices_with_the_clusters_today(cluster_a: Cluster) -> None:
    """Issue date defaults to «today» where the cluster is, which may differ from UTC's."""
    Cluster.objects.filter(pk=cluster_a.pk).update(time_zone="Asia/Kamchatka")
    cluster_a.refresh_from_db()
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(cluster_a, effective_from=dt.date(2000, 1, 1))
        run = services.assessment_start(actor=Actor.system(cluster_a), schedule=schedule, period="2025")
    from django.utils import timezone

    assert run.issue_date == timezone.localdate(timezone=ZoneInfo("Asia/Kamchatka"))


def test_pure_period_helpers() -> None:
    assert parse_period("year", " 2025 ").label == "2025 год"
    assert parse_period("quarter", "2024К4").key == "2024-Q4"
    assert period_containing("quarter", dt.date(2024, 2, 29)).end == dt.date(2024, 3, 31)
    q1 = parse_period("quarter", "2025-Q1")
    assert prorate(90_000_00, q1, since=dt.date(2025, 2, 15), mode="monthly") == 60_000_00
    assert prorate(90_000_00, q1, since=dt.date(2025, 4, 1), mode="daily") == 0
    for bad in ("25", "2025-Q5", "1999"):
        with pytest.raises(ValidationError):
            parse_period("quarter", bad)


def test_only_managers_set_fees_and_only_on_an_adopted_general_meeting_decision(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.member(cluster_a, "Представляемая")
        rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk)
        as_rep = Actor(user=rep, host="alpha.localhost", cluster=cluster_a)
        with pytest.raises(PermissionDenied):
            services.fee_schedule_create(
                actor=as_rep,
                name="Своё положение",
                decision=f.fee_decision(),
                effective_from=dt.date(2025, 1, 1),
            )
        schedule = f.schedule(cluster_a)
        with pytest.raises(PermissionDenied):
            services.assessment_start(actor=as_rep, schedule=schedule, period="2025")
        with pytest.raises(PermissionDenied):
            services.exemption_create(
                actor=as_rep, company=company, starts_on=dt.date(2025, 1, 1), reason="Себе"
            )
        for decision, message in (
            (f.fee_decision(adopted=False), "не принято"),
            (f.fee_decision(kind=Decision.Kind.OTHER), "не решение об установлении"),
            (f.fee_decision(body_kind=Body.Kind.COUNCIL), "общее собрание"),
        ):
            with pytest.raises(ValidationError) as err:
                f.schedule(cluster_a, decision=decision)
            assert message in " ".join(err.value.messages)
        with pytest.raises(ValidationError) as err:
            f.schedule(cluster_a, tier_basis=FeeSchedule.TierBasis.HEADCOUNT, tiers=((0, 1), (0, 2)))
        assert "не должны повторяться" in " ".join(err.value.messages)
        with pytest.raises(ValidationError):
            f.schedule(cluster_a, tiers=((0, 1),))  # tiers without a basis


def test_a_run_for_a_period_outside_the_schedule_or_already_running_is_refused(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(
            cluster_a, effective_from=dt.date(2025, 1, 1), effective_until=dt.date(2025, 12, 31)
        )
        with pytest.raises(ValidationError) as err:
            services.assessment_start(actor=Actor.system(cluster_a), schedule=schedule, period="2024")
        assert "не действует" in " ".join(err.value.messages)
        services.assessment_start(actor=Actor.system(cluster_a), schedule=schedule, period="2025")
        with pytest.raises(ValidationError) as err:
            services.assessment_start(actor=Actor.system(cluster_a), schedule=schedule, period="2025")
        assert "уже выполняется" in " ".join(err.value.messages)
        with pytest.raises(ValidationError):
            services.fee_schedule_delete(actor=Actor.system(cluster_a), schedule=schedule)


def test_the_task_path_runs_the_queued_run_in_the_clusters_schema(
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(cluster_a)
        f.member(cluster_a, "Через очередь")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            run = services.assessment_start(
                actor=Actor.system(cluster_a), schedule=schedule, period="2025", issue_date=ISSUE
            )
        assert len(callbacks) == 1
        callbacks[0]()
        run.refresh_from_db()
        assert (run.status, run.created_count, run.processed, run.percent) == ("done", 1, 1, 100)


def test_one_members_refusal_does_not_stop_the_others_and_a_rerun_retries_it(
    cluster_a: Cluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from billing import services as billing_services

    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(cluster_a)
        good, bad = f.member(cluster_a, "Исправная"), f.member(cluster_a, "Сбойная")
        real = billing_services.invoices_issue_many

        def refusing(*, requests: Sequence[InvoiceRequest], **kwargs: Any) -> IssueOutcome:
            outcome = real(requests=[r for r in requests if r.company_id != bad.pk], **kwargs)
            for r in requests:
                if r.company_id == bad.pk:
                    outcome.refused[r.source_key] = ValidationError(
                        {"company_name": ["Укажите плательщика."]}
                    )
            return outcome

        monkeypatch.setattr(services, "invoices_issue_many", refusing)
        run = _run(cluster_a, schedule, "2025")
        assert (run.status, run.created_count, run.processed, run.total) == ("failed", 1, 2, 2)
        assert run.errors == [
            {"company_id": bad.pk, "company": "ООО «Сбойная»", "message": "Укажите плательщика."}
        ]
        monkeypatch.setattr(services, "invoices_issue_many", real)
        again = _run(cluster_a, schedule, "2025")
        assert (again.status, again.created_count, again.existing_count) == ("done", 1, 1)
        assert set(_invoices(cluster_a)) == {f"fees:2025:{good.pk}", f"fees:2025:{bad.pk}"}
