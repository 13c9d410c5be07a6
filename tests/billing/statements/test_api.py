"""/api/v1/bank-statements/ and /api/v1/bank-statement-lines/: the preview's fields, apply,
the queue, and who may not (member representative 403, other cluster 404/403, anonymous)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from billing.models import Payee, Payment
from billing.statements import parser
from billing.statements.models import BankStatement
from tenants.models import Cluster
from tests.billing.conftest import COMPANY, issue
from tests.conftest import ROLE, api_client, client_for, token_for

from .helpers import doc, pays, statement

pytestmark = pytest.mark.django_db


def as_user(user: Any, cluster: Cluster) -> Client:
    return api_client(token_for(user, cluster), cluster)


def upload(client: Client, data: bytes, name: str = "kl_to_1c.txt") -> Any:
    return client.post("/api/v1/bank-statements/", {"file": SimpleUploadedFile(name, data)})


def test_upload_preview_apply_and_queue(
    cluster_a: Cluster, payee_a: Payee, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    staff = as_user(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    paid, part = issue(cluster_a), issue(cluster_a, amount=3_000_000)
    data = statement(
        payee_a,
        [
            pays(paid, number="31"),
            pays(part, amount=1_000_000, number="32"),
            doc(payee=payee_a, amount=77_700, purpose="Пожертвование", payer_inn="7707083893", number="33"),
        ],
    )
    response = upload(staff, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "preview" and body["credits"] == 3
    assert [
        {
            k: line[k]
            for k in ("state", "invoice_number", "amount_kopecks", "payer_inn", "document_number", "date")
        }
        for line in body["lines"]
    ] == [
        {
            "state": "matched",
            "invoice_number": paid.number,
            "amount_kopecks": 1_500_000,
            "payer_inn": paid.company_inn,
            "document_number": "31",
            "date": "2026-01-20",
        },
        {
            "state": "partial",
            "invoice_number": part.number,
            "amount_kopecks": 1_000_000,
            "payer_inn": part.company_inn,
            "document_number": "32",
            "date": "2026-01-20",
        },
        {
            "state": "unmatched",
            "invoice_number": "",
            "amount_kopecks": 77_700,
            "payer_inn": "7707083893",
            "document_number": "33",
            "date": "2026-01-20",
        },
    ]

    applied = staff.post(f"/api/v1/bank-statements/{body['id']}/apply/")
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert Payment.objects.filter(cluster=cluster_a).count() == 2
    again = staff.post(f"/api/v1/bank-statements/{body['id']}/apply/")
    assert again.status_code == 400 and "уже проведена" in again.json()["errors"]["non_field_errors"][0]

    reimport = upload(staff, data).json()
    assert [line["state"] for line in reimport["lines"]] == [
        "already_imported",
        "already_imported",
        "unmatched",
    ]
    staff.post(f"/api/v1/bank-statements/{reimport['id']}/apply/")
    assert Payment.objects.filter(cluster=cluster_a).count() == 2

    with django_assert_max_num_queries(8):
        queue = staff.get("/api/v1/bank-statement-lines/?state=queue")
    assert queue.status_code == 200 and queue.json()["count"] == 2  # the donation, in each applied statement
    unmatched = staff.get("/api/v1/bank-statement-lines/?state=unmatched&search=7707083893").json()["results"]
    first, second = sorted(unmatched, key=lambda line: line["id"])
    matched = staff.post(
        f"/api/v1/bank-statement-lines/{first['id']}/match/",
        {"invoice": part.pk},
        content_type="application/json",
    )
    assert matched.status_code == 200 and matched.json()["state"] == "partial"
    part.refresh_from_db()
    assert part.paid_kopecks == 1_077_700
    refused = staff.post(
        f"/api/v1/bank-statement-lines/{second['id']}/dismiss/",
        {"reason": ""},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    dismissed = staff.post(
        f"/api/v1/bank-statement-lines/{second['id']}/dismiss/",
        {"reason": "Повтор пожертвования, вернуть"},
        content_type="application/json",
    )
    assert dismissed.status_code == 200 and dismissed.json()["state"] == "dismissed"
    assert staff.get("/api/v1/bank-statement-lines/?state=queue").json()["count"] == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not a statement", "Это не выписка в формате 1CClientBankExchange"),
        (
            "1CClientBankExchange\nКодировка=KOI8-R\nКонецФайла\n".encode("cp1251"),
            "Неизвестная кодировка «KOI8-R»",
        ),
    ],
)
def test_bad_files_answer_russian_errors_and_save_nothing(
    cluster_a: Cluster, payee_a: Payee, make_user: Any, data: bytes, message: str
) -> None:
    staff = as_user(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    response = upload(staff, data)
    assert response.status_code == 400 and message in response.json()["errors"]["file"][0]
    assert not BankStatement.objects.exists()


def test_a_file_over_the_limit_is_refused(
    cluster_a: Cluster, payee_a: Payee, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parser, "MAX_BYTES", 1000)
    staff = as_user(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    response = upload(staff, statement(payee_a, [doc(payee=payee_a, amount=100, purpose="x" * 2000)]))
    assert response.status_code == 400 and "Файл больше" in response.json()["errors"]["file"][0]


def test_refused_to_representatives_other_clusters_and_anonymous(
    cluster_a: Cluster, cluster_b: Cluster, payee_a: Payee, payee_b: Payee, make_user: Any
) -> None:
    invoice = issue(cluster_a)
    data = statement(payee_a, [doc(payee=payee_a, amount=100, purpose="Пожертвование")])
    staff = as_user(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    stmt = upload(staff, data).json()
    staff.post(f"/api/v1/bank-statements/{stmt['id']}/apply/")
    line = stmt["lines"][0]["id"]
    urls = [
        ("get", "/api/v1/bank-statements/"),
        ("get", f"/api/v1/bank-statements/{stmt['id']}/"),
        ("post", f"/api/v1/bank-statements/{stmt['id']}/apply/"),
        ("get", "/api/v1/bank-statement-lines/"),
        ("post", f"/api/v1/bank-statement-lines/{line}/match/"),
        ("post", f"/api/v1/bank-statement-lines/{line}/dismiss/"),
    ]
    rep = as_user(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY), cluster_a)
    assert upload(rep, data).status_code == 403
    for method, url in urls:
        assert getattr(rep, method)(url).status_code == 403, url
        assert getattr(client_for(cluster_a), method)(url).status_code in {401, 403}, url
    no_role = client_for(cluster_a)
    no_role.force_login(make_user(None))  # an account without a role in the cluster (no token for it exists)
    for method, url in urls:
        assert getattr(no_role, method)(url).status_code in {401, 403}, url
    beta_staff = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    beta = as_user(beta_staff, cluster_b)  # its own host: alpha's rows do not exist there
    for method, url in urls[1:3] + urls[4:]:
        assert (
            getattr(beta, method)(
                url, {"invoice": invoice.pk, "reason": "x"}, content_type="application/json"
            ).status_code
            == 404
        ), url
    assert beta.get("/api/v1/bank-statements/").json()["count"] == 0
    replay = Client(
        HTTP_HOST="alpha.localhost", HTTP_AUTHORIZATION=f"Token {token_for(beta_staff, cluster_b)}"
    )
    assert replay.get("/api/v1/bank-statements/").status_code == 403
    assert upload(replay, data).status_code == 403
    assert not Payment.objects.exists()
