"""Writes on the cluster's site content (inside the current cluster schema).

Changes made by people carry an Actor and write an audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone

from core.audit.services import Actor, fields_only, model_create, model_delete, model_update
from core.files import delete_files_on_commit, document_check, stored_file_rollback
from tenants.members.models import Company

from .models import Article, Document, Job, News

# Statuses of companies a job may belong to.
JOB_COMPANY_STATUSES = (Company.Status.ADMITTED, Company.Status.ACTIVE)


def _publication(obj: Any, publish: bool | None) -> dict[str, Any]:
    """The fields publishing sets: it stamps the date (once); unpublishing clears it."""
    if publish is None:
        return {}
    if publish and not obj.is_published:
        return {"is_published": True, "published_at": obj.published_at or timezone.now()}
    if not publish:
        return {"is_published": False, "published_at": None}
    return {"is_published": True}


def _publish(obj: Any, publish: bool) -> None:
    for name, value in _publication(obj, publish).items():
        setattr(obj, name, value)


def _audited_fields(obj: models.Model) -> list[str]:
    skip = {"id", "created_at", "updated_at", "file", "uploaded_by"}
    return [f.name for f in obj._meta.concrete_fields if f.name not in skip]


def _create(*, obj: models.Model, actor: Actor | None, action: str) -> None:
    model_create(obj=obj, actor=actor, action=action, audited=_audited_fields(obj))


def _update(
    *,
    obj: Any,
    actor: Actor,
    action: str,
    fields: dict[str, Any],
    allowed: set[str],
    extra_changes: dict[str, Any] | None = None,
) -> None:
    """model_update plus the `publish` flag and a trimmed title."""
    publish = fields.pop("publish", None)
    data = {
        name: value.strip() if name == "title" and isinstance(value, str) else value
        for name, value in fields_only(fields, allowed).items()
    }
    model_update(
        obj=obj,
        data={**data, **_publication(obj, publish)},
        actor=actor,
        action=action,
        audited=_audited_fields(obj),
        extra_changes=extra_changes,
    )


def _delete(*, obj: models.Model, actor: Actor, action: str) -> None:
    model_delete(obj=obj, actor=actor, action=action, audited=_audited_fields(obj))


# --- news ---------------------------------------------------------------------------------

NEWS_FIELDS = {"title", "body"}


def news_create(
    *,
    title: str,
    body: str = "",
    publish: bool = True,
    published_at: dt.datetime | None = None,
    actor: Actor | None = None,
) -> News:
    """A news item; `actor` is None only for system writes (demo data, imports)."""
    news = News(
        title=title.strip(),
        body=body,
        is_published=publish,
        published_at=(published_at or timezone.now()) if publish else None,
    )
    _create(obj=news, actor=actor, action="news.create")
    return news


def news_update(*, news: News, actor: Actor, **fields: Any) -> News:
    _update(obj=news, actor=actor, action="news.update", fields=fields, allowed=NEWS_FIELDS)
    return news


def news_delete(*, news: News, actor: Actor) -> None:
    _delete(obj=news, actor=actor, action="news.delete")


# --- articles -----------------------------------------------------------------------------

ARTICLE_FIELDS = {"title", "lead", "body", "author"}


def article_create(
    *, actor: Actor, title: str, lead: str = "", body: str = "", author: str = "", publish: bool = False
) -> Article:
    article = Article(title=title.strip(), lead=lead, body=body, author=author.strip())
    _publish(article, publish)
    _create(obj=article, actor=actor, action="article.create")
    return article


def article_update(*, article: Article, actor: Actor, **fields: Any) -> Article:
    _update(obj=article, actor=actor, action="article.update", fields=fields, allowed=ARTICLE_FIELDS)
    return article


def article_delete(*, article: Article, actor: Actor) -> None:
    _delete(obj=article, actor=actor, action="article.delete")


# --- jobs ---------------------------------------------------------------------------------

JOB_FIELDS = {"title", "company", "description", "location", "salary", "expires_on"}


def _check_job_company(company: Company | None) -> None:
    if company is not None and company.status not in JOB_COMPANY_STATUSES:
        raise ValidationError(
            {
                "company": "Вакансию можно разместить только от участника кластера "
                "(принятого или действующего)."
            }
        )


def job_create(
    *,
    actor: Actor,
    title: str,
    company: Company | None = None,
    description: str = "",
    location: str = "",
    salary: str = "",
    expires_on: dt.date | None = None,
    publish: bool = False,
) -> Job:
    _check_job_company(company)
    job = Job(
        title=title.strip(),
        company=company,
        description=description,
        location=location.strip(),
        salary=salary.strip(),
        expires_on=expires_on,
    )
    _publish(job, publish)
    _create(obj=job, actor=actor, action="job.create")
    return job


def job_update(*, job: Job, actor: Actor, **fields: Any) -> Job:
    if "company" in fields and fields["company"] != job.company:
        _check_job_company(fields["company"])
    _update(obj=job, actor=actor, action="job.update", fields=fields, allowed=JOB_FIELDS)
    return job


def job_delete(*, job: Job, actor: Actor) -> None:
    _delete(obj=job, actor=actor, action="job.delete")


# --- documents ----------------------------------------------------------------------------

DOCUMENT_FIELDS = {"title", "description"}


def document_upload(
    *, actor: Actor, file: UploadedFile, title: str = "", description: str = "", publish: bool = False
) -> Document:
    """Store a file under MEDIA_ROOT/clusters/<schema>/site-documents/…; it is served only by
    the checked download views (published ones to anyone on the cluster's host)."""
    original = document_check(file)
    document = Document(
        title=(title.strip() or original)[:300],
        description=description,
        file=file,
        original_name=original[:200],
        size=file.size or 0,
        uploaded_by=actor.user,
    )
    _publish(document, publish)
    with stored_file_rollback(document.file, keep=[file.name]):
        _create(obj=document, actor=actor, action="site_document.create")
    return document


def document_update(
    *, document: Document, actor: Actor, file: UploadedFile | None = None, **fields: Any
) -> Document:
    """Change the card or publication; a new file replaces the old one (deleted after commit)."""
    if file is None:
        _update(
            obj=document, actor=actor, action="site_document.update", fields=fields, allowed=DOCUMENT_FIELDS
        )
        return document
    original = document_check(file)
    old_name, old_original = document.file.name, document.original_name
    document.file = file
    fields.update(original_name=original[:200], size=file.size or 0)
    with stored_file_rollback(document.file, keep=[old_name, file.name]), transaction.atomic():
        # a replaced file is a change even under the same name and size
        _update(
            obj=document,
            actor=actor,
            action="site_document.update",
            fields=fields,
            allowed=DOCUMENT_FIELDS | {"original_name", "size"},
            extra_changes={"original_name": [old_original, document.original_name]},
        )
        delete_files_on_commit(document.file.storage, [old_name])
    return document


def document_delete(*, document: Document, actor: Actor) -> None:
    with transaction.atomic():
        name = document.file.name
        _delete(obj=document, actor=actor, action="site_document.delete")
        delete_files_on_commit(Document.file.field.storage, [name])
