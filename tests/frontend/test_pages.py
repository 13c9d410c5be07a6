"""Pages: access by role on each host, the platform admin's cluster management, assets."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_exists

from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in

pytestmark = pytest.mark.django_db


def test_cabinet_needs_a_role_in_this_cluster(cluster_a: Cluster, make_user: MakeUser) -> None:
    assert client_for(cluster_a).get("/cabinet/")["Location"].startswith("/login/?next=/cabinet/")
    for role in (ROLE.CLUSTER_ADMIN, ROLE.CLUSTER_STAFF, ROLE.MEMBER_REPRESENTATIVE):
        assert signed_in(make_user(role, cluster_a), cluster_a).get("/cabinet/").status_code == 200


def test_news_page_is_for_managers_only(cluster_a: Cluster, make_user: MakeUser) -> None:
    member = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    denied = member.get("/news/")
    assert denied.status_code == 403 and "Доступ запрещён" in denied.content.decode()
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a).get("/news/")
    assert staff.status_code == 200 and "Здесь пока пусто." in staff.content.decode()


def test_a_user_who_lost_the_role_loses_the_pages(cluster_a: Cluster, make_user: MakeUser) -> None:
    from core.accounts.services import grant_revoke

    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    client = signed_in(user, cluster_a)
    grant_revoke(user=user, role=ROLE.CLUSTER_STAFF, cluster=cluster_a)
    assert client.get("/cabinet/").status_code == 403


def test_navigation_follows_the_role(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff_page = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a).get("/").content.decode()
    member_page = (
        signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a).get("/").content.decode()
    )
    anonymous = client_for(cluster_a).get("/").content.decode()
    assert 'href="/members/"' in staff_page and 'href="/cabinet/"' in staff_page
    assert 'href="/members/"' not in member_page and "Моя организация" in member_page
    assert 'href="/cabinet/"' in member_page and 'href="/governance/meetings/"' in member_page
    assert 'href="/cabinet/"' not in anonymous and "Войти" in anonymous
    assert 'href="/site/members/"' in anonymous and 'href="/governance/meetings/"' not in anonymous


def test_pages_of_one_kind_of_host_do_not_exist_on_the_other(cluster_a: Cluster, make_user: MakeUser) -> None:
    root = make_user(ROLE.PLATFORM_ADMIN)
    assert (
        client_for(cluster_a).get("/platform/clusters/").status_code == 404
    )  # no platform pages on a cluster
    assert client_for(cluster_a).get("/platform/clusters/").status_code == 404
    assert client_for(cluster_a).get("/ministry/clusters/").status_code == 404
    assert signed_in(root, None).get("/platform/clusters/").status_code == 200


def test_ministry_page_by_scope(cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser) -> None:
    regional = signed_in(make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-NVS"]), None)
    # The former list /ministry/clusters/ now lives on the dashboard (/ministry/, tests/federal/).
    assert regional.get("/ministry/clusters/")["Location"] == "/ministry/"
    body = regional.get("/ministry/").content.decode()
    assert cluster_b.name in body and cluster_a.name not in body
    federal = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None).get("/ministry/").content.decode()
    assert cluster_a.name in federal and cluster_b.name in federal
    admin_a = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), None)
    assert admin_a.get("/ministry/clusters/").status_code == 403
    assert client_for(None).get("/ministry/clusters/").status_code == 302


def test_my_clusters_lists_the_clusters_of_the_user(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    body = signed_in(user, None).get("/my/").content.decode()
    assert cluster_a.name in body and cluster_b.name not in body
    assert client_for(None).get("/my/").status_code == 302


def test_platform_admin_creates_a_cluster_from_the_page(make_user: MakeUser) -> None:
    root = signed_in(make_user(ROLE.PLATFORM_ADMIN), None)
    response = root.post(
        "/platform/clusters/",
        {
            "slug": "uipage",
            "name": "Кластер из интерфейса",
            "region_codes": ["RU-TA"],
            "time_zone": "Europe/Moscow",
            "admin_email": "uipage.admin@example.test",
        },
        follow=True,
    )
    assert "Кластер «Кластер из интерфейса» создан (в подготовке)" in response.content.decode()
    assert schema_exists("uipage")
    # «в подготовке» until its invited admin activates it (tests/tenants/test_onboarding.py)
    created = Cluster.objects.get(schema_name="uipage")
    assert created.status == Cluster.Status.PREPARING
    assert client_for(created).get("/").status_code == 404


def test_platform_admin_gets_russian_errors_and_nothing_is_created(make_user: MakeUser) -> None:
    root = signed_in(make_user(ROLE.PLATFORM_ADMIN), None)
    before = Cluster.objects.count()
    response = root.post(
        "/platform/clusters/",
        {
            "slug": "www",
            "name": "Кластер",
            "region_codes": ["RU-TA"],
            "time_zone": "Mars/Olympus",
            "admin_email": "admin@example.test",
        },
    )
    body = response.content.decode()
    assert "Mars/Olympus нет среди допустимых значений" in body
    assert "Новосибирск (UTC+7)" in body  # zones offered by city and offset
    body = root.post(
        "/platform/clusters/",
        {"slug": "www", "name": "Кластер", "region_codes": ["RU-TA"], "time_zone": "Europe/Moscow"},
    ).content.decode()
    assert "зарезервирован" in body
    assert Cluster.objects.count() == before


def test_platform_cluster_management_is_for_platform_admins_only(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    federal = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    assert federal.get("/platform/clusters/").status_code == 403
    assert federal.post("/platform/clusters/alpha/status/", {"action": "suspend"}).status_code == 403
    cluster_a.refresh_from_db()
    assert cluster_a.status == Cluster.Status.ACTIVE


def test_platform_admin_suspends_and_resumes_a_cluster(cluster_a: Cluster, make_user: MakeUser) -> None:
    root = signed_in(make_user(ROLE.PLATFORM_ADMIN), None)
    page = root.post("/platform/clusters/alpha/status/", {"action": "suspend"}, follow=True)
    assert "приостановлен" in page.content.decode()
    assert client_for(cluster_a).get("/").status_code == 403
    root.post("/platform/clusters/alpha/status/", {"action": "resume"})
    assert client_for(cluster_a).get("/").status_code == 200
    assert root.post("/platform/clusters/nosuch/status/", {"action": "suspend"}).status_code == 404


def test_every_asset_is_served_by_the_app(cluster_a: Cluster, make_user: MakeUser) -> None:
    pages = [client_for(cluster_a).get("/"), client_for(None).get("/"), client_for(cluster_a).get("/login/")]
    for page in pages:
        html = page.content.decode()
        refs = re.findall(r'(?:src|href)="([^"]+)"', html)
        external = [r for r in refs if r.startswith(("http://", "https://", "//")) and "localhost" not in r]
        assert external == []
        for ref in refs:
            if ref.startswith("/static/"):
                assert client_for(cluster_a).get(ref).status_code == 200, ref
