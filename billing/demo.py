"""Demo payees: one per cluster, with obviously fake bank details and localstripe test keys,
and the localstripe webhook registration of the demo and the tests.

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

from .gateway import TIMEOUT_SECONDS, WEBHOOK_EVENTS
from .models import Payee
from .services import payee_save, payee_webhook_secret

logger = logging.getLogger(__name__)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def demo_payees(clusters: Iterable[Cluster]) -> None:
    for index, cluster in enumerate(clusters, start=1):
        if Payee.objects.filter(cluster=cluster).exists():
            continue
        bik = f"0000000{index:02d}"
        payee_save(
            actor=Actor.system(cluster), cluster=cluster,
            fields={
                "name": cluster.specialized_organization or f"Специализированная организация {cluster.display_name} (демо)",
                "inn": inn_with_check_digits(f"000000{index:03d}"), "kpp": f"0000010{index:02d}",
                "address": "Адрес не указан (демо)", "bank_name": "ДЕМО-БАНК (не настоящий банк)",
                "bik": bik, "account": account_with_key(f"40703810{index:012d}", bik=bik),
                "correspondent_account": account_with_key(f"30101810{index:012d}", bik=bik, correspondent=True),
                "director": "Руководитель (демо)", "vat_note": "Без налога (НДС)",
                "accountant": "Бухгалтер (демо)", "stripe_publishable_key": f"pk_test_clusterhub_{cluster.schema_name}",
            },
            stripe_secret_key=f"sk_test_clusterhub_{cluster.schema_name}",
            stripe_webhook_secret=f"whsec_clusterhub_demo_{cluster.schema_name}",
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
        url = public_url.rstrip("/") + reverse("billing:stripe_webhook", urlconf="clusterhub.urls_public", args=[slug])
        body = json.dumps({"url": url, "secret": secret, "events": sorted(WEBHOOK_EVENTS)}).encode()
        request = urllib.request.Request(f"{base}/_config/webhooks/{slug}", data=body,  # noqa: S310 - local only
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):  # noqa: S310 - local only
                registered += 1
        except (urllib.error.URLError, OSError):
            logger.warning("billing: could not register the localstripe webhook for %s", slug)
    return registered
