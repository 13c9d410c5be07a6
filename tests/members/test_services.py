"""Members services: companies, lifecycle, representatives, products, KPIs, contracts, audit rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context
from pytest_django import DjangoCaptureOnCommitCallbacks

from core.accounts.models import Grant, User
from core.audit.models import AuditEntry
from core.audit.services import Actor
from tenants.governance import services as governance
from tenants.members import services
from tenants.members.models import (
    Company,
    CooperationContract,
    Invitation,
    KpiReport,
    MembershipEvent,
    Product,
)
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser
from tests.governance import factories as gf

from . import factories as f

pytestmark = pytest.mark.django_db

Status = Company.Status


def _actor(user: User, cluster: Cluster) -> Actor:
    return Actor(user=user, host=f"{cluster.schema_name}.localhost", cluster=cluster)


def _audit(cluster: Cluster, action: str, **filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(cluster=cluster, action=action, **filters).order_by("id"))


# --- companies ----------------------------------------------------------------------------


def test_staff_create_a_company_with_history_and_an_audit_row(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    with schema_context(cluster_a.schema_name):
        company = services.company_create(
            actor=_actor(staff, cluster_a),
            full_name="Общество с ограниченной ответственностью «Медтех»",
            inn=" 7707 083893 ",
            ogrn="1027700132195",
            kpp="773601001",
            region_code="RU-MOS",
            website="medtech.example",
            okved_codes="32.50; 26.60",
            is_sez_resident=True,
        )
        assert company.short_name == "Общество с ограниченной ответственностью «Медтех»"
        assert company.inn == "7707083893"
        assert company.website == "https://medtech.example"
        assert company.okved_codes == ["32.50", "26.60"]
        assert company.status == Status.INTERESTED
        event = MembershipEvent.objects.get(company=company)
        assert (event.from_status, event.to_status, event.actor_id) == ("", Status.INTERESTED, staff.pk)
    row = _audit(cluster_a, "company.create")[-1]
    assert (row.actor_id, row.host, row.object_id) == (staff.pk, "alpha.localhost", str(company.pk))
    assert row.changes["inn"] == [None, "7707083893"]


def test_bad_identifiers_and_duplicate_inn_give_russian_errors_before_the_database(
    cluster_a: Cluster,
) -> None:
    actor = f.system(cluster_a)
    with schema_context(cluster_a.schema_name):
        with pytest.raises(ValidationError) as error:
            services.company_create(actor=actor, full_name="ООО «Ошибка»", inn="7707083890")
        assert error.value.message_dict["inn"] == ["ИНН: неверное контрольное число."]
        with pytest.raises(ValidationError) as error:
            services.company_create(
                actor=actor, full_name="ООО «Ошибка»", ogrn="1027700132190", kpp="77360100"
            )
        assert error.value.message_dict["ogrn"] == ["ОГРН: неверное контрольное число."]
        assert error.value.message_dict["kpp"][0].startswith("КПП:")
        first = f.company(cluster_a, "Первая", inn="7707083893")
        with pytest.raises(ValidationError) as error:
            services.company_create(actor=actor, full_name="ООО «Вторая»", inn="7707083893")
        assert error.value.message_dict["inn"] == [
            "Организация с ИНН 7707083893 уже есть в кластере: «Первая»."
        ]
        second = f.company(cluster_a, "Вторая")
        with pytest.raises(ValidationError, match="уже есть в кластере: «Первая»"):
            services.company_update(company=second, actor=actor, inn="7707083893")
        assert Company.objects.filter(inn="7707083893").get() == first


def test_the_same_inn_may_exist_in_another_cluster(cluster_a: Cluster, cluster_b: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        f.company(cluster_a, "Альфа", inn="7707083893")
    with schema_context(cluster_b.schema_name):
        assert f.company(cluster_b, "Бета", inn="7707083893").inn == "7707083893"


def test_a_new_company_is_never_created_as_a_member(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        for status in (Status.ADMITTED, Status.ACTIVE):
            with pytest.raises(ValidationError, match="участником её делает решение общего собрания"):
                services.company_create(actor=f.system(cluster_a), full_name="ООО «Хитрец»", status=status)
        assert not Company.objects.filter(full_name="ООО «Хитрец»").exists()


def test_representative_edits_only_its_own_company_profile(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        own = f.company(cluster_a, "Своя", status=Status.ACTIVE)
        other = f.company(cluster_a, "Чужая")
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=own.pk)
    actor = _actor(rep, cluster_a)
    with schema_context(cluster_a.schema_name):
        services.company_update(
            company=own,
            actor=actor,
            address="г. Дубна, ул. Программистов, 4",
            description="Производство медицинских изделий",
            okved_codes=["32.50"],
            public_fields=["website", "address"],
        )
        own.refresh_from_db()
        assert own.address == "г. Дубна, ул. Программистов, 4"
        assert own.public_fields == ["website", "address"]
        for fields in ({"inn": "7707083893"}, {"full_name": "ООО «Новое имя»"}, {"is_sez_resident": True}):
            with pytest.raises(PermissionDenied, match="только профиль организации"):
                services.company_update(company=own, actor=actor, **fields)
        with pytest.raises(TypeError):
            services.company_update(company=own, actor=actor, status=Status.EXPELLED)
        with pytest.raises(PermissionDenied, match="только данные своей организации"):
            services.company_update(company=other, actor=actor, address="Захват")
        with pytest.raises(PermissionDenied):
            services.company_create(actor=actor, full_name="ООО «Самозванец»")
        with pytest.raises(PermissionDenied):
            services.member_suspend(company=own, actor=actor, reason="сам себя")
        own.refresh_from_db()
        other.refresh_from_db()
        assert (own.status, own.full_name, other.address) == (Status.ACTIVE, "ООО «Своя»", "")
    row = _audit(cluster_a, "company.update", actor=rep)[-1]
    assert row.host == "alpha.localhost"
    assert row.changes["address"] == ["", "г. Дубна, ул. Программистов, 4"]


# --- lifecycle ----------------------------------------------------------------------------


def test_the_whole_lifecycle_keeps_its_history(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    actor = _actor(staff, cluster_a)
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Путь")
        services.member_apply(company=company, actor=actor, reason="Заявление от 01.02.2024")
        decision = f.admission(company)
        services.member_admit(company=company, decision=decision, actor=actor)
        services.member_activate(company=company, actor=actor)
        services.member_suspend(company=company, actor=actor, reason="Неуплата членских взносов за 2024 год")
        services.member_resume(company=company, actor=actor)
        services.member_expel(company=company, actor=actor, reason="Решение совета")
        company.refresh_from_db()
        assert company.status == Status.EXPELLED
        events = list(MembershipEvent.objects.filter(company=company).order_by("id"))
        assert [(e.from_status, e.to_status) for e in events] == [
            ("", "interested"),
            ("interested", "applied"),
            ("applied", "admitted"),
            ("admitted", "active"),
            ("active", "suspended"),
            ("suspended", "active"),
            ("active", "expelled"),
        ]
        admitted = events[2]
        assert admitted.decision == decision and admitted.at == decision.meeting.held_at
        assert admitted.reason.startswith("Решение 1 (Общее собрание участников, протокол №")
        assert events[4].reason == "Неуплата членских взносов за 2024 год" and events[4].actor == staff
        services.member_apply(company=company, actor=actor, reason="Повторная заявка")
        company.refresh_from_db()
        assert company.status == Status.APPLIED
    actions = [r.action for r in AuditEntry.objects.filter(cluster=cluster_a, actor=staff).order_by("id")]
    assert actions == [
        "company.apply",
        "company.admit",
        "company.activate",
        "company.suspend",
        "company.resume",
        "company.expel",
        "company.apply",
    ]
    suspend = _audit(cluster_a, "company.suspend")[-1]
    assert suspend.changes["status"] == ["active", "suspended"]
    assert suspend.changes["reason"] == [None, "Неуплата членских взносов за 2024 год"]
    assert suspend.host == "alpha.localhost"


@pytest.mark.parametrize(
    ("status", "service", "message"),
    [
        (
            Status.INTERESTED,
            "activate",
            "Нельзя сделать действующим участником: организация «Компания» в статусе «Проявил интерес».",
        ),
        (
            Status.APPLIED,
            "resume",
            "Нельзя возобновить членство: организация «Компания» в статусе «Подал заявку».",
        ),
        (
            Status.ACTIVE,
            "apply",
            "Нельзя подать заявку: организация «Компания» в статусе «Действующий участник».",
        ),
        (
            Status.EXPELLED,
            "withdraw",
            "Нельзя оформить выход из кластера: организация «Компания» в статусе «Исключён».",
        ),
        (
            Status.WITHDRAWN,
            "suspend",
            "Нельзя приостановить членство: организация «Компания» в статусе «Вышел из кластера».",
        ),
    ],
)
def test_invalid_transitions_are_refused_in_russian(
    cluster_a: Cluster, status: str, service: str, message: str
) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Компания", status=status)
        with pytest.raises(ValidationError) as error:
            services.LIFECYCLE_SERVICES[service](
                company=company, actor=f.system(cluster_a), reason="Основание"
            )
        assert error.value.messages == [message]
        company.refresh_from_db()
        assert company.status == status


def test_suspension_and_expulsion_need_a_reason(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Компания", status=Status.ACTIVE)
        for service in (services.member_suspend, services.member_expel):
            with pytest.raises(ValidationError) as error:
                service(company=company, actor=f.system(cluster_a), reason="  ")
            assert error.value.message_dict == {"reason": ["Укажите основание."]}


def test_admission_needs_an_adopted_decision_about_this_company(cluster_a: Cluster) -> None:
    actor = f.system(cluster_a)
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Заявитель", status=Status.APPLIED)
        other = f.company(cluster_a, "Другой", status=Status.APPLIED)
        rejected = f.admission(company, adopted=False)
        with pytest.raises(ValidationError, match="Решение о приёме не принято общим собранием."):
            services.member_admit(company=company, decision=rejected, actor=actor)
        with pytest.raises(ValidationError, match="Решение о приёме касается другой организации."):
            services.member_admit(company=company, decision=f.admission(other), actor=actor)
        not_admission = f.admission(company)
        not_admission.kind = "other"
        with pytest.raises(ValidationError, match="Это не решение о приёме в члены кластера."):
            services.member_admit(company=company, decision=not_admission, actor=actor)
        interested = f.company(cluster_a, "Любопытный")
        with pytest.raises(ValidationError, match="Нельзя принять в члены кластера"):
            services.member_admit(company=interested, decision=f.admission(interested), actor=actor)
        company.refresh_from_db()
        assert company.status == Status.APPLIED


def test_admission_is_idempotent(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Заявитель", status=Status.APPLIED)
        decision = f.admission(company)
        for _ in range(3):
            services.member_admit(company=company, decision=decision, actor=f.system(cluster_a))
        assert MembershipEvent.objects.filter(company=company, to_status=Status.ADMITTED).count() == 1
        services.member_activate(company=company, actor=f.system(cluster_a))
        services.member_admit(company=company, decision=decision, actor=f.system(cluster_a))  # a late repeat
        company.refresh_from_db()
        assert company.status == Status.ACTIVE
    assert len(_audit(cluster_a, "company.admit", object_id=str(company.pk))) == 1


def test_without_an_admission_decision_a_company_never_becomes_active(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Обходчик", status=Status.APPLIED)
        # even when its status was forced by hand, activation asks for the decision
        Company.objects.filter(pk=company.pk).update(status=Status.ADMITTED)
        company.refresh_from_db()
        with pytest.raises(
            ValidationError, match="Нет принятого решения общего собрания о приёме «Обходчик»"
        ):
            services.member_activate(company=company, actor=f.system(cluster_a))
        Company.objects.filter(pk=company.pk).update(status=Status.SUSPENDED)
        company.refresh_from_db()
        with pytest.raises(ValidationError, match="Нет принятого решения"):
            services.member_resume(company=company, actor=f.system(cluster_a))


def test_a_meeting_that_adopts_an_admission_admits_the_company(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    actor = _actor(staff, cluster_a)
    with schema_context(cluster_a.schema_name):
        members = [f.company(cluster_a, f"Участник {i}", status=Status.ACTIVE) for i in range(3)]
        applicant = f.company(cluster_a, "Новичок", status=Status.APPLIED)
        meeting = gf.meeting(cluster_a, gf.body(cluster_a), held_at=timezone.now())
        gf.attend(cluster_a, meeting, present=members)
        [decision] = governance.meeting_record_decisions(
            meeting=meeting,
            actor=actor,
            decisions=[
                governance.DecisionInput(
                    kind="admit_member", text="Принять ООО «Новичок».", subject_company=applicant, votes_for=3
                )
            ],
        )
        applicant.refresh_from_db()
        assert applicant.status == Status.ADMITTED
        assert MembershipEvent.objects.get(company=applicant, to_status=Status.ADMITTED).decision == decision
        # the meeting service may call again: nothing changes
        services.member_admit(company=applicant, decision=decision, actor=actor)
        assert MembershipEvent.objects.filter(company=applicant, to_status=Status.ADMITTED).count() == 1
    assert _audit(cluster_a, "company.admit", actor=staff)[-1].host == "alpha.localhost"


# --- representatives ----------------------------------------------------------------------


def _invite(
    cluster: Cluster,
    company: Company,
    email: str,
    user: User | None = None,
    base_url: str = "http://alpha.localhost:8000/",
) -> Invitation:
    actor = _actor(user, cluster) if user else f.system(cluster)
    return services.invitation_create(company=company, email=email, actor=actor, base_url=base_url)


def test_an_invitation_is_mailed_after_commit_with_a_link_to_the_cluster(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Медтех", status=Status.ACTIVE)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            invitation = _invite(cluster_a, company, " Ivanov@Example.TEST ", staff)
        assert mail.outbox == []  # nothing leaves before the commit
        for callback in callbacks:
            callback()
    assert invitation.email == "ivanov@example.test"
    assert len(invitation.token) >= 40
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=6)
    [letter] = mail.outbox
    assert letter.to == ["ivanov@example.test"]
    assert letter.subject == "Приглашение в кластер «Кластер Альфа (тест)»"
    assert "представителем организации «Медтех»" in letter.body
    assert f"http://alpha.localhost:8000/members/invitations/{invitation.token}/" in letter.body
    row = _audit(cluster_a, "invitation.create")[-1]
    assert (row.actor_id, row.host) == (staff.pk, "alpha.localhost")


def test_without_a_base_url_the_link_uses_the_cluster_host(
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Медтех")
        with django_capture_on_commit_callbacks(execute=True):
            invitation = _invite(cluster_a, company, "a@example.test", base_url="")
    assert f"https://alpha.localhost/members/invitations/{invitation.token}/" in mail.outbox[0].body


def test_accepting_creates_the_account_and_grants_the_representative_role(
    cluster_a: Cluster, cluster_b: Cluster
) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Медтех")
        invitation = _invite(cluster_a, company, "new.rep@example.test")
        actor = Actor(user=None, host="alpha.localhost", cluster=cluster_a)
        with pytest.raises(ValidationError) as error:
            services.invitation_accept(invitation=invitation, actor=actor, full_name=" ", password="x")
        assert error.value.message_dict == {"full_name": ["Укажите фамилию, имя и отчество."]}
        user = services.invitation_accept(
            invitation=invitation,
            actor=actor,
            full_name="Петров  Пётр Петрович",
            password="a long enough password",
        )
        invitation.refresh_from_db()
        assert invitation.accepted_at is not None and invitation.accepted_by_id == user.pk
        with pytest.raises(ValidationError, match="Это приглашение уже использовано."):
            services.invitation_accept(invitation=invitation, actor=actor, user=user)
    assert user.full_name == "Петров Пётр Петрович" and user.check_password("a long enough password")
    grant = Grant.objects.get(user=user)
    assert (grant.role, grant.cluster, grant.company_id) == (
        ROLE.MEMBER_REPRESENTATIVE,
        cluster_a,
        company.pk,
    )
    row = _audit(cluster_a, "invitation.accept")[-1]
    assert (row.actor_id, row.host) == (user.pk, "alpha.localhost")


def test_an_existing_account_is_linked_only_when_it_is_the_invitee(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    existing = make_user(ROLE.CLUSTER_STAFF, cluster_b, email="known@example.test")
    stranger = make_user(None)
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Медтех")
        invitation = _invite(cluster_a, company, "KNOWN@example.test")
        actor = Actor(user=None, host="alpha.localhost", cluster=cluster_a)
        for user in (None, stranger):
            with pytest.raises(
                ValidationError, match="Учётная запись known@example.test уже есть: войдите в неё"
            ):
                services.invitation_accept(
                    invitation=invitation,
                    actor=actor,
                    user=user,
                    full_name="Х",
                    password="a long enough password",
                )
        assert services.invitation_accept(invitation=invitation, actor=actor, user=existing) == existing
    assert {(g.role, g.cluster_id, g.company_id) for g in Grant.objects.filter(user=existing)} == {
        (ROLE.CLUSTER_STAFF, cluster_b.pk, None),
        (ROLE.MEMBER_REPRESENTATIVE, cluster_a.pk, company.pk),
    }


def test_expired_revoked_and_conflicting_invitations_are_refused(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        first, second = f.company(cluster_a, "Первая"), f.company(cluster_a, "Вторая")
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, email="rep@example.test", company_id=first.pk)
    with schema_context(cluster_a.schema_name):
        actor = Actor(user=None, host="alpha.localhost", cluster=cluster_a)
        expired = _invite(cluster_a, first, "late@example.test")
        Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        with pytest.raises(ValidationError, match="Срок действия приглашения истёк."):
            services.invitation_accept(
                invitation=expired, actor=actor, full_name="Поздний", password="long password 1"
            )
        old = _invite(cluster_a, first, "twice@example.test")
        newer = _invite(cluster_a, first, "twice@example.test")
        old.refresh_from_db()
        assert old.revoked_at is not None and newer.revoked_at is None
        with pytest.raises(ValidationError, match="Это приглашение отозвано."):
            services.invitation_accept(
                invitation=old, actor=actor, full_name="Двойной", password="long password 1"
            )
        services.invitation_revoke(invitation=newer, actor=f.system(cluster_a))
        with pytest.raises(ValidationError, match="Это приглашение отозвано."):
            services.invitation_accept(
                invitation=newer, actor=actor, full_name="Двойной", password="long password 1"
            )
        with pytest.raises(ValidationError, match="rep@example.test уже представляет «Первая»."):
            _invite(cluster_a, first, "rep@example.test")
        other = _invite(cluster_a, second, "rep@example.test")
        with pytest.raises(ValidationError, match="уже представляет другую организацию в этом кластере"):
            services.invitation_accept(invitation=other, actor=actor, user=rep)
    assert Grant.objects.get(user=rep, role=ROLE.MEMBER_REPRESENTATIVE).company_id == first.pk


def test_staff_revoke_a_representative(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        company, other = f.company(cluster_a, "Медтех"), f.company(cluster_a, "Другая")
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk)
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    with schema_context(cluster_a.schema_name):
        with pytest.raises(ValidationError, match="не является представителем организации"):
            services.representative_revoke(company=other, user_id=rep.pk, actor=_actor(staff, cluster_a))
        with pytest.raises(PermissionDenied):
            services.representative_revoke(company=company, user_id=rep.pk, actor=_actor(rep, cluster_a))
        services.representative_revoke(company=company, user_id=rep.pk, actor=_actor(staff, cluster_a))
    assert not Grant.objects.filter(user=rep).exists()
    row = _audit(cluster_a, "company.representative_revoke")[-1]
    assert (row.actor_id, row.host, row.changes) == (
        staff.pk,
        "alpha.localhost",
        {"representative": [rep.email, None]},
    )


# --- products -----------------------------------------------------------------------------


def test_products_by_staff_and_by_the_representative_of_the_company_only(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        own, other = f.company(cluster_a, "Своя"), f.company(cluster_a, "Чужая")
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=own.pk)
    actor = _actor(rep, cluster_a)
    with schema_context(cluster_a.schema_name):
        product = services.product_create(
            actor=actor, company=own, name="Аппарат УВЧ-терапии", registration_number="рзн 2024 / 23835"
        )
        assert product.registration_number == "РЗН 2024/23835"
        with pytest.raises(ValidationError) as error:
            services.product_create(actor=actor, company=own, name="Мусор", registration_number="лалала")
        assert error.value.message_dict["registration_number"] == [
            "Регистрационное удостоверение: ожидается вид «РЗН 2024/23835» — буквы, пробел, год и номер через "
            "косую черту."
        ]
        with pytest.raises(PermissionDenied):
            services.product_create(actor=actor, company=other, name="Чужой аппарат")
        foreign = services.product_create(actor=f.system(cluster_a), company=other, name="Чужой аппарат")
        for call in (
            lambda: services.product_update(product=foreign, actor=actor, name="Мой"),
            lambda: services.product_delete(product=foreign, actor=actor),
            lambda: services.product_update(product=product, actor=actor, company=other),
        ):
            with pytest.raises(PermissionDenied):
                call()
        services.product_update(
            product=product,
            actor=actor,
            in_innovation_registry=True,
            innovation_registry_date=dt.date(2024, 5, 1),
        )
        services.product_delete(product=product, actor=actor)
        assert list(Product.objects.values_list("name", flat=True)) == ["Чужой аппарат"]
    assert [r.action for r in AuditEntry.objects.filter(cluster=cluster_a, actor=rep).order_by("id")] == [
        "product.create",
        "product.update",
        "product.delete",
    ]


# --- KPIs ---------------------------------------------------------------------------------


def test_kpis_once_a_year_edited_while_draft_and_accepted_by_staff(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Медтех", status=Status.ACTIVE)
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk)
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    rep_actor, staff_actor = _actor(rep, cluster_a), _actor(staff, cluster_a)
    year = timezone.localdate().year - 1
    with schema_context(cluster_a.schema_name):
        report = services.kpi_create(
            actor=rep_actor,
            company=company,
            year=year,
            revenue=123456789,
            revenue_medical_devices=100000000,
            employees=120,
            new_jobs=7,
        )
        with pytest.raises(ValidationError) as error:
            services.kpi_create(actor=rep_actor, company=company, year=year)
        assert error.value.message_dict["year"] == [
            f"Показатели «Медтех» за {year} год уже внесены: откройте их и измените."
        ]
        with pytest.raises(ValidationError, match="Год должен быть от 2000"):
            services.kpi_create(actor=rep_actor, company=company, year=year + 5)
        with pytest.raises(ValidationError, match="не может превышать общую выручку"):
            services.kpi_update(report=report, actor=rep_actor, revenue_medical_devices=200000000)
        with pytest.raises(ValidationError, match="не может быть отрицательным"):
            services.kpi_update(report=report, actor=rep_actor, export=-1)
        services.kpi_update(report=report, actor=rep_actor, export=5000000)
        with pytest.raises(PermissionDenied):
            services.kpi_accept(report=report, actor=rep_actor)
        services.kpi_submit(report=report, actor=rep_actor)
        with pytest.raises(ValidationError, match="Показатели уже отправлены"):
            services.kpi_update(report=report, actor=rep_actor, export=1)
        services.kpi_update(
            report=report, actor=staff_actor, taxes_paid=777
        )  # staff correct before accepting
        services.kpi_accept(report=report, actor=staff_actor)
        with pytest.raises(ValidationError, match="Принятые показатели изменить нельзя"):
            services.kpi_update(report=report, actor=staff_actor, export=1)
        services.kpi_return(report=report, actor=staff_actor, reason="Уточните экспорт")
        services.kpi_update(report=report, actor=rep_actor, export=6000000)
        report.refresh_from_db()
        assert (report.status, report.export, report.taxes_paid, report.revenue) == (
            KpiReport.Status.DRAFT,
            6000000,
            777,
            123456789,
        )
    actions = [
        (r.action, r.actor_id)
        for r in AuditEntry.objects.filter(cluster=cluster_a, object_type="members.kpireport").order_by("id")
    ]
    assert actions == [
        ("kpi.create", rep.pk),
        ("kpi.update", rep.pk),
        ("kpi.submit", rep.pk),
        ("kpi.update", staff.pk),
        ("kpi.accept", staff.pk),
        ("kpi.return", staff.pk),
        ("kpi.update", rep.pk),
    ]


def test_a_representative_cannot_enter_figures_of_another_company(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        own, other = f.company(cluster_a, "Своя"), f.company(cluster_a, "Чужая")
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=own.pk)
    with schema_context(cluster_a.schema_name):
        with pytest.raises(PermissionDenied):
            services.kpi_create(actor=_actor(rep, cluster_a), company=other, year=2023)
        report = services.kpi_create(actor=f.system(cluster_a), company=other, year=2023)
        for call in (services.kpi_submit, services.kpi_delete):
            with pytest.raises(PermissionDenied):
                call(report=report, actor=_actor(rep, cluster_a))


# --- contracts ----------------------------------------------------------------------------


def test_contracts_between_two_different_members(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    actor = _actor(staff, cluster_a)
    with schema_context(cluster_a.schema_name):
        a = f.company(cluster_a, "Поставщик", status=Status.ACTIVE)
        b = f.company(cluster_a, "Покупатель", status=Status.ADMITTED)
        outsider = f.company(cluster_a, "Посторонний")
        fields: dict[str, Any] = {
            "kind": "supply",
            "number": "17/2024",
            "signed_on": dt.date(2024, 4, 1),
            "subject": "Поставка электродов",
            "amount_kopecks": 123456789,
        }
        with pytest.raises(ValidationError) as error:
            services.contract_create(actor=actor, party_a=a, party_b=a, **fields)
        assert error.value.message_dict == {
            "party_b": ["Стороны договора должны быть разными организациями."]
        }
        with pytest.raises(ValidationError, match="«Посторонний» не является участником кластера."):
            services.contract_create(actor=actor, party_a=a, party_b=outsider, **fields)
        contract = services.contract_create(actor=actor, party_a=a, party_b=b, **fields)
        services.contract_update(contract=contract, actor=actor, amount_kopecks=100)
        rep = Actor(user=None, host="", cluster=cluster_a)  # system may; a representative may not
        assert services.contract_update(contract=contract, actor=rep, number="18/2024").number == "18/2024"
        assert CooperationContract.objects.get().amount_kopecks == 100
    rows = _audit(cluster_a, "contract.create") + _audit(cluster_a, "contract.update")
    assert {(r.actor_id, r.host) for r in rows} >= {(staff.pk, "alpha.localhost")}


def test_representatives_do_not_write_contracts(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        a = f.company(cluster_a, "Поставщик", status=Status.ACTIVE)
        b = f.company(cluster_a, "Покупатель", status=Status.ACTIVE)
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=a.pk)
    with schema_context(cluster_a.schema_name):
        with pytest.raises(PermissionDenied):
            services.contract_create(
                actor=_actor(rep, cluster_a),
                kind="supply",
                party_a=a,
                party_b=b,
                number="1",
                signed_on=dt.date(2024, 1, 1),
                subject="Поставка",
            )
        assert not CooperationContract.objects.exists()


def test_admission_is_dated_by_the_meeting_unless_that_would_reorder_the_history(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Старый протокол", status=Status.APPLIED)
        decision = f.admission(company, held_at=f.PAST)  # a 2024 meeting entered after the 2026 application
        before = timezone.now()
        services.member_admit(company=company, decision=decision, actor=f.system(cluster_a))
        event = MembershipEvent.objects.get(company=company, to_status=Status.ADMITTED)
        assert event.at >= before
        assert "от 15.03.2024" in event.reason
