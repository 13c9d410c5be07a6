"""The joint projects list, card and form in Chromium at a phone's width (390 px) and a laptop's (1366 px):
nothing is wider than the viewport (wide tables scroll inside their frame) and the shortfall
badge shows; screenshots go to test-artifacts/e2e/."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from core.accounts.models import Grant, User
from core.accounts.services import grant_role, user_create
from core.audit.services import Actor
from tenants.models import Cluster
from tenants.projects import services
from tests.conftest import PASSWORD
from tests.projects.factories import member, project

from .conftest import UI

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)


@pytest.fixture
def admin(transactional_db: None, cluster_a: Cluster, cluster_b: Cluster) -> User:
    user = user_create(
        email="projects.admin@alpha.example", password=PASSWORD, full_name="Иванова Мария Петровна"
    )
    grant_role(user=user, role=Grant.Role.CLUSTER_ADMIN, cluster=cluster_a)
    return user


def _projects(cluster: Cluster) -> int:
    system = Actor.system(cluster)
    with schema_context(cluster.schema_name):
        lead = member("ООО «Медицинские системы Дубны»")
        other, supplier = member("АО «Радиофизика»"), member("ООО «Стерилизационные технологии и сервис»")
        main = project(
            cluster,
            lead,
            other,
            supplier,
            title="Серийное производство медицинских изделий в ОЭЗ «Дубна» (импортозамещение)",
        )
        for n in range(6):
            project(cluster, other, lead, title=f"Совместная разработка изделия № {n + 1}")
        for year in (2024, 2025, 2026):
            for source, amount in (
                ("own_funds", 12_500_000_00),
                ("federal_subsidy", 40_000_000_00),
                ("regional_support", 3_750_000_50),
                ("loans", 100_000_000_00),
            ):
                services.budget_set(
                    project=main, actor=system, year=year, source=source, amount_kopecks=amount
                )
        services.indicator_create(
            project=main,
            actor=system,
            year=2025,
            kind="output_volume",
            planned=250_000_000_00,
            actual=195_000_000_00,
        )
        services.indicator_create(
            project=main, actor=system, year=2025, kind="new_jobs", planned=40, actual=41
        )
        services.indicator_create(project=main, actor=system, year=2025, kind="import_share", planned=60_00)
        application = services.support_create(
            project=main,
            company=lead,
            actor=system,
            measure="decree_41",
            amount_requested_kopecks=50_000_000_00,
            submitted_on=dt.date(2024, 3, 1),
        )
        services.support_decide(
            application=application,
            actor=system,
            decision="granted",
            decided_on=dt.date(2024, 6, 1),
            amount_granted_kopecks=40_000_000_00,
        )
        services.tranche_add(
            application=application,
            actor=system,
            received_on=dt.date(2025, 2, 1),
            amount_kopecks=20_000_000_00,
            note="первый транш",
        )
        return main.pk


def _fits(ui: UI) -> None:
    overflow = ui.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the viewport"


def test_list_and_card_fit_phone_and_laptop(ui: UI, admin: User) -> None:
    pk = _projects(Cluster.objects.get(schema_name="alpha"))
    page = ui.page
    page.goto(ui.url("alpha", "/login/?next=/projects/"))
    form = page.locator("form.form")
    form.locator("#id_email").fill(admin.email)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Совместные проекты")).to_be_visible()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(ui.url("alpha", "/projects/"))
        expect(page.locator("#project-count")).to_have_text("Найдено проектов: 7")
        _fits(ui)
        ui.shot(f"projects-list-{width}")
        page.goto(ui.url("alpha", f"/projects/{pk}/"))
        expect(page.locator("#indicators-2025 .badge.shortfall")).to_have_text("−22 %")
        expect(page.locator("#budget-table tfoot td").last).to_have_text("468 750 001,50")
        _fits(ui)
        ui.shot(f"projects-card-{width}")
        page.goto(ui.url("alpha", "/projects/new/"))
        expect(page.get_by_role("heading", name="Новый совместный проект")).to_be_visible()
        _fits(ui)
        ui.shot(f"projects-form-{width}")
    assert not ui.problems, ui.problems
