"""A cluster admin holds a general meeting in the browser and admits an applicant company;
the public members directory then lists it for an anonymous visitor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Dialog, Page, expect

from core.accounts.models import Grant, User
from core.accounts.services import grant_role, user_create
from tenants.governance.models import Body
from tenants.members import services as member_services
from tenants.members.models import Company
from tenants.models import Cluster
from tests.conftest import PASSWORD
from tests.governance import factories

from .conftest import ARTIFACTS, UI

pytestmark = pytest.mark.browser

ADMIN_NAME = "Ольга Николаевна Белова"
ADMIN_EMAIL = "olga.admin@alpha.example"
APPLICANT = "ООО «Новый участник»"
APPLICANT_SHORT = "Новый участник"
DESCRIPTION = "Разработка и производство медицинских изделий для функциональной диагностики."
VOTERS = 3


@pytest.fixture
def alpha_admin(transactional_db: None, cluster_a: Cluster, cluster_b: Cluster) -> User:
    user = user_create(email=ADMIN_EMAIL, password=PASSWORD, full_name=ADMIN_NAME)
    grant_role(user=user, role=Grant.Role.CLUSTER_ADMIN, cluster=cluster_a)
    return user


@pytest.fixture
def prepared(alpha_admin: User, cluster_a: Cluster) -> tuple[Body, Company]:
    """A general meeting body, three voting members and one applicant (all through services/factories)."""
    with schema_context(cluster_a.schema_name):
        body = factories.body(cluster_a)
        factories.companies(VOTERS)
        applicant = member_services.company_create(
            actor=factories.system(cluster_a),
            full_name=APPLICANT,
            short_name=APPLICANT_SHORT,
            status=Company.Status.APPLIED,
            description=DESCRIPTION,
            public_fields=["description"],
        )
    return body, applicant


def _sign_in(page: Page, email: str, password: str) -> None:
    form = page.locator("form.form")
    form.locator("#id_email").fill(email)
    form.locator("#id_password").fill(password)
    form.get_by_role("button", name="Войти").click()


def test_admin_admits_applicant_at_general_meeting(
    prepared: tuple[Body, Company], cluster_a: Cluster, ui: UI
) -> None:
    body, applicant = prepared
    page = ui.page

    # Not yet in the public directory: an applicant is not a member.
    page.goto(ui.url("alpha", "/site/members/"))
    expect(page.locator("h1")).to_have_text("Участники кластера")
    expect(page.locator("ul.cards")).not_to_contain_text(APPLICANT_SHORT)

    # 1. Sign in as the cluster admin.
    page.goto(ui.url("alpha", "/login/"))
    _sign_in(page, ADMIN_EMAIL, PASSWORD)
    expect(page.locator("header .who")).to_have_text(ADMIN_NAME)

    # 2. Meetings from the navigation; a new general meeting held yesterday.
    page.locator("nav.nav summary", has_text="Управление").click()  # the area menu drops down
    page.locator("nav.nav").get_by_role("link", name="Заседания").click()
    expect(page).to_have_url(ui.url_pattern("alpha", "/governance/meetings/"))
    expect(page.locator("h1")).to_have_text("Заседания")
    page.get_by_role("link", name="Новое заседание").click()
    expect(page.locator("h1")).to_have_text("Новое заседание")
    held_at = timezone.localtime(timezone.now() - dt.timedelta(days=1)).replace(hour=11, minute=0)
    form = page.locator("form.form")
    form.locator("#id_body").select_option(str(body.pk))
    form.locator("#id_number").fill("7")
    form.locator("#id_held_at").fill(held_at.strftime("%Y-%m-%dT%H:%M"))
    form.locator("#id_place").fill("г. Дубна, ул. Университетская, 19")
    form.locator("#id_chair_name").fill("Иванов И. И.")
    form.locator("#id_secretary_name").fill("Петрова А. С.")
    form.locator("#id_agenda").fill(f"О приёме {APPLICANT} в члены кластера")
    ui.shot("admission-01-meeting-form")
    form.get_by_role("button").first.click()
    expect(page.locator("h1")).to_have_text("Общее собрание участников: протокол № 7")
    expect(page.locator("main")).to_contain_text("Заседание создано.")
    expect(page.locator("main")).to_contain_text(held_at.strftime("%d.%m.%Y 11:00"))

    # 3. Attendance: every voting member present (the applicant is not on the list).
    page.get_by_role("link", name="Отметить присутствие").click()
    sheet = page.locator("form.form")
    boxes = sheet.locator("input[type=checkbox]")
    expect(boxes).to_have_count(VOTERS)
    expect(sheet).not_to_contain_text(APPLICANT_SHORT)
    for i in range(VOTERS):
        boxes.nth(i).check()
    ui.shot("admission-02-attendance")
    sheet.get_by_role("button", name="Сохранить").click()
    expect(page.locator("main")).to_contain_text("Присутствие отмечено.")
    expect(page.locator("main table.grid").nth(1).locator("tbody tr")).to_have_count(VOTERS)
    expect(page.locator("main")).to_contain_text("присутствовал")

    # 4. The admission decision, unanimous; the confirmation dialog is accepted.
    page.get_by_role("link", name="Записать решение").click()
    expect(page.locator("h1")).to_contain_text("Записать решение")
    decision = page.locator("form.form")
    decision.locator("#id_kind").select_option(label="Приём в члены кластера")
    decision.locator("#id_agenda_item").select_option(index=1)
    decision.locator("#id_subject_company").select_option(label=APPLICANT_SHORT)
    decision.locator("#id_text").fill(f"Принять {APPLICANT} в члены кластера.")
    decision.locator("#id_votes_for").fill(str(VOTERS))
    ui.shot("admission-03-decision-form")
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    decision.get_by_role("button", name="Записать").click()
    expect(page.locator("main")).to_contain_text("Решение записано.")
    assert dialogs == ["Записать решение? Исправить его потом будет нельзя."]
    decisions = page.locator("main table.grid").last
    expect(decisions).to_contain_text("Приём в члены кластера")
    expect(decisions).to_contain_text(APPLICANT_SHORT)
    expect(decisions).to_contain_text("Решение принято")
    expect(page.locator("dl.facts")).to_contain_text("Проведено")
    ui.shot("admission-04-meeting-decided")

    with schema_context(cluster_a.schema_name):
        applicant.refresh_from_db()
    assert applicant.status == Company.Status.ADMITTED

    # 5. An anonymous visitor (a fresh browser context) sees the new member in the directory.
    browser = ui.context.browser
    assert browser is not None
    anonymous = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 800})
    try:
        visitor = anonymous.new_page()
        visitor.goto(ui.url("alpha", "/site/members/"))
        expect(visitor.locator("header .who")).to_have_count(0)
        expect(visitor.locator("h1")).to_have_text("Участники кластера")
        card = visitor.locator("ul.cards li").filter(has_text=APPLICANT_SHORT)
        expect(card).to_have_count(1)
        expect(card).to_contain_text(APPLICANT)
        visitor.screenshot(path=str(ARTIFACTS / "admission-05-directory.png"), full_page=True)
        card.get_by_role("link", name=APPLICANT_SHORT).click()
        expect(visitor.locator("main")).to_contain_text(DESCRIPTION)
        visitor.screenshot(path=str(ARTIFACTS / "admission-06-company.png"), full_page=True)
    finally:
        anonymous.close()

    assert not ui.problems, ui.problems
