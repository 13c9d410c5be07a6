"""Site content: staff manage news, articles, jobs and documents; the public reads what is published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from pytest_django import DjangoCaptureOnCommitCallbacks

from core.audit.models import AuditEntry
from core.audit.services import Actor
from tenants.content import services
from tenants.content.models import Article, Document, Job, News
from tenants.members.models import Company
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, signed_in, streamed, token_for
from tests.site.conftest import moscow_today

pytestmark = pytest.mark.django_db

MANAGE = ["/site/manage/news/", "/site/manage/articles/", "/site/manage/jobs/", "/site/manage/documents/"]


def _upload(name: str = "Устав.pdf", content: bytes = b"%PDF-1.4 charter") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _document(cluster: Cluster, title: str, *, publish: bool, content: bytes = b"%PDF-1.4") -> Document:
    with schema_context(cluster.schema_name):
        return services.document_upload(
            actor=Actor.system(cluster), file=_upload(content=content), title=title, publish=publish
        )


@pytest.mark.parametrize("url", MANAGE)
def test_manage_pages_are_for_cluster_admins_and_staff(
    url: str, cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    assert client_for(cluster_a).get(url)["Location"].startswith(f"/login/?next={url}")
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    assert rep.get(url).status_code == 403
    assert rep.post(url + "new/", {"title": "От участника"}).status_code == 403
    other = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    assert signed_in(other, cluster_b).get(url).status_code == 200
    assert client_for(cluster_a).post(url + "new/", {"title": "Аноним"}).status_code == 302
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a).get(url)
    assert staff.status_code == 200 and "Здесь пока пусто." in staff.content.decode()


def test_staff_publish_news_and_articles_that_the_public_then_reads(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    client = signed_in(staff, cluster_a)
    client.post(
        "/site/manage/news/new/", {"title": "Кластер вошёл в реестр", "body": "Текст", "publish": "on"}
    )
    client.post("/site/manage/news/new/", {"title": "Черновик новости"})
    client.post(
        "/site/manage/articles/new/",
        {"title": "Интервью с директором", "lead": "Коротко", "author": "Пресс-служба", "publish": "on"},
    )
    client.post("/site/manage/articles/new/", {"title": "Статья-черновик"})
    anonymous = client_for(cluster_a)
    news = anonymous.get("/site/news/").content.decode()
    assert "Кластер вошёл в реестр" in news and "Черновик новости" not in news
    articles = anonymous.get("/site/articles/").content.decode()
    assert (
        "Интервью с директором" in articles
        and "Пресс-служба" in articles
        and "Статья-черновик" not in articles
    )
    with schema_context(cluster_a.schema_name):
        draft = News.objects.get(title="Черновик новости")
        article_draft = Article.objects.get(title="Статья-черновик")
    assert anonymous.get(f"/site/news/{draft.pk}/").status_code == 404
    assert anonymous.get(f"/site/articles/{article_draft.pk}/").status_code == 404
    assert client.get(f"/site/news/{draft.pk}/").status_code == 200  # staff preview drafts
    actions = set(AuditEntry.objects.filter(cluster=cluster_a, actor=staff).values_list("action", flat=True))
    assert actions == {"news.create", "article.create"}


def test_editing_publishes_and_unpublishes_with_audit(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    client = signed_in(staff, cluster_a)
    client.post("/site/manage/news/new/", {"title": "Новость"})
    with schema_context(cluster_a.schema_name):
        news = News.objects.get()
    edit_form = client.get(f"/site/manage/news/{news.pk}/edit/").content.decode()
    assert 'value="Новость"' in edit_form
    client.post(f"/site/manage/news/{news.pk}/edit/", {"title": "Новость", "publish": "on"})
    with schema_context(cluster_a.schema_name):
        news.refresh_from_db()
    assert news.is_published and news.published_at is not None
    refused = client.post(f"/site/manage/news/{news.pk}/edit/", {"title": ""})
    assert "Обязательное поле." in refused.content.decode()
    page = client.get("/site/manage/news/").content.decode()
    assert "data-confirm=" in page
    assert client.get(f"/site/manage/news/{news.pk}/delete/").status_code == 405
    client.post(f"/site/manage/news/{news.pk}/delete/")
    entries = AuditEntry.objects.filter(cluster=cluster_a, object_type="content.news").order_by("id")
    assert [e.action for e in entries] == ["news.create", "news.update", "news.delete"]
    assert entries[1].changes["is_published"] == [False, True]


def test_jobs_expire_and_belong_only_to_members(
    cluster_a: Cluster, make_user: MakeUser, make_company: Callable[..., Company]
) -> None:
    member = make_company(cluster_a, "Медтехника")
    applicant = make_company(cluster_a, "Заявитель", status=Company.Status.APPLIED)
    client = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    client.post(
        "/site/manage/jobs/new/",
        {
            "title": "Инженер-конструктор",
            "company": member.pk,
            "salary": "от 90 000 ₽",
            "location": "Дубна",
            "publish": "on",
        },
    )
    yesterday = moscow_today() - dt.timedelta(days=2)
    client.post(
        "/site/manage/jobs/new/", {"title": "Старая вакансия", "expires_on": str(yesterday), "publish": "on"}
    )
    form = client.get("/site/manage/jobs/new/").content.decode()
    assert "Медтехника" in form and "Заявитель" not in form
    with schema_context(cluster_a.schema_name):
        with pytest.raises(Exception, match="только от участника кластера"):
            services.job_create(actor=Actor.system(cluster_a), title="x", company=applicant)
    jobs = client_for(cluster_a).get("/site/jobs/").content.decode()
    assert "Инженер-конструктор" in jobs and "от 90 000 ₽" in jobs and "Медтехника" in jobs
    assert "Старая вакансия" not in jobs
    with schema_context(cluster_a.schema_name):
        old = Job.objects.get(title="Старая вакансия")
    assert client_for(cluster_a).get(f"/site/jobs/{old.pk}/").status_code == 404


def test_public_lists_search_and_paginate(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        for i in range(25):
            services.news_create(title=f"Новость {i:02d}", body="об экспорте" if i % 5 == 0 else "")
    anonymous = client_for(cluster_a)
    first = anonymous.get("/site/news/").content.decode()
    assert "Страница 1 из 2" in first
    second = anonymous.get("/site/news/?page=2").content.decode()
    assert "Новость 00" in second and "Новость 24" not in second
    found = anonymous.get("/site/news/?q=экспорт").content.decode()
    assert found.count('<article class="news">') == 5
    assert "Новостей не найдено." in anonymous.get("/site/news/?q=ничего такого").content.decode()


def test_documents_upload_and_public_download(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    client = signed_in(staff, cluster_a)
    response = client.post(
        "/site/manage/documents/new/", {"title": "Устав кластера", "publish": "on", "file": _upload()}
    )
    assert response.status_code == 302
    client.post(
        "/site/manage/documents/new/", {"title": "Проект положения", "file": _upload("draft.docx", b"PK")}
    )
    with schema_context(cluster_a.schema_name):
        published = Document.objects.get(title="Устав кластера")
        draft = Document.objects.get(title="Проект положения")
    assert published.file.name is not None
    assert published.file.name.startswith("clusters/alpha/site-documents/")
    anonymous = client_for(cluster_a)
    listing = anonymous.get("/site/documents/").content.decode()
    assert "Устав кластера" in listing and "Проект положения" not in listing
    download = anonymous.get(f"/site/documents/{published.pk}/download/")
    assert download.status_code == 200
    assert streamed(download) == b"%PDF-1.4 charter"
    assert "attachment" in download["Content-Disposition"]
    assert anonymous.get(f"/site/documents/{draft.pk}/download/").status_code == 404
    assert client.get(f"/site/documents/{draft.pk}/download/").status_code == 200
    refused = client.post(
        "/site/manage/documents/new/", {"title": "Вирус", "file": _upload("run.exe", b"MZ")}
    )
    assert "Такой тип файла не принимается" in refused.content.decode()
    entries = AuditEntry.objects.filter(cluster=cluster_a, object_type="content.document")
    assert entries.count() == 2


def test_replacing_and_deleting_a_document_removes_old_files(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    document = _document(cluster_a, "Отчёт", publish=True, content=b"old")
    storage = document.file.storage
    old_name = document.file.name
    assert old_name is not None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/site/manage/documents/{document.pk}/edit/",
            {"title": "Отчёт за год", "publish": "on", "file": _upload("report.pdf", b"new")},
        )
    assert not storage.exists(old_name)
    download = client_for(cluster_a).get(f"/site/documents/{document.pk}/download/")
    assert streamed(download) == b"new"
    with schema_context(cluster_a.schema_name):
        new_name = Document.objects.get().file.name
    assert new_name is not None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/site/manage/documents/{document.pk}/delete/")
    assert not storage.exists(new_name)


def test_documents_of_another_cluster_are_never_served(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    own = _document(cluster_a, "Свой", publish=True)
    foreign = _document(cluster_b, "Чужой", publish=True, content=b"beta secret")
    if foreign.pk == own.pk:  # schemas count ids separately: guess an id only beta has
        foreign = _document(cluster_b, "Чужой 2", publish=True, content=b"beta secret")
    assert foreign.file.name is not None
    assert foreign.file.name.startswith("clusters/beta/")
    anonymous = client_for(cluster_a)
    assert anonymous.get(f"/site/documents/{foreign.pk}/download/").status_code == 404
    # even a row pointing at beta's folder (e.g. restored from a dump) is not served on alpha
    with schema_context(cluster_a.schema_name):
        Document.objects.filter(pk=own.pk).update(file=foreign.file.name)
    assert anonymous.get(f"/site/documents/{own.pk}/download/").status_code == 404
    api = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    assert api.get(f"/api/v1/documents/{own.pk}/download/").status_code == 404


def test_content_api_for_staff_and_readers(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, make_company: Callable[..., Company]
) -> None:
    member = make_company(cluster_a, "Медтехника")
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    rep = api_client(token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a), cluster_a)
    article = staff.post(
        "/api/v1/articles/", {"title": "Статья", "publish": True}, content_type="application/json"
    )
    assert article.status_code == 201 and article.json()["is_published"] is True
    draft = staff.post("/api/v1/articles/", {"title": "Черновик"}, content_type="application/json").json()
    job = staff.post(
        "/api/v1/jobs/",
        {"title": "Технолог", "company": member.pk, "publish": True},
        content_type="application/json",
    )
    assert job.json()["company_name"] == "Медтехника"
    uploaded = staff.post("/api/v1/documents/", {"title": "Регламент", "file": _upload(), "publish": "true"})
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["download_url"] == f"/api/v1/documents/{uploaded.json()['id']}/download/"
    assert [a["title"] for a in rep.get("/api/v1/articles/").json()["results"]] == ["Статья"]
    assert rep.get(f"/api/v1/articles/{draft['id']}/").status_code == 404
    assert rep.get("/api/v1/jobs/?search=Технолог").json()["count"] == 1
    assert streamed(rep.get(uploaded.json()["download_url"])) == b"%PDF-1.4 charter"
    for url, body in (("/api/v1/articles/", {"title": "x"}), ("/api/v1/jobs/", {"title": "x"})):
        assert rep.post(url, body, content_type="application/json").status_code == 403
        assert client_for(cluster_a).post(url, body, content_type="application/json").status_code == 401
    assert rep.delete(f"/api/v1/documents/{uploaded.json()['id']}/").status_code == 403
    changed = staff.patch(
        f"/api/v1/articles/{draft['id']}/", {"publish": True}, content_type="application/json"
    )
    assert changed.json()["is_published"] is True
    assert staff.delete(f"/api/v1/jobs/{job.json()['id']}/").status_code == 204
    news = staff.post("/api/v1/news/", {"title": "Новость"}, content_type="application/json").json()
    assert (
        staff.patch(
            f"/api/v1/news/{news['id']}/", {"publish": False}, content_type="application/json"
        ).json()["is_published"]
        is False
    )
    other = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b), cluster_a)
    assert other.get("/api/v1/articles/").status_code == 403
    actions = set(AuditEntry.objects.filter(cluster=cluster_a).values_list("action", flat=True))
    assert {
        "article.create",
        "article.update",
        "job.create",
        "job.delete",
        "site_document.create",
        "news.create",
        "news.update",
    } <= actions
