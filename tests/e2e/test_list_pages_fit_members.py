"""The members and governance lists of the one list pattern in Chromium at 390 and 1366 px:
contracts, yearly figures, proxies, the public product catalogue and the personal-data requests
and incidents fit the viewport (a wide
table scrolls in its own box), a header click sorts, and money stays on one line. Screenshots
go to test-artifacts/e2e/lists-<page>-<width>.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from core.accounts.models import Grant
from core.accounts.services import grant_role, user_create
from tenants.governance.models import Proxy
from tenants.members.models import Company, CooperationContract, KpiReport, Product
from tenants.models import Cluster
from tenants.privacy.models import Incident, SubjectRequest
from tests.conftest import PASSWORD

from .conftest import UI

ADMIN = "admin.member-lists@alpha.example"
PAGES = {
    "contracts": "/members/contracts/",
    "kpis": "/members/kpis/",
    "proxies": "/governance/proxies/",
    "catalogue": "/site/products/",
    "privacy-requests": "/privacy/requests/",
    "privacy-incidents": "/privacy/incidents/",
}


@pytest.fixture
def prepared(transactional_db: None, cluster_a: Cluster) -> None:
    admin = user_create(email=ADMIN, password=PASSWORD, full_name="Мария Петровна Реестрова")
    grant_role(user=admin, role=Grant.Role.CLUSTER_ADMIN, cluster=cluster_a)
    today = timezone.localdate()
    with schema_context(cluster_a.schema_name):
        companies = [
            Company.objects.create(
                full_name=f"Общество с ограниченной ответственностью «Медицинские системы Сибири {n}»",
                short_name=f"ООО «Медицинские системы Сибири {n}»",
                status=Company.Status.ACTIVE,
            )
            for n in range(1, 4)
        ]
        for n, amount in enumerate((12_000_000_00, 45_000_00, 1_234_567_89)):
            CooperationContract.objects.create(
                number=f"2026/КП-{n}",
                signed_on=dt.date(2026, 3, 1 + n),
                amount_kopecks=amount,
                party_a=companies[n],
                party_b=companies[(n + 1) % 3],
                subject="Поставка аппаратов ультразвуковой диагностики экспертного класса и обучение персонала",
            )
            KpiReport.objects.create(
                company=companies[n], year=2024 + n % 2, revenue=amount, investment=amount // 3, employees=120
            )
            Product.objects.create(
                company=companies[n],
                name=f"Аппарат ультразвуковой диагностики экспертного класса «Сибирь-{n}»",
                description="Портативная система для кардиологии, акушерства и гинекологии",
                registration_number=f"РЗН 2024/2383{n}",
                in_innovation_registry=bool(n % 2),
            )
            Proxy.objects.create(
                grantor=companies[n],
                holder=companies[(n + 1) % 3],
                file="proxies/scan.pdf",
                original_name="доверенность-на-голосование-общее-собрание-2026.pdf",
                valid_from=today,
                valid_until=today + dt.timedelta(days=30 + n),
            )
            SubjectRequest.objects.create(
                kind=SubjectRequest.Kind.COPY if n else SubjectRequest.Kind.DELETION,
                subject_name=f"Константинопольская Александра Владимировна {n}",
                received_on=today - dt.timedelta(days=20 * n),
                deadline=today - dt.timedelta(days=20 * n - 14),
            )
            Incident.objects.create(
                title=f"Письмо со списком участников и их телефонами отправлено не тому адресату ({n})",
                detected_at=timezone.now() - dt.timedelta(hours=30 * n + 1),
            )


def test_member_and_governance_lists_fit_phone_and_desktop_and_sort_by_header(prepared: None, ui: UI) -> None:
    page = ui.page
    ui.sign_in("alpha", ADMIN, PASSWORD, name="Реестрова")
    for name, path in PAGES.items():
        ui.list_fits("alpha", path, f"lists-{name}")
    # two clicks on «Сумма, руб.»: the largest contract first, its sum on one line, right-aligned
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(ui.url("alpha", "/members/contracts/"))
    first = ui.sort_by("Сумма, руб.", heading="Сумма", money="12 000 000,00")
    assert first.locator("td.money").evaluate("td => getComputedStyle(td).textAlign") == "right"
    # the status filter of the proxies narrows the list
    page.goto(ui.url("alpha", "/governance/proxies/"))
    page.get_by_label("Состояние").select_option("approved")
    page.get_by_role("button", name="Найти").click()
    expect(page.locator("table.grid caption")).to_contain_text("Найдено доверенностей: 0")
    expect(page.locator("td.empty")).to_contain_text("Ничего не найдено.")
    assert not ui.problems, ui.problems
