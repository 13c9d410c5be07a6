"""Reads of the cluster's site content (inside the current cluster schema)."""

from django.db.models import QuerySet

from .models import News


def news_list(*, published_only: bool = True) -> QuerySet[News]:
    qs = News.objects.all()
    return qs.filter(is_published=True) if published_only else qs
