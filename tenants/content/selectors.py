"""Reads of the cluster's site content (inside the current cluster schema)."""

from __future__ import annotations

import datetime as dt

from django.core.files import File
from django.db import connection
from django.db.models import Q, QuerySet

from core.clock import cluster_today

from .models import Article, Document, Job, News


def _search(qs: QuerySet, query: str, fields: tuple[str, ...]) -> QuerySet:
    query = query.strip()
    if not query:
        return qs
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": query})
    return qs.filter(condition)


def site_version() -> tuple[int, int]:
    """(this cluster's site version, the PROКЛАСТЕРЫ calls' version): sequences bumped by every
    write to what the cluster's home page shows — its news and events (migration content.0003, in
    the cluster's schema) and the calls (selection.0002, public). One query."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT s.last_value, s.is_called, c.last_value, c.is_called "
            "FROM site_version s, selection_call_version c"
        )
        site, site_called, calls, calls_called = cur.fetchone()
    return (int(site) if site_called else 0, int(calls) if calls_called else 0)


def list_versions(*tables: str) -> tuple[int, ...]:
    """The versions of these tables of the cluster's schema (migration content.0004: every write
    to one gives it a new number, visible with the write's commit; 0 for one never written), after
    the identity (OID) of the schema's version table, which a re-created schema or a restore
    changes while its sequence may start again. One query."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 'list_version'::regclass::oid, "
            "(SELECT json_object_agg(name, version) FROM list_version WHERE name = ANY(%s))",
            [list(tables)],
        )
        table_id, found = cur.fetchone()
    found = found or {}
    return (int(table_id), *(int(found.get(table, 0)) for table in tables))


def news_list(*, published_only: bool = True, query: str = "") -> QuerySet[News]:
    qs = News.objects.all()
    qs = qs.filter(is_published=True) if published_only else qs
    return _search(qs, query, ("title", "body"))


def news_get(*, news_id: int, published_only: bool) -> News | None:
    return news_list(published_only=published_only).filter(pk=news_id).first()


def article_list(*, published_only: bool = True, query: str = "") -> QuerySet[Article]:
    qs = Article.objects.all()
    qs = qs.filter(is_published=True) if published_only else qs
    return _search(qs, query, ("title", "lead", "body", "author"))


def article_get(*, article_id: int, published_only: bool) -> Article | None:
    return article_list(published_only=published_only).filter(pk=article_id).first()


def job_list(*, published_only: bool = True, query: str = "", today: dt.date | None = None) -> QuerySet[Job]:
    """Jobs; for the public, only published ones not yet expired (cluster's local date)."""
    qs = Job.objects.select_related("company")
    if published_only:
        today = today or cluster_today()
        qs = qs.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today), is_published=True)
    return _search(qs, query, ("title", "description", "location", "company__short_name"))


def job_get(*, job_id: int, published_only: bool) -> Job | None:
    return job_list(published_only=published_only).filter(pk=job_id).first()


def document_list(*, published_only: bool = True, query: str = "") -> QuerySet[Document]:
    qs = Document.objects.all()
    qs = qs.filter(is_published=True) if published_only else qs
    return _search(qs, query, ("title", "description", "original_name"))


def document_get(*, document_id: int, published_only: bool) -> Document | None:
    return document_list(published_only=published_only).filter(pk=document_id).first()


def document_file(*, document: Document) -> File | None:
    """The stored file, opened for streaming, if it belongs to the current cluster's folder."""
    name = document.file.name or ""
    if not name.startswith(f"clusters/{getattr(connection, 'schema_name', 'public')}/"):
        return None
    try:
        return document.file.storage.open(name, "rb")
    except FileNotFoundError:
        return None
