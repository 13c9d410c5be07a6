"""Demo payees: one per cluster, with obviously fake bank details, YooKassa (the local
YooKassa-compatible server: card, SBP, SberBusiness) and Stripe (localstripe test keys) enabled;
the localstripe webhook and local YooKassa notification registration of the demo and the tests.

Region code 00 in the INN, a БИК of zeros (real ones start with «04») and zero-filled accounts
make sure no real organization, bank or account is named; the accounts still carry the right
Bank of Russia control key, so they pass the checks of core.ru.bank like real ones. Running it
again changes nothing that exists (through billing.services).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from core.audit.services import Actor
from core.ru.bank import account_with_key
from core.ru.identifiers import inn_with_check_digits
from tenants.models import Cluster

from .gateways.stripe import TIMEOUT_SECONDS, WEBHOOK_EVENTS
from .models import YOOKASSA_METHODS, Payee
from .services import payee_save, payee_webhook_secret

logger = logging.getLogger(__name__)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def demo_yookassa_shop(index: int) -> tuple[str, str]:
    """A demo payee's YooKassa shop id and test secret key (the local server accepts test_ keys)."""
    return f"{900000 + index}", f"test_clusterhub_demo_{index:02d}"


def demo_payees(clusters: Iterable[Cluster]) -> None:
    for index, cluster in enumerate(clusters, start=1):
        existing = Payee.objects.filter(cluster=cluster).first()
        if existing is not None:
            if not existing.yookassa_shop_id:  # made before YooKassa: enable it beside Stripe
                shop_id, secret = demo_yookassa_shop(index)
                payee_save(
                    actor=Actor.system(cluster),
                    cluster=cluster,
                    fields={"yookassa_shop_id": shop_id},
                    yookassa_secret_key=secret,
                    gateways=["yookassa", *existing.enabled_gateways],
                    yookassa_methods=list(YOOKASSA_METHODS),
                )
            continue
        shop_id, secret = demo_yookassa_shop(index)
        bik = f"0000000{index:02d}"
        payee_save(
            actor=Actor.system(cluster),
            cluster=cluster,
            fields={
                "name": cluster.specialized_organization
                or f"Специализированная организация {cluster.display_name} (демо)",
                "inn": inn_with_check_digits(f"000000{index:03d}"),
                "kpp": f"0000010{index:02d}",
                "address": "Адрес не указан (демо)",
                "bank_name": "ДЕМО-БАНК (не настоящий банк)",
                "bik": bik,
                "account": account_with_key(f"40703810{index:012d}", bik=bik),
                "correspondent_account": account_with_key(
                    f"30101810{index:012d}", bik=bik, correspondent=True
                ),
                "director": "Руководитель (демо)",
                "vat_note": "Без налога (НДС)",
                "accountant": "Бухгалтер (демо)",
                "stripe_publishable_key": f"pk_test_clusterhub_{cluster.schema_name}",
                "yookassa_shop_id": shop_id,
            },
            stripe_secret_key=f"sk_test_clusterhub_{cluster.schema_name}",
            stripe_webhook_secret=f"whsec_clusterhub_demo_{cluster.schema_name}",
            yookassa_secret_key=secret,
            gateways=["yookassa", "stripe"],
            yookassa_methods=list(YOOKASSA_METHODS),
        )


def localstripe_webhooks_register(*, public_url: str) -> int:
    """Demo and tests: ask localstripe (STRIPE_API_BASE, on this machine only) to POST each
    payee's events to its cluster's endpoint under `public_url` (e.g. http://localhost:8000),
    signed with the payee's webhook secret (localstripe's /_config/webhooks/<cluster>).

    localstripe delivers every event to every registered URL (one Stripe account for all
    clusters); each cluster's endpoint ignores PaymentIntents that are not its own. Returns how
    many endpoints were registered; one that fails is logged and skipped."""
    base = settings.STRIPE_API_BASE.rstrip("/")
    if not base or (urlsplit(base).hostname or "") not in LOCAL_HOSTS:
        return 0
    registered = 0
    for payee in Payee.objects.select_related("cluster").order_by("cluster_id"):
        secret = payee_webhook_secret(payee)
        if not secret:
            continue
        slug = payee.cluster.schema_name
        url = public_url.rstrip("/") + reverse(
            "billing:stripe_webhook", urlconf="clusterhub.urls_public", args=[slug]
        )
        body = json.dumps({"url": url, "secret": secret, "events": sorted(WEBHOOK_EVENTS)}).encode()
        request = urllib.request.Request(  # noqa: S310 - local only
            f"{base}/_config/webhooks/{slug}",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):  # noqa: S310 - local only
                registered += 1
        except (urllib.error.URLError, OSError):
            logger.warning("billing: could not register the localstripe webhook for %s", slug)
    return registered


def yookassa_notifications_register(*, public_url: str) -> int:
    """Demo and tests: ask the local YooKassa server (YOOKASSA_API_BASE, on this machine only) to
    POST each payee's notifications to its cluster's endpoint under `public_url`
    (/_config/notifications/<shop id>). Returns how many shops were registered."""
    base = str(getattr(settings, "YOOKASSA_API_BASE", "") or "").rstrip("/")
    if not base or (urlsplit(base).hostname or "") not in LOCAL_HOSTS:
        return 0
    registered = 0
    for payee in Payee.objects.select_related("cluster").exclude(yookassa_shop_id="").order_by("cluster_id"):
        slug = payee.cluster.schema_name
        url = public_url.rstrip("/") + reverse(
            "billing:yookassa_notify", urlconf="clusterhub.urls_public", args=[slug]
        )
        request = urllib.request.Request(  # noqa: S310 - local only
            f"{base}/_config/notifications/{payee.yookassa_shop_id}",
            data=json.dumps({"url": url}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):  # noqa: S310 - local only
                registered += 1
        except (urllib.error.URLError, OSError):
            logger.warning("billing: could not register the local YooKassa notifications for %s", slug)
    return registered
