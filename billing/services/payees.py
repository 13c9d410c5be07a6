"""The cluster's payee: bank details for the «Счёт на оплату» (БИК and accounts checked with
the Bank of Russia control key, core.ru.bank), the VAT line of its invoices, the gateways it
enables and their credentials — Stripe keys, YooKassa shop id and secret key (secrets
encrypted; the audit row records that a secret changed, never its value)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles
from core.audit.services import Actor, audit_record, diff, snapshot
from core.ru.bank import bank_details_errors
from core.ru.identifiers import inn_error, kpp_error
from tenants.models import Cluster

from .. import crypto
from ..models import GATEWAYS, YOOKASSA_METHODS, Payee
from .common import scoped

PAYEE_FIELDS = frozenset(
    {
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
        "stripe_publishable_key",
        "yookassa_shop_id",
    }
)
AUDITED = sorted(PAYEE_FIELDS | {"enabled_gateways", "yookassa_methods"})


def _payee_clean(
    *,
    cluster: Cluster,
    fields: dict[str, Any],
    stripe_secret_key: str | None,
    stripe_webhook_secret: str | None,
    yookassa_secret_key: str | None,
    gateways: list[str] | None,
    yookassa_methods: list[str] | None,
) -> dict[str, str]:
    """The payee's fields trimmed, or every error of them at once (ValidationError by field)."""
    unknown = set(fields) - PAYEE_FIELDS
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    stored = Payee.objects.filter(cluster=cluster).first()
    if stored is not None:  # fields not given keep their stored values (and are validated with them)
        fields = {**{key: getattr(stored, key) for key in PAYEE_FIELDS}, **fields}
    clean = {k: " ".join(str(v or "").split()) for k, v in fields.items()}
    for key in ("inn", "kpp", "bik", "account", "correspondent_account"):
        if key in clean:
            clean[key] = clean[key].replace(" ", "")
    errors: dict[str, list[str]] = {}
    checks = {"inn": (inn_error, True), "kpp": (kpp_error, False)}
    for key, (check, required) in checks.items():
        value = clean.get(key, "")
        message = check(value) if value else ("Обязательное поле." if required else None)
        if message:
            errors[key] = [str(message)]
    bank = bank_details_errors(
        bik=clean.get("bik", ""),
        account=clean.get("account", ""),
        correspondent_account=clean.get("correspondent_account", ""),
    )
    errors.update({key: [message] for key, message in bank.items()})
    if "vat_note" in clean and not clean["vat_note"]:
        errors["vat_note"] = ["Строка НДС в счёте: обязательное поле, например «Без налога (НДС)»."]
    for key in ("name", "bank_name"):
        if not clean.get(key):
            errors[key] = ["Обязательное поле."]
    publishable = clean.get("stripe_publishable_key", "")
    if publishable and not publishable.startswith("pk_"):
        errors["stripe_publishable_key"] = ["Публикуемый ключ Stripe начинается с «pk_»."]
    if stripe_secret_key and not stripe_secret_key.strip().startswith(("sk_", "rk_")):
        errors["stripe_secret_key"] = ["Секретный ключ Stripe начинается с «sk_» или «rk_»."]
    if stripe_webhook_secret and not stripe_webhook_secret.strip().startswith("whsec_"):
        errors["stripe_webhook_secret"] = ["Секрет подписи вебхуков Stripe начинается с «whsec_»."]
    shop_id = clean.get("yookassa_shop_id", "").replace(" ", "")
    if "yookassa_shop_id" in clean:
        clean["yookassa_shop_id"] = shop_id
    if shop_id and not (shop_id.isdigit() and len(shop_id) <= 20):
        errors["yookassa_shop_id"] = ["shopId ЮKassa — число из личного кабинета ЮKassa."]
    if yookassa_secret_key and not yookassa_secret_key.strip().startswith(("live_", "test_")):
        errors["yookassa_secret_key"] = ["Секретный ключ ЮKassa начинается с «live_» или «test_»."]
    if gateways is not None and set(gateways) - set(GATEWAYS):
        errors["gateways"] = ["Неизвестный платёжный шлюз."]
    if yookassa_methods is not None and set(yookassa_methods) - set(YOOKASSA_METHODS):
        errors["yookassa_methods"] = ["Неизвестный способ оплаты ЮKassa."]
    if errors:
        raise ValidationError(errors)
    return clean


def payee_check(cluster: Cluster, data: dict[str, Any]) -> None:
    """The errors `payee_save` would raise for a form's data (all at once), saving nothing: the
    INN and KPP control digits, БИК and accounts with the Bank of Russia key, required fields,
    the gateways' key formats. Fields the form could not parse are left out (and keep the
    stored values, as in payee_save)."""
    secrets = {
        key: data.get(key) or None
        for key in ("stripe_secret_key", "stripe_webhook_secret", "yookassa_secret_key")
    }
    _payee_clean(
        cluster=cluster,
        fields={key: value for key, value in data.items() if key in PAYEE_FIELDS},
        gateways=list(data["gateways"]) if "gateways" in data else None,
        yookassa_methods=list(data["yookassa_methods"]) if "yookassa_methods" in data else None,
        **secrets,
    )


def payee_save(
    *,
    actor: Actor,
    cluster: Cluster,
    fields: dict[str, Any],
    stripe_secret_key: str | None = None,
    stripe_webhook_secret: str | None = None,
    yookassa_secret_key: str | None = None,
    gateways: list[str] | None = None,
    yookassa_methods: list[str] | None = None,
) -> Payee:
    """Create or change the cluster's payee. Secrets: None keeps the stored one, "" clears it.
    `gateways` (codes of GATEWAYS) and `yookassa_methods` (codes of YOOKASSA_METHODS): None keeps
    what is stored; a new payee enables every gateway whose credentials are given.

    Only cluster admins (or the system actor). An enabled gateway needs its credentials (Russian
    errors name the field). Secrets are encrypted; the audit row records that a secret changed,
    never its value."""
    actor = scoped(actor, cluster)
    if actor.user is not None and Grant.Role.CLUSTER_ADMIN not in user_cluster_roles(actor.user, cluster):
        raise PermissionDenied(
            "Реквизиты получателя и ключи платёжных шлюзов меняет только администратор кластера."
        )
    clean = _payee_clean(
        cluster=cluster,
        fields=fields,
        stripe_secret_key=stripe_secret_key,
        stripe_webhook_secret=stripe_webhook_secret,
        yookassa_secret_key=yookassa_secret_key,
        gateways=gateways,
        yookassa_methods=yookassa_methods,
    )
    with transaction.atomic():
        payee = Payee.objects.select_for_update().filter(cluster=cluster).first()
        created = payee is None
        if payee is None:
            payee = Payee(cluster=cluster)
        before = {} if created else snapshot(payee, AUDITED)
        for key, value in clean.items():
            setattr(payee, key, value)
        if gateways is None and created:
            gateways = [
                code
                for code, given in (("stripe", stripe_secret_key), ("yookassa", yookassa_secret_key))
                if given
            ]
        if gateways is not None:
            payee.enabled_gateways = [code for code in GATEWAYS if code in gateways]
        if yookassa_methods is None and created and yookassa_secret_key:
            yookassa_methods = list(YOOKASSA_METHODS)
        if yookassa_methods is not None:
            payee.yookassa_methods = [code for code in YOOKASSA_METHODS if code in yookassa_methods]
        secret_changes: dict[str, list[Any]] = {}
        if stripe_secret_key is not None:
            payee.stripe_secret_key_encrypted = crypto.encrypt(stripe_secret_key.strip())
            secret_changes["stripe_secret_key"] = ["***", "*** (изменён)" if stripe_secret_key else ""]
        if stripe_webhook_secret is not None:
            payee.stripe_webhook_secret_encrypted = crypto.encrypt(stripe_webhook_secret.strip())
            secret_changes["stripe_webhook_secret"] = [
                "***",
                "*** (изменён)" if stripe_webhook_secret else "",
            ]
        if yookassa_secret_key is not None:
            payee.yookassa_secret_key_encrypted = crypto.encrypt(yookassa_secret_key.strip())
            secret_changes["yookassa_secret_key"] = ["***", "*** (изменён)" if yookassa_secret_key else ""]
        _require_credentials(payee)
        payee.full_clean()
        payee.save()
        changes = {**diff(before, snapshot(payee, AUDITED)), **secret_changes}
        if changes:
            audit_record(
                actor=actor,
                action="billing.payee_create" if created else "billing.payee_change",
                obj=payee,
                changes=changes,
            )
    return payee


def _require_credentials(payee: Payee) -> None:
    """An enabled gateway has what it needs to take payments (errors name the missing field)."""
    errors: dict[str, list[str]] = {}
    enabled = payee.enabled_gateways or []
    if "stripe" in enabled:
        if not payee.stripe_publishable_key:
            errors["stripe_publishable_key"] = ["Для оплаты через Stripe укажите публикуемый ключ."]
        if not payee.stripe_secret_key_encrypted:
            errors["stripe_secret_key"] = ["Для оплаты через Stripe укажите секретный ключ."]
    if "yookassa" in enabled:
        if not payee.yookassa_shop_id:
            errors["yookassa_shop_id"] = ["Для оплаты через ЮKassa укажите shopId."]
        if not payee.yookassa_secret_key_encrypted:
            errors["yookassa_secret_key"] = ["Для оплаты через ЮKassa укажите секретный ключ."]
        if not payee.yookassa_methods:
            errors["yookassa_methods"] = ["Выберите хотя бы один способ оплаты через ЮKassa."]
    if errors:
        raise ValidationError(errors)


def payee_secret_key(payee: Payee) -> str:
    """The decrypted Stripe secret key (server side only; never rendered)."""
    return crypto.decrypt(payee.stripe_secret_key_encrypted)


def payee_webhook_secret(payee: Payee) -> str:
    return crypto.decrypt(payee.stripe_webhook_secret_encrypted)
