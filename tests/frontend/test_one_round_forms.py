"""Forms are validated in one round: the form's own errors (a missing required field) and the
service's (INN control digits, a taken INN, a reserved slug, a bank account's key) show together
in the first response, and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django_tenants.utils import schema_context

from billing.models import Payee
from core.audit.models import AuditEntry
from core.selection.models import Call
from frontend.pages import rehearsal
from tenants.events.models import Event
from tenants.governance.models import Body, Committee
from tenants.members.models import Company
from tenants.models import Cluster
from tenants.privacy.models import Incident
from tests.billing.conftest import make_payee
from tests.conftest import ROLE, MakeUser, signed_in

pytestmark = pytest.mark.django_db

REQUIRED = "Обязательное поле."
BAD_INN = "ИНН: неверное контрольное число."


def test_member_create_shows_a_missing_name_and_a_bad_inn_at_once(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    response = staff.post(
        "/members/new/",
        {"full_name": "", "inn": "7707083890", "kpp": "12", "kind": "company", "status": "interested"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert REQUIRED in html and BAD_INN in html and "КПП" in html
    assert html.count(REQUIRED) == 1  # the name's error once, not the form's and the service's
    with schema_context(cluster_a.schema_name):
        assert not Company.objects.filter(inn="7707083890").exists()


def test_member_create_shows_a_taken_inn_with_the_missing_name(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    first = staff.post(
        "/members/new/",
        {"full_name": "ООО «Медтех»", "inn": "7707083893", "kind": "company", "status": "interested"},
    )
    assert first.status_code == 302
    again = staff.post("/members/new/", {"inn": "7707083893", "kind": "company", "status": "interested"})
    html = again.content.decode()
    assert REQUIRED in html and "Организация с ИНН 7707083893 уже есть в кластере" in html
    with schema_context(cluster_a.schema_name):
        assert Company.objects.filter(inn="7707083893").count() == 1


def test_member_edit_shows_a_missing_name_and_a_bad_ogrn_at_once(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    created = staff.post(
        "/members/new/",
        {"full_name": "ООО «Медтех»", "inn": "7707083893", "kind": "company", "status": "interested"},
    )
    edit_url = created["Location"] + "edit/"
    assert staff.get(edit_url).status_code == 200
    response = staff.post(edit_url, {"full_name": "", "kind": "company", "inn": "7707083893", "ogrn": "123"})
    html = response.content.decode()
    assert response.status_code == 200 and REQUIRED in html and "ОГРН" in html
    assert "уже есть в кластере" not in html  # its own INN is not «taken»
    with schema_context(cluster_a.schema_name):
        assert Company.objects.get(inn="7707083893").full_name == "ООО «Медтех»"


def test_cluster_create_shows_a_missing_name_and_a_reserved_slug_at_once(make_user: MakeUser) -> None:
    root = signed_in(make_user(ROLE.PLATFORM_ADMIN), None)
    before = Cluster.objects.count()
    response = root.post(
        "/platform/clusters/",
        {"slug": "www", "name": "", "region_codes": ["RU-TA"], "time_zone": "Europe/Moscow"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and REQUIRED in html and "зарезервирован" in html
    bad_slug = root.post(
        "/platform/clusters/", {"slug": "Плохой код", "name": "Кластер", "time_zone": "Europe/Moscow"}
    )
    html = bad_slug.content.decode()
    assert "от 2 до 30 строчных латинских букв" in html and REQUIRED in html  # regions missing too
    assert Cluster.objects.count() == before


def test_payee_page_shows_a_missing_bank_and_a_wrong_account_key_at_once(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    payee = make_payee(cluster_a)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    form = {
        name: getattr(payee, name)
        for name in ("name", "inn", "kpp", "address", "bik", "correspondent_account", "vat_note")
    }
    response = admin.post(
        "/billing/payee/",
        form | {"bank_name": "", "account": "40703810000000000001", "inn": "7707083890"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and REQUIRED in html
    assert "Расчётный счёт: неверный контрольный ключ" in html and BAD_INN in html
    assert Payee.objects.get(pk=payee.pk).account == payee.account


# Pages without a service `check` of their own: form_page rehearses the save (rolled back) on what
# the form could parse, so the service's refusals still come in the first round.


# (role, on a cluster host, page, POST, the service's words, the model that must stay empty)
REHEARSED = {
    "governance body: fixed quorum without a number": (
        ROLE.CLUSTER_STAFF,
        True,
        "/governance/bodies/",
        {"kind": Body.Kind.COUNCIL, "name": "", "quorum_rule": Body.Quorum.FIXED},
        "Для кворума «не менее заданного числа» укажите число.",
        Body,
    ),
    "selection call: a criterion code twice": (
        ROLE.MINISTRY_FEDERAL,
        False,
        "/selection/new/",
        {
            "title": "",
            "year": 2027,
            "opens_at": "2027-01-10T09:00",
            "closes_at": "2027-03-01T18:00",
            "criteria": "team; Команда; 2; 0; 10\nteam; Эффекты; 1; 0; 10",
            "experts_per_application": 3,
        },
        "Коды критериев повторяются: team.",
        Call,
    ),
    "privacy incident: detected in the future": (
        ROLE.CLUSTER_ADMIN,
        True,
        "/privacy/incidents/new/",
        {"title": "", "detected_at": "2099-01-10T09:00"},
        "Время обнаружения не может быть в будущем.",
        Incident,
    ),
    "event: ends before it starts": (
        ROLE.CLUSTER_STAFF,
        True,
        "/site/events/new/",
        {"kind": "forum", "title": "", "starts_on": "2030-05-20", "ends_on": "2030-05-19", "is_public": "on"},
        "Дата окончания не может быть раньше даты начала.",
        Event,
    ),
}


@pytest.mark.parametrize("case", REHEARSED.values(), ids=REHEARSED.keys())
def test_a_missing_required_field_and_the_services_refusal_show_at_once(
    case: tuple[str, bool, str, dict[str, Any], str, type[models.Model]],
    cluster_a: Cluster,
    make_user: MakeUser,
) -> None:
    role, on_cluster, url, data, refusal, model = case
    host = cluster_a if on_cluster else None
    client = signed_in(make_user(role, host), host)
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200 and html.count(REQUIRED) == 1 and refusal in html
    with schema_context(cluster_a.schema_name):
        assert not model.objects.exists()  # type: ignore[attr-defined]


def test_a_rehearsal_leaves_nothing_and_a_valid_form_saves_once(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    """The rehearsal of a refused form is rolled back (no row, no audit entry); a valid form is
    saved by the real call only, once."""
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    refused = staff.post("/governance/committees/new/", {"kind": "", "name": "Комитет по качеству"})
    assert refused.status_code == 200 and REQUIRED in refused.content.decode()
    with schema_context(cluster_a.schema_name):
        assert not Committee.objects.exists()
        assert not AuditEntry.objects.filter(action="committee.create").exists()
    created = staff.post(
        "/governance/committees/new/",
        {"kind": Committee.Kind.COMMITTEE, "name": "Комитет по качеству", "is_active": "on"},
    )
    assert created.status_code == 302
    with schema_context(cluster_a.schema_name):
        assert Committee.objects.filter(name="Комитет по качеству").count() == 1
        assert AuditEntry.objects.filter(action="committee.create").count() == 1


class _NamedForm(forms.Form):
    name = forms.CharField(max_length=300)
    kind = forms.ChoiceField(choices=Committee.Kind.choices)


def test_a_rehearsal_rolls_back_its_rows_and_on_commit_effects(
    cluster_a: Cluster, django_capture_on_commit_callbacks: Any
) -> None:
    form = _NamedForm({"name": "Комитет по качеству", "kind": "no-such-kind"})
    assert not form.is_valid()
    sent: list[str] = []

    def save(data: dict[str, Any]) -> None:
        assert data == {"name": "Комитет по качеству", "kind": ""}  # the unparsed field as empty
        Committee.objects.create(name=data["name"], kind=Committee.Kind.COMMITTEE)
        transaction.on_commit(lambda: sent.append("letter"))
        raise ValidationError({"name": "Комитет с таким названием уже есть."})

    with schema_context(cluster_a.schema_name), django_capture_on_commit_callbacks(execute=True) as queued:
        with pytest.raises(ValidationError, match="уже есть"):
            rehearsal(save, form)({})
        assert not Committee.objects.exists()

        def save_quietly(data: dict[str, Any]) -> None:
            Committee.objects.create(name=data["name"], kind=Committee.Kind.COMMITTEE)
            transaction.on_commit(lambda: sent.append("letter"))

        rehearsal(save_quietly, form)({})  # no refusal: nothing to add, and nothing kept
        assert not Committee.objects.exists()
    assert queued == [] and sent == []
