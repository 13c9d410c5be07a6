"""The change log: admins of a cluster see its entries, by object and by person; nobody else."""

from __future__ import annotations

from typing import cast

import pytest
from django.test import RequestFactory
from pytest_django import DjangoAssertNumQueries

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.audit.services import Actor, audit_record, diff
from tenants.content.models import News
from tenants.http import ClusterHttpRequest
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, signed_in, token_for

pytestmark = pytest.mark.django_db


def _entry(cluster: Cluster, user: User | None, title: str) -> AuditEntry:
    actor = Actor(user=user, host=f"{cluster.schema_name}.localhost", cluster=cluster)
    news = News(pk=7, title=title)
    return audit_record(
        actor=actor, action="news.update", obj=news, changes=diff({"title": "было"}, {"title": title})
    )


def test_actor_from_request_keeps_user_host_and_cluster(cluster_a: Cluster, make_user: MakeUser) -> None:
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    request = cast(ClusterHttpRequest, RequestFactory().get("/", HTTP_HOST="alpha.localhost"))
    request.user = user
    request.cluster = cluster_a
    actor = Actor.from_request(request)
    assert (actor.user, actor.host, actor.cluster) == (user, "alpha.localhost", cluster_a)


def test_admin_sees_the_clusters_log_by_object_and_by_person(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    _entry(cluster_a, staff, "Новость Альфы")
    _entry(cluster_b, make_user(ROLE.CLUSTER_STAFF, cluster_b), "Новость Беты")
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)

    page = signed_in(admin, cluster_a).get("/audit/").content.decode()
    assert "Новость Альфы" in page and "Новость Беты" not in page
    assert "<b>Заголовок</b>: было → Новость Альфы" in page
    assert staff.full_name in page and staff.email not in page  # people by name

    api = api_client(token_for(admin, cluster_a), cluster_a)
    by_person = api.get(f"/api/v1/audit/?actor_id={staff.pk}").json()
    assert [e["object_repr"] for e in by_person["results"]] == ["Новость Альфы"]
    assert by_person["results"][0]["host"] == "alpha.localhost"
    by_object = api.get("/api/v1/audit/?object_type=content.news&object_id=7").json()
    assert by_object["count"] == 1
    assert by_object["results"][0]["changes"] == {"title": ["было", "Новость Альфы"]}


def test_log_is_for_admins_of_that_cluster_only(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    _entry(cluster_a, None, "Секрет Альфы")
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    assert signed_in(staff, cluster_a).get("/audit/").status_code == 403
    assert api_client(token_for(staff, cluster_a), cluster_a).get("/api/v1/audit/").status_code == 403
    admin_b = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    assert api_client(token_for(admin_b, cluster_b), cluster_a).get("/api/v1/audit/").status_code == 403
    beta_log = api_client(token_for(admin_b, cluster_b), cluster_b).get("/api/v1/audit/").json()
    assert all(e["object_repr"] != "Секрет Альфы" for e in beta_log["results"])
    assert client_for(cluster_a).get("/api/v1/audit/").status_code == 401
    assert client_for(cluster_a).get("/audit/").status_code == 302


def test_log_list_runs_a_bounded_number_of_queries(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    client = signed_in(admin, cluster_a)
    for i in range(30):
        _entry(cluster_a, admin, f"Новость {i}")
    with django_assert_max_num_queries(8):
        assert client.get("/audit/").status_code == 200


def test_an_anonymous_request_never_becomes_the_system_actor(cluster_a: Cluster) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    from core.audit.services import Actor

    request = cast(ClusterHttpRequest, RequestFactory().post("/", HTTP_HOST="alpha.localhost"))
    request.user = AnonymousUser()
    request.cluster = cluster_a
    with pytest.raises(PermissionDenied, match="Войдите"):
        Actor.from_request(request)
    visitor = Actor.from_request(request, allow_anonymous=True)  # an invitation link, say
    assert visitor.user is None and visitor.cluster == cluster_a
