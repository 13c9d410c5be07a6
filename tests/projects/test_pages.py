"""Joint projects pages: access by role, company and cluster; the list (search, filters, sort,
pages, empty states, query bound); the card (budget, plan vs actual with the shortfall badge,
support and tranches, documents); forms that save through the services, all or nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tenants.utils import schema_context
from pytest_django import DjangoAssertNumQueries, Settings

from core.accounts.services import grant_revoke
from core.audit.services import Actor
from tenants.members.models import Company
from tenants.models import Cluster
from tenants.projects import services
from tenants.projects.models import (
    JointProject,
    ProjectBudget,
    ProjectDocument,
    ProjectIndicator,
    SupportApplication,
    SupportTranche,
)
from tests.conftest import ROLE, ClientResponse, MakeUser, client_for, signed_in, streamed
from tests.roadmap.factories import approval_decision

from .factories import admitted_on, member, project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class World:
    lead: Company
    other: Company
    outsider: Company
    project: JointProject
    hidden: JointProject
    application: SupportApplication
    indicator: ProjectIndicator
    document: ProjectDocument


def _world(cluster: Cluster) -> World:
    """«Катетеры» (lead «Лид», participant «Другой») with a budget, an indicator short of plan, a granted
    Decree 41 application with a tranche and a document; «Чужой» belongs to «Посторонний» alone."""
    system = Actor.system(cluster)
    with schema_context(cluster.schema_name):
        lead, other, outsider = member("Лид"), member("Другой"), member("Посторонний")
        p = project(cluster, lead, other, title="Катетеры")
        hidden = project(cluster, outsider, title="Чужой")
        services.budget_set(
            project=p, actor=system, year=2025, source="own_funds", amount_kopecks=123_456_789
        )
        indicator = services.indicator_create(
            project=p, actor=system, year=2025, kind="output_volume", planned=1_000_000_00, actual=780_000_00
        )
        application = services.support_create(
            project=p,
            company=lead,
            actor=system,
            measure="decree_41",
            amount_requested_kopecks=5_000_000_00,
            submitted_on=dt.date(2024, 2, 1),
        )
        services.support_decide(
            application=application,
            actor=system,
            decision="granted",
            decided_on=dt.date(2024, 3, 1),
            amount_granted_kopecks=4_000_000_00,
        )
        services.tranche_add(
            application=application,
            actor=system,
            received_on=dt.date(2024, 4, 1),
            amount_kopecks=1_500_000_00,
        )
        document = services.document_upload(
            project=p,
            actor=system,
            title="Соглашение о субсидии",
            file=SimpleUploadedFile("soglashenie.pdf", b"%PDF-1.4 test"),
        )
    return World(lead, other, outsider, p, hidden, application, indicator, document)


def _reader_pages(w: World) -> list[str]:
    """Pages any role may open (a representative: of a project its company takes part in)."""
    p = w.project.pk
    return ["/projects/", f"/projects/{p}/", f"/projects/{p}/documents/{w.document.pk}/"]


def _lead_pages(w: World) -> list[str]:
    p = w.project.pk
    return [f"/projects/{p}/indicators/new/", f"/projects/{p}/indicators/{w.indicator.pk}/edit/"]


def _manager_pages(w: World) -> list[str]:
    p, a = w.project.pk, w.application.pk
    return [
        "/projects/new/",
        f"/projects/{p}/edit/",
        f"/projects/{p}/budget/",
        f"/projects/{p}/support/new/",
        f"/projects/{p}/support/{a}/decision/",
        f"/projects/{p}/support/{a}/tranches/new/",
        f"/projects/{p}/documents/new/",
    ]


def _all_pages(w: World) -> list[str]:
    return _reader_pages(w) + _lead_pages(w) + _manager_pages(w)


def _html(response: ClientResponse) -> str:
    return response.content.decode()


def test_url_names() -> None:
    assert reverse("projects:list", urlconf="clusterhub.urls_tenant") == "/projects/"
    assert reverse("projects:detail", args=[7], urlconf="clusterhub.urls_tenant") == "/projects/7/"


def test_admin_and_staff_open_every_page(cluster_a: Cluster, make_user: MakeUser) -> None:
    w = _world(cluster_a)
    for role in (ROLE.CLUSTER_ADMIN, ROLE.CLUSTER_STAFF):
        client = signed_in(make_user(role, cluster_a), cluster_a)
        for url in _all_pages(w):
            response = client.get(url)
            assert response.status_code == 200, (role, url)
        assert b"%PDF-1.4 test" == streamed(client.get(_reader_pages(w)[2]))
        html = _html(client.get("/projects/"))
        assert ">Проекты</a>" in html  # the navigation entry
        assert "Новый проект" in html and "Катетеры" in html and "Чужой" in html


def test_anonymous_goes_to_login(cluster_a: Cluster) -> None:
    w = _world(cluster_a)
    for url in _all_pages(w):
        response = client_for(cluster_a).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url


def test_another_clusters_admin_gets_login_or_404(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    w = _world(cluster_a)
    beta = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    for url in _all_pages(w):
        replay = beta.get(url, HTTP_HOST="alpha.localhost")  # a session of beta is anonymous on alpha
        assert replay.status_code == 302 and replay["Location"].startswith("/login/"), url
    beta = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    for url in _all_pages(w):  # the same ids on beta's own host: not there
        if url not in ("/projects/", "/projects/new/"):
            assert beta.get(url).status_code == 404, url
    beta.post(f"/projects/{w.project.pk}/status/", {"status": "stopped"}, HTTP_HOST="alpha.localhost")
    with schema_context(cluster_a.schema_name):
        assert JointProject.objects.get(pk=w.project.pk).status == JointProject.Status.IDEA


def test_a_user_without_a_role_here_is_refused(cluster_a: Cluster, make_user: MakeUser) -> None:
    w = _world(cluster_a)
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    client = signed_in(user, cluster_a)
    grant_revoke(user=user, role=ROLE.CLUSTER_STAFF, cluster=cluster_a)
    for url in _all_pages(w):
        response = client.get(url)
        assert response.status_code == 403 and "нет роли" in _html(response), url


def test_representative_of_the_lead_sees_its_project_and_enters_indicators(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    w = _world(cluster_a)
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=w.lead.pk), cluster_a)
    html = _html(rep.get("/projects/"))
    assert (
        ">Проекты</a>" in html and "Катетеры" in html and "Чужой" not in html and "Новый проект" not in html
    )
    for url in _reader_pages(w) + _lead_pages(w):
        assert rep.get(url).status_code == 200, url
    for url in _manager_pages(w):
        assert rep.get(url).status_code == 403, url
    card = _html(rep.get(f"/projects/{w.project.pk}/"))
    assert "Внести показатель" in card and "Новая заявка на поддержку" not in card and "Одобрить" not in card
    assert rep.get(f"/projects/{w.hidden.pk}/").status_code == 404
    assert rep.get(f"/projects/{w.hidden.pk}/indicators/new/").status_code == 404


def test_other_participants_representative_reads_but_does_not_enter(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    w = _world(cluster_a)
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=w.other.pk), cluster_a)
    assert rep.get(f"/projects/{w.project.pk}/").status_code == 200
    assert "Внести показатель" not in _html(rep.get(f"/projects/{w.project.pk}/"))
    for url in _lead_pages(w):
        response = rep.get(url)
        assert response.status_code == 403 and "головного участника" in _html(response), url
    response = rep.post(f"/projects/{w.project.pk}/indicators/{w.indicator.pk}/submit/")
    assert response.status_code == 403
    with schema_context(cluster_a.schema_name):
        assert ProjectIndicator.objects.get(pk=w.indicator.pk).status == ProjectIndicator.Status.DRAFT


def test_representative_of_another_company_gets_404(cluster_a: Cluster, make_user: MakeUser) -> None:
    w = _world(cluster_a)
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=w.outsider.pk), cluster_a)
    assert "Катетеры" not in _html(rep.get("/projects/"))
    for url in _reader_pages(w)[1:] + _lead_pages(w):
        assert rep.get(url).status_code == 404, url
    for url in _manager_pages(w):
        assert rep.get(url).status_code == 403, url
    assert rep.post(f"/projects/{w.project.pk}/indicators/{w.indicator.pk}/delete/").status_code == 404


def test_card_shows_budget_shortfall_support_and_links(
    cluster_a: Cluster, make_user: MakeUser, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    w = _world(cluster_a)
    with schema_context(cluster_a.schema_name):  # more rows of each kind: the card's queries stay the same
        system = Actor.system(cluster_a)
        for n in range(4):
            extra = services.support_create(
                project=w.project,
                company=w.other,
                actor=system,
                measure="other",
                measure_name=f"Грант {n}",
                amount_requested_kopecks=100_00,
                submitted_on=dt.date(2024, 5, 1),
            )
            services.support_decide(
                application=extra,
                actor=system,
                decision="granted",
                decided_on=dt.date(2024, 6, 1),
                amount_granted_kopecks=100_00,
            )
            services.tranche_add(
                application=extra, actor=system, received_on=dt.date(2024, 7, 1), amount_kopecks=50_00
            )
            services.indicator_create(
                project=w.project,
                actor=system,
                year=2024 + n % 3,
                kind="custom",
                name=f"Показатель {n}",
                unit="шт.",
                planned=10_00,
                actual=10_00,
            )
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with django_assert_max_num_queries(16):
        html = _html(staff.get(f"/projects/{w.project.pk}/"))
    assert "Головной участник" in html and "Лид" in html and "Другой" in html
    assert 'data-label="Итого">1 234 567,89</td>' in html  # 2025 row total; the cell links to its edit form
    assert '<span class="badge shortfall" title="Недовыполнение плана">−22 %</span>' in html
    assert "1 000 000,00" in html and "780 000,00" in html
    assert "Субсидия по постановлению № 41" in html and "4 000 000,00" in html and "1 500 000,00" in html
    assert "01.04.2024" in html and "Внести транш" in html
    assert "Соглашение о субсидии" in html
    assert "Одобрить" in html and "принятых решений пока нет" in html  # an idea, no adopted decision yet
    assert "Остановить" in html and "data-confirm=" in html


def test_list_search_filter_sort_pages_and_empty_states(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    empty = _html(admin.get("/projects/"))
    assert "Совместных проектов пока нет." in empty and 'href="/projects/new/"' in empty
    with schema_context(cluster_a.schema_name):
        lead, other = member("Альфа-Мед"), member("Бета-Мед")
        for n in range(30):
            project(cluster_a, lead if n % 2 else other, title=f"Проект {n:02d}")
        stopped = project(cluster_a, other, title="Стерилизация")
        services.project_set_status(project=stopped, actor=Actor.system(cluster_a), status="stopped")
    with django_assert_max_num_queries(7):  # session, user, grants, count, page, leads: whatever the rows
        html = _html(admin.get("/projects/"))
    assert "Найдено проектов: 31" in html and "Страница 1 из 2" in html
    found = _html(admin.get("/projects/?q=Стерил"))
    assert "Найдено проектов: 1" in found and "Стерилизация" in found and "Проект 00" not in found
    assert "Найдено проектов: 1" in _html(admin.get("/projects/?status=stopped"))
    assert "Найдено проектов: 31" in _html(admin.get("/projects/?kind=import_substitution"))
    assert "Найдено проектов: 15" in _html(admin.get("/projects/?q=Альфа-Мед"))
    ordered = _html(admin.get("/projects/?sort=title"))
    assert ordered.index("Проект 00") < ordered.index("Проект 01") < ordered.index("Проект 24")
    assert "Стерилизация" not in ordered and 'aria-sort="ascending"' in ordered and "?sort=-title" in ordered
    reverse_order = _html(admin.get("/projects/?sort=-title"))
    assert reverse_order.index("Стерилизация") < reverse_order.index("Проект 29")
    assert 'aria-sort="descending"' in reverse_order
    nothing = _html(admin.get("/projects/?q=несуществующий"))
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing
    rep = signed_in(
        make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=member_id(cluster_a, "Никто")), cluster_a
    )
    assert "пока не участвует в совместных проектах" in _html(rep.get("/projects/"))


def member_id(cluster: Cluster, name: str) -> int:
    with schema_context(cluster.schema_name):
        return member(name).pk


def test_admin_creates_a_project_and_adds_a_budget_line(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        lead, other = member("Лид"), member("Другой")
        gone = member("Вышедший", status=Company.Status.WITHDRAWN)
        newcomer = member("Новичок")
        admitted_on(newcomer, dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    form = {
        "title": "Стерилизационный центр",
        "kind": "infrastructure",
        "period_start": "2025-01-01",
        "period_end": "2026-12-31",
        "lead": lead.pk,
        "participants": [other.pk],
    }
    refused = admin.post("/projects/new/", {**form, "suppliers": [gone.pk]})
    assert refused.status_code == 200 and "Выберите корректный вариант" in _html(refused)
    late = admin.post("/projects/new/", {**form, "suppliers": [newcomer.pk]})
    assert late.status_code == 200
    assert "«Новичок» не была участником кластера весь срок проекта (01.01.2025 — 31.12.2026)" in _html(late)
    with schema_context(cluster_a.schema_name):
        assert not JointProject.objects.exists()
    twice = admin.post("/projects/new/", {**form, "participants": [other.pk, lead.pk]})
    assert twice.status_code == 200 and "указана в проекте дважды" in _html(twice)
    response = admin.post("/projects/new/", form)
    assert response.status_code == 302
    with schema_context(cluster_a.schema_name):
        created = JointProject.objects.get()
        assert created.status == JointProject.Status.IDEA
        assert sorted(created.participants.values_list("role", flat=True)) == ["lead", "participant"]
    assert response["Location"] == f"/projects/{created.pk}/"
    card = _html(admin.get(response["Location"]))
    assert "Проект «Стерилизационный центр» создан." in card

    outside = admin.post(
        f"/projects/{created.pk}/budget/",
        {"year": "2027", "source": "federal_subsidy", "amount_kopecks": "100"},
    )
    assert outside.status_code == 200 and "Выберите корректный вариант" in _html(outside)
    bad = admin.post(
        f"/projects/{created.pk}/budget/",
        {"year": "2025", "source": "federal_subsidy", "amount_kopecks": "-5"},
    )
    assert bad.status_code == 200 and "не может быть отрицательной" in _html(bad)
    ok = admin.post(
        f"/projects/{created.pk}/budget/",
        {"year": "2025", "source": "federal_subsidy", "amount_kopecks": "1 500 000,50"},
    )
    assert ok.status_code == 302 and ok["Location"] == f"/projects/{created.pk}/#budget"
    with schema_context(cluster_a.schema_name):
        assert list(ProjectBudget.objects.values_list("year", "source", "amount_kopecks")) == [
            (2025, "federal_subsidy", 150_000_050)
        ]
    card = _html(admin.get(ok["Location"]))
    assert "Бюджет на 2025 год сохранён." in card and "1 500 000,50" in card
    edit = _html(admin.get(f"/projects/{created.pk}/budget/?year=2025&source=federal_subsidy"))
    assert 'value="1 500 000,50"' in edit


def test_approve_needs_an_adopted_decision_and_stop_is_final(cluster_a: Cluster, make_user: MakeUser) -> None:
    w = _world(cluster_a)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    url = f"/projects/{w.project.pk}/status/"
    refused = staff.post(url, {"status": "approved"}, follow=True)
    assert "Одобрение проекта оформляется решением органа кластера." in _html(refused)
    with schema_context(cluster_a.schema_name):
        decision = approval_decision()
    card = _html(staff.get(f"/projects/{w.project.pk}/"))
    assert 'id="approve-form"' in card and f'<option value="{decision.pk}">' in card
    approved = staff.post(url, {"status": "approved", "decision": decision.pk}, follow=True)
    assert "Проект одобрен." in _html(approved)
    staff.post(url, {"status": "stopped"})
    with schema_context(cluster_a.schema_name):
        assert JointProject.objects.get(pk=w.project.pk).status == JointProject.Status.STOPPED
    assert "Остановить" not in _html(staff.get(f"/projects/{w.project.pk}/"))


def test_lead_representative_enters_and_submits_staff_accepts(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    w = _world(cluster_a)
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=w.lead.pk), cluster_a)
    url = f"/projects/{w.project.pk}/indicators/new/"
    bad = rep.post(url, {"year": "2026", "kind": "new_jobs", "planned": "12,5"})
    assert bad.status_code == 200 and "Введите целое число" in _html(bad)
    share = rep.post(url, {"year": "2026", "kind": "import_share", "planned": "120"})
    assert share.status_code == 200 and "не может быть больше 100 %" in _html(share)
    with schema_context(cluster_a.schema_name):
        assert ProjectIndicator.objects.filter(year=2026).count() == 0
    created = rep.post(url, {"year": "2026", "kind": "new_jobs", "planned": "50", "actual": "39"})
    assert created.status_code == 302
    with schema_context(cluster_a.schema_name):
        indicator = ProjectIndicator.objects.get(year=2026)
    assert (indicator.planned, indicator.actual, indicator.status) == (50, 39, "draft")
    card = _html(rep.get(f"/projects/{w.project.pk}/"))
    assert "−22 %" in card and "Показатель за 2026 год сохранён как черновик." in card
    edited = rep.post(
        f"/projects/{w.project.pk}/indicators/{indicator.pk}/edit/",
        {"planned": "50", "actual": "45", "comment": "Набор завершён"},
    )
    assert edited.status_code == 302
    rep.post(f"/projects/{w.project.pk}/indicators/{indicator.pk}/submit/")
    with schema_context(cluster_a.schema_name):
        indicator.refresh_from_db()
    assert (indicator.actual, indicator.status) == (45, "submitted")
    assert rep.post(f"/projects/{w.project.pk}/indicators/{indicator.pk}/accept/").status_code == 403
    late = rep.post(
        f"/projects/{w.project.pk}/indicators/{indicator.pk}/edit/", {"planned": "1", "actual": "1"}
    )
    assert late.status_code == 200 and "уже отправлен" in _html(late)

    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    accepted = staff.post(f"/projects/{w.project.pk}/indicators/{indicator.pk}/accept/", follow=True)
    assert "Показатель принят." in _html(accepted)
    with schema_context(cluster_a.schema_name):
        indicator.refresh_from_db()
        assert (indicator.status, indicator.planned) == ("accepted", 50)


def test_tranche_beyond_the_grant_is_refused_in_russian_and_nothing_saved(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    w = _world(cluster_a)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    url = f"/projects/{w.project.pk}/support/{w.application.pk}/tranches/new/"
    over = admin.post(url, {"received_on": "2024-05-01", "amount_kopecks": "2 500 000,01"})
    assert over.status_code == 200
    assert "больше предоставленных 4 000 000,00 ₽" in _html(over)
    with schema_context(cluster_a.schema_name):
        assert SupportTranche.objects.count() == 1
    ok = admin.post(url, {"received_on": "2024-05-01", "amount_kopecks": "2 500 000", "note": "второй"})
    assert ok.status_code == 302 and ok["Location"].endswith(f"#support-{w.application.pk}")
    with schema_context(cluster_a.schema_name):
        assert sorted(SupportTranche.objects.values_list("amount_kopecks", flat=True)) == [
            150_000_000,
            250_000_000,
        ]


def test_support_application_and_decision_forms(cluster_a: Cluster, make_user: MakeUser) -> None:
    w = _world(cluster_a)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    url = f"/projects/{w.project.pk}/support/new/"
    zero = admin.post(
        url,
        {
            "company": w.other.pk,
            "measure": "idf_loan",
            "amount_requested_kopecks": "0",
            "submitted_on": "2025-02-01",
        },
    )
    assert zero.status_code == 200 and "больше нуля" in _html(zero)
    stranger = admin.post(
        url,
        {
            "company": w.outsider.pk,
            "measure": "idf_loan",
            "amount_requested_kopecks": "10",
            "submitted_on": "2025-02-01",
        },
    )
    assert stranger.status_code == 200 and "Выберите корректный вариант" in _html(stranger)
    created = admin.post(
        url,
        {
            "company": w.other.pk,
            "measure": "idf_loan",
            "amount_requested_kopecks": "10 000 000",
            "submitted_on": "2025-02-01",
        },
    )
    assert created.status_code == 302
    with schema_context(cluster_a.schema_name):
        application = SupportApplication.objects.get(measure="idf_loan")
    decide = f"/projects/{w.project.pk}/support/{application.pk}/decision/"
    too_much = admin.post(
        decide, {"decision": "granted", "decided_on": "2025-03-01", "amount_granted_kopecks": "20 000 000"}
    )
    assert too_much.status_code == 200 and "Предоставлено больше, чем запрошено" in _html(too_much)
    granted = admin.post(
        decide, {"decision": "granted", "decided_on": "2025-03-01", "amount_granted_kopecks": "8 000 000"}
    )
    assert granted.status_code == 302
    with schema_context(cluster_a.schema_name):
        application.refresh_from_db()
    assert (application.decision, application.amount_granted_kopecks) == ("granted", 800_000_000)


def test_document_upload_download_and_delete(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    w = _world(cluster_a)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    response = admin.post(
        f"/projects/{w.project.pk}/documents/new/",
        {"title": "Бизнес-план", "file": SimpleUploadedFile("plan.docx", b"PK plan")},
    )
    assert response.status_code == 302
    with schema_context(cluster_a.schema_name):
        document = ProjectDocument.objects.get(title="Бизнес-план")
    assert document.file.name is not None
    assert document.file.name.startswith(f"clusters/alpha/projects/{w.project.pk}/")
    download = admin.get(f"/projects/{w.project.pk}/documents/{document.pk}/")
    assert download.status_code == 200 and streamed(download) == b"PK plan"
    assert 'filename="plan.docx"' in download["Content-Disposition"]
    # the same document id under another project of this cluster is not found
    assert admin.get(f"/projects/{w.hidden.pk}/documents/{document.pk}/").status_code == 404
    deleted = admin.post(f"/projects/{w.project.pk}/documents/{document.pk}/delete/", follow=True)
    assert "Документ «Бизнес-план» удалён." in _html(deleted)
    with schema_context(cluster_a.schema_name):
        assert not ProjectDocument.objects.filter(pk=document.pk).exists()
