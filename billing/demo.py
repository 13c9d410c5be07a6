"""Demo payees: one per cluster, with obviously fake bank details and localstripe test keys.

Region code 00 in the INN and zero-filled accounts make sure no real organization or account
is named. Running it again changes nothing that exists (through billing.services).
"""

from __future__ import annotations

from collections.abc import Iterable

from core.audit.services import Actor
from core.ru.identifiers import inn_with_check_digits
from tenants.models import Cluster

from .models import Payee
from .services import payee_save


def demo_payees(clusters: Iterable[Cluster]) -> None:
    for index, cluster in enumerate(clusters, start=1):
        if Payee.objects.filter(cluster=cluster).exists():
            continue
        payee_save(
            actor=Actor.system(cluster), cluster=cluster,
            fields={
                "name": cluster.specialized_organization or f"Специализированная организация {cluster.display_name} (демо)",
                "inn": inn_with_check_digits(f"000000{index:03d}"), "kpp": f"0000010{index:02d}",
                "address": "Адрес не указан (демо)", "bank_name": "ДЕМО-БАНК (не настоящий банк)",
                "bik": f"0000000{index:02d}", "account": f"40703810{index:012d}",
                "correspondent_account": f"30101810{index:012d}", "director": "Руководитель (демо)",
                "accountant": "Бухгалтер (демо)", "stripe_publishable_key": f"pk_test_clusterhub_{cluster.schema_name}",
            },
            stripe_secret_key=f"sk_test_clusterhub_{cluster.schema_name}",
            stripe_webhook_secret=f"whsec_clusterhub_demo_{cluster.schema_name}",
        )
