"""/api/v1/committees/: committees and working groups, their members and documents.

A representative sees committee documents only of the committees it sits on.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.schema import DOCUMENT_RESPONSE
from tenants.governance import services
from tenants.governance.models import (
    Committee,
    CommitteeDocument,
    CommitteeMember,
)
from tenants.governance.selectors import (
    committee_detail,
    committee_document_get,
    committees_with_documents_for,
    seat_account,
)
from tenants.members.models import Company

from .base import GovernanceViewSet

# --- committees -------------------------------------------------------------------------


class CommitteeMemberSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    company_name = serializers.CharField(source="company.short_name", default="", read_only=True)

    class Meta:
        model = CommitteeMember
        fields = ["id", "role", "role_display", "person_name", "user", "company", "company_name"]


class CommitteeDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CommitteeDocument
        fields = ["id", "title", "original_name", "size", "uploaded_at", "download_url"]

    def get_download_url(self, document: CommitteeDocument) -> str:
        return reverse(
            "api:committee-document", kwargs={"pk": document.committee_id, "document_id": document.pk}
        )


class CommitteeOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    people = CommitteeMemberSerializer(many=True, read_only=True)
    documents_visible = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    class Meta:
        model = Committee
        fields = [
            "id",
            "kind",
            "kind_display",
            "name",
            "description",
            "plan",
            "is_active",
            "people",
            "documents_visible",
            "documents",
        ]

    def get_documents_visible(self, committee: Committee) -> bool:
        allowed = self.context["documents_for"]
        return allowed is None or committee.pk in allowed

    @extend_schema_field(CommitteeDocumentSerializer(many=True))
    def get_documents(self, committee: Committee) -> Any:
        if not self.get_documents_visible(committee):
            return []
        return CommitteeDocumentSerializer(committee.documents.all(), many=True).data


class CommitteeInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        label="Вид", choices=Committee.Kind.choices, default=Committee.Kind.COMMITTEE
    )
    name = serializers.CharField(label="Наименование", max_length=300)
    description = serializers.CharField(label="Задачи", required=False, allow_blank=True, default="")
    plan = serializers.CharField(label="План работы", required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(label="Действует", default=True)


class CommitteeMemberInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        label="Роль", choices=CommitteeMember.Role.choices, default=CommitteeMember.Role.MEMBER
    )
    user = serializers.IntegerField(
        label="Учётная запись (id)", required=False, allow_null=True, default=None
    )
    person_name = serializers.CharField(
        label="ФИО", max_length=200, required=False, allow_blank=True, default=""
    )
    company = serializers.PrimaryKeyRelatedField(
        label="Организация", queryset=Company.objects.all(), required=False, allow_null=True, default=None
    )


class CommitteeDocumentInputSerializer(serializers.Serializer):
    title = serializers.CharField(
        label="Название", max_length=300, required=False, allow_blank=True, default=""
    )
    file = serializers.FileField(label="Файл")


class CommitteeViewSet(GovernanceViewSet):
    serializer_class = CommitteeOutputSerializer
    search_fields = ["name", "description"]
    ordering_fields = ["name", "id"]
    filterset_fields = ["kind", "is_active"]

    def get_queryset(self) -> QuerySet[Committee]:
        return committee_detail()

    def documents_for(self) -> set[int] | None:
        return committees_with_documents_for(user=self.request.user, cluster=self.cluster)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "documents_for": self.documents_for()}

    def _out(self, committee: Committee) -> dict[str, Any]:
        fresh = committee_detail().get(pk=committee.pk)
        return CommitteeOutputSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(request=CommitteeInputSerializer, responses={201: CommitteeOutputSerializer})
    def create(self, request: Request) -> Response:
        committee = services.committee_create(actor=self.actor(), **self.input(CommitteeInputSerializer))
        return Response(self._out(committee), status=status.HTTP_201_CREATED)

    @extend_schema(request=CommitteeInputSerializer, responses={200: CommitteeOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        fields = self.input(CommitteeInputSerializer, partial=True)
        committee = services.committee_update(committee=self.get_object(), actor=self.actor(), **fields)
        return Response(self._out(committee))

    def delete_object(self, obj: Committee) -> None:
        services.committee_delete(committee=obj, actor=self.actor())

    @extend_schema(request=CommitteeMemberInputSerializer, responses={201: CommitteeMemberSerializer})
    @action(detail=True, methods=["post"], url_path="members")
    def add_member(self, request: Request, pk: str) -> Response:
        fields = self.input(CommitteeMemberInputSerializer)
        user_id = fields.pop("user")
        user = seat_account(cluster=self.cluster, user_id=user_id) if user_id else None
        if user_id and user is None:
            raise APIValidationError({"user": [services.NO_SEAT_ACCOUNT]})
        member = services.committee_member_add(
            committee=self.get_object(), actor=self.actor(), user=user, **fields
        )
        return Response(CommitteeMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<member_id>\d+)")
    def remove_member(self, request: Request, pk: str, member_id: str) -> Response:
        member = get_object_or_404(CommitteeMember, pk=member_id, committee=self.get_object())
        services.committee_member_remove(member=member, actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request={"multipart/form-data": CommitteeDocumentInputSerializer},
        responses={201: CommitteeDocumentSerializer},
    )
    @action(detail=True, methods=["post"], url_path="documents")
    def upload_document(self, request: Request, pk: str) -> Response:
        fields = self.input(CommitteeDocumentInputSerializer)
        document = services.committee_document_upload(
            committee=self.get_object(), actor=self.actor(), **fields
        )
        return Response(CommitteeDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses=DOCUMENT_RESPONSE,
        description="Файл документа (только для ролей кластера, видящих документы комитета).",
    )
    @extend_schema(methods=["DELETE"], responses={204: None})
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path=r"documents/(?P<document_id>\d+)",
        url_name="document",
    )
    def document(self, request: Request, pk: str, document_id: str) -> HttpResponseBase:
        committee = self.get_object()
        document = committee_document_get(committee_id=committee.pk, document_id=int(document_id))
        allowed = self.documents_for()
        if document is None or (allowed is not None and committee.pk not in allowed):
            return Response(
                {"detail": "Документ не найден.", "code": "not_found"}, status=status.HTTP_404_NOT_FOUND
            )
        if request.method == "DELETE":
            services.committee_document_delete(document=document, actor=self.actor())
            return Response(status=status.HTTP_204_NO_CONTENT)
        return FileResponse(
            document.file.open("rb"), as_attachment=True, filename=document.original_name or document.title
        )
