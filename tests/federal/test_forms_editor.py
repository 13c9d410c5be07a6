"""The report-form editor: platform admins copy a year's form, edit it and publish it without code
changes; a published form is frozen; nobody else gets in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from core.audit.services import Actor
from core.federal import services
from core.federal.compute import annual_report_compute
from core.federal.models import Indicator, ReportForm
from tenants.models import Cluster
from tests.conftest import ROLE, ClientResponse, MakeUser, client_for, signed_in

from . import factories as f

pytestmark = pytest.mark.django_db


def _html(response: ClientResponse) -> str:
    return response.content.decode()


def test_seeded_forms_of_2025_and_2026_are_published() -> None:
    forms = {form.year: form for form in ReportForm.objects.filter(status="published", year__in=[2025, 2026])}
    codes_2025 = set(forms[2025].indicators.values_list("code", flat=True))
    codes_2026 = set(forms[2026].indicators.values_list("code", flat=True))
    assert {
        "members_total",
        "revenue",
        "employees",
        "export",
        "roadmap_completion",
        "dues_collection",
        "support_received",
        "joint_projects",
    } <= codes_2025
    assert codes_2026 - codes_2025 == {"taxes_paid", "cluster_products_share"}


def test_platform_admin_copies_edits_and_publishes_next_years_form(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    root = signed_in(make_user(ROLE.PLATFORM_ADMIN), None)
    base = ReportForm.objects.get(year=2026, status="published")
    listing = _html(root.get("/platform/report-forms/"))
    assert f'href="/platform/report-forms/{base.pk}/"' in listing
    copied = root.post(f"/platform/report-forms/{base.pk}/copy/", {"year": 2027})
    draft = ReportForm.objects.get(year=2027)
    assert copied["Location"] == f"/platform/report-forms/{draft.pk}/"
    assert (draft.status, draft.copied_from_id, draft.indicators.count()) == (
        "draft",
        base.pk,
        base.indicators.count(),
    )
    bad = root.post(
        f"/platform/report-forms/{draft.pk}/",
        {
            "code": "share_x",
            "name_ru": "Доля",
            "value_type": "percent",
            "method": "ratio",
            "source": "revenue",
        },
    )
    assert bad.status_code == 200 and "числитель/знаменатель" in _html(bad)
    added = root.post(
        f"/platform/report-forms/{draft.pk}/",
        {
            "code": "export_share",
            "name_ru": "Доля экспорта в выручке",
            "unit": "%",
            "value_type": "percent",
            "method": "ratio",
            "source": "export/revenue",
            "position": "5",
        },
    )
    assert added.status_code == 302
    joint = draft.indicators.get(code="joint_projects")
    root.post(
        f"/platform/report-forms/{draft.pk}/indicators/{joint.pk}/",
        {
            "code": "joint_projects",
            "name_ru": "Совместные проекты импортозамещения",
            "value_type": "integer",
            "method": "count",
            "source": "contracts_joint_project",
            "position": joint.position,
        },
    )
    highlights = draft.indicators.get(code="highlights")
    root.post(f"/platform/report-forms/{draft.pk}/indicators/{highlights.pk}/delete/")
    published = root.post(f"/platform/report-forms/{draft.pk}/publish/")
    assert published.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_at is not None
    assert _html(root.get(f"/platform/report-forms/{draft.pk}/")).count("Удалить") == 0  # frozen
    refused = root.post(
        f"/platform/report-forms/{draft.pk}/",
        {"code": "late", "name_ru": "Поздно", "value_type": "integer", "method": "entered"},
        follow=True,
    )
    assert "Опубликованную форму изменить нельзя" in _html(refused)
    assert not draft.indicators.filter(code="late").exists()
    # the cluster's report for 2027 follows the new form without code changes
    with schema_context(cluster_a.schema_name):
        a, b = f.member(), f.member()
        f.kpi(a, 2027, revenue=1_000_00, export=250_00)
        f.kpi(b, 2027, revenue=1_000_00, export=250_00)
        computed = annual_report_compute(cluster=cluster_a, year=2027, entered_values={})
    assert (
        computed.figures[0].code == "export_share"
        and f.figure_of(computed, "export_share").display == "25,00 %"
    )
    assert computed.figure("highlights") is None
    assert f.figure_of(computed, "joint_projects").name_ru == "Совместные проекты импортозамещения"


def test_publishing_a_new_version_retires_the_old_one() -> None:
    actor = Actor.system()
    base = ReportForm.objects.get(year=2025, status="published")
    copy = services.form_copy(actor=actor, form=base, year=2025)
    assert copy.version == base.version + 1
    services.form_publish(actor=actor, form=copy)
    base.refresh_from_db()
    assert base.status == "retired"
    retired = base.indicators.first()
    assert retired is not None
    with pytest.raises(ValidationError):
        services.indicator_update(actor=actor, indicator=retired, name_ru="Новое имя")
    empty = services.form_create(actor=actor, year=2026)
    with pytest.raises(ValidationError, match="ни одного показателя"):
        services.form_publish(actor=actor, form=empty)
    services.form_delete(actor=actor, form=empty)
    with pytest.raises(ValidationError, match="уже есть"):
        services.indicator_create(
            actor=actor,
            form=services.form_copy(actor=actor, form=base, year=2024),
            code="revenue",
            name_ru="Дубль",
            method="entered",
            value_type="integer",
        )


def test_only_platform_admins_get_in(cluster_a: Cluster, make_user: MakeUser) -> None:
    form = ReportForm.objects.get(year=2026, status="published")
    indicator = form.indicators.first()
    assert indicator is not None
    urls = [
        "/platform/report-forms/",
        f"/platform/report-forms/{form.pk}/",
        f"/platform/report-forms/{form.pk}/indicators/{indicator.pk}/",
    ]
    posts = [
        f"/platform/report-forms/{form.pk}/copy/",
        f"/platform/report-forms/{form.pk}/publish/",
        f"/platform/report-forms/{form.pk}/delete/",
        f"/platform/report-forms/{form.pk}/indicators/{indicator.pk}/delete/",
    ]
    for url in urls + posts:
        response = client_for(None).get(url) if url in urls else client_for(None).post(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    for role, cluster in ((ROLE.MINISTRY_FEDERAL, None), (ROLE.CLUSTER_ADMIN, cluster_a)):
        user = make_user(role, cluster)
        client = signed_in(user, None) if cluster is None else signed_in(user, cluster)
        for url in urls:
            expected = 403 if cluster is None else 404  # on a cluster host the editor does not exist
            assert client.get(url).status_code == expected, (role, url)
        for url in posts:
            assert client.post(url, {"year": 2030}).status_code in (403, 404), (role, url)
    assert not ReportForm.objects.filter(year=2030).exists()
    assert ReportForm.objects.get(pk=form.pk).status == "published"
    with pytest.raises(PermissionDenied):
        services.form_create(actor=Actor(user=make_user(ROLE.MINISTRY_FEDERAL)), year=2031)
    assert Indicator.objects.filter(pk=indicator.pk).exists()


def test_form_list_sorts_filters_pages_in_fixed_queries(
    make_user: MakeUser, monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries: Any
) -> None:
    from frontend.reportforms import views as editor

    actor = Actor.system()
    services.form_create(actor=actor, year=2027, title="Черновик 2027")
    root = signed_in(make_user(ROLE.PLATFORM_ADMIN), None)
    url = "/platform/report-forms/"

    def years(query: str = "") -> list[str]:
        html = _html(root.get(url + query))
        body = html[html.index("<tbody>") : html.index("</tbody>")]
        return re.findall(r">(20\d\d)</a>", body)

    with django_assert_max_num_queries(30) as few:
        assert years() == ["2027", "2026", "2025"]  # newest years first
    queries = len(few.captured_queries)  # read now: the next request resets the log
    assert years("?sort=year") == ["2025", "2026", "2027"]  # the old «oldest first» link
    assert years("?sort=indicators")[0] == "2027"  # the empty draft has the fewest indicators
    assert years("?sort=-indicators")[-1] == "2027"
    assert years("?status=draft") == ["2027"]
    assert years("?year=2025") == ["2025"]
    nothing = _html(root.get(url + "?year=двадцать"))
    assert "Найдено форм: 0" in nothing and "Ничего не найдено." in nothing
    assert 'aria-sort="descending"' in _html(root.get(url))
    monkeypatch.setattr(editor, "PAGE_SIZE", 2)
    assert years("?page=2") == ["2025"]
    for _version in range(8):
        services.form_create(actor=actor, year=2027)
    monkeypatch.setattr(editor, "PAGE_SIZE", 20)
    with django_assert_max_num_queries(queries):
        assert len(years()) == 11
