"""The first admin of a new cluster opens the invitation, sets a password and works through the
set-up checklist in Chromium; screenshots of the checklist at 390 and 1366 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail
from django_tenants.utils import schema_exists
from playwright.sync_api import expect

from core.audit.services import Actor
from tenants import schemas
from tenants.models import Cluster
from tenants.onboarding.services import cluster_create
from tests.conftest import PASSWORD

from .conftest import UI

pytestmark = pytest.mark.browser

SLUG = "uiprep"
SHOTS = Path(__file__).resolve().parents[2] / ".local" / "artifacts" / "ui"


@pytest.fixture
def preparing(transactional_db: None, cluster_a: Cluster) -> Iterator[Cluster]:
    if schema_exists(SLUG):
        schemas.schema_drop(name=SLUG)
    cluster = cluster_create(
        actor=Actor.system(),
        admin_email="new.admin@example.test",
        scheme="http",
        slug=SLUG,
        name="Кластер медицинской техники (новый)",
        region_codes=["RU-MOS"],
    )
    yield cluster
    schemas.schema_drop(name=SLUG)


def _shot(ui: UI, name: str, width: int) -> Path:
    ui.page.set_viewport_size({"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"{name}-{width}.png"
    ui.page.screenshot(path=str(target), full_page=True)
    return target


def test_first_admin_sets_the_cluster_up(preparing: Cluster, ui: UI) -> None:
    page = ui.page
    link = re.search(r"/setup/invitation/[^/\s]+/", str(mail.outbox[-1].body))
    assert link
    # before activation its site is not open
    response = page.goto(ui.url(SLUG, "/"))
    assert response is not None and response.status == 404
    expect(page.locator("body")).to_contain_text("готовится к открытию")

    page.goto(ui.url(SLUG, link.group(0)))
    form = page.locator("form.form")
    form.locator("#id_full_name").fill("Новый Администратор Кластера")
    form.locator("#id_password").fill(PASSWORD)
    form.locator("#id_password2").fill(PASSWORD)
    form.get_by_role("button", name="Принять приглашение").click()
    expect(page).to_have_url(ui.url_pattern(SLUG, "/setup/"))
    expect(page.locator("h1")).to_have_text("Подготовка кластера")

    # activation before the required steps is refused, naming them
    page.get_by_role("button", name="Активировать").click()
    expect(page.locator("body")).to_contain_text("Наименование, Регионы, Реквизиты получателя платежей")

    page.locator("#step-name").get_by_role("link", name="Заполнить").click()
    page.locator("#id_short_name").fill("Медтех")
    page.get_by_role("button", name="Сохранить").click()
    expect(page).to_have_url(ui.url_pattern(SLUG, "/setup/"))
    expect(page.locator("#step-name")).to_contain_text("готово")
    expect(page.locator("#step-regions")).to_contain_text("не выполнено")

    for width in (390, 1366):
        _shot(ui, "setup-checklist", width)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"checklist is {scroll} px wide at {width} px"
        box = page.locator("#step-import").get_by_role("button", name="Позже").bounding_box()
        assert box is not None and box["x"] + box["width"] <= width  # no step's button is cut off
    assert not ui.problems, ui.problems
