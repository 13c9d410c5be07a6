"""/api/v1/members|products|kpis|contracts: who sees and changes what, nothing across clusters,
lifecycle actions, representatives, import/export, bounded queries."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from openpyxl import load_workbook
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks, Settings

from core.accounts.models import Grant, User
from core.audit.models import AuditEntry
from tenants.members.models import Company, CooperationContract, KpiReport, Product
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, host_of, token_for

from . import factories as f

pytestmark = pytest.mark.django_db

JSON = "application/json"
Status = Company.Status
LISTS = ["/api/v1/members/", "/api/v1/products/", "/api/v1/kpis/", "/api/v1/contracts/"]


class _UserApiClient(Client):
    """An API client with the token of `user`, who stays at hand as `.user`."""

    def __init__(self, user: User, cluster: Cluster) -> None:
        super().__init__(HTTP_HOST=host_of(cluster), HTTP_AUTHORIZATION=f"Token {token_for(user, cluster)}")
        self.user = user


def _api(
    make_user: MakeUser, cluster: Cluster, role: str = ROLE.CLUSTER_STAFF, **kwargs: Any
) -> _UserApiClient:
    return _UserApiClient(make_user(role, cluster, **kwargs), cluster)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_anonymous_other_clusters_and_users_without_a_role_are_refused(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Альфа")
    admin_b = _api(make_user, cluster_b, ROLE.CLUSTER_ADMIN)
    other_cluster = api_client(token_for(admin_b.user, cluster_b), cluster_a)
    no_role = api_client(token_for(make_user(None), None), cluster_a)
    urls = [
        *LISTS,
        "/api/v1/members/export/",
        f"/api/v1/members/{company.pk}/",
        f"/api/v1/members/{company.pk}/history/",
        f"/api/v1/members/{company.pk}/representatives/",
        "/api/v1/members/imports/1/",
    ]
    for url in urls:
        assert client_for(cluster_a).get(url).status_code == 401, url
        denied = other_cluster.get(url)
        assert denied.status_code == 403, url
        assert denied.json()["detail"] == "У вас нет прав на это действие в этом кластере."
        assert no_role.get(url).status_code == 403, url
    for url in [*LISTS, f"/api/v1/members/{company.pk}/apply/", "/api/v1/members/import/"]:
        assert client_for(cluster_a).post(url, {}, content_type=JSON).status_code == 401, url
        assert other_cluster.post(url, {}, content_type=JSON).status_code == 403, url
    assert (
        other_cluster.patch(f"/api/v1/members/{company.pk}/", {"address": "x"}, content_type=JSON).status_code
        == 403
    )
    with schema_context(cluster_a.schema_name):
        company.refresh_from_db()
        assert company.status == Status.INTERESTED and company.address == ""


def test_objects_of_another_cluster_are_never_visible(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_b.schema_name):
        beta = f.company(cluster_b, "Бета", status=Status.ACTIVE)
        partner = f.company(cluster_b, "Бета-партнёр", status=Status.ACTIVE)
        product = Product.objects.create(company=beta, name="Бета-аппарат")
        report = KpiReport.objects.create(company=beta, year=2023)
        contract = CooperationContract.objects.create(
            kind="supply",
            party_a=beta,
            party_b=partner,
            number="1",
            signed_on="2024-01-01",
            subject="Поставка",
        )
    api = _api(make_user, cluster_a, ROLE.CLUSTER_ADMIN)
    for url in LISTS:
        assert "Бета" not in api.get(url).content.decode(), url
    for url in (
        f"/api/v1/members/{beta.pk}/",
        f"/api/v1/members/{beta.pk}/history/",
        f"/api/v1/members/{beta.pk}/representatives/",
        f"/api/v1/products/{product.pk}/",
        f"/api/v1/kpis/{report.pk}/",
        f"/api/v1/contracts/{contract.pk}/",
    ):
        assert api.get(url).status_code == 404, url
    assert (
        api.post(f"/api/v1/members/{beta.pk}/suspend/", {"reason": "x"}, content_type=JSON).status_code == 404
    )
    assert api.patch(f"/api/v1/members/{beta.pk}/", {"address": "x"}, content_type=JSON).status_code == 404
    assert api.delete(f"/api/v1/products/{product.pk}/").status_code == 404
    assert api.post(f"/api/v1/kpis/{report.pk}/accept/").status_code == 404
    with schema_context(cluster_b.schema_name):
        beta.refresh_from_db()
        assert beta.status == Status.ACTIVE and Product.objects.filter(pk=product.pk).exists()


def test_staff_create_search_filter_and_sort_companies(cluster_a: Cluster, make_user: MakeUser) -> None:
    api = _api(make_user, cluster_a)
    created = api.post(
        "/api/v1/members/",
        {
            "full_name": "ООО «Медтех»",
            "short_name": "Медтех",
            "inn": "7707083893",
            "region_code": "RU-MOS",
            "is_sez_resident": True,
            "okved_codes": ["32.50"],
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    assert created.json()["status_display"] == "Проявил интерес"
    assert created.json()["region_name"] == "Московская область"
    duplicate = api.post(
        "/api/v1/members/", {"full_name": "ООО «Копия»", "inn": "7707083893"}, content_type=JSON
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["errors"]["inn"] == [
        "Организация с ИНН 7707083893 уже есть в кластере: «Медтех»."
    ]
    bad = api.post("/api/v1/members/", {"full_name": "ООО «Ошибка»", "inn": "7707083890"}, content_type=JSON)
    assert bad.json()["errors"]["inn"] == ["ИНН: неверное контрольное число."]
    with schema_context(cluster_a.schema_name):
        f.company(cluster_a, "Альфа-Вуз", kind="university", region_code="RU-NVS", status=Status.ACTIVE)
        f.company(cluster_a, "Бинарный", status=Status.APPLIED)

    def names(query: str) -> list[str]:
        return [c["short_name"] for c in api.get(f"/api/v1/members/{query}").json()["results"]]

    assert names("") == ["Альфа-Вуз", "Бинарный", "Медтех"]
    assert names("?search=770708") == ["Медтех"]
    assert names("?search=вуз") == ["Альфа-Вуз"]
    assert names("?status=applied") == ["Бинарный"]
    assert names("?kind=university") == ["Альфа-Вуз"]
    assert names("?region_code=RU-MOS") == ["Медтех"]
    assert names("?is_sez_resident=true") == ["Медтех"]
    assert names("?ordering=-short_name") == ["Медтех", "Бинарный", "Альфа-Вуз"]
    page = api.get("/api/v1/members/?page_size=2&page=2").json()
    assert page["count"] == 3 and [c["short_name"] for c in page["results"]] == ["Медтех"]
    row = AuditEntry.objects.filter(cluster=cluster_a, action="company.create", actor=api.user).get()
    assert row.host == "alpha.localhost"


def test_a_representative_sees_and_edits_only_its_own_company(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        own = f.company(cluster_a, "Своя", status=Status.ACTIVE)
        other = f.company(cluster_a, "Чужая", status=Status.ACTIVE)
    rep = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=own.pk)
    assert [c["short_name"] for c in rep.get("/api/v1/members/").json()["results"]] == ["Своя"]
    assert rep.get(f"/api/v1/members/{other.pk}/").status_code == 404
    assert rep.patch(f"/api/v1/members/{other.pk}/", {"address": "x"}, content_type=JSON).status_code == 404
    ok = rep.patch(
        f"/api/v1/members/{own.pk}/", {"address": "г. Дубна", "public_fields": ["address"]}, content_type=JSON
    )
    assert ok.status_code == 200 and ok.json()["address"] == "г. Дубна"
    refused = rep.patch(f"/api/v1/members/{own.pk}/", {"inn": "7707083893"}, content_type=JSON)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Представитель участника может изменять только профиль организации; недоступно: «ИНН»."
    )
    assert rep.post("/api/v1/members/", {"full_name": "ООО «Я»"}, content_type=JSON).status_code == 403
    for action in ("apply", "activate", "suspend", "withdraw", "expel"):
        assert (
            rep.post(f"/api/v1/members/{own.pk}/{action}/", {"reason": "x"}, content_type=JSON).status_code
            == 403
        ), action
    assert (
        rep.post(
            f"/api/v1/members/{own.pk}/representatives/", {"email": "a@b.test"}, content_type=JSON
        ).status_code
        == 403
    )
    assert rep.get("/api/v1/members/export/").status_code == 403
    with schema_context(cluster_a.schema_name):
        own.refresh_from_db()
        assert (own.status, own.inn != "7707083893", own.address) == (Status.ACTIVE, True, "г. Дубна")
    assert AuditEntry.objects.filter(cluster=cluster_a, actor=rep.user, action="company.update").count() == 1


def test_lifecycle_actions_and_history(cluster_a: Cluster, make_user: MakeUser) -> None:
    api = _api(make_user, cluster_a)
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Путь")
        decision = f.admission(company)
        unrelated = f.admission(f.company(cluster_a, "Другой"))
    url = f"/api/v1/members/{company.pk}"
    early = api.post(f"{url}/activate/", {}, content_type=JSON)
    assert early.status_code == 400
    assert early.json()["errors"]["non_field_errors"] == [
        "Нельзя сделать действующим участником: организация «Путь» в статусе «Проявил интерес»."
    ]
    assert api.post(f"{url}/apply/", {"reason": "Заявление"}, content_type=JSON).json()["status"] == "applied"
    wrong = api.post(f"{url}/admit/", {"decision": unrelated.pk}, content_type=JSON)
    assert wrong.json()["errors"]["decision"] == ["Решение о приёме касается другой организации."]
    assert api.post(f"{url}/admit/", {}, content_type=JSON).status_code == 400
    assert (
        api.post(f"{url}/admit/", {"decision": decision.pk}, content_type=JSON).json()["status"] == "admitted"
    )
    assert (
        api.post(f"{url}/admit/", {"decision": decision.pk}, content_type=JSON).status_code == 200
    )  # idempotent
    assert api.post(f"{url}/activate/", {}, content_type=JSON).json()["status"] == "active"
    no_reason = api.post(f"{url}/suspend/", {}, content_type=JSON)
    assert no_reason.json()["errors"] == {"reason": ["Укажите основание."]}
    assert (
        api.post(f"{url}/suspend/", {"reason": "Долг по взносам"}, content_type=JSON).json()["status"]
        == "suspended"
    )
    assert api.post(f"{url}/resume/", {}, content_type=JSON).json()["status"] == "active"
    assert (
        api.post(f"{url}/withdraw/", {"reason": "Заявление о выходе"}, content_type=JSON).json()["status"]
        == "withdrawn"
    )
    history = api.get(f"{url}/history/").json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("", "interested"),
        ("interested", "applied"),
        ("applied", "admitted"),
        ("admitted", "active"),
        ("active", "suspended"),
        ("suspended", "active"),
        ("active", "withdrawn"),
    ]
    assert history[2]["decision"] == decision.pk and history[4]["reason"] == "Долг по взносам"
    assert history[4]["actor_email"] == api.user.email
    rows = AuditEntry.objects.filter(cluster=cluster_a, actor=api.user, object_id=str(company.pk))
    assert rows.count() == 6 and {r.host for r in rows} == {"alpha.localhost"}


def test_representatives_invite_list_and_revoke(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    api = _api(make_user, cluster_a)
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Медтех")
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk)
    url = f"/api/v1/members/{company.pk}/representatives/"
    with django_capture_on_commit_callbacks(execute=True):
        invited = api.post(url, {"email": "Boss@Example.test"}, content_type=JSON)
    assert invited.status_code == 201 and invited.json()["email"] == "boss@example.test"
    [letter] = mail.outbox
    assert "http://alpha.localhost/members/invitations/" in letter.body
    listing = api.get(url).json()
    assert [r["email"] for r in listing["representatives"]] == [rep.email]
    assert [i["email"] for i in listing["invitations"]] == ["boss@example.test"]
    assert api.post(url, {"email": "not an email"}, content_type=JSON).status_code == 400
    assert api.delete(f"{url}{rep.pk + 1000}/").status_code == 400
    assert api.delete(f"{url}{rep.pk}/").status_code == 204
    assert not Grant.objects.filter(user=rep).exists()
    again = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk)
    assert api.delete(f"{url}?user={again.pk}").status_code == 204
    assert not Grant.objects.filter(user=again).exists()
    assert AuditEntry.objects.filter(cluster=cluster_a, actor=api.user, action="invitation.create").exists()


def test_products_through_the_api(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        own, other = f.company(cluster_a, "Своя"), f.company(cluster_a, "Чужая")
        foreign = Product.objects.create(company=other, name="Чужой аппарат")
    rep = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=own.pk)
    created = rep.post(
        "/api/v1/products/",
        {
            "name": "Электрод ЭКГ",
            "registration_number": "ФСР 2009/05719",
            "in_innovation_registry": True,
            "innovation_registry_date": "2024-02-01",
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    assert created.json()["company"] == own.pk
    junk = rep.post("/api/v1/products/", {"name": "Мусор", "registration_number": "12345"}, content_type=JSON)
    assert junk.status_code == 400 and junk.json()["errors"]["registration_number"][0].startswith(
        "Регистрационное удостоверение: ожидается вид «РЗН 2024/23835»"
    )
    assert (
        rep.post("/api/v1/products/", {"name": "Чужое", "company": other.pk}, content_type=JSON).status_code
        == 403
    )
    assert [p["name"] for p in rep.get("/api/v1/products/").json()["results"]] == ["Электрод ЭКГ"]
    assert rep.get(f"/api/v1/products/{foreign.pk}/").status_code == 404
    assert rep.delete(f"/api/v1/products/{foreign.pk}/").status_code == 404
    pid = created.json()["id"]
    assert (
        rep.patch(f"/api/v1/products/{pid}/", {"name": "Электрод ЭКГ одноразовый"}, content_type=JSON).json()[
            "name"
        ]
        == "Электрод ЭКГ одноразовый"
    )
    staff = _api(make_user, cluster_a)
    assert staff.get(f"/api/v1/products/?company={other.pk}").json()["count"] == 1
    assert staff.get("/api/v1/products/?search=фср").json()["count"] == 1
    assert rep.delete(f"/api/v1/products/{pid}/").status_code == 204
    actions = list(
        AuditEntry.objects.filter(cluster=cluster_a, actor=rep.user)
        .values_list("action", flat=True)
        .order_by("id")
    )
    assert actions == ["product.create", "product.update", "product.delete"]


def test_yearly_figures_through_the_api(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        own, other = f.company(cluster_a, "Своя"), f.company(cluster_a, "Чужая")
    rep = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=own.pk)
    staff = _api(make_user, cluster_a)
    created = rep.post(
        "/api/v1/kpis/", {"year": 2023, "revenue": 123456789, "employees": 40}, content_type=JSON
    )
    assert created.status_code == 201, created.content
    report = created.json()
    assert report["roubles"]["revenue"] == "1 234 567,89" and report["status"] == "draft"
    again = rep.post("/api/v1/kpis/", {"year": 2023}, content_type=JSON)
    assert again.json()["errors"]["year"] == [
        "Показатели «Своя» за 2023 год уже внесены: откройте их и измените."
    ]
    assert (
        rep.post("/api/v1/kpis/", {"year": 2023, "company": other.pk}, content_type=JSON).status_code == 403
    )
    assert rep.post("/api/v1/kpis/", {"year": 2022, "revenue": -5}, content_type=JSON).status_code == 400
    url = f"/api/v1/kpis/{report['id']}"
    assert rep.patch(f"{url}/", {"investment": 500}, content_type=JSON).json()["investment"] == 500
    assert rep.post(f"{url}/submit/").json()["status"] == "submitted"
    late = rep.patch(f"{url}/", {"investment": 1}, content_type=JSON)
    assert late.status_code == 400 and "уже отправлены" in late.json()["errors"]["non_field_errors"][0]
    assert rep.post(f"{url}/accept/").status_code == 403
    assert staff.post(f"{url}/accept/").json()["status"] == "accepted"
    assert staff.post(f"{url}/return/", {"reason": "Уточните"}, content_type=JSON).json()["status"] == "draft"
    assert [k["year"] for k in staff.get("/api/v1/kpis/?year=2023").json()["results"]] == [2023]
    assert rep.delete(f"{url}/").status_code == 204


def test_contracts_through_the_api(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        a = f.company(cluster_a, "Поставщик", status=Status.ACTIVE)
        b = f.company(cluster_a, "Покупатель", status=Status.ACTIVE)
        c = f.company(cluster_a, "Третий", status=Status.ACTIVE)
    staff = _api(make_user, cluster_a)
    body = {
        "kind": "supply",
        "party_a": a.pk,
        "party_b": b.pk,
        "number": "17/2024",
        "signed_on": "2024-04-01",
        "amount_kopecks": 123456789,
        "subject": "Поставка электродов",
    }
    created = staff.post("/api/v1/contracts/", body, content_type=JSON)
    assert created.status_code == 201 and created.json()["amount"] == "1 234 567,89"
    same = staff.post("/api/v1/contracts/", {**body, "party_b": a.pk}, content_type=JSON)
    assert same.json()["errors"]["party_b"] == ["Стороны договора должны быть разными организациями."]
    staff.post(
        "/api/v1/contracts/", {**body, "party_a": b.pk, "party_b": c.pk, "number": "2"}, content_type=JSON
    )
    rep = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=a.pk)
    assert [x["number"] for x in rep.get("/api/v1/contracts/").json()["results"]] == ["17/2024"]
    assert rep.post("/api/v1/contracts/", {**body, "number": "3"}, content_type=JSON).status_code == 403
    assert rep.delete(f"/api/v1/contracts/{created.json()['id']}/").status_code == 403
    assert staff.get(f"/api/v1/contracts/?party_a={b.pk}").json()["count"] == 1


def test_import_and_export_through_the_api(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    api = _api(make_user, cluster_a)
    content = (
        "Полное наименование;ИНН;Регион\n"
        f"ООО «Первая»;{f.inn(200001)};RU-MOS\nООО «Вторая»;{f.inn(200002)};RU-NVS\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/members/import/", {"file": SimpleUploadedFile("m.csv", content)})
    assert response.status_code == 202, response.content
    job = api.get(f"/api/v1/members/imports/{response.json()['id']}/").json()
    assert (job["status"], job["created_count"], job["percent"]) == ("done", 2, 100)
    bad = api.post("/api/v1/members/import/", {"file": SimpleUploadedFile("m.pdf", b"%PDF")})
    assert bad.status_code == 400 and bad.json()["errors"]["file"][0].startswith("Поддерживаются файлы CSV")
    exported = api.get("/api/v1/members/export/?region_code=RU-NVS")
    assert exported.status_code == 200
    assert exported["Content-Disposition"].startswith('attachment; filename="members-')
    rows = list(
        load_workbook(io.BytesIO(exported.content), read_only=True).worksheets[0].iter_rows(values_only=True)
    )
    assert rows[0][:3] == ("Полное наименование", "Краткое наименование", "ИНН")
    assert [r[0] for r in rows[1:]] == ["ООО «Вторая»"]
    assert api.get("/api/v1/members/imports/999999/").status_code == 404


def _companies(cluster: Cluster, start: int, stop: int) -> None:
    with schema_context(cluster.schema_name):
        for i in range(start, stop):
            company = f.company(cluster, f"Компания {i:02d}")
            Product.objects.create(company=company, name=f"Аппарат {i}")


def test_the_member_list_runs_the_same_queries_for_3_and_30_companies(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    api = _api(make_user, cluster_a)
    counts = {}
    api.get(
        "/api/v1/me/"
    )  # a user's first token request reads its grants (one query); the next ones use the process's copy
    for start, stop in ((0, 3), (3, 30)):
        _companies(cluster_a, start, stop)
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/members/?page_size=100")
        assert response.json()["count"] == stop
        assert {c["product_count"] for c in response.json()["results"]} == {1}
        counts[stop] = len(queries)
    assert counts[3] == counts[30], counts
    with django_assert_max_num_queries(6):
        api.get("/api/v1/members/?page_size=100&search=Компания&status=interested&ordering=-short_name")
