"""api.representation: the plain-fields path gives DRF's JSON, value for value, in the cluster's
time zone; a serializer with anything else keeps DRF's path."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from api.representation import PlainFieldsSerializer
from api.site.content import NewsOutputSerializer
from core.audit.services import Actor
from tenants.content.models import News
from tenants.content.services import news_create
from tenants.models import Cluster
from tests.conftest import InCluster

pytestmark = pytest.mark.django_db


def drf(serializer: serializers.ModelSerializer, instance: Any) -> dict[str, Any]:
    return dict(serializers.ModelSerializer.to_representation(serializer, instance))


def test_news_as_drf_writes_it(cluster_a: Cluster, in_cluster: InCluster) -> None:
    with in_cluster(cluster_a):
        published = news_create(
            title="Запуск линии",
            body="Текст.",
            published_at=dt.datetime(2026, 3, 1, 21, 30, tzinfo=dt.UTC),
            actor=Actor.system(cluster_a),
        )
        draft = news_create(title="Черновик", publish=False, actor=Actor.system(cluster_a))
        for zone in ("Europe/Moscow", "Asia/Novosibirsk", "UTC"):
            with timezone.override(zone):
                for news in (published, draft):
                    fast = NewsOutputSerializer(news).data
                    assert fast == drf(NewsOutputSerializer(news), news)
                many = NewsOutputSerializer(News.objects.order_by("id"), many=True).data
                assert [dict(row) for row in many] == [
                    drf(NewsOutputSerializer(n), n) for n in (published, draft)
                ]
    assert draft.published_at is None and fast["published_at"] is None
    with timezone.override("Asia/Novosibirsk"):
        assert NewsOutputSerializer(published).data["published_at"] == "2026-03-02T04:30:00+07:00"


def test_a_serializer_with_a_computed_field_keeps_drfs_path(
    cluster_a: Cluster, in_cluster: InCluster
) -> None:
    class Shouting(PlainFieldsSerializer):
        loud = serializers.SerializerMethodField()

        class Meta:
            model = News
            fields = ["id", "title", "loud"]

        def get_loud(self, news: News) -> str:
            return news.title.upper()

    with in_cluster(cluster_a):
        news = news_create(title="тихо", actor=Actor.system(cluster_a))
        assert Shouting(news).data == {"id": news.pk, "title": "тихо", "loud": "ТИХО"}
