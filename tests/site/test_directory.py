"""Public members directory and product catalogue: members only, opted-in fields only, one cluster only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from tenants.events.models import Event
from tenants.members.models import Company, Product
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, token_for

pytestmark = pytest.mark.django_db

SECRET_FIELDS = {
    "inn": "7707083893",
    "address": "г. Дубна, ул. Секретная, 1",
    "website": "https://secret.example",
    "description": "Скрытое описание",
    "services": "Скрытые услуги",
    "okved_codes": ["32.50"],
    "region_code": "RU-MOS",
}


def test_directory_lists_admitted_and_active_members_only(
    cluster_a: Cluster, cluster_b: Cluster, make_company: Callable[..., Company]
) -> None:
    make_company(cluster_a, "Действующий участник")
    make_company(cluster_a, "Принятый участник", status=Company.Status.ADMITTED)
    for status in ("interested", "applied", "suspended", "withdrawn", "expelled"):
        make_company(cluster_a, f"Статус {status}", status=status)
    make_company(cluster_b, "Участник Беты")
    html = client_for(cluster_a).get("/site/members/").content.decode()
    assert "Действующий участник" in html and "Принятый участник" in html
    assert "Статус" not in html and "Участник Беты" not in html
    assert "Найдено организаций: 2" in html


def test_only_the_fields_a_company_opted_to_publish_are_shown(
    cluster_a: Cluster, make_company: Callable[..., Company]
) -> None:
    open_company = make_company(
        cluster_a,
        "Открытая",
        public_fields=["website", "region_code", "description"],
        **SECRET_FIELDS,
        is_demo=True,
        kpp="770701001",
    )
    closed = make_company(cluster_a, "Закрытая", **{**SECRET_FIELDS, "inn": "5024002119"})
    anonymous = client_for(cluster_a)
    page = anonymous.get(f"/site/members/{open_company.pk}/").content.decode()
    assert "https://secret.example" in page and "Московская область" in page and "Скрытое описание" in page
    for hidden in ("7707083893", "Секретная", "Скрытые услуги", "32.50", "770701001", "демо", "Демо"):
        assert hidden not in page
    closed_page = anonymous.get(f"/site/members/{closed.pk}/").content.decode()
    assert "Закрытая" in closed_page
    for hidden in ("5024002119", "secret.example", "Секретная", "Скрытое описание", "Московская область"):
        assert hidden not in closed_page
    listing = anonymous.get("/site/members/").content.decode()
    assert (
        "https://secret.example" in listing
        and "5024002119" not in listing
        and "Скрытые услуги" not in listing
    )

    api = anonymous.get("/api/v1/public/directory/")
    assert api.status_code == 200
    rows = {row["name"]: row for row in api.json()["results"]}
    assert [f["name"] for f in rows["Открытая"]["published"]] == ["website", "region_code", "description"]
    assert rows["Открытая"]["published"][1] == {
        "name": "region_code",
        "label": "Регион",
        "value": "RU-MOS",
        "display": "Московская область",
    }
    assert rows["Закрытая"]["published"] == []
    assert "7707083893" not in api.content.decode() and "is_demo" not in api.content.decode()
    assert set(rows["Закрытая"]) == {"id", "name", "full_name", "kind", "kind_display", "published"}


def test_unknown_names_in_public_fields_are_ignored(
    cluster_a: Cluster, make_company: Callable[..., Company]
) -> None:
    company = make_company(
        cluster_a,
        "Хитрая",
        public_fields=["kpp", "is_demo", "status", "inn"],
        kpp="770701001",
        inn="7707083893",
    )
    page = client_for(cluster_a).get(f"/site/members/{company.pk}/").content.decode()
    assert "7707083893" in page and "770701001" not in page


def test_company_pages_of_non_members_and_other_clusters_are_404(
    cluster_a: Cluster,
    cluster_b: Cluster,
    make_company: Callable[..., Company],
) -> None:
    own = make_company(cluster_a, "Своя")
    applicant = make_company(cluster_a, "Заявитель", status=Company.Status.APPLIED)
    foreign = make_company(cluster_b, "Чужая")
    if foreign.pk in {own.pk, applicant.pk}:  # schemas count ids separately: guess an id only beta has
        foreign = make_company(cluster_b, "Чужая 2")
        foreign = make_company(cluster_b, "Чужая 3") if foreign.pk in {own.pk, applicant.pk} else foreign
    anonymous = client_for(cluster_a)
    assert anonymous.get(f"/site/members/{own.pk}/").status_code == 200
    for pk in (applicant.pk, foreign.pk, own.pk + 1000):
        assert anonymous.get(f"/site/members/{pk}/").status_code == 404
        assert anonymous.get(f"/api/v1/public/directory/{pk}/").status_code == 404
    assert anonymous.get("/api/v1/public/directory/abc/").status_code == 404
    assert client_for(None).get("/site/members/").status_code == 404
    assert client_for(None).get("/api/v1/public/directory/").status_code == 404


def test_directory_search_and_kind_filter(cluster_a: Cluster, make_company: Callable[..., Company]) -> None:
    make_company(cluster_a, "Медтехника")
    make_company(cluster_a, "Университет «Дубна»", kind=Company.Kind.UNIVERSITY)
    make_company(cluster_a, "Фонд развития", kind=Company.Kind.FUND)
    anonymous = client_for(cluster_a)
    found = anonymous.get("/site/members/?q=медтех").content.decode()
    assert "Медтехника" in found and "Фонд развития" not in found
    universities = anonymous.get("/site/members/?kind=university").content.decode()
    assert "Университет «Дубна»" in universities and "Медтехника" not in universities
    api = anonymous.get("/api/v1/public/directory/?kind=fund").json()
    assert [c["name"] for c in api["results"]] == ["Фонд развития"]
    assert anonymous.get("/api/v1/public/directory/?search=дубна").json()["count"] == 1
    # filtering on an unpublished field is not possible
    assert anonymous.get("/api/v1/public/directory/?inn=7707083893").json()["count"] == 3


def test_the_public_api_is_read_only(
    cluster_a: Cluster, make_user: MakeUser, make_company: Callable[..., Company]
) -> None:
    company = make_company(cluster_a, "Медтехника")
    anonymous = client_for(cluster_a)
    assert anonymous.post("/api/v1/public/directory/", {"short_name": "x"}).status_code == 405
    assert (
        anonymous.patch(
            f"/api/v1/public/directory/{company.pk}/", {"short_name": "x"}, content_type="application/json"
        ).status_code
        == 405
    )
    assert anonymous.delete(f"/api/v1/public/directory/{company.pk}/").status_code == 405
    assert anonymous.post("/api/v1/public/products/", {}).status_code == 405
    admin = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    assert admin.delete(f"/api/v1/public/directory/{company.pk}/").status_code == 405
    # a bad token does not matter on the anonymous API
    assert (
        Client(HTTP_HOST="alpha.localhost", HTTP_AUTHORIZATION="Token nope")
        .get("/api/v1/public/directory/")
        .status_code
        == 200
    )


def test_product_catalogue_shows_published_products_of_members(
    cluster_a: Cluster,
    cluster_b: Cluster,
    make_company: Callable[..., Company],
    make_product: Callable[..., Product],
) -> None:
    member = make_company(cluster_a, "Медтехника")
    applicant = make_company(cluster_a, "Заявитель", status=Company.Status.APPLIED)
    make_product(
        cluster_a,
        member,
        "Аппарат УВЧ-терапии",
        registration_number="РЗН 2024/23835",
        in_innovation_registry=True,
    )
    make_product(cluster_a, member, "Стерилизатор", kind=Product.Kind.EQUIPMENT)
    make_product(cluster_a, member, "Секретный прототип", is_published=False)
    make_product(cluster_a, applicant, "Продукт заявителя")
    make_product(cluster_b, make_company(cluster_b, "Бета"), "Продукт Беты")
    anonymous = client_for(cluster_a)
    html = anonymous.get("/site/products/").content.decode()
    assert "Аппарат УВЧ-терапии" in html and "РЗН 2024/23835" in html and "Стерилизатор" in html
    for hidden in ("Секретный прототип", "Продукт заявителя", "Продукт Беты"):
        assert hidden not in html
    innovative = anonymous.get("/site/products/?innovative=1").content.decode()
    assert "Аппарат УВЧ-терапии" in innovative and "Стерилизатор" not in innovative
    equipment = anonymous.get("/site/products/?kind=equipment").content.decode()
    assert "Стерилизатор" in equipment and "Аппарат УВЧ" not in equipment
    assert "Стерилизатор" not in anonymous.get("/site/products/?q=23835").content.decode()
    api = anonymous.get("/api/v1/public/products/?in_innovation_registry=true").json()
    assert [(p["name"], p["company"]["name"]) for p in api["results"]] == [
        ("Аппарат УВЧ-терапии", "Медтехника")
    ]
    company_page = anonymous.get(f"/site/members/{member.pk}/").content.decode()
    assert "Стерилизатор" in company_page and "Секретный прототип" not in company_page


def test_public_events_api(
    cluster_a: Cluster, make_company: Callable[..., Company], make_event: Callable[..., Event]
) -> None:
    import datetime as dt

    from django_tenants.utils import schema_context

    from tenants.events.models import Participation

    member = make_company(cluster_a, "Медтехника")
    gone = make_company(cluster_a, "Бывший", status=Company.Status.WITHDRAWN)
    event = make_event(cluster_a, "Открытый форум", dt.date(2031, 5, 1))
    make_event(cluster_a, "Закрытое", dt.date(2031, 5, 1), is_public=False)
    with schema_context(cluster_a.schema_name):
        Participation.objects.create(event=event, company=member)
        Participation.objects.create(event=event, company=gone)
    results = client_for(cluster_a).get("/api/v1/public/events/").json()["results"]
    assert [(e["title"], [p["company_name"] for p in e["participants"]]) for e in results] == [
        ("Открытый форум", ["Медтехника"])
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/site/members/",
        "/site/products/",
        "/api/v1/public/directory/",
        "/api/v1/public/products/",
        "/api/v1/public/events/",
    ],
)
def test_public_lists_issue_a_bounded_number_of_queries(
    url: str,
    cluster_a: Cluster,
    make_company: Callable[..., Company],
    make_product: Callable[..., Product],
    make_event: Callable[..., Event],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    import datetime as dt

    def add(count: int, offset: int) -> None:
        for i in range(offset, offset + count):
            company = make_company(
                cluster_a,
                f"Компания {i:02d}",
                public_fields=["website", "region_code"],
                website=f"https://c{i}.example",
                region_code="RU-MOS",
            )
            make_product(cluster_a, company, f"Изделие {i:02d}")
            make_event(cluster_a, f"Событие {i:02d}", dt.date(2031, 1, 1) + dt.timedelta(days=i))

    anonymous = client_for(cluster_a)
    add(3, 0)
    with django_assert_max_num_queries(6):
        small = anonymous.get(url)
    add(27, 3)
    with django_assert_max_num_queries(6):
        large = anonymous.get(url)
    assert small.status_code == large.status_code == 200
    assert "02" in small.content.decode() and "19" in large.content.decode()


def test_a_website_is_linked_only_when_it_is_http(
    cluster_a: Cluster, make_company: Callable[..., Company]
) -> None:
    company = make_company(cluster_a, "Хитрая", public_fields=["website"], website="javascript:alert(1)")
    page = client_for(cluster_a).get(f"/site/members/{company.pk}/").content.decode()
    assert 'href="javascript' not in page and "javascript:alert(1)" in page
