"""Tracking the roadmap over the API: progress of a roadmap and «my items».

GET /api/v1/roadmaps/{id}/progress/   progress per section, committee and executor (done / total,
                                       overdue), «today» being the cluster's date
GET /api/v1/roadmap-items/mine/       items of the current roadmaps where the caller is an executor
                                       (in person, through the company it represents or a committee
                                       it sits in); overdue first. ?status=<item status>|open|overdue,
                                       ?search=, ?page=, ?page_size=

Any role of the cluster reads. Another cluster's roadmap answers 404, as a missing one does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterGenericAPIView
from api.permissions import ANY_CLUSTER_ROLE
from api.roadmap.lookups import roadmap_or_404
from core.clock import cluster_today, current_cluster
from tenants.roadmap import tracking
from tenants.roadmap.models import Item


class ProgressRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="section:<id>, user:<id>, company:<id>, committee:<id> или name:<имя>"
    )
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    kind = serializers.CharField(help_text="Вид исполнителя (person, company, committee, organization)")
    number = serializers.CharField(help_text="Номер раздела")
    section_id = serializers.IntegerField(allow_null=True)
    user_id = serializers.IntegerField(allow_null=True)
    company_id = serializers.IntegerField(allow_null=True)
    committee_id = serializers.IntegerField(allow_null=True)
    total = serializers.IntegerField(help_text="Мероприятий, кроме отменённых")
    done = serializers.IntegerField()
    overdue = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)


class ProgressSerializer(serializers.Serializer):
    roadmap_id = serializers.IntegerField()
    title = serializers.CharField()
    today = serializers.DateField(help_text="Дата в часовом поясе кластера")
    overall = ProgressRowSerializer()
    sections = ProgressRowSerializer(many=True)
    committees = ProgressRowSerializer(many=True)
    executors = ProgressRowSerializer(many=True)


class RoadmapProgressView(ClusterGenericAPIView):
    read_roles = ANY_CLUSTER_ROLE
    serializer_class = ProgressSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(
        responses={200: ProgressSerializer},
        description="Ход исполнения: по разделам, комитетам и исполнителям. Отменённые мероприятия "
        "не учитываются; просроченные — с датой или периодом исполнения, срок которого "
        "прошёл, не выполненные и не отменённые.",
    )
    def get(self, request: Request, roadmap_id: int) -> Response:
        roadmap = roadmap_or_404(roadmap_id)
        today = cluster_today()
        result = tracking.roadmap_progress(roadmap=roadmap, today=today)
        return Response(
            ProgressSerializer(
                {
                    "roadmap_id": roadmap.pk,
                    "title": roadmap.title,
                    "today": today,
                    "overall": result.overall.as_dict(),
                    "sections": [r.as_dict() for r in result.sections],
                    "committees": [r.as_dict() for r in result.committees],
                    "executors": [r.as_dict() for r in result.executors],
                }
            ).data
        )


class MyItemSerializer(serializers.ModelSerializer):
    roadmap_title = serializers.CharField(source="roadmap.title", read_only=True)
    roadmap_status = serializers.CharField(source="roadmap.status", read_only=True)
    section = serializers.CharField(source="section.number", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()
    mine_as = serializers.SerializerMethodField(
        help_text="executor — вы исполнитель; company — ваша организация; committee — ваш комитет"
    )
    url = serializers.SerializerMethodField(help_text="Страница мероприятия")

    class Meta:
        model = Item
        fields = [
            "id",
            "roadmap_id",
            "roadmap_title",
            "roadmap_status",
            "section",
            "number",
            "title",
            "executors_text",
            "deadline_text",
            "deadline_kind",
            "deadline_start",
            "deadline_end",
            "status",
            "status_display",
            "overdue",
            "mine_as",
            "url",
        ]

    def get_overdue(self, item: Item) -> bool:
        return bool(getattr(item, "overdue_flag", 0))

    def get_mine_as(self, item: Item) -> list[str]:
        flags = (("executor", "via_user"), ("company", "via_company"), ("committee", "via_committee"))
        return [name for name, attr in flags if getattr(item, attr, False)]

    def get_url(self, item: Item) -> str:
        path = f"/roadmap/{item.roadmap_id}/items/{item.pk}/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class MyRoadmapItemsView(ClusterGenericAPIView):
    read_roles = ANY_CLUSTER_ROLE
    serializer_class = MyItemSerializer
    filter_backends: list[Any] = []  # the selector filters and orders (overdue first)

    def get_queryset(self) -> QuerySet[Item]:
        status = self.request.query_params.get("status", "")
        if status and status not in tracking.MY_STATUSES:
            raise ValidationError(
                {"status": [f"Неизвестный статус «{status}». Допустимы: {', '.join(tracking.MY_STATUSES)}."]}
            )
        scope = tracking.my_scope(user=self.request.user, cluster=current_cluster())
        today = cluster_today()
        return tracking.my_items(
            scope=scope, today=today, status=status, query=self.request.query_params.get("search", "")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=list(tracking.MY_STATUSES)),
            OpenApiParameter("search", str),
        ],
        responses={200: MyItemSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
