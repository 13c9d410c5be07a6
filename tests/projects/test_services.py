"""Services of joint projects: every bad input is a Russian error naming the field, nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.audit.services import Actor
from tenants.members.models import Company, CooperationContract
from tenants.projects import services
from tenants.projects.models import (
    JointProject,
    ProjectBudget,
    ProjectIndicator,
    ProjectParticipant,
    SupportApplication,
    SupportTranche,
)

from .factories import END, START, admitted_on, member, project

LEAD = ProjectParticipant.Role.LEAD
PART = ProjectParticipant.Role.PARTICIPANT


def _create(cluster, participants, **extra):  # type: ignore[no-untyped-def]
    return services.project_create(
        actor=Actor.system(cluster),
        title="Импортозамещение катетеров",
        kind="import_substitution",
        period_start=START,
        period_end=END,
        participants=participants,
        **extra,
    )


def test_project_with_participants_and_links(cluster_a, in_cluster) -> None:  # type: ignore[no-untyped-def]
    with in_cluster(cluster_a):
        a, b = member("Альфа"), member("Бета")
        contract = CooperationContract.objects.create(
            kind="joint_project",
            party_a=a,
            party_b=b,
            number="1",
            signed_on=dt.date(2024, 2, 1),
            subject="Совместный проект",
        )
        p = _create(cluster_a, [(a, LEAD), (b, PART)], contract_ids=[contract.pk])
        assert p.status == "idea"
        assert sorted(p.participants.values_list("company__short_name", "role")) == [
            ("Альфа", "lead"),
            ("Бета", "participant"),
        ]
        assert list(p.contracts.all()) == [contract]


@pytest.mark.parametrize("status", [Company.Status.INTERESTED, Company.Status.WITHDRAWN])
def test_participant_not_member_rejected(cluster_a, in_cluster, status) -> None:  # type: ignore[no-untyped-def]
    with in_cluster(cluster_a):
        a, outsider = member("Альфа"), member("Чужая", status=status)
        with pytest.raises(ValidationError) as err:
            _create(cluster_a, [(a, LEAD), (outsider, PART)])
        assert "«Чужая»" in err.value.message_dict["participants"][0]
        assert not JointProject.objects.exists()


def test_participant_admitted_after_start_rejected(cluster_a, in_cluster) -> None:  # type: ignore[no-untyped-def]
    with in_cluster(cluster_a):
        a, late = member("Альфа"), member("Поздняя")
        admitted_on(late, dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
        with pytest.raises(ValidationError) as err:
            _create(cluster_a, [(a, LEAD), (late, PART)])
        assert "не была участником кластера весь срок проекта" in err.value.message_dict["participants"][0]
        assert not JointProject.objects.exists()


def test_one_lead_and_period_order(cluster_a, in_cluster) -> None:  # type: ignore[no-untyped-def]
    with in_cluster(cluster_a):
        a, b = member(), member()
        with pytest.raises(ValidationError) as err:
            _create(cluster_a, [(a, PART), (b, PART)])
        assert "головной" in err.value.message_dict["participants"][0]
        with pytest.raises(ValidationError) as err:
            services.project_create(
                actor=Actor.system(cluster_a),
                title="X",
                kind="joint_rnd",
                period_start=END,
                period_end=START,
                participants=[(a, LEAD)],
            )
        assert "раньше" in err.value.message_dict["period_end"][0]
        assert not JointProject.objects.exists()


def test_contract_of_another_cluster_rejected(cluster_a, cluster_b, in_cluster) -> None:  # type: ignore[no-untyped-def]
    with in_cluster(cluster_b):
        x, y = member(), member()
        foreign = CooperationContract.objects.create(
            kind="supply", party_a=x, party_b=y, number="B-1", signed_on=dt.date(2024, 1, 1), subject="Чужой"
        )
    with in_cluster(cluster_a):
        a = member()
        CooperationContract.objects.filter(pk=foreign.pk).delete()  # the id is free in alpha's schema
        with pytest.raises(ValidationError) as err:
            _create(cluster_a, [(a, LEAD)], contract_ids=[foreign.pk])
        assert "нет в этом кластере" in err.value.message_dict["contracts"][0]
        assert not JointProject.objects.exists()


def test_budget_years_and_amounts(cluster_a, in_cluster) -> None:  # type: ignore[no-untyped-def]
    with in_cluster(cluster_a):
        p = project(cluster_a, member())
        system = Actor.system(cluster_a)
        services.budget_set(project=p, actor=system, year=2025, source="own_funds", amount_kopecks=500_000_00)
        for year, amount, field in (
            (2030, 1, "year"),
            (2025, -1, "amount_kopecks"),
            (2025, 10**18, "amount_kopecks"),
        ):
            with pytest.raises(ValidationError) as err:
                services.budget_set(project=p, actor=system, year=year, source="loans", amount_kopecks=amount)
            assert field in err.value.message_dict
        assert list(ProjectBudget.objects.values_list("year", "source", "amount_kopecks")) == [
            (2025, "own_funds", 500_000_00)
        ]


def test_indicator_flow_and_shortfall(cluster_a, in_cluster, make_user) -> None:  # type: ignore[no-untyped-def]
    with in_cluster(cluster_a):
        lead, other = member("Лид"), member("Другой")
        p = project(cluster_a, lead, other)
        rep = make_user("member_representative", cluster_a, company_id=lead.pk)
        stranger = make_user("member_representative", cluster_a, company_id=other.pk)
        staff = make_user("cluster_staff", cluster_a)
        as_rep = Actor(user=rep, cluster=cluster_a)
        with pytest.raises(ValidationError) as err:
            services.indicator_create(project=p, actor=as_rep, year=2031, kind="new_jobs", planned=10)
        assert "вне срока" in err.value.message_dict["year"][0]
        with pytest.raises(PermissionDenied):
            services.indicator_create(
                project=p,
                actor=Actor(user=stranger, cluster=cluster_a),
                year=2025,
                kind="new_jobs",
                planned=10,
            )
        with pytest.raises(ValidationError) as err:
            services.indicator_create(project=p, actor=as_rep, year=2025, kind="import_share", planned=120_00)
        assert "100 %" in err.value.message_dict["planned"][0]
        ind = services.indicator_create(
            project=p, actor=as_rep, year=2025, kind="new_jobs", planned=40, actual=30
        )
        assert ind.shortfall_percent == 25.0
        services.indicator_submit(indicator=ind, actor=as_rep)
        with pytest.raises(ValidationError):
            services.indicator_update(indicator=ind, actor=as_rep, actual=40)
        with pytest.raises(PermissionDenied):
            services.indicator_accept(indicator=ind, actor=as_rep)
        ind = services.indicator_accept(indicator=ind, actor=Actor(user=staff, cluster=cluster_a))
        assert ind.status == "accepted" and ProjectIndicator.objects.get().actual == 30


def test_support_grant_and_tranches(cluster_a, in_cluster) -> None:  # type: ignore[no-untyped-def]
    with in_cluster(cluster_a):
        lead, outsider = member("Лид"), member("Вне проекта")
        p = project(cluster_a, lead)
        system = Actor.system(cluster_a)
        with pytest.raises(ValidationError) as err:
            services.support_create(
                project=p,
                company=outsider,
                actor=system,
                measure="decree_41",
                amount_requested_kopecks=1_000_00,
                submitted_on=dt.date(2024, 3, 1),
            )
        assert "не участвует" in err.value.message_dict["company"][0]
        with pytest.raises(ValidationError) as err:
            services.support_create(
                project=p,
                company=lead,
                actor=system,
                measure="decree_41",
                amount_requested_kopecks=-5,
                submitted_on=dt.date(2024, 3, 1),
            )
        assert "amount_requested_kopecks" in err.value.message_dict
        app = services.support_create(
            project=p,
            company=lead,
            actor=system,
            measure="decree_41",
            amount_requested_kopecks=10_000_000_00,
            submitted_on=dt.date(2024, 3, 1),
        )
        with pytest.raises(ValidationError) as err:
            services.tranche_add(
                application=app, actor=system, received_on=dt.date(2024, 5, 1), amount_kopecks=1
            )
        assert "одобренной" in err.value.message_dict["amount_kopecks"][0]
        with pytest.raises(ValidationError) as err:
            services.support_decide(
                application=app,
                actor=system,
                decision="granted",
                decided_on=dt.date(2024, 4, 1),
                amount_granted_kopecks=20_000_000_00,
            )
        assert "больше, чем запрошено" in err.value.message_dict["amount_granted_kopecks"][0]
        services.support_decide(
            application=app,
            actor=system,
            decision="granted",
            decided_on=dt.date(2024, 4, 1),
            amount_granted_kopecks=8_000_000_00,
        )
        services.tranche_add(
            application=app, actor=system, received_on=dt.date(2024, 5, 1), amount_kopecks=5_000_000_00
        )
        with pytest.raises(ValidationError) as err:
            services.tranche_add(
                application=app, actor=system, received_on=dt.date(2024, 9, 1), amount_kopecks=3_000_000_01
            )
        assert "больше предоставленных" in err.value.message_dict["amount_kopecks"][0]
        assert list(SupportTranche.objects.values_list("amount_kopecks", flat=True)) == [5_000_000_00]
        assert SupportApplication.objects.get().decision == "granted"


def test_status_needs_adopted_decision(cluster_a, in_cluster) -> None:  # type: ignore[no-untyped-def]
    with in_cluster(cluster_a):
        p = project(cluster_a, member())
        with pytest.raises(ValidationError) as err:
            services.project_set_status(project=p, actor=Actor.system(cluster_a), status="approved")
        assert "decision" in err.value.message_dict
        with pytest.raises(ValidationError) as err:
            services.project_set_status(project=p, actor=Actor.system(cluster_a), status="done")
        assert "status" in err.value.message_dict
        assert JointProject.objects.get().status == "idea"
