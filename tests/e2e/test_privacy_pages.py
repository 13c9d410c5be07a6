"""The «Персональные данные» area in Chromium at 390 and 1366 px: the four sections fit the
viewport (wide tables scroll in their frame), a destructive button asks first; screenshots go
to test-artifacts/e2e/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from core.accounts.models import Grant, User
from core.accounts.services import grant_role, user_create
from core.audit.services import Actor
from tenants.models import Cluster
from tenants.privacy import demo, services
from tenants.privacy.models import ProcessingActivity
from tests.conftest import PASSWORD

from .conftest import UI

pytestmark = pytest.mark.browser


@pytest.fixture
def admin(transactional_db: None, cluster_a: Cluster, cluster_b: Cluster) -> User:
    user = user_create(email="pd.admin@alpha.example", password=PASSWORD, full_name="Соколова Анна Игоревна")
    grant_role(user=user, role=Grant.Role.CLUSTER_ADMIN, cluster=cluster_a)
    staff = user_create(email="pd.staff@alpha.example", password=PASSWORD, full_name="Орлов Пётр Сергеевич")
    grant_role(user=staff, role=Grant.Role.CLUSTER_STAFF, cluster=cluster_a)
    return user


def test_privacy_area_fits_and_confirms(ui: UI, admin: User, monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = Cluster.objects.get(schema_name="alpha")
    monkeypatch.setattr(demo, "PRIVACY_DEMO_CLUSTERS", {"alpha"})
    with schema_context("alpha"):
        demo.demo_privacy(cluster, tz="Europe/Moscow")
        services.incident_create(
            actor=Actor.system(cluster),
            title="Потерян ноутбук с выгрузкой",
            detected_at=timezone.now() - dt.timedelta(hours=30),
        )
    page = ui.page
    page.goto(ui.url("alpha", "/login/?next=/privacy/"))
    form = page.locator("form.form")
    form.locator("#id_email").fill(admin.email)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Персональные данные", exact=True)).to_be_visible()
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(ui.url("alpha", "/privacy/"))
        expect(page.get_by_text("просрочено").first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow} px wider than the viewport"
        ui.shot(f"privacy-index-{width}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("#register ~ .table-box form button.danger").first.click()
    with schema_context("alpha"):
        assert ProcessingActivity.objects.count() == 3  # dismissed: nothing deleted
    assert not ui.problems, ui.problems
