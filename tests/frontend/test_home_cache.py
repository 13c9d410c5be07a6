"""The cluster home page's cached copy for anonymous visitors (frontend.home_cache): a change to
what the page shows reaches the next visitor, whoever wrote it and how; one cluster never gets
another's copy; signed-in users and visitors with state never get it; every visitor gets their
own CSRF token."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.audit.services import Actor
from core.clock import cluster_today
from frontend.home_cache import CSRF_PLACEHOLDER
from tenants.content.models import News
from tenants.content.services import news_create
from tenants.events.services import event_create
from tenants.models import Cluster
from tenants.selectors import forget_hosts_in_this_process
from tests.conftest import ROLE, InCluster, MakeUser, client_for, host_of, signed_in
from tests.selection.factories import open_call

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def home(client: Client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_second_anonymous_visit_is_served_from_the_cache(cluster_a: Cluster) -> None:
    client = client_for(cluster_a)
    first = home(client)
    with CaptureQueriesContext(connection) as queries:
        second = home(client_for(cluster_a))
    # only the versions are read: no news, events or calls queries
    assert [q["sql"] for q in queries.captured_queries if "content_news" in q["sql"]] == []
    assert len(queries.captured_queries) == 1 and "site_version" in queries.captured_queries[0]["sql"]
    assert TOKEN_RE.sub("", first) == TOKEN_RE.sub("", second)


def test_news_written_any_way_shows_up_for_the_next_visitor(
    cluster_a: Cluster, in_cluster: InCluster
) -> None:
    assert "Новостей пока нет." in home(client_for(cluster_a))
    with in_cluster(cluster_a):
        news = news_create(title="Открыт новый цех", body="Текст.", actor=Actor.system(cluster_a))
    assert "Открыт новый цех" in home(client_for(cluster_a))
    with in_cluster(cluster_a):
        News.objects.filter(pk=news.pk).update(title="Цех открыт досрочно")  # no service, no signal
    page = home(client_for(cluster_a))
    assert "Цех открыт досрочно" in page and "Открыт новый цех" not in page
    with in_cluster(cluster_a):
        News.objects.filter(pk=news.pk).delete()
    assert "Новостей пока нет." in home(client_for(cluster_a))


def test_an_event_and_a_call_show_up(cluster_a: Cluster, in_cluster: InCluster) -> None:
    page = home(client_for(cluster_a))
    assert "Выставка «Здравоохранение»" not in page and "Отбор PROКЛАСТЕРЫ" not in page
    with in_cluster(cluster_a):
        soon = cluster_today(cluster_a) + dt.timedelta(days=10)
        event_create(actor=Actor.system(cluster_a), title="Выставка «Здравоохранение»", starts_on=soon)
    assert "Выставка «Здравоохранение»" in home(client_for(cluster_a))
    open_call(title="PROКЛАСТЕРЫ-тест")  # a public-schema write: every cluster's page lists it
    assert "PROКЛАСТЕРЫ-тест" in home(client_for(cluster_a))


def test_a_renamed_cluster_shows_its_new_name(cluster_a: Cluster) -> None:
    assert "Кластер Альфа (тест)" in home(client_for(cluster_a))
    Cluster.objects.filter(pk=cluster_a.pk).update(name="Кластер Альфа переименован")
    caches["platform"].clear()  # the host cache's entries expire (services forget them at once)
    forget_hosts_in_this_process()
    assert "Кластер Альфа переименован" in home(client_for(cluster_a))


def test_one_cluster_never_gets_another_clusters_copy(
    cluster_a: Cluster, cluster_b: Cluster, in_cluster: InCluster
) -> None:
    with in_cluster(cluster_a):
        news_create(title="Новость только Альфы", actor=Actor.system(cluster_a))
    for _ in range(2):  # the second round is served from the caches
        alpha, beta = home(client_for(cluster_a)), home(client_for(cluster_b))
        assert "Новость только Альфы" in alpha and "Кластер Альфа (тест)" in alpha
        assert "Новость только Альфы" not in beta and "Кластер Альфа (тест)" not in beta
        assert "Кластер Бета (тест)" in beta and "Новостей пока нет." in beta


def test_signed_in_users_never_get_the_anonymous_copy_nor_leave_theirs(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    anonymous = home(client_for(cluster_a))
    staff = home(signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a))
    assert 'href="/members/"' in staff and 'href="/cabinet/"' in staff
    assert "Войти" in anonymous
    again = home(client_for(cluster_a))
    assert 'href="/members/"' not in again and 'href="/cabinet/"' not in again and "Войти" in again


def test_every_visitor_gets_their_own_working_csrf_token(cluster_a: Cluster) -> None:
    tokens = []
    for _ in range(2):  # the second page comes from the cache
        client = Client(HTTP_HOST=host_of(cluster_a), enforce_csrf_checks=True)
        page = home(client)
        token = TOKEN_RE.search(page)
        assert token is not None and CSRF_PLACEHOLDER not in page
        tokens.append(token.group(1))
        answer = client.post(
            "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token.group(1)}
        )
        assert answer.status_code == 302
        assert '<html lang="en">' in home(client)
    assert tokens[0] != tokens[1]


def test_a_visitor_with_a_message_gets_a_fresh_page(cluster_a: Cluster, make_user: MakeUser) -> None:
    home(client_for(cluster_a))  # cached
    client = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    client.post("/logout/")
    page = home(client)  # anonymous again, with «Вы вышли из системы.» waiting
    assert "Вы вышли из системы." in page
