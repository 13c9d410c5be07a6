"""The layout's pattern pieces: grouped navigation and breadcrumbs, error pages inside the layout
(403/404/500, Russian and English, 500 without the database), sortable headers from an
allow-list, money cells, select placeholders, destructive member actions collapsed."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.db import connections
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.views.defaults import server_error

from core.audit.services import Actor
from core.ru.identifiers import inn_with_check_digits
from frontend.tables import sorting
from tenants.members import services as members
from tenants.members.models import Company
from tenants.models import Cluster
from tests.conftest import ROLE, InCluster, MakeUser, client_for, signed_in


def test_navigation_is_grouped_by_area_with_a_menu_button(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    html = admin.get("/members/").content.decode()
    assert '<details class="menu"' in html and "<summary>Меню</summary>" in html
    groups = re.findall(r'<details class="drop">\s*<summary>([^<]+)</summary>', html)
    assert groups == ["Участники", "Управление", "Дорожная карта", "Сайт", "Отчёты"]
    # «Взносы» has one link for a manager: a plain link, not a menu
    assert re.search(r'<li class="group"><a href="/fees/">Взносы</a>', html)
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', html, re.S)
    assert crumbs is not None
    assert "Главная" in crumbs.group() and "Участники" in crumbs.group()
    assert 'aria-current="page">Участники</span>' in crumbs.group()


def test_member_navigation_has_no_manager_links(cluster_a: Cluster, make_user: MakeUser) -> None:
    member = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    html = member.get("/").content.decode()
    for manager_only in ('href="/members/"', 'href="/news/"', 'href="/audit/"', 'href="/fees/"'):
        assert manager_only not in html


@pytest.mark.parametrize(
    ("language", "title", "back"),
    [("ru", "Страница не найдена", "На главную"), ("en", "Page not found", "Home page")],
)
def test_404_is_inside_the_layout_in_both_languages(
    cluster_a: Cluster, make_user: MakeUser, language: str, title: str, back: str
) -> None:
    client = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    client.cookies["django_language"] = language
    for path in ("/no-such-page/", "/members/999999/"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        html = response.content.decode()
        assert response.status_code == 404
        assert title in html and back in html
        assert '<header class="top">' in html and 'href="/members/"' in html  # the host's navigation


def test_404_on_the_platform_host_and_403_inside_the_layout(cluster_a: Cluster, make_user: MakeUser) -> None:
    response = client_for(None).get("/no-such-page/")
    assert response.status_code == 404 and "Страница не найдена" in response.content.decode()
    assert '<header class="top">' in response.content.decode()
    member = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    denied = member.get("/members/")
    html = denied.content.decode()
    assert denied.status_code == 403
    assert "Доступ запрещён" in html and '<header class="top">' in html and "На главную" in html


def test_api_404_stays_json(cluster_a: Cluster) -> None:
    response = client_for(cluster_a).get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_500_page_renders_without_the_database(cluster_a: Cluster) -> None:
    request = RequestFactory().get("/", HTTP_HOST="alpha.localhost")
    with CaptureQueriesContext(connections["default"]) as queries:
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert len(queries) == 0
    assert "Ошибка на сервере" in html and "На главную" in html and '<header class="top">' in html


@pytest.mark.parametrize(
    ("query", "key", "descending", "order_by"),
    [
        ("", "name", False, ("short_name", "id")),
        ("?sort=-name", "name", True, ("-short_name", "-id")),
        ("?sort=inn", "inn", False, ("inn", "id")),
        ("?sort=password", "name", False, ("short_name", "id")),  # not allowed: the default
        ("?sort=--inn", "inn", True, ("-inn", "-id")),
    ],
)
def test_sorting_keeps_to_the_allow_list(
    query: str, key: str, descending: bool, order_by: tuple[str, ...]
) -> None:
    columns = {"name": ("short_name", "id"), "inn": ("inn", "id")}
    sort = sorting(RequestFactory().get("/" + query), columns, "name")
    assert (sort.key, sort.descending, sort.order_by) == (key, descending, order_by)


def test_sort_header_links_flip_and_keep_filters() -> None:
    request = RequestFactory().get("/members/?q=мед&sort=name&page=3")
    sort = sorting(request, {"name": ("short_name",), "inn": ("inn",)}, "name")
    html = Template(
        '{% load ui %}{% sort_header sort "name" "Организация" %}{% sort_header sort "inn" "ИНН" %}'
    ).render(Context({"request": request, "sort": sort}))
    assert 'aria-sort="ascending"' in html and "sort=-name" in html and "q=%D0%BC%D0%B5%D0%B4" in html
    assert "page=" not in html
    link = '"?q=%D0%BC%D0%B5%D0%B4&amp;sort=inn"'
    assert f"href={link} hx-get={link} " in html and ">ИНН</a>" in html
    # with htmx the link swaps the page's <main> in place and pushes its URL
    assert 'hx-target="#main" hx-select="#main" hx-swap="outerHTML" hx-push-url="true"' in html


def test_money_never_wraps() -> None:
    html = Template("{% load ui %}{{ 12000000|money }}|{% money_cell 5 %}").render(Context({}))
    assert html == '<span class="money">120\u00a0000,00\u00a0₽</span>|<td class="money">0,05\u00a0₽</td>'


def test_select_placeholder_replaces_dashes() -> None:
    class F(forms.Form):
        kind = forms.ChoiceField(choices=[("", "---------"), ("a", "A")], required=False)

    html = Template('{% include "frontend/fields.html" %}').render(Context({"form": F()}))
    assert "---------" not in html and "— выберите —" in html
    assert "data-search" not in html  # two options: no search box


def test_long_selects_get_a_search_box() -> None:
    class F(forms.Form):
        regions = forms.MultipleChoiceField(
            label="Регионы", choices=[(f"R{n}", f"Регион {n}") for n in range(85)]
        )

    html = Template('{% include "frontend/fields.html" %}').render(Context({"form": F()}))
    assert 'data-search="Найти в списке: Регионы"' in html


def test_member_list_sorts_by_header_and_shows_region_names(
    cluster_a: Cluster, make_user: MakeUser, in_cluster: InCluster
) -> None:
    admin_user = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    with in_cluster(cluster_a):
        actor = Actor(user=admin_user)
        for n, name in enumerate(("Бета", "Альфа")):
            members.company_create(
                actor=actor,
                short_name=name,
                full_name=f"ООО «{name}»",
                inn=inn_with_check_digits(f"50{n:07d}"),
                region_code="RU-MOS",
            )
    admin = signed_in(admin_user, cluster_a)
    html = admin.get("/members/?sort=-name").content.decode()
    assert html.index(">Бета<") < html.index(">Альфа<")
    assert 'aria-sort="descending"' in html and "Московская область" in html
    assert re.search(r"<caption>[^<]*2</caption>", html)
    by_region_name = admin.get("/members/", {"region": "Московская область"}).content.decode()
    assert ">Альфа<" in by_region_name


def test_member_card_keeps_destructive_actions_closed(
    cluster_a: Cluster, make_user: MakeUser, in_cluster: InCluster
) -> None:
    admin_user = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    with in_cluster(cluster_a):
        company = members.company_create(
            actor=Actor(user=admin_user),
            short_name="Гамма",
            full_name="ООО «Гамма»",
            inn=inn_with_check_digits("500000042"),
        )
        Company.objects.filter(pk=company.pk).update(status=Company.Status.ACTIVE)
    html = signed_in(admin_user, cluster_a).get(f"/members/{company.pk}/").content.decode()
    closed = re.findall(r'<details class="confirm-action"( open)?><summary>([^<]+)</summary>', html)
    assert closed and all(opened == "" for opened, _label in closed)
    assert len(closed) >= 2
