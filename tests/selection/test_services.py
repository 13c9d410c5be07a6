"""The selection's rules: the window and eligibility, frozen snapshots, experts, scores, ranking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.accounts.selectors import MinistryScope
from core.accounts.services import grant_role
from core.audit.services import Actor
from core.selection import selectors, services
from core.selection.models import Application, Assignment, Call, Score
from tenants.models import Cluster
from tests.conftest import MakeUser

from .factories import ROLE, SYSTEM, expert, live_data, open_call, scored, submitted

pytestmark = pytest.mark.django_db


def test_submission_freezes_live_sections(cluster_a: Cluster) -> None:
    live_data(cluster_a)
    call = open_call()
    application = submitted(call, cluster_a)
    sections = application.snapshot["sections"]
    assert sections["participants"]["total"] == 2
    assert sections["participants"]["by_kind"] == {"Вуз или научная организация": 1, "Компания": 1}
    assert sections["cooperation"]["contracts"] == 1
    assert [p["title"] for p in sections["projects"]] == ["Реабилитационные тренажёры"]
    assert application.snapshot["narrative"]["expected_effects"][0]["target"] == "120"
    assert (application.status, application.version) == (Application.Status.SUBMITTED, 1)
    assert application.versions.count() == 1


def test_editing_after_submission_is_refused(cluster_a: Cluster) -> None:
    application = submitted(open_call(), cluster_a)
    with pytest.raises(ValidationError, match="Заявка подана"):
        services.application_update(
            application=application, data={"goals": "Другое"}, actor=Actor.system(cluster_a)
        )
    with pytest.raises(ValidationError, match="уже подана"):
        services.application_submit(application=application, actor=Actor.system(cluster_a))
    application.refresh_from_db()
    assert application.goals == "Выпуск тренажёров" and application.version == 1


def test_outside_window_and_not_eligible(cluster_a: Cluster) -> None:
    call = open_call()
    Call.objects.filter(pk=call.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1), opens_at=timezone.now() - dt.timedelta(days=2)
    )
    call.refresh_from_db()
    with pytest.raises(ValidationError, match="Приём заявок завершён"):
        services.application_create(call=call, cluster=cluster_a, actor=Actor.system(cluster_a))
    only_interregional = open_call(title="Межрегиональные", eligible_kinds=[Cluster.Kind.INTERREGIONAL])
    with pytest.raises(ValidationError, match="не для кластеров этого типа"):
        services.application_create(call=only_interregional, cluster=cluster_a, actor=Actor.system(cluster_a))
    assert not Application.objects.exists()


def test_required_sections_named_on_submit(cluster_a: Cluster) -> None:
    call = open_call(required_sections=["goals", "team"])
    application = services.application_create(call=call, cluster=cluster_a, actor=Actor.system(cluster_a))
    with pytest.raises(ValidationError, match="Команда проекта"):
        services.application_submit(application=application, actor=Actor.system(cluster_a))
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT and application.version == 0


def test_only_the_clusters_admin_applies(cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser) -> None:
    call = open_call()
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    other_admin = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    for user in (staff, other_admin):
        with pytest.raises(PermissionDenied):
            services.application_create(call=call, cluster=cluster_a, actor=Actor(user=user))
    assert not Application.objects.exists()


def test_conflict_of_interest_in_assignment_and_scoring(cluster_a: Cluster, make_user: MakeUser) -> None:
    call = open_call()
    application = submitted(call, cluster_a)
    holder = expert(make_user, call)
    services_grant = make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-MOS"])
    services.expert_grant(call=call, expert=services_grant, actor=SYSTEM)
    grant_role(user=holder, role=ROLE.MEMBER_REPRESENTATIVE, cluster=cluster_a, company_id=1)
    for user in (holder, services_grant):
        with pytest.raises(ValidationError, match="Конфликт интересов"):
            services.assignment_create(application=application, expert=user, actor=SYSTEM)
    assert not Assignment.objects.exists()
    # a conflict arising after assignment is still enforced when scoring
    late = expert(make_user, call)
    assignment = services.assignment_create(application=application, expert=late, actor=SYSTEM)
    grant_role(user=late, role=ROLE.CLUSTER_STAFF, cluster=cluster_a)
    criterion = call.criteria.first()
    assert criterion is not None
    with pytest.raises(PermissionDenied, match="Конфликт интересов"):
        services.scores_save(assignment=assignment, scores={criterion.pk: (5, "")}, actor=Actor(user=late))
    assert not Score.objects.exists()


def test_scale_wrong_expert_and_hidden_scores(cluster_a: Cluster, make_user: MakeUser) -> None:
    call = open_call()
    application = submitted(call, cluster_a)
    first, second = expert(make_user, call), expert(make_user, call)
    a1 = services.assignment_create(application=application, expert=first, actor=SYSTEM)
    a2 = services.assignment_create(application=application, expert=second, actor=SYSTEM)
    effect = call.criteria.get(code="effect")
    with pytest.raises(ValidationError, match="от 0 до 10"):
        services.scores_save(assignment=a1, scores={effect.pk: (11, "x")}, actor=Actor(user=first))
    with pytest.raises(PermissionDenied, match="не назначена вам"):
        services.scores_save(assignment=a1, scores={effect.pk: (5, "x")}, actor=Actor(user=second))
    assert not Score.objects.exists()
    scored(a1, 8, 6)
    with pytest.raises(PermissionDenied, match="после того, как вы отправите свои"):
        selectors.others_scores(assignment=a2, user=second)
    a2 = scored(a2, 6, 6)
    seen = selectors.others_scores(assignment=a2, user=second)
    assert [s.total for s in seen] == [Decimal("7.20")]
    application.refresh_from_db()
    assert application.status == Application.Status.RANKED


def test_random_distribution_is_even_and_skips_conflicts(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    call = open_call(experts=2)
    apps = [submitted(call, cluster_a), submitted(call, cluster_b)]
    experts = [expert(make_user, call) for _ in range(3)]
    grant_role(user=experts[0], role=ROLE.CLUSTER_ADMIN, cluster=cluster_a)
    made = services.assignments_distribute(call=call, actor=SYSTEM, seed=1)
    assert len(made) == 4
    assert experts[0].pk not in {a.expert_id for a in made if a.application_id == apps[0].pk}
    loads = sorted(sum(1 for a in made if a.expert_id == e.pk) for e in experts)
    assert loads[-1] - loads[0] <= 1


def test_ranking_clarification_decision_and_regional_scope(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    call = open_call(experts=2, outlier_spread=Decimal("1.5"))
    a, b = submitted(call, cluster_a), submitted(call, cluster_b)
    e1, e2 = expert(make_user, call), expert(make_user, call)
    for application, marks in ((a, ((9, 9), (5, 5))), (b, ((7, 7), (7, 6)))):
        for user, (effect, team) in zip((e1, e2), marks, strict=True):
            scored(
                services.assignment_create(application=application, expert=user, actor=SYSTEM), effect, team
            )
    ranking = selectors.call_ranking(call=call)
    assert [(r.cluster, r.place, r.score, r.spread, r.outlier) for r in ranking.rows] == [
        (cluster_a.name, 1, Decimal("7.00"), Decimal("4.00"), True),
        (cluster_b.name, 2, Decimal("6.80"), Decimal("0.40"), False),
    ]
    regional = selectors.call_ranking(
        call=call, scope=MinistryScope(federal=False, region_codes=frozenset({"RU-NVS"}))
    )
    assert [r.cluster for r in regional.rows] == [cluster_b.name]
    # a regional user may not ask a cluster outside its regions
    nvs = make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-NVS"])
    with pytest.raises(PermissionDenied, match="вне ваших регионов"):
        services.clarification_request(application=a, text="Уточните эффект", actor=Actor(user=nvs))
    clar = services.clarification_request(application=a, text="Уточните эффект", actor=SYSTEM)
    a.refresh_from_db()
    assert a.status == Application.Status.CLARIFICATION_REQUESTED
    services.application_update(
        application=a, data={"goals": "Уточнённые цели"}, actor=Actor.system(cluster_a)
    )
    services.clarification_answer(
        clarification=clar, answer="Эффект пересчитан", actor=Actor.system(cluster_a)
    )
    a.refresh_from_db()
    assert (a.version, a.status, a.snapshot["narrative"]["goals"]) == (
        2,
        Application.Status.RANKED,
        "Уточнённые цели",
    )
    assert a.version_reason.endswith("Уточните эффект")
    assert list(a.versions.values_list("version", flat=True)) == [1, 2]
    federal = make_user(ROLE.MINISTRY_FEDERAL)
    with pytest.raises(PermissionDenied):
        services.decision_record(application=a, outcome="winner", actor=Actor(user=nvs))
    services.decision_record(application=a, outcome="winner", protocol_ref="№ 1", actor=Actor(user=federal))
    services.call_close(call=call, actor=SYSTEM)
    with pytest.raises(ValidationError, match="Нет решения комиссии по 1"):
        services.call_publish_results(call=call, actor=SYSTEM)
    services.decision_record(application=b, outcome="supported", actor=Actor(user=federal))
    services.call_publish_results(call=call, actor=SYSTEM)
    assert Call.objects.get(pk=call.pk).status == Call.Status.PUBLISHED


def test_required_attachment_then_submit_and_no_changes_after(
    cluster_a: Cluster, settings: Any, tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    call = open_call(required_attachments=["Презентация"])
    actor = Actor.system(cluster_a)
    application = services.application_create(call=call, cluster=cluster_a, actor=actor)
    with pytest.raises(ValidationError, match="Приложите обязательные файлы: Презентация"):
        services.application_submit(application=application, actor=actor)
    with pytest.raises(ValidationError, match="тип файла"):
        services.attachment_add(
            application=application,
            name="Презентация",
            actor=actor,
            file=SimpleUploadedFile("deck.exe", b"MZ"),
        )
    services.attachment_add(
        application=application,
        name="Презентация",
        actor=actor,
        file=SimpleUploadedFile("deck.pdf", b"%PDF-1.4 slides"),
    )
    application = services.application_submit(application=application, actor=actor)
    assert application.snapshot["attachments"] == [{"name": "Презентация", "file": "deck.pdf", "size": 15}]
    with pytest.raises(ValidationError, match="Заявка подана"):
        services.attachment_add(
            application=application, name="Ещё", actor=actor, file=SimpleUploadedFile("more.pdf", b"%PDF-1.4")
        )
    assert application.attachments.count() == 1
