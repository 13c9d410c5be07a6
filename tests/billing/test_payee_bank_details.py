"""The payee's bank details are checked (БИК, the accounts' Bank of Russia control keys,
INN/KPP) in the service, the model, the payee page and the API, with Russian errors naming the
field; nothing is half-saved. The payee's VAT line is set on the page and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from billing.demo import demo_payees
from billing.models import Payee
from billing.services import payee_save
from core.audit.models import AuditEntry
from core.audit.services import Actor
from core.ru.bank import account_with_key, bank_details_errors
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, signed_in, token_for

from .conftest import make_payee

pytestmark = pytest.mark.django_db

SETTLEMENT_KEY = "Расчётный счёт: неверный контрольный ключ — проверьте номер счёта и БИК банка."
CORRESPONDENT_KEY = "Корреспондентский счёт: неверный контрольный ключ — проверьте номер счёта и БИК банка."
# The tests' payee: БИК 044525999, р/с 40703810900000000001, к/с 30101810600000000999 (keys valid).
WRONG_KEY_ACCOUNT = "40703810000000000001"
WRONG_KEY_CORRESPONDENT = "30101810400000000999"


def _fields(payee: Payee, **changes: str) -> dict[str, str]:
    fields = {
        name: getattr(payee, name)
        for name in (
            "name",
            "inn",
            "kpp",
            "address",
            "bank_name",
            "bik",
            "account",
            "correspondent_account",
            "director",
            "accountant",
            "vat_note",
        )
    }
    return fields | changes


def test_the_service_refuses_accounts_with_a_wrong_key_and_keeps_the_old_details(
    cluster_a: Cluster, payee_a: Payee, make_user: MakeUser
) -> None:
    admin = Actor(user=make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster=cluster_a)
    audit_rows = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as err:
        payee_save(
            actor=admin,
            cluster=cluster_a,
            fields=_fields(
                payee_a,
                account=WRONG_KEY_ACCOUNT,
                correspondent_account=WRONG_KEY_CORRESPONDENT,
                name="Другое имя",
            ),
        )
    assert err.value.message_dict == {
        "account": [SETTLEMENT_KEY],
        "correspondent_account": [CORRESPONDENT_KEY],
    }
    # the same accounts are right for another БИК: the key ties them to the bank
    with pytest.raises(ValidationError) as err:
        payee_save(actor=admin, cluster=cluster_a, fields=_fields(payee_a, bik="044030653"))
    assert set(err.value.message_dict) == {"account", "correspondent_account"}
    with pytest.raises(ValidationError) as err:
        payee_save(
            actor=admin,
            cluster=cluster_a,
            fields=_fields(
                payee_a, bik="04452599", kpp="12345", inn="7700000001", account="4070381090000000000"
            ),
        )
    assert err.value.message_dict == {
        "bik": ["БИК: ровно 9 цифр."],
        "account": ["Расчётный счёт: ровно 20 цифр."],
        "kpp": ["КПП: 9 символов — 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры."],
        "inn": ["ИНН: неверное контрольное число."],
    }
    stored = Payee.objects.get(pk=payee_a.pk)
    assert (stored.name, stored.bik, stored.account) == (payee_a.name, "044525999", "40703810900000000001")
    assert AuditEntry.objects.count() == audit_rows


def test_the_service_accepts_spaced_numbers_and_refuses_a_dollar_account(
    cluster_a: Cluster, payee_a: Payee, make_user: MakeUser
) -> None:
    admin = Actor(user=make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster=cluster_a)
    saved = payee_save(
        actor=admin,
        cluster=cluster_a,
        fields=_fields(
            payee_a,
            bik="044 525 999",
            account="4070 3810 9000 0000 0001",
            correspondent_account="3010 1810 6000 0000 0999",
        ),
    )
    assert (saved.bik, saved.account, saved.correspondent_account) == (
        "044525999",
        "40703810900000000001",
        "30101810600000000999",
    )
    dollars = account_with_key("40703840000000000001", bik="044525999")
    with pytest.raises(ValidationError) as err:
        payee_save(actor=admin, cluster=cluster_a, fields=_fields(payee_a, account=dollars))
    [message] = err.value.message_dict["account"]
    assert message.startswith("Расчётный счёт: разряды 6–8 — код валюты") and "840" in message


def test_the_model_checks_the_keys_too(cluster_a: Cluster, payee_a: Payee) -> None:
    payee_a.account = WRONG_KEY_ACCOUNT
    payee_a.bik = "04452599X"
    with pytest.raises(ValidationError) as err:
        payee_a.full_clean()
    # a broken БИК is reported once, by its field; the account's key cannot be checked without it
    assert err.value.message_dict == {"bik": ["БИК: ровно 9 цифр."]}
    payee_a.bik = "044525999"
    with pytest.raises(ValidationError) as err:
        payee_a.full_clean()
    assert err.value.message_dict == {"account": [SETTLEMENT_KEY]}


def test_demo_payees_carry_valid_bank_details(cluster_a: Cluster, cluster_b: Cluster) -> None:
    Payee.objects.filter(cluster__in=[cluster_a, cluster_b]).delete()
    demo_payees([cluster_a, cluster_b])
    payees = list(Payee.objects.filter(cluster__in=[cluster_a, cluster_b]).order_by("cluster_id"))
    assert len(payees) == 2 and len({p.account for p in payees}) == 2
    for payee in payees:
        payee.full_clean()
        assert (
            bank_details_errors(
                bik=payee.bik, account=payee.account, correspondent_account=payee.correspondent_account
            )
            == {}
        )
        assert payee.bik.startswith("0000000") and payee.vat_note == "Без налога (НДС)"


# --- the payee page ---------------------------------------------------------------------------


def _form(payee: Payee, **changes: str) -> dict[str, str]:
    return _fields(payee, **changes) | {
        "stripe_publishable_key": "pk_test_alpha",
        "stripe_secret_key": "",
        "stripe_webhook_secret": "",
    }


def test_the_payee_page_names_the_wrong_field_and_saves_nothing(
    cluster_a: Cluster, payee_a: Payee, make_user: MakeUser
) -> None:
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    page = admin.get("/billing/payee/").content.decode()
    assert "Строка НДС в счёте" in page and 'value="Без налога (НДС)"' in page
    bad = admin.post("/billing/payee/", _form(payee_a, account=WRONG_KEY_ACCOUNT, name="Новое имя"))
    html = bad.content.decode()
    assert bad.status_code == 200 and SETTLEMENT_KEY in html and 'value="Новое имя"' in html
    assert Payee.objects.get(pk=payee_a.pk).name == payee_a.name
    empty_vat = admin.post("/billing/payee/", _form(payee_a, vat_note=""))
    assert empty_vat.status_code == 200 and Payee.objects.get(pk=payee_a.pk).vat_note == "Без налога (НДС)"
    good = admin.post("/billing/payee/", _form(payee_a, vat_note="НДС не облагается (УСН)"))
    assert good.status_code == 302
    assert Payee.objects.get(pk=payee_a.pk).vat_note == "НДС не облагается (УСН)"


# --- the API ----------------------------------------------------------------------------------


def test_the_payee_api_reads_and_changes_the_details_with_russian_errors(
    cluster_a: Cluster, payee_a: Payee, make_user: MakeUser
) -> None:
    admin = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    read = admin.get("/api/v1/payee/")
    assert read.status_code == 200
    assert read.json() | {"updated_at": None} == _fields(payee_a) | {"updated_at": None}
    assert "stripe_secret_key" not in read.content.decode() and "sk_test_alpha" not in read.content.decode()
    bad = admin.patch(
        "/api/v1/payee/",
        {"correspondent_account": WRONG_KEY_CORRESPONDENT, "name": "Другое"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "detail": "Проверьте введённые данные.",
        "code": "invalid",
        "errors": {"correspondent_account": [CORRESPONDENT_KEY]},
    }
    assert Payee.objects.get(pk=payee_a.pk).name == payee_a.name
    patched = admin.patch(
        "/api/v1/payee/",
        {"vat_note": "НДС не облагается", "bik": "044 525 999"},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["vat_note"] == "НДС не облагается"
    stored = Payee.objects.get(pk=payee_a.pk)
    assert stored.vat_note == "НДС не облагается" and stored.has_stripe_secret_key  # the keys are untouched
    missing = admin.put("/api/v1/payee/", {"name": "АНО"}, content_type="application/json")
    assert missing.status_code == 400 and set(missing.json()["errors"]) >= {"inn", "bik", "account"}


def test_the_payee_api_puts_a_new_payee_and_answers_404_before(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    admin = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    missing = admin.get("/api/v1/payee/")
    assert (
        missing.status_code == 404
        and missing.json()["detail"] == "Реквизиты получателя платежей ещё не заполнены."
    )
    body = {
        "name": "АНО «Кластер»",
        "inn": "0000007775",
        "kpp": "000001001",
        "bank_name": "Банк",
        "bik": "044525225",
        "account": "40703810538000000001",
        "correspondent_account": "30101810400000000225",
    }
    created = admin.put("/api/v1/payee/", body, content_type="application/json")
    assert created.status_code == 400 and created.json()["errors"] == {"account": [SETTLEMENT_KEY]}
    body["account"] = account_with_key(body["account"], bik="044525225")
    created = admin.put("/api/v1/payee/", body, content_type="application/json")
    assert created.status_code == 200 and created.json()["vat_note"] == "Без налога (НДС)"
    assert Payee.objects.get(cluster=cluster_a).account == body["account"]


def test_the_payee_api_is_for_this_clusters_admins_only(
    cluster_a: Cluster, cluster_b: Cluster, payee_a: Payee, make_user: MakeUser
) -> None:
    payee_b = make_payee(cluster_b)
    for role, company in ((ROLE.CLUSTER_STAFF, None), (ROLE.MEMBER_REPRESENTATIVE, 101)):
        user = make_user(role, cluster_a, company_id=company)
        client = api_client(token_for(user, cluster_a), cluster_a)
        assert client.get("/api/v1/payee/").status_code == 403
        assert (
            client.patch("/api/v1/payee/", {"vat_note": "x"}, content_type="application/json").status_code
            == 403
        )
    b_admin = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    own = api_client(token_for(b_admin, cluster_b), cluster_b).get("/api/v1/payee/")
    assert own.status_code == 200 and own.json()["name"] == payee_b.name
    replay = api_client(token_for(b_admin, cluster_b), cluster_a)
    assert replay.get("/api/v1/payee/").status_code == 403
    assert (
        replay.patch("/api/v1/payee/", {"vat_note": "x"}, content_type="application/json").status_code == 403
    )
    anonymous = client_for(cluster_a)
    assert anonymous.get("/api/v1/payee/").status_code in {401, 403}
    assert anonymous.put("/api/v1/payee/", {}, content_type="application/json").status_code in {401, 403}
    assert client_for(None).get("/api/v1/payee/").status_code == 404
    assert Payee.objects.get(pk=payee_a.pk).vat_note == "Без налога (НДС)"
