"""Human text everywhere: the main pages of every area, for every role, over a cluster filled
with the demo's data (every kind of audit entry the services write), show no internal strings
(tests/ui/scan.py); the change log renders every entry; the formatter's rules one by one."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils.module_loading import import_string
from django_tenants.utils import schema_context

from core import display
from core.accounts.models import Grant, User
from core.audit.models import AuditEntry
from core.audit.services import Actor, audit_record
from tenants.members.models import Company
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in
from tests.ui.scan import internal_strings, visible_text

pytestmark = pytest.mark.django_db

NAV_LINK = re.compile(r'<nav class="nav"[^>]*>(.*?)</nav>', re.S)
HREF = re.compile(r'href="(/[^"#?]*)"')


@pytest.fixture
def demo_alpha(cluster_a: Cluster, make_user: MakeUser) -> dict[str, User]:
    """Alpha filled by the areas' demos (as `manage.py demo_setup` does), with one user per role."""
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    with schema_context(cluster_a.schema_name):
        for path in settings.CLUSTER_DEMOS:
            import_string(path)(cluster_a, tz="Europe/Moscow")
        company = Company.objects.filter(status=Company.Status.ACTIVE).order_by("id").first()
    assert company is not None
    for path in ("billing.demo.demo_payees", "tenants.reporting.demo.demo_annual_reports"):
        import_string(path)([cluster_a])
    return {
        "admin": admin,
        "staff": make_user(ROLE.CLUSTER_STAFF, cluster_a),
        "member": make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk),
        "ministry": make_user(ROLE.MINISTRY_FEDERAL),
        "platform": make_user(ROLE.PLATFORM_ADMIN),
    }


def _nav(html: str) -> list[str]:
    match = NAV_LINK.search(html)
    assert match, html[:500]
    return list(dict.fromkeys(HREF.findall(match.group(1))))


def _sweep(client: Client, start: list[str]) -> dict[str, list[str]]:
    """Each page of the navigation (and `start`), and each page the first level links to inside
    the same area: {path: internal strings found}."""
    findings: dict[str, list[str]] = {}
    seen: set[str] = set()
    queue = list(start)
    first = client.get(start[0])
    assert first.status_code == 200, start[0]
    queue += _nav(first.content.decode())
    roots = list(dict.fromkeys(queue))
    for path in roots:
        response = client.get(path)
        seen.add(path)
        assert response.status_code in (200, 302), (path, response.status_code)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        if found := internal_strings(html):
            findings[path] = found
        # one level down: the first few detail pages of the list (members, roadmaps, meetings, …)
        area = "/" + path.strip("/").split("/")[0] + "/" if path != "/" else None
        if area is None:
            continue
        children = [h for h in HREF.findall(html) if h.startswith(area) and h not in seen and h not in roots]
        for child in list(dict.fromkeys(children))[:6]:
            seen.add(child)
            sub = client.get(child)
            if sub.status_code == 200 and "text/html" in sub["Content-Type"]:
                if found := internal_strings(sub.content.decode()):
                    findings[child] = found
    return findings


def test_main_pages_of_every_role_show_no_internal_strings(
    demo_alpha: dict[str, User], cluster_a: Cluster
) -> None:
    findings = {}
    for role in ("admin", "staff", "member"):
        findings[role] = _sweep(signed_in(demo_alpha[role], cluster_a), ["/cabinet/", "/"])
    findings["anonymous"] = _sweep(client_for(cluster_a), ["/"])
    for role in ("platform", "ministry"):
        findings[role] = _sweep(signed_in(demo_alpha[role], None), ["/", "/cabinet/"])
    assert not any(findings.values()), findings


def test_change_log_shows_every_kind_of_entry_in_words(
    demo_alpha: dict[str, User], cluster_a: Cluster
) -> None:
    entries = AuditEntry.objects.filter(cluster=cluster_a)
    actions = set(entries.values_list("action", flat=True))
    # the demo writes the kinds of entries of every area, among them the roadmap import's
    # {"items": [None, n]} that once made the template call the dict's "items" key
    assert len(actions) > 30, sorted(actions)
    assert entries.filter(changes__has_key="items").exists()
    client = signed_in(demo_alpha["admin"], cluster_a)
    pages = -(-entries.count() // 50)
    for number in range(1, pages + 1):
        response = client.get(f"/audit/?page={number}")
        assert response.status_code == 200, number
        html = response.content.decode()
        leaks = internal_strings(html)
        assert not leaks, (number, leaks, re.findall(r".{200}" + leaks[0] + ".{40}", visible_text(html))[:1])
        assert "Действие</td>" not in html  # every action has its words
    text = visible_text(client.get("/audit/?q=&object_type=roadmap.roadmap").content.decode())
    assert "Импорт" in text and "Мероприятий: — →" in text


def test_entries_written_by_hand_with_odd_shapes_render(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    actor = Actor(user=admin, host="alpha.localhost", cluster=cluster_a)
    with schema_context(cluster_a.schema_name):
        company = Company.objects.create(full_name="ООО «Проба»", short_name="Проба", region_code="RU-MOS")
        for changes in (
            {"items": [None, 12]},
            {"items": {"nested": 1}, "keys": [1, 2, 3]},
            {"host": "alpha.localhost"},
            {"scores": {"3": "4.5"}},
            {"region_code": ["RU-MOS", "RU-NVS"], "public_fields": [[], ["region_code", "website"]]},
            {"status": ["applied", "admitted"], "status_changed_at": [None, "2023-03-16 09:00:00+00:00"]},
            {"quorum": [None, {"total": 10, "ballots": 7, "required": 6, "reached": True}]},
        ):
            audit_record(actor=actor, action="company.update", obj=company, changes=changes)
    html = signed_in(admin, cluster_a).get("/audit/").content.decode()
    text = visible_text(html)
    assert not internal_strings(html), internal_strings(html)
    assert "Мероприятий: — → 12" in text
    assert "Регион: Московская область → Новосибирская область" in text
    assert "Статус: Подал заявку → Принят общим собранием" in text
    assert "Статус изменён: — → 16.03.2023 12:00" in text  # Moscow time
    assert "Публикуемые поля: — → Регион, Сайт" in text
    assert "Организация № " in text and admin.full_name in text


# --- the formatter --------------------------------------------------------------------------


def test_money_regions_people_and_time_zones_in_words(make_user: MakeUser) -> None:
    assert display.money(12_000_000) == "120\u00a0000,00\u00a0₽"
    assert display.region("RU-NVS") == "Новосибирская область"
    assert display.regions(["RU-MOS", "RU-NVS"]) == "Московская область, Новосибирская область"
    at = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
    assert display.time_zone("Asia/Novosibirsk", at) == "Новосибирск (UTC+7)"
    assert display.time_zone("Europe/Moscow", at) == "Москва (UTC+3)"
    assert display.time_zone("Asia/Kolkata", at) == "Kolkata (UTC+5:30)"
    named = make_user()
    assert display.person(named) == named.full_name
    nameless = User(email="x@example.test", full_name="")
    assert display.person(nameless) == "x@example.test"
    assert display.person(None, "") == "система"


def test_audit_entry_in_words() -> None:
    entry = AuditEntry(
        id=1,
        action="billing.payment_succeeded",
        object_type="billing.payment",
        object_id="75",
        actor_email="who@example.test",
        changes={"status": ["pending", "succeeded"], "amount_kopecks": [None, 12_000_000]},
        at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    row = display.entry_row(entry)
    assert row.action == "Платёж проведён" and row.object_label == "Платёж № 75"
    assert row.who == "who@example.test"
    assert [(c.label, c.old, c.new) for c in row.changes] == [
        ("Статус", "Ожидает оплаты", "Проведён"),
        ("Сумма", "—", "120\u00a0000,00\u00a0₽"),
    ]


def test_the_api_keeps_raw_fields_and_adds_words(cluster_a: Cluster, make_user: MakeUser) -> None:
    from tests.conftest import api_client, token_for

    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    with schema_context(cluster_a.schema_name):
        company = Company.objects.create(full_name="ООО «Апи»", short_name="Апи", region_code="RU-MOS")
        audit_record(
            actor=Actor(user=admin, host="alpha.localhost", cluster=cluster_a),
            action="company.update",
            obj=company,
            changes={"status": ["applied", "admitted"], "items": [None, 3]},
        )
    row = api_client(token_for(admin, cluster_a), cluster_a).get("/api/v1/audit/").json()["results"][0]
    assert row["changes"] == {"status": ["applied", "admitted"], "items": [None, 3]}
    assert row["actor"] == admin.email and row["actor_name"] == admin.full_name
    assert row["action_display"] == "Изменение"
    assert row["object_display"] == f"Организация № {company.pk}"
    shown = {c["field"]: c for c in row["changes_display"]}  # jsonb keeps no key order
    assert shown["items"] == {"field": "items", "label": "Мероприятий", "old": "—", "new": "3"}
    assert shown["status"] == {
        "field": "status",
        "label": "Статус",
        "old": "Подал заявку",
        "new": "Принят общим собранием",
    }


def test_scan_finds_what_it_should() -> None:
    html = (
        "<html><head><title>t</title><script>var amount_kopecks = 1;</script></head><body>"
        "<p>billing.payment #75: amount_kopecks</p><td>RU-MOS</td><span>Europe/Moscow</span>"
        "<code>status_changed_at</code><a href='/x/?actual_result=1' title='actual_result'>ok</a>"
        "<p>members.company</p><p>user@example.test alpha.localhost Новосибирск (UTC+7)</p></body></html>"
    )
    assert internal_strings(html) == [
        "billing.payment #75",
        "members.company",
        "amount_kopecks",
        "RU-MOS",
        "Europe/Moscow",
    ]
    assert Grant.Role.CLUSTER_ADMIN  # the roles the sweep signs in with exist
