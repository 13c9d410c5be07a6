"""Tracking pages (progress, timeline, «Мои мероприятия») and their API: what a user sees, who
is refused, and query counts that do not grow with the roadmap."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from core.accounts.models import Grant
from core.clock import cluster_today
from tenants.governance.models import CommitteeMember
from tenants.models import Cluster
from tenants.roadmap import tracking
from tenants.roadmap.deadlines import DeadlineKind as K
from tenants.roadmap.models import Item
from tests.conftest import InCluster, MakeUser, api_client, client_for, signed_in, token_for

from . import factories as f

pytestmark = pytest.mark.django_db
S = Item.Status
DAY = dt.timedelta(days=1)


def _html(response: Any) -> str:
    return response.content.decode()


def _text(response: Any) -> str:
    """The page's visible text, tags stripped, whitespace collapsed."""
    body = re.sub(r"<style.*?</style>", " ", _html(response), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def tracked(cluster_a: Cluster, in_cluster: Any, make_user: Any) -> dict[str, Any]:
    """Alpha's roadmap with an overdue, a due-soon, a done, a whole-year and an undated item."""
    staff = make_user(Grant.Role.CLUSTER_STAFF, cluster_a)
    today = cluster_today(cluster_a)
    with in_cluster(cluster_a):
        quality = f.committee("Комитет по качеству")
        plan = f.roadmap(cluster_a, "Дорожная карта МТК", start=today - 150 * DAY, end=today + 150 * DAY)
        org, fairs = f.section(plan, "Организация деятельности"), f.section(plan, "Выставки и конференции")
        items = {
            "late": f.item(
                plan,
                org,
                title="Отчёт комитета по качеству",
                end=today - 5 * DAY,
                text="до 5 числа",
                kind=K.UNTIL,
                executors=[f.committee_executor(quality)],
            ),
            "soon": f.item(
                plan,
                fairs,
                title="Стенд на выставке «Здравоохранение»",
                end=today + 2 * DAY,
                executors=[f.person(staff, "Петров П.П.")],
            ),
            "done": f.item(
                plan,
                fairs,
                title="Мини-конференция",
                end=today - 20 * DAY,
                status=S.DONE,
                executors=[f.person(staff, "Петров П.П.")],
            ),
            "year": f.item(
                plan,
                org,
                title="Обновление сайта",
                kind=K.WHOLE_PERIOD,
                text="В течение года",
                start=plan.period_start,
                end=plan.period_end,
                executors=[f.text_executor("Мадфес Н.А.")],
            ),
            "plan": f.item(
                plan, org, title="Работа рабочих групп", kind=K.SEPARATE_PLAN, text="По отдельному плану"
            ),
        }
    return {"plan": plan, "items": items, "staff": staff, "quality": quality, "today": today}


def _pages(pk: int) -> list[str]:
    return [
        reverse("roadmap:progress", args=[pk]),
        reverse("roadmap:timeline", args=[pk]),
        reverse("roadmap:my_items"),
    ]


def _api(pk: int) -> list[str]:
    return [f"/api/v1/roadmaps/{pk}/progress/", "/api/v1/roadmap-items/mine/"]


def test_url_names() -> None:
    assert reverse("roadmap:progress", args=[3]) == "/roadmap/3/progress/"
    assert reverse("roadmap:timeline", args=[3]) == "/roadmap/3/timeline/"
    assert reverse("roadmap:my_items") == "/roadmap/my/"


def test_progress_page_shows_tables_bars_and_overdue_items(
    tracked: dict[str, Any], cluster_a: Cluster, make_user: MakeUser
) -> None:
    plan, items = tracked["plan"], tracked["items"]
    member = signed_in(make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    response = member.get(reverse("roadmap:progress", args=[plan.pk]))
    assert response.status_code == 200
    text = _text(response)
    assert "Ход исполнения дорожной карты" in text and "Дорожная карта МТК" in text
    assert "1 / 5 выполнено мероприятий (20%)" in text  # «по отдельному плану» counts, nothing is cancelled
    # sections: № · title · done · total · bar · overdue
    assert "1. Организация деятельности 0 3 0% 1 2. Выставки и конференции 1 2 50% 0" in text
    assert "По комитетам и рабочим группам" in text and "Комитет по качеству 0 1 0% 1" in text
    assert f"{tracked['staff'].full_name} 1 2 50% 0" in text and "Мадфес Н.А. 0 1 0% 0" in text
    assert "1 просрочено" in text
    html = _html(response)
    assert html.count('class="rm-overdue"') >= 3  # its section row, committee row, overdue item row
    overdue_part = text.split("Просроченные мероприятия", 1)[1].split("Срок в ближайшие", 1)[0]
    assert "Отчёт комитета по качеству" in overdue_part and "Стенд" not in overdue_part
    soon_part = text.split("Срок в ближайшие", 1)[1]
    assert "Стенд на выставке «Здравоохранение»" in soon_part
    assert f'href="/roadmap/{plan.pk}/items/{items["late"].pk}/"' in html


def test_timeline_draws_bars_markers_period_bars_and_today(
    tracked: dict[str, Any], cluster_a: Cluster, in_cluster: InCluster
) -> None:
    plan, items, today = tracked["plan"], tracked["items"], tracked["today"]
    staff = signed_in(tracked["staff"], cluster_a)
    response = staff.get(reverse("roadmap:timeline", args=[plan.pk]))
    assert response.status_code == 200
    html = _html(response)
    # months across: the period covers about ten months
    assert 10 <= html.count('class="tl-month"') <= 12
    assert 'class="tl-month year"' in html and f">{today.year}</span>" in html
    assert 'class="today"' in html
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(
            r'<div class="tl-row[^"]*" role="row">.*?href="/roadmap/\d+/items/(\d+)/".*?</div>\s*</div>',
            html,
            re.S,
        )
    }
    assert set(rows) == {str(i.pk) for i in items.values()}
    assert "late" in rows[str(items["late"].pk)].split(">")[0] and "tl-point" in rows[str(items["late"].pk)]
    assert "tl-bar period" in rows[str(items["year"].pk)]
    with in_cluster(cluster_a):
        chart = tracking.timeline_build(roadmap=plan, items=[], today=today)
    assert (
        f'tl-bar period" data-left="{chart.period_left}" data-width="{chart.period_width}"'
        in rows[str(items["year"].pk)]
    )
    assert chart.period_left > 0 and 85 < chart.period_width < 100  # the period, not the whole chart
    assert "done" in rows[str(items["done"].pk)].split(">")[0]
    assert "по отдельному плану" in rows[str(items["plan"].pk)]
    assert re.search(r'data-left="\d+\.\d+"', html) and not re.search(
        r'data-left="\d+,\d+"', html
    )  # no decimal commas
    text = _text(response)
    assert "Организация деятельности" in text and "Выставки и конференции" in text
    assert today.strftime("%Y") in text
    only_late = _text(staff.get(reverse("roadmap:timeline", args=[plan.pk]) + "?status=overdue"))
    assert "Отчёт комитета по качеству" in only_late and "Мини-конференция" not in only_late
    by_section = _text(
        staff.get(reverse("roadmap:timeline", args=[plan.pk]) + f"?section={items['soon'].section_id}")
    )
    assert "Мини-конференция" in by_section and "Обновление сайта" not in by_section


def test_my_items_page_overdue_first_with_reasons_and_filters(
    tracked: dict[str, Any], cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    staff, quality, items = tracked["staff"], tracked["quality"], tracked["items"]
    with in_cluster(cluster_a):
        CommitteeMember.objects.create(committee=quality, user=staff, person_name=staff.full_name)
    page = signed_in(staff, cluster_a)
    response = page.get(reverse("roadmap:my_items"))
    assert response.status_code == 200
    text = _text(response)
    assert "Найдено мероприятий: 3" in text
    order = [text.index(items[k].title) for k in ("late", "done", "soon")]
    assert order == sorted(order)  # overdue first, then by deadline
    assert "ваш комитет" in text and "вы — исполнитель" in text
    assert 'class="rm-overdue"' in _html(response)
    open_only = _text(page.get(reverse("roadmap:my_items") + "?status=open"))
    assert "Мини-конференция" not in open_only and "Найдено мероприятий: 2" in open_only
    searched = _text(page.get(reverse("roadmap:my_items") + "?q=Стенд"))
    assert "Найдено мероприятий: 1" in searched
    nobody = signed_in(make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    assert "Вы не указаны исполнителем ни одного мероприятия" in _text(
        nobody.get(reverse("roadmap:my_items"))
    )


def test_pages_refuse_anonymous_other_clusters_and_users_without_a_role(
    tracked: dict[str, Any], cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    pk = tracked["plan"].pk
    for url in _pages(pk):
        response = client_for(cluster_a).get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    beta_admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_b)
    beta = signed_in(beta_admin, cluster_b)
    beta.defaults["HTTP_HOST"] = "alpha.localhost"  # beta's session means nothing on alpha's host
    for url in _pages(pk):
        assert beta.get(url).status_code == 302, url
    # on beta's own host alpha's roadmap id does not exist, and none of alpha's items is «mine»
    own = signed_in(beta_admin, cluster_b)
    for url in _pages(pk)[:2]:
        assert own.get(url).status_code == 404, url
    assert "Вы не указаны исполнителем" in _text(own.get(reverse("roadmap:my_items")))
    # a representative whose role was taken away after signing in
    rep = make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a)
    client = signed_in(rep, cluster_a)
    assert client.get(_pages(pk)[0]).status_code == 200
    Grant.objects.filter(user=rep, cluster=cluster_a).delete()
    for url in _pages(pk):
        response = client.get(url)
        assert response.status_code == 403 and "Доступ запрещён" in _text(response), url
    # the platform host has no roadmap pages
    root = make_user(Grant.Role.PLATFORM_ADMIN)
    assert signed_in(root, None).get(_pages(pk)[0]).status_code == 404


def test_api_progress_and_my_items(
    tracked: dict[str, Any], cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    plan, items, staff = tracked["plan"], tracked["items"], tracked["staff"]
    member = api_client(
        token_for(make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a), cluster_a), cluster_a
    )
    body = member.get(f"/api/v1/roadmaps/{plan.pk}/progress/").json()
    assert body["today"] == tracked["today"].isoformat()
    assert (body["overall"]["done"], body["overall"]["total"], body["overall"]["overdue"]) == (1, 5, 1)
    assert [(s["number"], s["done"], s["total"], s["overdue"], s["percent"]) for s in body["sections"]] == [
        ("1.", 0, 3, 1, 0),
        ("2.", 1, 2, 0, 50),
    ]
    assert [(c["label"], c["committee_id"], c["overdue"]) for c in body["committees"]] == [
        ("Комитет по качеству", tracked["quality"].pk, 1)
    ]
    person = next(e for e in body["executors"] if e["user_id"] == staff.pk)
    assert (person["done"], person["total"], person["kind"]) == (1, 2, "person")
    mine = api_client(token_for(staff, cluster_a), cluster_a)
    listing = mine.get("/api/v1/roadmap-items/mine/").json()
    assert listing["count"] == 2
    assert [i["id"] for i in listing["results"]] == [items["done"].pk, items["soon"].pk]
    first = listing["results"][0]
    assert first["mine_as"] == ["executor"] and first["overdue"] is False
    assert first["url"] == f"http://alpha.localhost/roadmap/{plan.pk}/items/{items['done'].pk}/"
    assert mine.get("/api/v1/roadmap-items/mine/?status=open").json()["count"] == 1
    bad = mine.get("/api/v1/roadmap-items/mine/?status=late")
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    with in_cluster(cluster_a):
        CommitteeMember.objects.create(committee=tracked["quality"], user=staff, person_name=staff.full_name)
    listing = mine.get("/api/v1/roadmap-items/mine/?status=overdue").json()
    assert [(i["id"], i["overdue"], i["mine_as"]) for i in listing["results"]] == [
        (items["late"].pk, True, ["committee"])
    ]


def test_api_refuses_anonymous_other_clusters_and_users_without_a_role(
    tracked: dict[str, Any], cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    pk = tracked["plan"].pk
    for url in _api(pk):
        response = client_for(cluster_a).get(url)
        assert response.status_code in (401, 403) and response.json()["detail"], url
    beta_admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_b)
    beta_token = token_for(beta_admin, cluster_b)
    for url in _api(pk):  # beta's token on alpha's host
        response = api_client(beta_token, cluster_a).get(url)
        assert response.status_code == 403 and response.json()["detail"].startswith("У вас нет прав"), url
    own = api_client(beta_token, cluster_b)
    missing = own.get(f"/api/v1/roadmaps/{pk}/progress/")
    assert missing.status_code == 404 and missing.json()["detail"] == "Дорожная карта не найдена."
    assert own.get("/api/v1/roadmap-items/mine/").json()["count"] == 0
    ministry = api_client(token_for(make_user(Grant.Role.MINISTRY_FEDERAL), None), cluster_a)
    for url in _api(pk):  # a ministry token (public host) has no role in the cluster
        assert ministry.get(url).status_code == 403, url


def test_pages_and_api_run_the_same_queries_for_20_and_200_items(
    cluster_a: Cluster,
    in_cluster: InCluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    user = make_user(Grant.Role.CLUSTER_STAFF, cluster_a)
    today = cluster_today(cluster_a)
    client = signed_in(user, cluster_a)
    api = api_client(token_for(user, cluster_a), cluster_a)
    counts: dict[str, list[int]] = {}
    api.get(
        "/api/v1/me/"
    )  # a user's first token request reads its grants (one query); the next ones use the process's copy
    for size in (20, 200):
        with in_cluster(cluster_a):
            plan = f.big_roadmap(cluster_a, size, today=today)
            # the user is an executor of every fifth item, by account
            for item in Item.objects.filter(roadmap=plan, position__in=range(1, size + 1, 5)):
                item.executors.create(position=9, name=user.full_name, kind="person", user=user)
            assert Item.objects.filter(roadmap=plan).filter(tracking.overdue_q(today)).exists()
        urls = [
            (client, reverse("roadmap:progress", args=[plan.pk]), 12),
            (client, reverse("roadmap:timeline", args=[plan.pk]), 12),
            (client, reverse("roadmap:my_items"), 10),
            (api, f"/api/v1/roadmaps/{plan.pk}/progress/", 10),
            (api, "/api/v1/roadmap-items/mine/?page_size=100", 10),
        ]
        for who, url, limit in urls:
            with django_assert_max_num_queries(limit), CaptureQueriesContext(connection) as queries:
                response = who.get(url)
            assert response.status_code == 200, url
            counts.setdefault(url.replace(f"/{plan.pk}/", "/<pk>/"), []).append(len(queries))
        text = _text(client.get(reverse("roadmap:timeline", args=[plan.pk])))
        assert f"Мероприятие {min(size, 100)} " in text  # a page of the timeline holds up to 100 items
    for url, (small, big) in counts.items():
        assert small == big, (url, counts)


def test_my_items_sort_by_header_fall_back_and_pages(
    tracked: dict[str, Any], cluster_a: Cluster, in_cluster: InCluster
) -> None:
    staff, items, plan = tracked["staff"], tracked["items"], tracked["plan"]
    with in_cluster(cluster_a):
        CommitteeMember.objects.create(committee=tracked["quality"], user=staff, person_name=staff.full_name)
    page = signed_in(staff, cluster_a)
    url = reverse("roadmap:my_items")
    by_title = _html(page.get(url + "?sort=title"))
    titles = [items[k].title for k in ("late", "soon", "done")]
    assert sorted(titles, key=by_title.index) == ["Мини-конференция", "Отчёт комитета по качеству", titles[1]]
    assert 'aria-sort="ascending"' in by_title and "?sort=-title" in by_title
    latest_first = _html(page.get(url + "?sort=-deadline"))
    assert sorted(titles, key=latest_first.index) == [titles[1], titles[0], "Мини-конференция"]
    assert 'aria-sort="descending"' in latest_first
    # an unknown key is the default order (overdue first), with no header marked
    junk = _html(page.get(url + "?sort=drop_table"))
    assert sorted(titles, key=junk.index) == [titles[0], "Мини-конференция", titles[1]]
    assert "aria-sort" not in junk
    # the sort survives a filter: the filter bar carries it, the header links carry the filter
    filtered = _html(page.get(url + "?sort=-deadline&status=open"))
    assert 'name="sort" value="-deadline"' in filtered and 'href="?sort=title&amp;status=open"' in filtered
    assert "Мини-конференция" not in filtered
    nothing = _text(page.get(url + "?q=несуществующее"))
    assert "Ничего не найдено. Сбросить фильтры" in nothing
    # 30 more items of the user's: two pages of 25
    with in_cluster(cluster_a):
        section = f.section(plan, "Ещё раздел")
        for n in range(30):
            f.item(plan, section, title=f"Задача {n:02d}", executors=[f.person(staff, "Петров П.П.")])
    first = _text(page.get(url + "?sort=title&q=Задача"))
    assert "Найдено мероприятий: 30" in first and "Страница 1 из 2" in first
    assert "Задача 00" in first and "Задача 24" in first and "Задача 25" not in first
    second = _text(page.get(url + "?sort=title&q=Задача&page=2"))
    assert "Задача 25" in second and "Задача 29" in second and "Задача 24" not in second
