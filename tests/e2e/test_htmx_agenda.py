"""htmx in Chromium: staff build a meeting's agenda without page loads. «Добавить вопрос» and
«Удалить» swap the agenda section in place (the page is not reloaded: a marker set on the window
survives), declining the delete question sends nothing, and the CSP-strict page has no JS errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django_tenants.utils import schema_context
from playwright.sync_api import Dialog, expect

from core.accounts.models import Grant
from core.accounts.services import grant_role, user_create
from tenants.governance.models import AgendaItem, Meeting
from tenants.models import Cluster
from tests.conftest import PASSWORD
from tests.governance import factories as f

from .conftest import UI

pytestmark = pytest.mark.browser

STAFF_EMAIL = "staff@alpha.example"


@pytest.fixture
def meeting(transactional_db: None, cluster_a: Cluster) -> Meeting:
    user = user_create(email=STAFF_EMAIL, password=PASSWORD, full_name="Ольга Секретарёва")
    grant_role(user=user, role=Grant.Role.CLUSTER_STAFF, cluster=cluster_a)
    with schema_context(cluster_a.schema_name):
        return f.meeting(cluster_a, f.body(cluster_a), agenda=("О приёме в члены кластера",))


@pytest.fixture
def db_closed_after(ui: UI) -> Iterator[None]:
    yield
    connections.close_all()


def _titles(cluster: Cluster, meeting: Meeting) -> list[str]:
    with schema_context(cluster.schema_name):
        return list(
            AgendaItem.objects.filter(meeting=meeting).order_by("number").values_list("title", flat=True)
        )


def test_staff_add_and_delete_agenda_questions_in_place(
    meeting: Meeting, cluster_a: Cluster, ui: UI, db_closed_after: None
) -> None:
    page = ui.page
    ui.sign_in("alpha", STAFF_EMAIL, PASSWORD, name="Ольга Секретарёва")
    page.goto(ui.url("alpha", f"/governance/meetings/{meeting.pk}/"))
    agenda = page.locator("#agenda")
    expect(agenda.locator("tbody tr")).to_have_count(1)
    page.evaluate("window.notReloaded = true")
    agenda.get_by_label("Вопрос повестки").fill("О плане работы на 2027 год")
    agenda.get_by_role("button", name="Добавить вопрос").click()
    expect(agenda.locator("tbody tr")).to_have_count(2)
    expect(agenda.locator("tbody tr").nth(1)).to_contain_text("О плане работы на 2027 год")
    expect(agenda.get_by_role("status")).to_have_text("Вопрос 2 добавлен в повестку.")
    expect(agenda.get_by_label("Вопрос повестки")).to_have_value("")
    assert page.evaluate("window.notReloaded") is True
    assert page.url == ui.url("alpha", f"/governance/meetings/{meeting.pk}/")
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        ui.shot(f"htmx-agenda-added-{width}")
    page.set_viewport_size({"width": 1280, "height": 800})

    answers: list[bool] = []

    def answer(dialog: Dialog) -> Any:
        assert dialog.message == "Удалить вопрос повестки?"
        return dialog.accept() if answers.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    answers.append(False)  # «Отмена»: nothing is sent
    agenda.locator("tbody tr").nth(0).get_by_role("button", name="Удалить").click()
    page.wait_for_timeout(500)
    expect(agenda.locator("tbody tr")).to_have_count(2)
    assert _titles(cluster_a, meeting) == ["О приёме в члены кластера", "О плане работы на 2027 год"]
    answers.append(True)
    agenda.locator("tbody tr").nth(0).get_by_role("button", name="Удалить").click()
    expect(agenda.locator("tbody tr")).to_have_count(1)
    expect(agenda.get_by_role("status")).to_have_text("Вопрос 1 удалён из повестки.")
    expect(agenda.locator("tbody")).not_to_contain_text("О приёме в члены кластера")
    assert page.evaluate("window.notReloaded") is True
    assert _titles(cluster_a, meeting) == ["О плане работы на 2027 год"]
    assert ui.problems == []
