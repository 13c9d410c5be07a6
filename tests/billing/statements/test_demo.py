"""The demo statement: Windows-1251, built from the cluster's open invoices, written once;
importing it shows full, partial, by-INN and unmatched lines, and a re-import books nothing twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from billing.models import Payee, Payment
from billing.statements import demo, services
from core.accounts.models import Grant
from core.audit.services import Actor
from tenants.models import Cluster
from tests.billing.conftest import issue

pytestmark = pytest.mark.django_db


def test_demo_statement_pays_some_part_pays_one_and_leaves_one(
    cluster_a: Cluster,
    payee_a: Payee,
    make_user: Any,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(demo, "DEMO_SLUGS", frozenset({"alpha"}))
    for company in (11, 12, 13, 14):
        issue(cluster_a, company_id=company, amount=1_000_000 + company * 1000)
    demo.demo_statements([cluster_a])
    path = demo.demo_statement_path(cluster_a)
    data = path.read_bytes()
    assert data.startswith(b"1CClientBankExchange\r\n") and "Кодировка=Windows".encode("cp1251") in data
    issue(cluster_a, company_id=15)
    demo.demo_statements([cluster_a])
    assert path.read_bytes() == data  # written once

    actor = Actor(user=make_user(Grant.Role.CLUSTER_STAFF, cluster_a), cluster=cluster_a)
    stmt = services.statement_import(actor=actor, cluster=cluster_a, file_name=path.name, data=data)
    assert list(stmt.lines.order_by("position").values_list("state", flat=True)) == [
        "matched",
        "matched",
        "partial",
        "matched",
        "unmatched",
    ]
    assert stmt.debits_skipped == 1
    services.statement_apply(actor=actor, statement=stmt)
    again = services.statement_import(actor=actor, cluster=cluster_a, file_name=path.name, data=data)
    assert set(again.lines.exclude(state="unmatched").values_list("state", flat=True)) == {"already_imported"}
    services.statement_apply(actor=actor, statement=again)
    assert Payment.objects.filter(cluster=cluster_a).count() == 4
