"""A cluster admin uploads seed 001 in the browser, checks the preview, imports it, marks an
item done with a result and downloads the report as PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.accounts.models import Grant, User
from core.accounts.services import grant_role, user_create
from tenants.models import Cluster
from tenants.roadmap.demo import SEED_001
from tests.conftest import PASSWORD

from .conftest import ARTIFACTS, UI

pytestmark = pytest.mark.browser

SEED = SEED_001  # = shared/seeds/001_54a93e4556976a7b.txt, kept with the demo data
RESULT = "Заявка на выставку подана 20.03.2018 https://example.ru/zayavka-2018"


@pytest.fixture
def admin(transactional_db: None, cluster_a: Cluster, cluster_b: Cluster) -> User:
    user = user_create(
        email="roadmap.admin@alpha.example", password=PASSWORD, full_name="Мадфес Наталья Андреевна"
    )
    grant_role(user=user, role=Grant.Role.CLUSTER_ADMIN, cluster=cluster_a)
    return user


def test_admin_imports_seed_marks_item_done_and_downloads_pdf(ui: UI, admin: User, tmp_path: Path) -> None:
    page = ui.page
    page.goto(ui.url("alpha", "/login/?next=/roadmap/"))
    form = page.locator("form.form")
    form.locator("#id_email").fill(admin.email)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Дорожные карты")).to_be_visible()
    expect(page.get_by_text("Дорожных карт пока нет.")).to_be_visible()

    page.get_by_role("link", name="Загрузить из файла (.txt, .xlsx, .docx)").click()
    page.locator("#id_file").set_input_files(str(SEED))
    page.get_by_role("button", name="Проверить файл").click()
    expect(page.get_by_role("heading", name="Предпросмотр импорта")).to_be_visible()
    expect(page.locator("#preview-counts")).to_have_text("разделов: 6, мероприятий: 24")
    # The author of the preview is matched as an executor («Мадфес Н.А.» -> this account).
    expect(page.locator(".executor.matched").filter(has_text="Мадфес Н.А.").first).to_be_visible()
    expect(
        page.get_by_text("Исполнитель «Шибанов А.Н» не найден среди пользователей кластера").first
    ).to_be_visible()
    ui.shot("roadmap-1-preview")

    page.get_by_role("button", name="Импортировать").click()
    expect(page.get_by_text("Импортировано: разделов 6, мероприятий 24.")).to_be_visible()
    expect(page.locator("tr.section-row")).to_have_count(6)
    ui.shot("roadmap-2-imported")

    page.locator("#item-2\\.3\\. a").first.click()
    expect(page.locator("#item-status")).to_have_text("Запланировано")
    progress = page.locator("#progress-form")
    progress.locator("#id_status").select_option("done")
    progress.locator("#id_actual_result").fill(RESULT)
    progress.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Мероприятие 2.3. сохранено.")).to_be_visible()
    expect(page.locator("#item-status")).to_have_text("Выполнено")
    expect(page.locator("#item-result a")).to_have_attribute("href", "https://example.ru/zayavka-2018")
    ui.shot("roadmap-3-item-done")

    page.locator("main a").first.click()  # «← <roadmap title>»
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF", exact=True).click()
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "Отчет о работе" in text
    assert "Заявка на выставку подана 20.03.2018" in text
    assert "Организационные вопросы" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "roadmap-report.pdf").write_bytes(pdf.read_bytes())
    assert not ui.problems, ui.problems
