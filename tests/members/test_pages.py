"""Members pages: access by role and cluster, the list with search/filters/sort/pages/export,
forms that save all or nothing, lifecycle, invitations, products, figures, contracts, import."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks, Settings

from core.accounts.models import Grant, User
from core.audit.models import AuditEntry
from tenants.members.models import Company, CooperationContract, ImportJob, Invitation, KpiReport, Product
from tenants.models import Cluster
from tests.conftest import PASSWORD, ROLE, ClientResponse, MakeUser, client_for, signed_in, streamed

from . import factories as f

pytestmark = pytest.mark.django_db

Status = Company.Status


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _html(response: ClientResponse) -> str:
    return response.content.decode()


def test_url_names() -> None:
    assert reverse("members:list", urlconf="clusterhub.urls_tenant") == "/members/"
    assert reverse("members:mine", urlconf="clusterhub.urls_tenant") == "/members/mine/"
    assert reverse("members:detail", args=[5], urlconf="clusterhub.urls_tenant") == "/members/5/"
    assert (
        reverse("members:invitation", args=["abc"], urlconf="clusterhub.urls_tenant")
        == "/members/invitations/abc/"
    )


def _pages(company_id: int) -> list[str]:
    return [
        "/members/",
        "/members/mine/",
        "/members/new/",
        "/members/export/",
        f"/members/{company_id}/",
        f"/members/{company_id}/edit/",
        "/members/products/",
        "/members/kpis/",
        "/members/contracts/",
        "/members/contracts/new/",
        "/members/import/",
        f"/members/{company_id}/products/new/",
        f"/members/{company_id}/kpis/new/",
    ]


def test_anonymous_goes_to_login_and_sessions_of_another_cluster_do_not_count(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Альфа", status=Status.ACTIVE)
    for url in _pages(company.pk):
        response = client_for(cluster_a).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url
    beta_admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    for url in _pages(company.pk):
        replay = beta_admin.get(url, HTTP_HOST="alpha.localhost")
        assert replay.status_code == 302 and replay["Location"].startswith("/login/"), url
    beta_admin.post(
        f"/members/{company.pk}/status/", {"action": "suspend", "reason": "x"}, HTTP_HOST="alpha.localhost"
    )
    with schema_context(cluster_a.schema_name):
        company.refresh_from_db()
        assert company.status == Status.ACTIVE


def test_a_user_without_a_role_here_is_refused(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    from core.accounts.services import grant_revoke

    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Альфа")
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    client = signed_in(user, cluster_a)
    grant_revoke(user=user, role=ROLE.CLUSTER_STAFF, cluster=cluster_a)
    for url in _pages(company.pk):
        assert client.get(url).status_code == 403, url


def test_representatives_see_only_their_company(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        own = f.company(cluster_a, "Своя", status=Status.ACTIVE)
        other = f.company(cluster_a, "Чужая", status=Status.ACTIVE)
        foreign_product = Product.objects.create(company=other, name="Чужой аппарат")
        foreign_report = KpiReport.objects.create(company=other, year=2023)
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=own.pk), cluster_a)
    for url in (
        "/members/",
        "/members/new/",
        "/members/export/",
        "/members/import/",
        "/members/contracts/new/",
    ):
        assert rep.get(url).status_code == 403, url
    assert rep.get("/members/mine/")["Location"] == f"/members/{own.pk}/"
    page = _html(rep.get(f"/members/{own.pk}/"))
    assert "Своя" in page and "Изменить профиль" in page
    assert 'id="representatives"' not in page and 'action="/members/' + str(own.pk) + '/status/"' not in page
    for url in (
        f"/members/{other.pk}/",
        f"/members/{other.pk}/edit/",
        f"/members/{other.pk}/products/new/",
        f"/members/{other.pk}/kpis/new/",
        f"/members/products/{foreign_product.pk}/edit/",
        f"/members/kpis/{foreign_report.pk}/",
    ):
        assert rep.get(url).status_code == 404, url
    assert rep.post(f"/members/products/{foreign_product.pk}/delete/").status_code == 404
    assert rep.post(f"/members/{own.pk}/status/", {"action": "withdraw"}).status_code == 403
    assert "Чужой аппарат" not in _html(rep.get("/members/products/"))
    # the profile form has no identity fields; posting them changes nothing
    form = _html(rep.get(f"/members/{own.pk}/edit/"))
    assert 'name="address"' in form and 'name="inn"' not in form and 'name="full_name"' not in form
    saved = rep.post(
        f"/members/{own.pk}/edit/",
        {
            "address": "г. Дубна",
            "inn": "7707083893",
            "full_name": "ООО «Захват»",
            "public_fields": ["address"],
        },
    )
    assert saved.status_code == 302
    with schema_context(cluster_a.schema_name):
        own.refresh_from_db()
        assert (own.address, own.full_name, own.inn != "7707083893") == ("г. Дубна", "ООО «Своя»", True)
        assert Product.objects.filter(pk=foreign_product.pk).exists()
    row = AuditEntry.objects.filter(cluster=cluster_a, action="company.update").latest("id")
    assert row.actor is not None
    assert row.host == "alpha.localhost" and row.actor.email.endswith("member_representative@example.test")


def test_member_list_search_filters_sort_pages_and_empty_state(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        f.company(
            cluster_a,
            "Медтех",
            inn="7707083893",
            region_code="RU-MOS",
            is_sez_resident=True,
            status=Status.ACTIVE,
        )
        f.company(cluster_a, "Альфа-Вуз", kind="university", region_code="RU-NVS")
        for i in range(30):
            f.company(cluster_a, f"Завод {i:02d}", status=Status.APPLIED)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)

    def names(query: str) -> list[str]:
        return re.findall(r'<a href="/members/\d+/">([^<]+)</a>', _html(staff.get(f"/members/{query}")))

    assert names("")[:3] == ["Альфа-Вуз", "Завод 00", "Завод 01"] and len(names("")) == 25
    assert names("?page=2")[-1] == "Медтех"
    assert names("?q=770708") == ["Медтех"]
    assert names("?q=вуз") == ["Альфа-Вуз"]
    assert names("?status=active") == ["Медтех"]
    assert names("?kind=university") == ["Альфа-Вуз"]
    assert names("?region=RU-NVS") == ["Альфа-Вуз"]
    assert names("?sez=yes") == ["Медтех"]
    assert names("?sort=-name")[0] == "Медтех"
    empty = _html(staff.get("/members/?q=несуществующая"))
    assert "Ничего не найдено." in empty and "Найдено организаций: 0" in empty
    page = _html(staff.get("/members/?status=active&sez=yes"))
    assert 'href="/members/export/?status=active&amp;sez=yes"' in page


def test_export_follows_the_filters_of_the_list(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        f.company(cluster_a, "Медтех", inn="7707083893", status=Status.ACTIVE)
        f.company(cluster_a, "Заявитель", status=Status.APPLIED)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    response = staff.get("/members/export/?status=active")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    rows = list(
        load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0].iter_rows(values_only=True)
    )
    assert rows[0][:3] == ("Полное наименование", "Краткое наименование", "ИНН")
    assert [r[1] for r in rows[1:]] == ["Медтех"] and rows[1][2] == "7707083893"


def test_create_form_shows_russian_errors_and_saves_nothing(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    response = staff.post(
        "/members/new/",
        {
            "full_name": "ООО «Ошибка»",
            "inn": "7707083890",
            "kind": "company",
            "status": "interested",
            "okved_codes": "32.50",
        },
    )
    assert response.status_code == 200
    assert "ИНН: неверное контрольное число." in _html(response)
    response = staff.post(
        "/members/new/", {"full_name": "ООО «Ошибка»", "kind": "company", "status": "admitted"}
    )
    assert "Выберите корректный вариант" in _html(response)
    with schema_context(cluster_a.schema_name):
        assert not Company.objects.filter(full_name="ООО «Ошибка»").exists()
    created = staff.post(
        "/members/new/",
        {
            "full_name": "ООО «Медтех»",
            "short_name": "Медтех",
            "kind": "company",
            "inn": "7707083893",
            "status": "applied",
            "region_code": "RU-MOS",
        },
    )
    assert created.status_code == 302
    with schema_context(cluster_a.schema_name):
        company = Company.objects.get(inn="7707083893")
    assert created["Location"] == f"/members/{company.pk}/"
    page = _html(staff.get(created["Location"]))
    assert (
        "Подал заявку" in page
        and "Московская область" in page
        and "Организация внесена в реестр кластера." in page
    )
    duplicate = staff.post(
        "/members/new/",
        {"full_name": "ООО «Копия»", "kind": "company", "inn": "7707083893", "status": "interested"},
    )
    assert "Организация с ИНН 7707083893 уже есть в кластере: «Медтех»." in _html(duplicate)


def test_lifecycle_on_the_company_page(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Путь", status=Status.APPLIED)
    staff_user = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    staff = signed_in(staff_user, cluster_a)
    page = _html(staff.get(f"/members/{company.pk}/"))
    assert "Принимает в члены кластера общее собрание" in page  # no decision yet: no admit button
    with schema_context(cluster_a.schema_name):
        decision = f.admission(company)
    page = _html(staff.get(f"/members/{company.pk}/"))
    assert f'<option value="{decision.pk}">' in page
    url = f"/members/{company.pk}/status/"
    assert staff.post(url, {"action": "admit", "decision": decision.pk}).status_code == 302
    staff.post(url, {"action": "activate"})
    follow = staff.post(url, {"action": "suspend", "reason": ""}, follow=True)
    assert "Укажите основание." in _html(follow)
    staff.post(url, {"action": "suspend", "reason": "Долг по взносам"})
    page = _html(staff.get(f"/members/{company.pk}/"))
    assert "Членство приостановлено" in page and "Долг по взносам" in page
    assert "data-confirm=" in page and "Исключить из кластера" in page
    wrong = staff.post(url, {"action": "activate"}, follow=True)
    assert "Нельзя сделать действующим участником" in _html(wrong)
    with schema_context(cluster_a.schema_name):
        company.refresh_from_db()
        assert company.status == Status.SUSPENDED
    rows = AuditEntry.objects.filter(cluster=cluster_a, actor=staff_user, object_id=str(company.pk))
    assert sorted(rows.values_list("action", flat=True)) == [
        "company.activate",
        "company.admit",
        "company.suspend",
    ]
    assert set(rows.values_list("host", flat=True)) == {"alpha.localhost"}


def test_invite_and_accept_with_a_new_account(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Медтех", status=Status.ACTIVE)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/members/{company.pk}/representatives/", {"email": "new.rep@example.test"}, follow=True
        )
    assert "Приглашение отправлено на new.rep@example.test." in _html(response)
    assert "new.rep@example.test" in _html(response)
    link = re.search(r"http://alpha\.localhost(/members/invitations/[\w-]+/)", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body
    visitor = client_for(cluster_a)
    form = _html(visitor.get(link.group(1)))
    assert "Вас приглашают стать представителем организации «Медтех»" in form and 'name="password2"' in form
    mismatch = visitor.post(
        link.group(1), {"full_name": "Петров Пётр", "password": "a long password 1", "password2": "other"}
    )
    assert "Пароли не совпадают." in _html(mismatch)
    accepted = visitor.post(
        link.group(1),
        {"full_name": "Петров Пётр", "password": "a long password 1", "password2": "a long password 1"},
    )
    assert accepted.status_code == 302 and accepted["Location"] == f"/members/{company.pk}/"
    assert "Медтех" in _html(visitor.get(accepted["Location"]))  # signed in as the new representative
    user = User.objects.get(email="new.rep@example.test")
    assert Grant.objects.get(user=user).company_id == company.pk
    used = visitor.get(link.group(1))
    assert used.status_code == 410 and "Это приглашение уже использовано." in _html(used)
    assert client_for(cluster_a).get("/members/invitations/nonexistent/").status_code == 404
    # the token of alpha means nothing on beta's host
    assert client_for(None).get(link.group(1)).status_code == 404


def test_accepting_with_an_existing_account_asks_for_its_password(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    existing = make_user(ROLE.CLUSTER_STAFF, cluster_b, email="known@example.test")
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Медтех")
        token = Invitation.objects.create(
            company=company,
            email="known@example.test",
            token="t" * 43,
            expires_at=timezone.now() + dt.timedelta(days=7),
        ).token
        expired = Invitation.objects.create(
            company=company,
            email="late@example.test",
            token="e" * 43,
            expires_at=timezone.now() - dt.timedelta(days=1),
        )
    visitor = client_for(cluster_a)
    page = _html(visitor.get(f"/members/invitations/{token}/"))
    assert "Учётная запись с этим адресом уже есть" in page and 'name="full_name"' not in page
    wrong = visitor.post(f"/members/invitations/{token}/", {"password": "wrong"})
    assert "Неверный пароль." in _html(wrong)
    assert not Grant.objects.filter(user=existing, cluster=cluster_a).exists()
    ok = visitor.post(f"/members/invitations/{token}/", {"password": PASSWORD})
    assert ok.status_code == 302
    assert Grant.objects.get(user=existing, cluster=cluster_a).company_id == company.pk
    late = client_for(cluster_a).get(f"/members/invitations/{expired.token}/")
    assert late.status_code == 410 and "Срок действия приглашения истёк." in _html(late)


def test_staff_revoke_representatives_and_invitations(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Медтех")
        invitation = Invitation.objects.create(
            company=company,
            email="x@example.test",
            token="r" * 43,
            expires_at=timezone.now() + dt.timedelta(days=7),
        )
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    page = _html(staff.get(f"/members/{company.pk}/"))
    assert rep.email in page and "Отозвать права" in page and "x@example.test" in page
    assert staff.get(f"/members/{company.pk}/representatives/{rep.pk}/revoke/").status_code == 405
    staff.post(f"/members/{company.pk}/representatives/{rep.pk}/revoke/")
    staff.post(f"/members/{company.pk}/invitations/{invitation.pk}/revoke/")
    assert not Grant.objects.filter(user=rep).exists()
    with schema_context(cluster_a.schema_name):
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None


def test_products_pages(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Медтех")
    rep_user = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk)
    rep = signed_in(rep_user, cluster_a)
    junk = rep.post(
        f"/members/{company.pk}/products/new/",
        {"name": "Аппарат", "kind": "medical_device", "registration_number": "junk"},
    )
    assert "ожидается вид «РЗН 2024/23835»" in _html(junk)
    created = rep.post(
        f"/members/{company.pk}/products/new/",
        {
            "name": "Аппарат",
            "kind": "medical_device",
            "registration_number": "РЗН 2024/23835",
            "is_published": "on",
        },
    )
    assert created.status_code == 302
    with schema_context(cluster_a.schema_name):
        product = Product.objects.get()
    assert "РЗН 2024/23835" in _html(rep.get(f"/members/{company.pk}/"))
    rep.post(f"/members/products/{product.pk}/edit/", {"name": "Аппарат УВЧ", "kind": "equipment"})
    listing = _html(rep.get("/members/products/?q=увч"))
    assert "Аппарат УВЧ" in listing
    assert "Ничего не найдено." in _html(rep.get("/members/products/?q=нет-такого"))
    rep.post(f"/members/products/{product.pk}/delete/")
    with schema_context(cluster_a.schema_name):
        assert not Product.objects.exists()
    assert list(
        AuditEntry.objects.filter(cluster=cluster_a, actor=rep_user)
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["product.create", "product.update", "product.delete"]


def test_figures_typed_in_roubles_are_kept_in_kopecks(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.company(cluster_a, "Медтех", status=Status.ACTIVE)
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk), cluster_a)
    bad = rep.post(
        f"/members/{company.pk}/kpis/new/",
        {"year": "2023", "revenue": "1,2,3", "employees": "1", "new_jobs": "0", "products_launched": "0"},
    )
    assert "Введите сумму в рублях, например «1 234 567,89»." in _html(bad)
    created = rep.post(
        f"/members/{company.pk}/kpis/new/",
        {
            "year": "2023",
            "revenue": "1 234 567,89",
            "revenue_medical_devices": "1 000 000",
            "investment": "",
            "export": "0,5",
            "rnd_spend": "",
            "taxes_paid": "",
            "employees": "40",
            "new_jobs": "3",
            "products_launched": "1",
        },
    )
    assert created.status_code == 302
    with schema_context(cluster_a.schema_name):
        report = KpiReport.objects.get()
        assert (report.revenue, report.revenue_medical_devices, report.export) == (123456789, 100000000, 50)
    page = _html(rep.get(f"/members/kpis/{report.pk}/"))
    assert 'value="1 234 567,89"' in page and 'value="0,50"' in page
    assert rep.post(f"/members/kpis/{report.pk}/submit/").status_code == 302
    submitted = _html(rep.get(f"/members/kpis/{report.pk}/"))
    assert "1 234 567,89" in submitted and 'name="revenue"' not in submitted
    assert rep.post(f"/members/kpis/{report.pk}/", {"revenue": "1"}).status_code == 403
    assert rep.post(f"/members/kpis/{report.pk}/accept/").status_code == 403
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    staff.post(f"/members/kpis/{report.pk}/accept/")
    listing = _html(staff.get("/members/kpis/?year=2023"))
    assert "Медтех" in listing and "1 234 567,89" in listing and "Принят" in listing
    with schema_context(cluster_a.schema_name):
        report.refresh_from_db()
        assert report.status == KpiReport.Status.ACCEPTED


def test_contract_pages(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        a = f.company(cluster_a, "Поставщик", status=Status.ACTIVE)
        b = f.company(cluster_a, "Покупатель", status=Status.ACTIVE)
        f.company(cluster_a, "Посторонний")
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    form = _html(staff.get("/members/contracts/new/"))
    assert "Поставщик" in form and "Посторонний" not in form
    same = staff.post(
        "/members/contracts/new/",
        {
            "kind": "supply",
            "party_a": a.pk,
            "party_b": a.pk,
            "number": "1",
            "signed_on": "2024-04-01",
            "subject": "Поставка",
        },
    )
    assert "Стороны договора должны быть разными организациями." in _html(same)
    created = staff.post(
        "/members/contracts/new/",
        {
            "kind": "supply",
            "party_a": a.pk,
            "party_b": b.pk,
            "number": "17/2024",
            "signed_on": "2024-04-01",
            "amount_kopecks": "1 500 000,00",
            "subject": "Поставка",
        },
    )
    assert created.status_code == 302
    listing = _html(staff.get("/members/contracts/"))
    assert "№ 17/2024 от 01.04.2024" in listing and "1 500 000,00" in listing
    with schema_context(cluster_a.schema_name):
        contract = CooperationContract.objects.get()
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=b.pk), cluster_a)
    assert "17/2024" in _html(rep.get("/members/contracts/"))
    assert rep.post(f"/members/contracts/{contract.pk}/delete/").status_code == 403
    staff.post(f"/members/contracts/{contract.pk}/delete/")
    with schema_context(cluster_a.schema_name):
        assert not CooperationContract.objects.exists()


def test_import_page_shows_progress_and_errors(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    content = (f"Полное наименование;ИНН\nООО «Первая»;{f.inn(300001)}\nООО «Вторая»;7707083890\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/members/import/", {"file": SimpleUploadedFile("members.csv", content)})
    assert response.status_code == 302
    with schema_context(cluster_a.schema_name):
        job = ImportJob.objects.get()
    assert response["Location"] == f"/members/import/{job.pk}/"
    page = _html(staff.get(response["Location"]))
    assert "Ничего не загружено" in page and "ИНН: неверное контрольное число." in page
    assert "<td>3</td><td>ИНН: неверное контрольное число.</td>" in page
    assert "/static/frontend/progress.js" in page and 'data-status-url="/members/import/' in page
    status = staff.get(f"/members/import/{job.pk}/status/").json()
    assert status["status"] == "failed" and status["finished"] is True
    assert status["errors"] == [{"line": 3, "message": "ИНН: неверное контрольное число."}]
    assert staff.get("/members/import/999999/status/").status_code == 404
    script = staff.get("/static/frontend/progress.js")
    assert script.status_code == 200
    assert b"fetch(" in streamed(script) if script.streaming else b"fetch(" in script.content
    listing = _html(staff.get("/members/import/"))
    assert "members.csv" in listing and "Не загружено" in listing
    bad = staff.post("/members/import/", {"file": SimpleUploadedFile("m.doc", b"x")})
    assert "Поддерживаются файлы CSV" in _html(bad)


def test_the_import_page_polls_while_running(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with schema_context(cluster_a.schema_name):
        job = ImportJob.objects.create(
            file="x.csv", original_name="big.csv", status="validating", total=2000, processed=500
        )
    page = _html(staff.get(f"/members/import/{job.pk}/"))
    assert 'data-finished="0"' in page and '<progress data-field="percent" max="100" value="25">' in page
    assert staff.get(f"/members/import/{job.pk}/status/").json()["percent"] == 25


def test_list_page_runs_the_same_queries_for_3_and_30_companies(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    counts = {}
    for start, stop in ((0, 3), (3, 30)):
        with schema_context(cluster_a.schema_name):
            for i in range(start, stop):
                company = f.company(cluster_a, f"Компания {i:02d}")
                Product.objects.create(company=company, name=f"Аппарат {i}")
        with CaptureQueriesContext(connection) as queries:
            assert staff.get("/members/?sort=inn").status_code == 200
        counts[stop] = len(queries)
    assert counts[3] == counts[30], counts
    with django_assert_max_num_queries(8):
        staff.get("/members/?q=Компания&status=interested")
