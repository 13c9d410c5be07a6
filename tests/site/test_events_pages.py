"""Event pages: public list and calendar, the event page, staff forms, registration by representatives."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django_tenants.utils import schema_context
from pytest_django import DjangoAssertNumQueries

from core.audit.models import AuditEntry
from core.clock import cluster_today
from tenants.events.models import Event, Participation
from tenants.members.models import Company
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in
from tests.site.conftest import moscow_today

pytestmark = pytest.mark.django_db

FUTURE = moscow_today() + dt.timedelta(days=60)


def test_anonymous_visitors_see_public_events_only(
    cluster_a: Cluster, cluster_b: Cluster, make_event: Callable[..., Event]
) -> None:
    public = make_event(cluster_a, "Открытый форум", FUTURE)
    private = make_event(cluster_a, "Закрытое совещание", FUTURE, is_public=False)
    make_event(cluster_b, "Форум Беты", FUTURE)
    anonymous = client_for(cluster_a)
    listing = anonymous.get("/site/events/").content.decode()
    assert "Открытый форум" in listing and "Закрытое совещание" not in listing and "Форум Беты" not in listing
    assert anonymous.get(f"/site/events/{public.pk}/").status_code == 200
    assert anonymous.get(f"/site/events/{private.pk}/").status_code == 404
    assert anonymous.get(f"/site/events/{public.pk + 1000}/").status_code == 404
    assert client_for(None).get("/site/events/").status_code == 404  # no public site on the platform host


def test_members_of_the_cluster_see_private_events_too(
    cluster_a: Cluster, make_user: MakeUser, make_event: Callable[..., Event]
) -> None:
    make_event(cluster_a, "Закрытое совещание", FUTURE, is_public=False)
    page = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a).get("/site/events/")
    assert "Закрытое совещание" in page.content.decode() and "не на сайте" in page.content.decode()


def test_guessing_an_event_id_of_another_cluster_is_404(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, make_event: Callable[..., Event]
) -> None:
    own = make_event(cluster_a, "Своё", FUTURE)
    foreign = make_event(cluster_b, "Чужое", FUTURE)
    if foreign.pk == own.pk:  # schemas count ids separately: guess an id only beta has
        foreign = make_event(cluster_b, "Чужое 2", FUTURE)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    assert admin.get(f"/site/events/{foreign.pk}/").status_code == 404
    assert admin.post(f"/site/events/{foreign.pk}/delete/").status_code == 404
    assert admin.post(f"/site/events/{foreign.pk}/participants/", {"role": "own_stand"}).status_code == 404
    assert admin.get(f"/site/events/{own.pk + 1000}/edit/").status_code == 404


def test_calendar_shows_a_month_grid_with_multi_day_events_and_today(
    cluster_a: Cluster,
    make_event: Callable[..., Event],
) -> None:
    today = cluster_today(cluster_a)
    month = f"{today:%Y-%m}"
    first = today.replace(day=1)
    make_event(cluster_a, "Трёхдневная выставка", first + dt.timedelta(days=9), first + dt.timedelta(days=11))
    make_event(cluster_a, "Не на сайте", first + dt.timedelta(days=9), is_public=False)
    html = client_for(cluster_a).get(f"/site/events/calendar/?month={month}").content.decode()
    cells = dict(re.findall(r'data-date="(\d{4}-\d\d-\d\d)">(.*?)</td>', html, flags=re.S))
    spanned = [first + dt.timedelta(days=d) for d in (9, 10, 11)]
    assert all("Трёхдневная выставка" in cells[f"{d:%Y-%m-%d}"] for d in spanned)
    assert "Трёхдневная выставка" not in cells[f"{first + dt.timedelta(days=12):%Y-%m-%d}"]
    assert "Не на сайте" not in html
    assert re.search(rf'class=" today" aria-current="date" data-date="{today:%Y-%m-%d}"', html)
    assert len(cells) % 7 == 0 and html.count("<tr>") == len(cells) // 7 + 1
    previous = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    following = (first + dt.timedelta(days=32)).strftime("%Y-%m")
    assert f'href="?month={previous}"' in html and f'href="?month={following}"' in html


def test_calendar_of_another_month_and_garbage_months(
    cluster_a: Cluster, make_event: Callable[..., Event]
) -> None:
    make_event(cluster_a, "Форум 2031", dt.date(2031, 2, 27), dt.date(2031, 3, 2))
    anonymous = client_for(cluster_a)
    february = anonymous.get("/site/events/calendar/?month=2031-02").content.decode()
    assert "Февраль 2031" in february and "Форум 2031" in february
    assert 'aria-current="date"' not in february
    # the event runs into March: the grid's trailing days (1 and 2 March) show it too
    assert february.count("Форум 2031</a>") == 4
    assert 'href="?month=2031-01"' in february and 'href="?month=2031-03"' in february
    for garbage in ("абв", "2031-13", "0-1", "99999-01"):
        assert anonymous.get(f"/site/events/calendar/?month={garbage}").status_code == 200


def test_staff_create_and_edit_an_event_through_the_pages(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    client = signed_in(staff, cluster_a)
    form = {
        "kind": "forum",
        "title": "Форум «Медицинская техника»",
        "starts_on": str(FUTURE),
        "ends_on": str(FUTURE - dt.timedelta(days=1)),
        "place": "Уфа",
        "is_public": "on",
    }
    refused = client.post("/site/events/new/", form)
    assert refused.status_code == 200
    assert "Дата окончания не может быть раньше даты начала." in refused.content.decode()
    with schema_context(cluster_a.schema_name):
        assert not Event.objects.exists()
    form["ends_on"] = str(FUTURE + dt.timedelta(days=2))
    created = client.post("/site/events/new/", form, follow=True)
    assert "Мероприятие «Форум «Медицинская техника»» добавлено." in created.content.decode()
    with schema_context(cluster_a.schema_name):
        event = Event.objects.get()
    edit = client.get(f"/site/events/{event.pk}/edit/").content.decode()
    assert f'value="{FUTURE:%Y-%m-%d}"' in edit
    client.post(f"/site/events/{event.pk}/edit/", {**form, "place": "Москва", "ends_on": ""})
    with schema_context(cluster_a.schema_name):
        event.refresh_from_db()
    assert (event.place, event.ends_on) == ("Москва", FUTURE)  # a one-day event
    assert list(
        AuditEntry.objects.filter(cluster=cluster_a, object_type="events.event")
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["event.create", "event.update"]


def test_representatives_and_anonymous_cannot_manage_events(
    cluster_a: Cluster, make_user: MakeUser, make_event: Callable[..., Event]
) -> None:
    event = make_event(cluster_a, "Выставка", FUTURE)
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    assert rep.get("/site/events/new/").status_code == 403
    assert (
        rep.post("/site/events/new/", {"title": "x", "starts_on": str(FUTURE), "kind": "forum"}).status_code
        == 403
    )
    assert rep.get(f"/site/events/{event.pk}/edit/").status_code == 403
    assert rep.post(f"/site/events/{event.pk}/delete/").status_code == 403
    anonymous = client_for(cluster_a)
    assert anonymous.get("/site/events/new/")["Location"].startswith("/login/?next=/site/events/new/")
    assert anonymous.post(f"/site/events/{event.pk}/delete/").status_code == 302
    assert anonymous.post(f"/site/events/{event.pk}/participants/", {"role": "own_stand"}).status_code == 302
    with schema_context(cluster_a.schema_name):
        assert Event.objects.filter(pk=event.pk).exists() and not Participation.objects.exists()


def test_delete_needs_post_and_asks_for_confirmation(
    cluster_a: Cluster, make_user: MakeUser, make_event: Callable[..., Event]
) -> None:
    event = make_event(cluster_a, "Выставка", FUTURE)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    page = admin.get(f"/site/events/{event.pk}/").content.decode()
    assert "data-confirm=" in page and "Удалить мероприятие?" in page
    assert admin.get(f"/site/events/{event.pk}/delete/").status_code == 405
    assert admin.post(f"/site/events/{event.pk}/delete/").status_code == 302
    with schema_context(cluster_a.schema_name):
        assert not Event.objects.exists()


def test_representative_registers_its_company_on_the_event_page(
    cluster_a: Cluster,
    make_user: MakeUser,
    make_company: Callable[..., Company],
    make_event: Callable[..., Event],
) -> None:
    own = make_company(cluster_a, "Медтехника")
    other = make_company(cluster_a, "Соседи")
    event = make_event(cluster_a, "Выставка «Здравоохранение»", FUTURE, has_joint_stand=True)
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=own.pk), cluster_a)
    page = rep.get(f"/site/events/{event.pk}/").content.decode()
    assert "Зарегистрировать мою организацию" in page and 'name="company"' not in page
    done = rep.post(
        f"/site/events/{event.pk}/participants/", {"role": "joint_stand", "note": "2 человека"}, follow=True
    ).content.decode()
    assert "Участие зарегистрировано." in done and "на совместном стенде" in done and "Медтехника" in done

    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    staff_page = staff.get(f"/site/events/{event.pk}/").content.decode()
    assert 'name="company"' in staff_page
    staff.post(f"/site/events/{event.pk}/participants/", {"company": other.pk, "role": "own_stand"})
    # the representative cannot take another company off the event
    denied = rep.post(f"/site/events/{event.pk}/participants/{other.pk}/withdraw/")
    assert denied.status_code == 403
    assert "только свою организацию" in denied.content.decode()
    assert rep.get(f"/site/events/{event.pk}/participants/{own.pk}/withdraw/").status_code == 405
    rep.post(f"/site/events/{event.pk}/participants/{own.pk}/withdraw/")
    with schema_context(cluster_a.schema_name):
        assert list(Participation.objects.values_list("company__short_name", flat=True)) == ["Соседи"]


def test_registration_errors_show_on_the_page(
    cluster_a: Cluster,
    make_user: MakeUser,
    make_company: Callable[..., Company],
    make_event: Callable[..., Event],
) -> None:
    own = make_company(cluster_a, "Медтехника")
    event = make_event(cluster_a, "Конференция", FUTURE)
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=own.pk), cluster_a)
    page = rep.get(f"/site/events/{event.pk}/").content.decode()
    assert "отдельный стенд" in page and "на совместном стенде" not in page  # no joint stand here
    response = rep.post(f"/site/events/{event.pk}/participants/", {"role": "joint_stand"})
    assert response.status_code == 400
    assert "Выберите корректный вариант." in response.content.decode()
    with schema_context(cluster_a.schema_name):
        Event.objects.filter(pk=event.pk).update(
            ends_on=moscow_today() - dt.timedelta(days=1), starts_on=moscow_today() - dt.timedelta(days=1)
        )
    closed = rep.get(f"/site/events/{event.pk}/").content.decode()
    assert "Зарегистрировать мою организацию" not in closed and "прошло" in closed
    with schema_context(cluster_a.schema_name):
        assert not Participation.objects.exists()


def test_public_event_page_lists_current_members_only(
    cluster_a: Cluster,
    make_user: MakeUser,
    make_company: Callable[..., Company],
    make_event: Callable[..., Event],
) -> None:
    member = make_company(cluster_a, "Действующий")
    gone = make_company(cluster_a, "Бывший")
    event = make_event(cluster_a, "Форум", FUTURE)
    with schema_context(cluster_a.schema_name):
        Participation.objects.create(event=event, company=member)
        Participation.objects.create(event=event, company=gone)
        Company.objects.filter(pk=gone.pk).update(status=Company.Status.EXPELLED)
    html = client_for(cluster_a).get(f"/site/events/{event.pk}/").content.decode()
    assert "Действующий" in html and "Бывший" not in html and "Зарегистрировать" not in html


@pytest.mark.parametrize("url", ["/site/events/", "/site/events/calendar/"])
def test_event_pages_issue_a_bounded_number_of_queries(
    url: str,
    cluster_a: Cluster,
    make_user: MakeUser,
    make_event: Callable[..., Event],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    first = cluster_today(cluster_a).replace(day=1)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)

    def add(count: int, offset: int) -> None:
        for i in range(offset, offset + count):
            make_event(
                cluster_a,
                f"Событие {i:02d}",
                first + dt.timedelta(days=i % 25),
                first + dt.timedelta(days=i % 25 + 2),
            )

    add(3, 0)
    with django_assert_max_num_queries(12):
        small = staff.get(url)
    add(27, 3)
    with django_assert_max_num_queries(12):
        large = staff.get(url)
    assert small.status_code == large.status_code == 200
    assert "Событие 02" in small.content.decode() and "Событие 19" in large.content.decode()


def test_site_pages_switch_to_english(
    cluster_a: Cluster, make_event: Callable[..., Event], make_company: Callable[..., Company]
) -> None:
    make_event(cluster_a, "Форум", FUTURE, kind="forum")
    make_company(cluster_a, "Медтехника", public_fields=["region_code"], region_code="RU-MOS")
    client = client_for(cluster_a)
    client.cookies["django_language"] = "en"
    events = client.get("/site/events/").content.decode()
    assert "<h1>Events</h1>" in events and "Forum" in events and "Мероприятия" not in events
    calendar = client.get("/site/events/calendar/").content.decode()
    assert "Events calendar" in calendar and ">Mon</th>" in calendar and "Next month" in calendar
    directory = client.get("/site/members/").content.decode()
    assert "<h1>Cluster members</h1>" in directory and "Organizations found: 1" in directory
    assert client.get("/static/frontend/site/site.css").status_code == 200
