"""The selection lists on the one list pattern (frontend.tables.list_controls): a call's
applications (ministry) and «Мои экспертизы» (an expert): a header sorts and flips, a filter
narrows, pages page, a filter that finds nothing says so, and nobody sees another's rows."""

from __future__ import annotations

from typing import Any

import pytest

from core.accounts.models import User
from core.selection import services
from core.selection.models import Application, Assignment, Call
from frontend.selection import views
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in

from .conftest import SYSTEM, open_call, reviewed, submitted

pytestmark = pytest.mark.django_db


def _order(html: str, *names: str) -> list[str]:
    missing = [n for n in names if n not in html]
    assert not missing, missing
    return sorted(names, key=html.index)


def _assigned(application: Application, expert: User) -> Assignment:
    call = application.call
    if not call.experts.filter(expert=expert).exists():
        services.expert_grant(call=call, expert=expert, actor=SYSTEM)
    return services.assignment_create(application=application, expert=expert, actor=SYSTEM)


def test_call_applications_sort_filter_and_page(
    call: Call, cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    alpha, beta = submitted(call, cluster_a), submitted(call, cluster_b)
    services.clarification_request(application=beta, text="Уточните команду", actor=SYSTEM)
    ministry = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    url = f"/selection/{call.pk}/"
    names = ("Кластер Альфа (тест)", "Кластер Бета (тест)")
    html = ministry.get(url).content.decode()
    assert "Найдено заявок: 2" in html and _order(html, *names) == list(names)
    flipped = ministry.get(url + "?sort=-cluster").content.decode()
    assert _order(flipped, *names) == list(reversed(names)) and 'aria-sort="descending"' in flipped
    by_state = ministry.get(url + "?status=clarification_requested").content.decode()
    assert "Найдено заявок: 1" in by_state and names[1] in by_state and names[0] not in by_state
    searched = ministry.get(url + "?q=Альфа").content.decode()
    assert "Найдено заявок: 1" in searched and f'id="application-{alpha.pk}"' in searched
    nothing = ministry.get(url + "?q=Гамма").content.decode()
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    second = ministry.get(url + "?page=2").content.decode()
    assert "Страница 2 из 2" in second and f'id="application-{beta.pk}"' in second
    assert f'id="application-{alpha.pk}"' not in second


def test_regional_ministry_sees_only_its_regions_applications(
    call: Call, cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    submitted(call, cluster_a), submitted(call, cluster_b)
    regional = signed_in(make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-MOS"]), None)
    html = regional.get(f"/selection/{call.pk}/?sort=-cluster").content.decode()
    assert (
        "Найдено заявок: 1" in html and "Кластер Альфа (тест)" in html and "Кластер Бета (тест)" not in html
    )


def test_my_reviews_waiting_first_sort_filter_page_and_only_mine(
    call: Call, cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_call = open_call(title="PROКЛАСТЕРЫ 2027", year=2027)
    expert = make_user(email="expert@example.test")
    reviewed(submitted(call, cluster_a), expert, 8, 6)  # done
    _assigned(submitted(call, cluster_b), expert)  # waiting
    _assigned(submitted(other_call, cluster_a), expert)  # waiting
    client = signed_in(expert, None)
    html = client.get("/selection/reviews/").content.decode()
    assert "Найдено заявок: 3" in html
    rows = html[html.index("<tbody>") :]
    assert rows.index("ждёт оценки") < rows.index("оценено ")  # waiting ones first
    by_call = client.get("/selection/reviews/?sort=-call").content.decode()
    body = by_call[by_call.index("<tbody>") :]
    assert body.index("PROКЛАСТЕРЫ 2027") < body.index("PROКЛАСТЕРЫ 2026")
    waiting = client.get("/selection/reviews/?state=waiting").content.decode()
    assert "Найдено заявок: 2" in waiting and "оценено " not in waiting
    assert "Найдено заявок: 1" in client.get("/selection/reviews/?state=done").content.decode()
    found = client.get("/selection/reviews/?q=Бета").content.decode()
    assert "Найдено заявок: 1" in found and "Кластер Бета (тест)" in found
    assert "Ничего не найдено." in client.get("/selection/reviews/?q=Гамма").content.decode()
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    assert "Страница 2 из 2" in client.get("/selection/reviews/?page=2").content.decode()
    # another expert, and an account that is no expert, see none of these
    stranger = signed_in(make_user(email="other@example.test"), None)
    empty = stranger.get("/selection/reviews/").content.decode()
    assert "Вам пока не назначены заявки на экспертизу." in empty and "Кластер Альфа (тест)" not in empty
    assert "Кластер Бета (тест)" not in stranger.get("/selection/reviews/?q=Бета").content.decode()
    anonymous = client_for(None).get("/selection/reviews/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_selection_lists_read_a_page_in_fixed_queries(
    call: Call,
    cluster_a: Cluster,
    cluster_b: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: Any,
) -> None:
    expert = make_user(email="expert@example.test")
    ministry = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    reviewer = signed_in(expert, None)
    _assigned(submitted(call, cluster_a), expert)
    urls = (
        (ministry, f"/selection/{call.pk}/?sort=-submitted"),
        (reviewer, "/selection/reviews/?sort=cluster"),
    )
    counts = {}
    for client, url in urls:
        with django_assert_max_num_queries(40) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    _assigned(submitted(call, cluster_b), expert)
    _assigned(submitted(open_call(title="Второй отбор", year=2027), cluster_a), expert)
    for (client, url), rows in zip(urls, (2, 3), strict=True):
        with django_assert_max_num_queries(counts[url]):
            html = client.get(url).content.decode()
        assert f"Найдено заявок: {rows}" in html
