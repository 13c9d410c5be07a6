"""An absentee general meeting in the browser (the demo's meeting, made by its hook): a member
representative votes in «Голосование»; the cluster admin watches the count move without
reloading, closes voting; the admitted company appears in the public directory; the protocol
PDF (pdftotext) holds the tallies and the ballot register. Screenshots of the ballot and the
count at 390 and 1366 px wide go to test-artifacts/e2e/."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Dialog, Page, expect

from core.accounts.models import Grant, User
from core.accounts.services import grant_role, user_create
from tenants.governance.demo import APPLICANT, open_demo_meeting
from tenants.governance.models import Meeting
from tenants.members.models import Company
from tenants.models import Cluster
from tests.conftest import PASSWORD
from tests.governance import factories

from .conftest import ARTIFACTS, UI

pytestmark = pytest.mark.browser

ADMIN = ("admin.voting@alpha.example", "Ольга Николаевна Белова")
MEMBER = ("member.voting@alpha.example", "Пётр Сергеевич Орлов")
WIDTHS = (390, 1366)


@pytest.fixture
def prepared(transactional_db: None, cluster_a: Cluster, cluster_b: Cluster) -> tuple[Meeting, Company]:
    admin = user_create(email=ADMIN[0], password=PASSWORD, full_name=ADMIN[1])
    grant_role(user=admin, role=Grant.Role.CLUSTER_ADMIN, cluster=cluster_a)
    with schema_context(cluster_a.schema_name):
        factories.body(cluster_a)
        voters = factories.companies(5)
        meeting = open_demo_meeting(
            cluster=cluster_a, actor=factories.system(cluster_a), keep_free={voters[0].pk}
        )
    assert meeting is not None
    member: User = user_create(email=MEMBER[0], password=PASSWORD, full_name=MEMBER[1])
    grant_role(user=member, role=Grant.Role.MEMBER_REPRESENTATIVE, cluster=cluster_a, company_id=voters[0].pk)
    return meeting, voters[0]


def _sign_in(page: Page, email: str) -> None:
    form = page.locator("form.form")
    form.locator("#id_email").fill(email)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()


def _shots(page: Page, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_member_votes_admin_watches_the_count_and_closes(
    prepared: tuple[Meeting, Company], cluster_a: Cluster, ui: UI
) -> None:
    meeting, company = prepared
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser = ui.context.browser
    assert browser is not None
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    # The admin opens the meeting: the count shows 2 ballots of 5 (3 needed), quorum not yet reached.
    admin = ui.page
    admin.goto(ui.url("alpha", "/login/"))
    _sign_in(admin, ADMIN[0])
    admin.goto(ui.url("alpha", f"/governance/meetings/{meeting.pk}/"))
    tally = admin.locator("#tally")
    expect(tally.locator('[data-tally="quorum.ballots"]')).to_have_text("2")
    expect(tally.locator('[data-tally="quorum.required"]')).to_have_text("3")
    expect(tally).to_contain_text("Кворума нет")
    admission = tally.locator("tbody tr").first
    for_before = int(admission.locator('[data-col="for"]').inner_text())

    # The member votes in its portal (a second browser context: its own cookies).
    member_context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 800})
    try:
        member = member_context.new_page()
        member.goto(ui.url("alpha", "/login/"))
        _sign_in(member, MEMBER[0])
        member.locator("nav.nav summary", has_text="Управление").click()  # the area menu drops down
        member.locator("nav.nav").get_by_role("link", name="Голосование").click()
        expect(member.locator("h1")).to_have_text("Голосование")
        row = member.locator("table.grid tbody tr").filter(has_text=company.short_name)
        expect(row).to_contain_text("не подан")
        row.get_by_role("link", name="Голосовать").click()
        expect(member.locator("h1")).to_have_text("Бюллетень для голосования")
        expect(member.locator("main")).to_contain_text(APPLICANT[0])
        for fieldset in member.locator("fieldset.vote").all():
            fieldset.get_by_label("За").check()
        _shots(member, "voting-01-ballot")
        member.once("dialog", accept)
        member.get_by_role("button", name="Проголосовать").click()
        expect(member.locator("main")).to_contain_text("Ваш голос учтён.")
        expect(member.locator("table.history tbody tr")).to_have_count(1)
        _shots(member, "voting-02-ballot-cast")
        # the member sees no count on the meeting page, and the count's JSON is refused
        status = member.evaluate(
            "url => fetch(url, {credentials: 'same-origin'}).then(r => r.status)",
            f"/governance/meetings/{meeting.pk}/tally/",
        )
        assert status == 403
    finally:
        member_context.close()

    # The admin's page moves by itself (no reload): 3 ballots, quorum reached, one more «for».
    expect(tally.locator('[data-tally="quorum.ballots"]')).to_have_text("3")
    expect(tally).to_contain_text("Кворум есть")
    expect(admission.locator('[data-col="for"]')).to_have_text(str(for_before + 1))
    expect(admission.locator('[data-col="adopted"]')).to_have_text("принято")
    _shots(admin, "voting-03-tally")

    # Close voting (confirmed): the results are final, the applicant is admitted.
    admin.once("dialog", accept)
    admin.get_by_role("button", name="Завершить голосование").click()
    expect(admin.locator("main")).to_contain_text("Голосование завершено, итоги подведены.")
    expect(admin.locator("#tally")).to_contain_text("Итоги голосования")
    expect(admin.locator("table.register tbody tr")).to_have_count(3)
    _shots(admin, "voting-04-results")
    assert dialogs[0].startswith("Подать бюллетень") and dialogs[1].startswith("Завершить голосование")

    # An anonymous visitor finds the admitted company in the public directory.
    anonymous = browser.new_context(locale="ru-RU")
    try:
        visitor = anonymous.new_page()
        visitor.goto(ui.url("alpha", "/site/members/"))
        expect(visitor.locator("ul.cards li").filter(has_text=APPLICANT[1])).to_have_count(1)
    finally:
        anonymous.close()

    # The protocol PDF: the tallies and the ballot register, read back with pdftotext.
    with admin.expect_download() as info:
        admin.locator("main a[href$='/protocol/?format=pdf']").click()
    target = ARTIFACTS / "voting-protocol.pdf"
    info.value.save_as(str(target))
    assert target.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed to read the protocol"
    text = subprocess.run(
        [pdftotext, "-layout", str(target), "-"], capture_output=True, check=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert APPLICANT[0] in flat
    problems = [
        p for p in ui.problems if "/protocol/?format=pdf" not in p
    ]  # a download aborts the navigation
    assert not problems, problems
    assert "Форма проведения: Заочное голосование" in flat
    assert "Кворум есть: 3 из 5" in flat
    assert "Голосовали: За — 3, Против — 0, Воздержались — 0." in flat
    assert "Голосовали: За — 2, Против — 0, Воздержались — 1." in flat
    assert "Реестр бюллетеней" in flat
    register = flat[flat.index("Реестр бюллетеней") :]
    assert MEMBER[1] in register and "Генеральный директор" in register and "бумажный" in register
    assert APPLICANT[0] in flat
