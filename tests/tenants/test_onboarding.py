"""Onboarding (issue 14, part 5): the platform admin creates a cluster and invites its first
admin by e-mail; the cluster is «в подготовке» and public nowhere until that admin finishes the
set-up on the cluster host and activates it."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image
from pytest_django import DjangoCaptureOnCommitCallbacks

from billing.models import Payee
from core.accounts.models import Grant, User
from core.ru.bank import account_with_key
from tenants.models import AdminInvitation, Cluster
from tests.conftest import PASSWORD, ROLE, MakeUser, api_client, client_for, signed_in, token_for

pytestmark = pytest.mark.django_db

SLUG = "newclu"
NAME = "Кластер Новый (подготовка)"
ADMIN_EMAIL = "first.admin@example.test"
BIK = "044525225"


def _create(platform_admin: User, captured: DjangoCaptureOnCommitCallbacks) -> Client:
    """Create the cluster on the platform page; the invitation letter leaves after commit."""
    client = signed_in(platform_admin, None)
    with captured(execute=True):
        response = client.post(
            "/platform/clusters/",
            {
                "slug": SLUG,
                "name": NAME,
                "region_codes": ["RU-MOS"],
                "time_zone": "Europe/Moscow",
                "admin_email": ADMIN_EMAIL,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def _link() -> str:
    assert len(mail.outbox) == 1
    letter = mail.outbox[0]
    assert letter.to == [ADMIN_EMAIL]
    assert "администратор" in letter.subject
    assert "http://newclu.localhost/setup/\n" in str(letter.body)
    found = re.search(r"https?://newclu\.localhost(/setup/invitation/[^/\s]+/)", str(letter.body))
    assert found, letter.body
    return found.group(1)


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 32), (20, 90, 160)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "logo.png"
    return buffer


def _payee_form(account: str) -> dict[str, str]:
    return {
        "name": "АНО «Центр кластерного развития»",
        "inn": "7707083893",
        "kpp": "773601001",
        "bank_name": "ПАО Сбербанк",
        "bik": BIK,
        "account": account,
        "correspondent_account": "30101810400000000225",
        "vat_note": "Без налога (НДС)",
    }


def _accept(link: str) -> Client:
    client = Client(HTTP_HOST=f"{SLUG}.localhost")
    page = client.get(link)
    assert page.status_code == 200
    assert ADMIN_EMAIL in page.content.decode()
    response = client.post(
        link, {"full_name": "Первый Администратор Кластера", "password": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/setup/"
    return client


def _public_everywhere(name: str, ministry: Client) -> dict[str, bool]:
    home = Client(HTTP_HOST="localhost").get("/").content.decode()
    dashboard = ministry.get("/ministry/").content.decode()
    api = ministry.get("/api/v1/federal/clusters/?page_size=100").json()
    return {
        "home": name in home,
        "ministry": name in dashboard,
        "api": SLUG in {row["slug"] for row in api["results"]},
    }


def test_the_whole_onboarding_flow(
    make_user: MakeUser,
    cluster_b: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    platform_admin = make_user(ROLE.PLATFORM_ADMIN)
    ministry_user = make_user(ROLE.MINISTRY_FEDERAL)
    ministry = signed_in(ministry_user, None)
    platform = _create(platform_admin, django_capture_on_commit_callbacks)

    cluster = Cluster.objects.get(schema_name=SLUG)
    assert cluster.status == Cluster.Status.PREPARING
    listing = platform.get("/platform/clusters/").content.decode()
    assert NAME in listing and "В подготовке" in listing
    link = _link()

    # nowhere public before activation
    assert _public_everywhere(NAME, ministry) == {"home": False, "ministry": False, "api": False}
    site = client_for(cluster).get("/")
    assert site.status_code == 404
    assert client_for(cluster).get("/api/v1/public/directory/").status_code == 404
    assert "готовится к открытию" in site.content.decode()

    admin_client = _accept(link)
    admin = User.objects.get(email=ADMIN_EMAIL)
    assert {(g.role, g.cluster_id) for g in Grant.objects.filter(user=admin)} == {
        (Grant.Role.CLUSTER_ADMIN, cluster.pk)
    }
    # the invited admin sees the cluster in «Мои кластеры»; a staff member of it does not
    assert NAME in signed_in(admin, None).get("/my/").content.decode()
    staff = make_user(ROLE.CLUSTER_STAFF, cluster)
    assert NAME not in signed_in(staff, None).get("/my/").content.decode()

    home = admin_client.get("/cabinet/").content.decode()  # the admin's home points to the set-up
    assert "Кластер в подготовке" in home and 'href="/setup/"' in home
    checklist = admin_client.get("/setup/").content.decode()
    assert checklist.count("не выполнено") == 5
    refused = admin_client.post("/setup/activate/", follow=True).content.decode()
    assert "нельзя активировать" in refused
    assert "Наименование" in refused and "Регионы" in refused and "Реквизиты получателя платежей" in refused
    assert Cluster.objects.get(pk=cluster.pk).status == Cluster.Status.PREPARING

    assert (
        admin_client.post(
            "/setup/name/", {"name": "АНО «Кластер Новый»", "short_name": "Кластер Новый"}
        ).status_code
        == 302
    )
    assert admin_client.post("/setup/regions/", {"region_codes": ["RU-TA", "RU-BA"]}).status_code == 302
    # the payee's account is checked against the БИК (core.ru.bank): a wrong key is refused
    wrong = admin_client.post("/billing/payee/", _payee_form("40703810000000000001"))
    assert wrong.status_code == 200 and not Payee.objects.filter(cluster=cluster).exists()
    good = admin_client.post(
        "/billing/payee/", _payee_form(account_with_key("40703810000000000001", bik=BIK))
    )
    assert good.status_code == 302, good.content.decode()[:2000]
    assert Payee.objects.filter(cluster=cluster).exists()

    # the logo: a real picture only
    fake = io.BytesIO(b"not a picture at all")
    fake.name = "logo.png"
    refused_logo = admin_client.post("/setup/logo/", {"file": fake})
    assert refused_logo.status_code == 200
    assert "не является изображением" in refused_logo.content.decode()
    assert admin_client.post("/setup/logo/", {"file": _png()}).status_code == 302
    logo = admin_client.get("/setup/logo/file/")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"

    assert admin_client.post("/setup/import-later/").status_code == 302
    checklist = admin_client.get("/setup/").content.decode()
    assert "не выполнено" not in checklist and "отложено" in checklist
    assert '<img src="/setup/logo/file/"' in checklist

    # staff of the cluster cannot activate it
    assert signed_in(staff, cluster).post("/setup/activate/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):  # the ministry's warehouse refresh
        activated = admin_client.post("/setup/activate/")
    assert activated.status_code == 302
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.ACTIVE
    assert cluster.region_codes == ["RU-TA", "RU-BA"] and cluster.kind == Cluster.Kind.INTERREGIONAL

    assert _public_everywhere("Кластер Новый", ministry) == {"home": True, "ministry": True, "api": True}
    assert client_for(cluster).get("/").status_code == 200
    assert client_for(cluster).get("/api/v1/public/directory/").status_code == 200
    assert "Кластер в подготовке" not in admin_client.get("/cabinet/").content.decode()
    assert "Кластер Новый" in signed_in(staff, None).get("/my/").content.decode()


def test_api_creates_a_cluster_in_preparation_and_invites(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    platform_admin = make_user(ROLE.PLATFORM_ADMIN)
    client = api_client(token_for(platform_admin, None), None)
    body = {"slug": SLUG, "name": NAME, "region_codes": ["RU-MOS"], "admin_email": ADMIN_EMAIL}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/clusters/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "preparing"
    assert _link().startswith("/setup/invitation/")
    listed = {row["slug"]: row["status"] for row in client.get("/api/v1/clusters/").json()["results"]}
    assert listed[SLUG] == "preparing" and listed["alpha"] == "active"

    bad = client.post(
        "/api/v1/clusters/", {**body, "slug": "other", "admin_email": "nope"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "admin_email" in bad.json()["errors"]


def test_only_platform_admins_create_clusters(make_user: MakeUser, cluster_a: Cluster) -> None:
    body = {"slug": SLUG, "name": NAME, "region_codes": ["RU-MOS"], "admin_email": ADMIN_EMAIL}
    for user in (make_user(), make_user(ROLE.CLUSTER_ADMIN, cluster_a), make_user(ROLE.MINISTRY_FEDERAL)):
        client = api_client(token_for(user, None), None)
        assert client.post("/api/v1/clusters/", body, content_type="application/json").status_code == 403
        assert (
            signed_in(user, None)
            .post("/platform/clusters/", {**body, "time_zone": "Europe/Moscow"})
            .status_code
            == 403
        )
    assert Client(HTTP_HOST="localhost").post("/api/v1/clusters/", body).status_code == 401
    assert not Cluster.objects.filter(schema_name=SLUG).exists()
    assert mail.outbox == []


def test_an_invalid_admin_email_creates_nothing(make_user: MakeUser) -> None:
    client = signed_in(make_user(ROLE.PLATFORM_ADMIN), None)
    response = client.post(
        "/platform/clusters/",
        {
            "slug": SLUG,
            "name": NAME,
            "region_codes": ["RU-MOS"],
            "time_zone": "Europe/Moscow",
            "admin_email": "x",
        },
    )
    assert response.status_code == 200
    assert not Cluster.objects.filter(schema_name=SLUG).exists() and mail.outbox == []


def test_set_up_pages_refuse_outsiders(
    make_user: MakeUser,
    cluster_b: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    _create(make_user(ROLE.PLATFORM_ADMIN), django_capture_on_commit_callbacks)
    cluster = Cluster.objects.get(schema_name=SLUG)
    link = _link()
    anonymous = client_for(cluster)
    for path in ("/setup/", "/setup/name/", "/setup/regions/", "/setup/logo/"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]
    # no role anywhere (signed in on the platform host), beta's admin (signed in on beta's host):
    # their sessions carried to the new cluster's host get nothing there
    outsiders = [(make_user(), None), (make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)]
    for user, home in outsiders:
        client = Client(HTTP_HOST=f"{SLUG}.localhost")
        client.cookies = signed_in(user, home).cookies
        for method, path in (("get", "/setup/"), ("post", "/setup/activate/"), ("post", "/setup/name/")):
            response = getattr(client, method)(path, {"name": "Захват"} if path == "/setup/name/" else {})
            assert response.status_code == 403 or (
                response.status_code == 302 and response["Location"].startswith("/login/")
            ), (user.email, path, response.status_code)
    # the invitation's token means nothing on another cluster's host
    assert client_for(cluster_b).get(link).status_code == 404
    # a member representative of the new cluster cannot activate it either
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster, company_id=1)
    assert signed_in(rep, cluster).post("/setup/activate/").status_code == 403
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.PREPARING and cluster.name == NAME


def test_the_invitation_works_once(
    make_user: MakeUser, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    _create(make_user(ROLE.PLATFORM_ADMIN), django_capture_on_commit_callbacks)
    link = _link()
    _accept(link)
    again = Client(HTTP_HOST=f"{SLUG}.localhost").get(link)
    assert again.status_code == 410 and "уже использовано" in again.content.decode()
    assert AdminInvitation.objects.get().accepted_by == User.objects.get(email=ADMIN_EMAIL)


def test_set_up_service_in_the_cluster_schema(
    make_user: MakeUser, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    """The checklist reads the members' imports inside the cluster's schema."""
    from tenants.onboarding.selectors import setup_checklist

    _create(make_user(ROLE.PLATFORM_ADMIN), django_capture_on_commit_callbacks)
    cluster = Cluster.objects.get(schema_name=SLUG)
    with schema_context(SLUG):
        items = {item.code: item.done for item in setup_checklist(cluster=cluster)}
    assert items == {"name": False, "regions": False, "payee": False, "logo": False, "import": False}
