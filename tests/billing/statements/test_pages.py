"""The staff pages of bank statements (/fees/statements/…): upload → preview with the states
→ apply after a confirmation → the queue: search an invoice, match, dismiss; and refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import Payee, Payment
from billing.statements.models import BankStatement, BankStatementLine
from tenants.models import Cluster
from tests.billing.conftest import COMPANY, OTHER_COMPANY, issue
from tests.conftest import ROLE, client_for, signed_in

from .helpers import doc, pays, statement

pytestmark = pytest.mark.django_db


def test_upload_preview_apply_and_work_the_queue(
    cluster_a: Cluster, payee_a: Payee, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    browser = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    paid = issue(cluster_a)
    other = issue(cluster_a, company_id=OTHER_COMPANY, amount=900_000, name="АО «Инструмент»")
    data = statement(
        payee_a,
        [
            pays(paid),
            doc(
                payee=payee_a,
                amount=300_000,
                purpose="Взнос",
                payer_inn="7707083893",
                payer_name="ПАО «Неизвестный»",
            ),
        ],
    )
    page = browser.get("/fees/statements/")
    assert page.status_code == 200 and "Выписок ещё нет." in page.content.decode()
    bad = browser.post("/fees/statements/", {"file": SimpleUploadedFile("x.txt", b"hello")})
    assert bad.status_code == 400 and "Это не выписка в формате 1CClientBankExchange" in bad.content.decode()
    response = browser.post("/fees/statements/", {"file": SimpleUploadedFile("kl_to_1c.txt", data)})
    stmt = BankStatement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fees/statements/{stmt.pk}/"
    with django_assert_max_num_queries(15):
        html = browser.get(f"/fees/statements/{stmt.pk}/").content.decode()
    assert "Предпросмотр" in html and "Оплачен полностью: 1" in html and "Счёт не найден: 1" in html
    assert f"№ {paid.number}" in html and "Провести выписку" in html

    confirm = browser.get(f"/fees/statements/{stmt.pk}/apply/").content.decode()
    assert "Провести выписку «kl_to_1c.txt»?" in confirm and "по 1 сопоставленным строкам" in confirm
    assert not Payment.objects.exists()
    browser.post(f"/fees/statements/{stmt.pk}/apply/")
    paid.refresh_from_db()
    assert paid.status == "paid"
    html = browser.get(f"/fees/statements/{stmt.pk}/").content.decode()
    assert "Проведена" in html and "Провести выписку" not in html

    line = BankStatementLine.objects.get(state="unmatched")
    queue = browser.get("/fees/statements/queue/?q=7707083893").content.decode()
    assert "ПАО «Неизвестный»" in queue and "Разобрать" in queue
    assert "Ничего не найдено." in browser.get("/fees/statements/queue/?q=nothing-like-this").content.decode()
    found = browser.get(f"/fees/statements/lines/{line.pk}/?q=Инструмент").content.decode()
    assert f"Зачесть по счёту № {other.number}" in found and f"№ {paid.number}" not in found
    browser.post(f"/fees/statements/lines/{line.pk}/match/", {"invoice": other.pk})
    other.refresh_from_db()
    assert other.paid_kopecks == 300_000 and other.status == "partially_paid"
    again = browser.post(f"/fees/statements/lines/{line.pk}/match/", {"invoice": other.pk}, follow=True)
    assert "Строка не ждёт разбора" in again.content.decode()
    assert "Разбирать нечего" in browser.get("/fees/statements/queue/").content.decode()


def test_dismiss_asks_for_a_reason(cluster_a: Cluster, payee_a: Payee, make_user: Any) -> None:
    browser = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    browser.post(
        "/fees/statements/",
        {
            "file": SimpleUploadedFile(
                "s.txt", statement(payee_a, [doc(payee=payee_a, amount=100, purpose="Возврат займа")])
            )
        },
    )
    stmt = BankStatement.objects.get()
    browser.post(f"/fees/statements/{stmt.pk}/apply/")
    line = stmt.lines.get()
    form = browser.get(f"/fees/statements/lines/{line.pk}/dismiss/").content.decode()
    assert "Отклонить платёж №" in form and "уйдёт из очереди" in form
    assert browser.post(f"/fees/statements/lines/{line.pk}/dismiss/", {"reason": ""}).status_code == 200
    assert (
        browser.post(f"/fees/statements/lines/{line.pk}/dismiss/", {"reason": "Не взнос"})["Location"]
        == "/fees/statements/queue/"
    )
    line.refresh_from_db()
    assert (line.state, line.reason) == ("dismissed", "Не взнос")


def test_pages_refused_to_others(
    cluster_a: Cluster, cluster_b: Cluster, payee_a: Payee, make_user: Any
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    staff.post(
        "/fees/statements/",
        {
            "file": SimpleUploadedFile(
                "s.txt", statement(payee_a, [doc(payee=payee_a, amount=100, purpose="x")])
            )
        },
    )
    stmt = BankStatement.objects.get()
    line = stmt.lines.get()
    urls = [
        "/fees/statements/",
        f"/fees/statements/{stmt.pk}/",
        f"/fees/statements/{stmt.pk}/apply/",
        "/fees/statements/queue/",
        f"/fees/statements/lines/{line.pk}/",
        f"/fees/statements/lines/{line.pk}/dismiss/",
    ]
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY), cluster_a)
    beta = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    anonymous = client_for(cluster_a)
    for url in urls:
        assert rep.get(url).status_code == 403, url
        assert anonymous.get(url).status_code == 302 and "/login/" in anonymous.get(url)["Location"], url
    for url in urls[1:3] + urls[4:]:
        assert beta.get(url).status_code == 404, url  # on its own host alpha's rows do not exist
    assert rep.post(f"/fees/statements/{stmt.pk}/apply/").status_code == 403
    assert rep.post(f"/fees/statements/lines/{line.pk}/match/", {"invoice": 1}).status_code == 403
    assert beta.post(f"/fees/statements/{stmt.pk}/apply/").status_code == 404
    stmt.refresh_from_db()
    assert stmt.status == "preview"
