"""/api/v1/events/: the cluster's exhibitions, forums and conferences, and who takes part.

Any cluster role reads; cluster admins and staff create, change and delete events. A member
representative registers (and withdraws) only its own company; staff register any member.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterViewSet
from api.permissions import ANY_CLUSTER_ROLE
from tenants.events import services
from tenants.events.models import Event, Participation
from tenants.events.selectors import event_list


class ParticipationSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.short_name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Participation
        fields = ["company", "company_name", "role", "role_display", "note"]


class EventOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    participants = ParticipationSerializer(source="participations", many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "kind",
            "kind_display",
            "title",
            "starts_on",
            "ends_on",
            "place",
            "organizer",
            "description",
            "has_joint_stand",
            "is_public",
            "participants",
        ]


class EventInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="Вид", choices=Event.Kind.choices, default=Event.Kind.EXHIBITION)
    title = serializers.CharField(label="Название", max_length=300)
    starts_on = serializers.DateField(label="Дата начала")
    ends_on = serializers.DateField(label="Дата окончания", required=False, allow_null=True, default=None)
    place = serializers.CharField(
        label="Место проведения", max_length=300, required=False, allow_blank=True, default=""
    )
    organizer = serializers.CharField(
        label="Организатор", max_length=300, required=False, allow_blank=True, default=""
    )
    description = serializers.CharField(label="Описание", required=False, allow_blank=True, default="")
    has_joint_stand = serializers.BooleanField(label="Совместный стенд кластера", default=False)
    is_public = serializers.BooleanField(label="Показывать на сайте кластера", default=True)


class ParticipationInputSerializer(serializers.Serializer):
    company = serializers.IntegerField(
        label="Организация (id)",
        required=False,
        allow_null=True,
        default=None,
        help_text="Представителю можно не указывать: берётся его организация.",
    )
    role = serializers.ChoiceField(
        label="Формат участия",
        choices=Participation.Role.choices,
        default=Participation.Role.BUSINESS_PROGRAMME,
    )
    note = serializers.CharField(
        label="Примечание", max_length=300, required=False, allow_blank=True, default=""
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                OpenApiTypes.STR,
                enum=["upcoming", "past"],
                description="upcoming — ещё не закончившиеся (по дате кластера), past — прошедшие",
            )
        ]
    )
)
class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    serializer_class = EventOutputSerializer
    search_fields = ["title", "place", "organizer"]
    ordering_fields = ["starts_on", "ends_on", "title", "id"]
    filterset_fields = {
        "kind": ["exact"],
        "is_public": ["exact"],
        "has_joint_stand": ["exact"],
        "starts_on": ["gte", "lte"],
        "ends_on": ["gte", "lte"],
    }
    participation_actions = frozenset({"register", "withdraw"})

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if self.action in self.participation_actions:
            self.write_roles = ANY_CLUSTER_ROLE  # the service checks whose company it is
        super().initial(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Event]:
        return event_list(
            public_only=False, period=self.request.query_params.get("period", "")
        ).prefetch_related("participations__company")

    def _out(self, event: Event) -> dict[str, Any]:
        return EventOutputSerializer(self.get_queryset().get(pk=event.pk)).data

    @extend_schema(request=EventInputSerializer, responses={201: EventOutputSerializer})
    def create(self, request: Request) -> Response:
        event = services.event_create(actor=self.actor(), **self.input(EventInputSerializer))
        return Response(self._out(event), status=status.HTTP_201_CREATED)

    @extend_schema(request=EventInputSerializer, responses={200: EventOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        fields = self.input(EventInputSerializer, partial=True)
        if "ends_on" in fields and fields["ends_on"] is None:
            fields.pop("ends_on")
        event = services.event_update(event=self.get_object(), actor=self.actor(), **fields)
        return Response(self._out(event))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.event_delete(event=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ParticipationInputSerializer,
        responses={201: ParticipationSerializer},
        description="Зарегистрировать организацию на мероприятие или изменить формат участия. "
        "Представитель — только свою организацию и только до окончания мероприятия.",
    )
    @action(detail=True, methods=["post"], url_path="participants")
    def register(self, request: Request, pk: str) -> Response:
        event = self.get_object()
        fields = self.input(ParticipationInputSerializer)
        company_id = fields.pop("company") or self._own_company()
        try:
            participation = services.participation_register(
                event=event, company_id=company_id, actor=self.actor(), **fields
            )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        return Response(ParticipationSerializer(participation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None},
        description="Снять организацию с участия (те же права, что и при регистрации).",
    )
    @action(detail=True, methods=["delete"], url_path=r"participants/(?P<company_id>\d+)")
    def withdraw(self, request: Request, pk: str, company_id: str) -> Response:
        event = self.get_object()
        try:
            services.participation_withdraw(event=event, company_id=int(company_id), actor=self.actor())
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _own_company(self) -> int:
        access = self.access()
        if len(access.company_ids) != 1:
            raise exceptions.ValidationError({"company": ["Укажите организацию."]})
        return next(iter(access.company_ids))
