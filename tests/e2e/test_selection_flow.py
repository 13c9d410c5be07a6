"""The PROКЛАСТЕРЫ selection in Chromium, end to end: a cluster admin sees the open call on the
cluster's home, starts an application whose participants and projects sections are already filled
from the cluster's data, and submits it; the expert scores it; the federal ministry user sees it in
the ranking, records the commission's decision, and the protocol PDF (pdftotext) holds the ranking.

The demo's names are used for the people (admin@nso.demo, expert@ministry.demo,
federal@ministry.demo); the cluster is the tests' «Кластер Бета (тест)» (Novosibirsk Oblast, as nso).
Screenshots of the application page and the ranking at 390 and 1366 px go to test-artifacts/e2e/.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from core.accounts.models import Grant
from core.accounts.services import grant_role, user_create
from core.audit.services import Actor
from core.selection import services
from core.selection.models import Call, Decision
from tenants.models import Cluster
from tests.conftest import PASSWORD
from tests.projects.factories import admitted_on, member, project

from .conftest import UI

pytestmark = pytest.mark.browser

SYSTEM = Actor(user=None)
WIDTHS = (390, 1366)
CLUSTER = "Кластер Бета (тест)"


@pytest.fixture
def selection(transactional_db: None, cluster_a: Cluster, cluster_b: Cluster) -> Call:
    admin = user_create(email="admin@nso.demo", password=PASSWORD, full_name="Администратор НСО")
    grant_role(user=admin, role=Grant.Role.CLUSTER_ADMIN, cluster=cluster_b)
    federal = user_create(email="federal@ministry.demo", password=PASSWORD, full_name="Аналитик министерства")
    grant_role(user=federal, role=Grant.Role.MINISTRY_FEDERAL)
    expert = user_create(email="expert@ministry.demo", password=PASSWORD, full_name="Эксперт отбора")
    with schema_context(cluster_b.schema_name):
        lead, other = member("ООО «Медтехника Сибири»"), member("АО «Новосибирский приборный завод»")
        for company in (lead, other):
            admitted_on(company, dt.datetime(2023, 1, 10, tzinfo=dt.UTC))
        project(cluster_b, lead, other, title="Серийный выпуск эндопротезов")
    now = timezone.now()
    call = services.call_create(
        title="PROКЛАСТЕРЫ 2026",
        year=2026,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
        experts_per_application=1,
        required_sections=["goals"],
        criteria=[
            services.CriterionInput(code="team", name="Управленческая команда", weight=Decimal(2)),
            services.CriterionInput(code="effects", name="Ожидаемые эффекты", weight=Decimal(1)),
        ],
        actor=SYSTEM,
    )
    services.call_open(call=call, actor=SYSTEM)
    services.expert_grant(call=call, expert=expert, actor=SYSTEM)
    return call


def _sign_in(page: Page, ui: UI, slug: str | None, email: str) -> None:
    page.goto(ui.url(slug, "/login/"))
    form = page.locator("form.form")
    form.locator("#id_email").fill(email)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()
    # signing in leads to the role's home (/cabinet/, or where it redirects) on the same host
    expect(page).to_have_url(re.compile("^" + re.escape(ui.url(slug, "/"))))
    expect(page.locator("header .who")).to_be_visible()
    page.wait_for_load_state("load")


def _sign_out(page: Page) -> None:
    page.locator("header").get_by_role("button", name="Выйти").click()
    expect(page.locator("header .who")).to_have_count(0)
    page.wait_for_load_state("load")


def _shots(ui: UI, name: str) -> None:
    for width in WIDTHS:
        ui.page.set_viewport_size({"width": width, "height": 900})
        overflow = ui.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        ui.shot(f"{name}-{width}")
        wide = ui.page.evaluate("""[...document.querySelectorAll('body *')].filter(e => !e.closest('.sel-table-wrap')
            && e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.id || ''))""")
        assert overflow <= 1, f"{name} at {width}px is {overflow}px wider than the viewport: {wide}"
    ui.page.set_viewport_size({"width": 1280, "height": 800})


def test_cluster_applies_expert_scores_ministry_ranks_and_decides(selection: Call, ui: UI) -> None:
    page = ui.page
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations before submitting

    # 1. The cluster admin: the open call on the home, the application with live sections, submit.
    _sign_in(page, ui, "beta", "admin@nso.demo")
    page.goto(ui.url("beta", "/"))
    calls = page.locator("#selection-calls")
    expect(calls).to_contain_text("PROКЛАСТЕРЫ 2026")
    calls.get_by_role("link", name="Заявка на отбор").click()
    page.get_by_role("button", name="Начать заявку").click()
    expect(page.locator("ul.messages")).to_contain_text("Заявка начата")
    main = page.locator("main")
    expect(main).to_contain_text("ООО «Медтехника Сибири»")  # participants, from the cluster's data
    expect(main).to_contain_text("Серийный выпуск эндопротезов")  # joint projects
    form = page.locator("#narrative-form")
    form.get_by_label("Цели проекта").fill("Импортозамещение эндопротезов в Сибири")
    form.get_by_label("Ожидаемые эффекты").fill("Выпуск эндопротезов; тыс. шт.; 2; 10; 2027")
    form.get_by_role("button", name="Сохранить").click()
    expect(main).to_contain_text("Заявка сохранена.")
    _shots(ui, "selection-application-draft")
    page.locator("#submit-form").get_by_label("Подтверждаю", exact=False).check()
    page.locator("#submit-form").get_by_role("button", name="Подать заявку").click()
    expect(main).to_contain_text("Заявка подана: версия 1 зафиксирована.")
    expect(page.locator("#application-status")).to_contain_text("Подана")
    _shots(ui, "selection-application")
    _sign_out(page)

    # 2. The ministry assigns the expert (evenly), the expert scores it.
    _sign_in(page, ui, None, "federal@ministry.demo")
    page.locator("nav.nav summary", has_text="Министерство").click()  # the area menu drops down
    page.locator("nav.nav").get_by_role("link", name="Отборы").click()
    page.get_by_role("link", name="PROКЛАСТЕРЫ 2026").click()
    page.get_by_role("button", name="Распределить поровну").click()
    expect(main).to_contain_text("Распределено назначений: 1.")
    _sign_out(page)
    _sign_in(page, ui, None, "expert@ministry.demo")
    page.goto(ui.url(None, "/selection/reviews/"))
    page.get_by_role("link", name=CLUSTER).click()
    expect(main).to_contain_text("Импортозамещение эндопротезов в Сибири")
    review = page.locator("#review-form")
    team, effects = selection.criteria.order_by("position")
    review.locator(f"#id_value_{team.pk}").fill("8")
    review.locator(f"#id_comment_{team.pk}").fill("Команда с опытом серийного производства")
    review.locator(f"#id_value_{effects.pk}").fill("7")
    review.locator(f"#id_comment_{effects.pk}").fill("Эффекты измеримы")
    review.get_by_role("button", name="Отправить оценки").click()
    expect(main).to_contain_text("Оценки отправлены.")
    _sign_out(page)

    # 3. The ministry: the ranking, the decision, the protocol.
    _sign_in(page, ui, None, "federal@ministry.demo")
    page.goto(ui.url(None, f"/selection/{selection.pk}/ranking/"))
    ranking = page.locator("#ranking")
    expect(ranking).to_contain_text(CLUSTER)
    expect(ranking).to_contain_text("7,67")  # (8×2 + 7×1) / 3
    row = ranking.locator("tr", has_text=CLUSTER)
    row.get_by_label("Решение").select_option(label="Победитель")
    row.get_by_label("Протокол", exact=True).fill("№ 1 от 28.05.2026")
    row.get_by_role("button", name="Записать решение").click()
    expect(main).to_contain_text(f"Решение по заявке «{CLUSTER}» записано.")
    expect(ranking).to_contain_text("Победитель")
    _shots(ui, "selection-ranking")
    assert Decision.objects.get(application__call=selection).outcome == "winner"
    with page.expect_download() as info:
        page.get_by_role("link", name="Протокол: PDF").click()
    path = info.value.path()
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert (
        "Протокол экспертной комиссии" in text
        and CLUSTER in text
        and "Победитель" in text
        and "7,67" in text.replace(".", ",")
    )
    assert not ui.problems, ui.problems
