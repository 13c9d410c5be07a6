"""The lists of the one list pattern in Chromium at 390 and 1366 px: the filter bar, the sortable
headers and the table fit the viewport (no page wider than the screen; a wide table scrolls in
its own box), a header click sorts, and money stays on one line. Screenshots go to
test-artifacts/e2e/lists-<page>-<width>.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from billing.statements.models import BankStatement, BankStatementLine
from core.accounts.models import Grant
from core.accounts.services import grant_role, user_create
from core.audit.services import Actor, audit_record
from tenants.events.services import event_create
from tenants.models import Cluster
from tenants.roadmap.models import Roadmap
from tests.conftest import PASSWORD
from tests.roadmap import factories as roadmaps

from .conftest import UI

ADMIN = "admin.lists@alpha.example"
PAGES = {
    "roadmaps": "/roadmap/",
    "audit": "/audit/",
    "queue": "/fees/statements/queue/",
    "events": "/site/events/",
}


@pytest.fixture
def prepared(transactional_db: None, cluster_a: Cluster) -> None:
    admin = user_create(email=ADMIN, password=PASSWORD, full_name="Анна Сергеевна Листова")
    grant_role(user=admin, role=Grant.Role.CLUSTER_ADMIN, cluster=cluster_a)
    actor = Actor(user=admin, host="alpha.localhost", cluster=cluster_a)
    with schema_context(cluster_a.schema_name):
        plan = roadmaps.roadmap(
            cluster_a, "Дорожная карта развития медицинского кластера Новосибирской области"
        )
        Roadmap.objects.create(
            title="Старая карта", period_start=dt.date(2022, 1, 1), period_end=dt.date(2022, 12, 31)
        )
        for n in range(3):
            event_create(
                actor=Actor.system(cluster_a),
                title=f"Международная выставка медицинской техники и технологий № {n}",
                starts_on=dt.date(2026, 4, 1 + n),
                place="Новосибирск, МВК «Новосибирск Экспоцентр»",
            )
    audit_record(actor=actor, action="roadmap.update", obj=plan, changes={"title": ["было", plan.title]})
    statement = BankStatement.objects.create(
        cluster=cluster_a,
        file_name="kl_to_1c.txt",
        file_sha256="1" * 64,
        account="40702810900000000001",
        status=BankStatement.Status.APPLIED,
    )
    for n, amount in enumerate((12_000_000_00, 45_000_00, 1_234_567_89), start=1):
        BankStatementLine.objects.create(
            cluster=cluster_a,
            statement=statement,
            position=n,
            source_line=n,
            document_number=str(700 + n),
            date=dt.date(2026, 3, n),
            amount_kopecks=amount,
            payer_name=f"Общество с ограниченной ответственностью «Медицинские системы Сибири {n}»",
            payer_inn="5406000000",
            payee_account="40702810900000000001",
            purpose="Членский взнос за 2026 год по счёту без номера, НДС не облагается",
            state="unmatched",
        )


def test_converted_lists_fit_phone_and_desktop_and_sort_by_header(prepared: None, ui: UI) -> None:
    page = ui.page
    ui.sign_in("alpha", ADMIN, PASSWORD, name="Анна")
    for name, path in PAGES.items():
        ui.list_fits("alpha", path, f"lists-{name}")
    # a header click sorts: the largest receipt first after two clicks on «Сумма»
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(ui.url("alpha", "/fees/statements/queue/"))
    ui.sort_by("Сумма, руб.", heading="Сумма", money="12\u00a0000\u00a0000,00\u00a0₽")
    assert not ui.problems, ui.problems
