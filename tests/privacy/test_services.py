"""Rules of the personal data area: consent versions and withdrawal, requests of people of this
cluster only, the copy holds this person in this cluster only, deletion keeps legal records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Invoice
from core.accounts.models import Grant
from core.audit.models import AuditEntry
from core.audit.services import Actor
from tenants.governance.models import Attendance, Ballot, Meeting
from tenants.models import Cluster
from tenants.privacy import services
from tenants.privacy.models import Consent, SubjectRequest
from tenants.privacy.selectors import incident_clocks
from tests.conftest import ROLE, MakeUser

from .conftest import footprint, purpose, system

pytestmark = pytest.mark.django_db


def test_a_new_text_version_leaves_given_consents_on_theirs(cluster_a: Cluster, make_user: MakeUser) -> None:
    person = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    p = purpose(cluster_a)
    with schema_context(cluster_a.schema_name):
        first = services.consent_give(actor=system(cluster_a), purpose=p, user_id=person.pk)
        services.purpose_text_publish(actor=system(cluster_a), purpose=p, text="Согласен, редакция 2.")
        first.refresh_from_db()
        assert first.text.version == 1
        services.consent_withdraw(actor=system(cluster_a), consent=first)
        second = services.consent_give(actor=system(cluster_a), purpose=p, user_id=person.pk)
        assert second.text.version == 2 and second.text.body == "Согласен, редакция 2."


def test_withdrawing_twice_is_refused_and_changes_nothing(cluster_a: Cluster, make_user: MakeUser) -> None:
    person = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    p = purpose(cluster_a)
    with schema_context(cluster_a.schema_name):
        consent = services.consent_give(actor=system(cluster_a), purpose=p, user_id=person.pk)
        services.consent_withdraw(actor=system(cluster_a), consent=consent)
        consent.refresh_from_db()
        when = consent.withdrawn_at
        audit_rows = AuditEntry.objects.filter(cluster=cluster_a, action="privacy.consent.withdraw").count()
        with pytest.raises(ValidationError, match="Согласие уже отозвано"):
            services.consent_withdraw(actor=system(cluster_a), consent=consent)
        consent.refresh_from_db()
        assert consent.withdrawn_at == when
        assert (
            AuditEntry.objects.filter(cluster=cluster_a, action="privacy.consent.withdraw").count()
            == audit_rows
        )


def test_a_request_for_a_person_of_another_cluster_is_refused(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    stranger = make_user(ROLE.CLUSTER_STAFF, cluster_b)
    with schema_context(cluster_a.schema_name):
        with pytest.raises(ValidationError, match="Такого человека нет"):
            services.request_create(actor=system(cluster_a), kind="copy", user_id=stranger.pk)
        assert not SubjectRequest.objects.exists()


def test_the_copy_holds_this_person_in_this_cluster_only(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    person = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a)
    grant = Grant.objects.get(user=person)
    other = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    grant_role_b = make_user(ROLE.CLUSTER_STAFF, cluster_b)  # another person in beta
    footprint(cluster_a, person, "Моя фирма")
    footprint(cluster_a, other, "Чужая фирма")
    from core.accounts.services import grant_role

    grant_role(user=person, role=ROLE.CLUSTER_STAFF, cluster=cluster_b)  # the same person in beta
    footprint(cluster_b, person, "Бета-фирма")
    with schema_context(cluster_a.schema_name):
        request = services.request_create(actor=system(cluster_a), kind="copy", user_id=person.pk)
        request = services.request_export(actor=system(cluster_a), request=request)
    text = str(request.result)
    assert request.status == "exported" and grant.role == ROLE.MEMBER_REPRESENTATIVE
    assert person.email in text and "Каталог Моя фирма" in text and f"№ PD-{person.pk}" in text
    assert len(request.result["Голосования"]) == 1 and len(request.result["Согласия"]) == 1
    for foreign in (
        "Чужая фирма",
        "Бета-фирма",
        other.email,
        other.full_name,
        grant_role_b.email,
        "Кластер Бета",
    ):
        assert foreign not in text, foreign


def test_deletion_keeps_invoices_and_protocols_and_removes_the_rest(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    person = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    other = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    mine, theirs = footprint(cluster_a, person, "Моя фирма"), footprint(cluster_a, other, "Чужая фирма")
    with schema_context(cluster_a.schema_name):
        request = services.request_create(actor=system(cluster_a), kind="deletion", user_id=person.pk)
        request = services.request_delete(actor=system(cluster_a), request=request)
        assert not Consent.objects.filter(user_id=person.pk).exists()
        assert Consent.objects.filter(pk=theirs["consent"]).exists()
        ballot = Ballot.objects.get(pk=mine["ballot"])
        assert ballot.cast_by_id is None and ballot.representative_name.startswith("Субъект ПДн")
        assert Meeting.objects.get(pk=mine["meeting"]).chair_name == person.full_name  # the signed protocol
        assert not Attendance.objects.filter(representative_name=person.full_name).exists()
        assert Attendance.objects.filter(representative_name=other.full_name).exists()
        assert Ballot.objects.get(pk=theirs["ballot"]).cast_by_id == other.pk
    assert Invoice.objects.filter(pk=mine["invoice"]).exists()
    assert not Grant.objects.filter(user=person, cluster=cluster_a).exists()
    kept = " ".join(request.result["Сохранено"])
    assert f"Счёт № PD-{person.pk}: сохранён" in kept and "402-ФЗ" in kept and "Протокол" in kept
    with schema_context(cluster_a.schema_name), pytest.raises(ValidationError, match="Запрос уже закрыт"):
        services.request_refuse(actor=system(cluster_a), request=request, reason="Повторно")


def test_incident_clocks_are_24_and_72_hours_from_detection(cluster_a: Cluster) -> None:
    detected = timezone.now() - dt.timedelta(hours=30)
    with schema_context(cluster_a.schema_name):
        incident = services.incident_create(actor=system(cluster_a), title="Утечка", detected_at=detected)
        notify, report = incident_clocks(incident)
        assert (notify.due - detected, notify.state) == (dt.timedelta(hours=24), "overdue")
        assert (report.due - detected, report.state) == (dt.timedelta(hours=72), "pending")
        with pytest.raises(ValidationError, match="Сначала отметьте уведомление"):
            services.incident_step(actor=system(cluster_a), incident=incident, step="report")
        services.incident_step(actor=system(cluster_a), incident=incident, step="notify")
        incident.refresh_from_db()
        assert incident_clocks(incident)[0].state == "late"


def test_dates_out_of_range_are_refused(cluster_a: Cluster, make_user: MakeUser) -> None:
    person = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    with schema_context(cluster_a.schema_name):
        with pytest.raises(ValidationError, match="не позже сегодняшней"):
            services.request_create(
                actor=system(cluster_a), kind="copy", user_id=person.pk, received_on=dt.date(9999, 12, 31)
            )
        with pytest.raises(ValidationError, match="не раньше 2000 года"):
            services.incident_create(
                actor=system(cluster_a), title="Старое", detected_at=dt.datetime(867, 8, 8, tzinfo=dt.UTC)
            )


def test_a_representative_consents_for_their_company(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        from tenants.members.models import Company

        company = Company.objects.create(full_name="ООО «Представляемая»", short_name="Представляемая")
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk)
    p = purpose(cluster_a)
    with schema_context(cluster_a.schema_name):
        consent = services.consent_give(
            actor=Actor(user=rep, host="alpha.localhost", cluster=cluster_a), purpose=p
        )
        assert (consent.user_id, consent.company_id, consent.host) == (rep.pk, company.pk, "alpha.localhost")


def test_deleting_a_person_without_a_name_removes_their_rows(cluster_a: Cluster, make_user: MakeUser) -> None:
    person = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    person.full_name = ""
    person.save()
    p = purpose(cluster_a)
    with schema_context(cluster_a.schema_name):
        services.consent_give(actor=system(cluster_a), purpose=p, user_id=person.pk)
        request = services.request_create(actor=system(cluster_a), kind="deletion", user_id=person.pk)
        request = services.request_delete(actor=system(cluster_a), request=request)
        assert request.status == "deleted" and not Consent.objects.filter(user_id=person.pk).exists()
    assert request.subject_name == person.email
