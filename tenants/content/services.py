"""Writes on the cluster's site content (inside the current cluster schema)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import News


def news_create(*, title: str, body: str = "", publish: bool = True,
                published_at: dt.datetime | None = None) -> News:
    news = News(title=title.strip(), body=body, is_published=publish,
                published_at=(published_at or timezone.now()) if publish else None)
    news.full_clean()
    with transaction.atomic():
        news.save()
    return news
