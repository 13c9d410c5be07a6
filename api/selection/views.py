"""/api/v1/federal/calls/ (+ applications/, ranking/), /api/v1/federal/reviews/ on the public host;
/api/v1/program-applications/ on cluster hosts.

Calls: ministry users and platform admins read every call; an expert reads the calls it reviews.
Creating a call takes a federal ministry user or a platform admin. Applications and the ranking: the
ministry only, a regional user limited to the clusters of its regions. Reviews: an expert's own
assignments (another expert's: 404). Program applications: the cluster's managers read, its admin
creates, edits the narrative, submits and answers clarifications. Rules live in core.selection.services.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.accounts.access import MANAGER_ROLES
from core.accounts.models import Grant, User
from core.accounts.selectors import MinistryScope, user_ministry_scope
from core.audit.services import Actor
from core.federal.annual_report_pdf import content_disposition
from core.selection import documents, selectors, services
from core.selection.models import Application, Assignment, Call
from core.selection.services import CriterionInput

from ..base import ClusterViewSet
from ..permissions import OnPublicHost
from .serializers import (
    AnswerSerializer,
    ApplicationCreateSerializer,
    ApplicationSerializer,
    CallInputSerializer,
    CallSerializer,
    NarrativeSerializer,
    ScoresInputSerializer,
    ranking_json,
)

EXPERTS_ONLY = "Раздел доступен экспертам отбора."
MINISTRY_ONLY = "Раздел доступен сотрудникам министерства и администраторам платформы."


def _user(request: Request) -> User:
    return cast(User, request.user)


def _scope(request: Request) -> MinistryScope | None:
    return user_ministry_scope(_user(request))


def _input(serializer_class: Any, request: Request) -> dict[str, Any]:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


# --- public host: calls ----------------------------------------------------------------------


class FederalCallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    permission_classes: Any = [IsAuthenticated, OnPublicHost]
    serializer_class = CallSerializer
    filter_backends: Any = []

    def get_queryset(self) -> QuerySet[Call]:
        if getattr(self, "swagger_fake_view", False):
            return Call.objects.none()
        user = _user(self.request)
        if _scope(self.request) is not None:
            qs = Call.objects.all()
        else:
            qs = selectors.calls_for_expert(user=user)
            if not qs.exists():
                raise PermissionDenied(MINISTRY_ONLY)
        return qs.prefetch_related("criteria").order_by("-year", "-opens_at", "-pk")

    @extend_schema(request=CallInputSerializer, responses={201: CallSerializer})
    def create(self, request: Request) -> Response:
        if _scope(request) is None:  # who may open a call is decided before the input is read
            raise PermissionDenied(MINISTRY_ONLY)
        data = _input(CallInputSerializer, request)
        criteria = [CriterionInput(**c) for c in data.pop("criteria")]
        call = services.call_create(criteria=criteria, actor=Actor.from_request(request), **data)
        return Response(CallSerializer(call).data, status=status.HTTP_201_CREATED)

    def _ministry_call(self) -> tuple[Call, MinistryScope]:
        scope = _scope(self.request)
        if scope is None:
            raise PermissionDenied(MINISTRY_ONLY)
        call = Call.objects.filter(pk=self.kwargs["pk"]).first()
        if call is None:
            raise Http404
        return call, scope

    @extend_schema(responses={200: ApplicationSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def applications(self, request: Request, pk: str) -> Response:
        call, scope = self._ministry_call()
        rows = (
            selectors.applications_visible(call=call, scope=scope)
            .select_related("call", "decision")
            .prefetch_related("clarifications")
        )
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(ApplicationSerializer(page, many=True).data)
        return Response(ApplicationSerializer(rows, many=True).data)

    @action(detail=True, methods=["get"])
    def ranking(self, request: Request, pk: str) -> Response:
        call, scope = self._ministry_call()
        return Response(ranking_json(selectors.call_ranking(call=call, scope=scope)))

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def protocol(self, request: Request, pk: str) -> HttpResponse:
        """The commission's protocol with the ranking: ?type=pdf (default) or docx."""
        call, scope = self._ministry_call()
        return document_response(
            documents.protocol_document(call, selectors.call_ranking(call=call, scope=scope)),
            f"Протокол_{call.year}_{call.pk}",
            request,
        )


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document_response(document: documents.Document, stem: str, request: Request) -> HttpResponse:
    if request.query_params.get("type") == "docx":
        response = HttpResponse(documents.docx(document), content_type=DOCX)
        response["Content-Disposition"] = content_disposition(f"{stem}.docx")
    else:
        response = HttpResponse(documents.pdf(document), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition(f"{stem}.pdf")
    return response


# --- public host: an expert's reviews -----------------------------------------------------------


def assignment_json(assignment: Assignment, user: User) -> dict[str, Any]:
    application = assignment.application
    own = {s.criterion_id: s for s in assignment.scores.all()}
    data: dict[str, Any] = {
        "id": assignment.pk,
        "call": application.call_id,
        "call_title": application.call.title,
        "application": application.pk,
        "cluster_name": application.cluster.name,
        "version": application.version,
        "submitted_at": assignment.submitted_at,
        "scores": [
            {
                "criterion": c.pk,
                "name": c.name,
                "scale_min": c.scale_min,
                "scale_max": c.scale_max,
                "value": str(own[c.pk].value) if c.pk in own else None,
                "comment": own[c.pk].comment if c.pk in own else "",
            }
            for c in application.call.criteria.all()
        ],
        "others": None,
    }
    if assignment.submitted_at is not None:
        data["others"] = [
            {
                "expert": o.expert,
                "total": str(o.total),
                "scores": {str(k): {"value": str(v), "comment": c} for k, (v, c) in o.scores.items()},
            }
            for o in selectors.others_scores(assignment=assignment, user=user)
        ]
    return data


class ReviewViewSet(viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    """An expert's own reviews; the application's frozen snapshot comes with each one."""

    permission_classes: Any = [IsAuthenticated, OnPublicHost]
    filter_backends: Any = []

    def get_queryset(self) -> QuerySet[Assignment]:
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        if not selectors.calls_for_expert(user=_user(self.request)).exists():
            raise PermissionDenied(EXPERTS_ONLY)
        return selectors.assignments_of_expert(user=_user(self.request))

    def _own(self) -> Assignment:
        self.get_queryset()  # experts only
        found = selectors.assignment_of_expert(user=_user(self.request), assignment_id=int(self.kwargs["pk"]))
        if found is None:
            raise Http404
        return found

    def list(self, request: Request) -> Response:
        rows = self.get_queryset()
        page = self.paginate_queryset(rows)
        items = page if page is not None else list(rows)
        data = [
            {
                "id": a.pk,
                "call": a.application.call_id,
                "call_title": a.application.call.title,
                "application": a.application_id,
                "cluster_name": a.application.cluster.name,
                "submitted_at": a.submitted_at,
            }
            for a in items
        ]
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, pk: str) -> Response:
        assignment = self._own()
        data = assignment_json(assignment, _user(request))
        data["snapshot"] = assignment.application.snapshot
        return Response(data)

    @extend_schema(request=ScoresInputSerializer)
    @action(detail=True, methods=["post"])
    def scores(self, request: Request, pk: str) -> Response:
        assignment = self._own()
        data = _input(ScoresInputSerializer, request)
        services.scores_save(
            assignment=assignment,
            actor=Actor.from_request(request),
            scores={s["criterion"]: (s["value"], s["comment"]) for s in data["scores"]},
        )
        return Response(assignment_json(assignment, _user(request)))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        assignment = services.review_submit(assignment=self._own(), actor=Actor.from_request(request))
        return Response(assignment_json(assignment, _user(request)))


# --- cluster host: the cluster's applications ---------------------------------------------------


class ProgramApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    lookup_value_regex = r"\d+"
    read_roles = MANAGER_ROLES
    write_roles = frozenset({Grant.Role.CLUSTER_ADMIN})
    serializer_class = ApplicationSerializer
    filter_backends: Any = []

    def get_queryset(self) -> QuerySet[Application]:
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return selectors.applications_of_cluster(cluster=self.cluster).prefetch_related("clarifications")

    def _own(self) -> Application:
        found = selectors.application_of_cluster(cluster=self.cluster, application_id=int(self.kwargs["pk"]))
        if found is None:
            raise Http404
        return found

    def _out(self, application: Application) -> Response:
        return Response(ApplicationSerializer(self._own_by(application.pk)).data)

    def _own_by(self, pk: int) -> Application:
        found = selectors.application_of_cluster(cluster=self.cluster, application_id=pk)
        if found is None:
            raise Http404
        return found

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
    def create(self, request: Request) -> Response:
        data = self.input(ApplicationCreateSerializer)
        call = Call.objects.filter(pk=data["call"]).exclude(status=Call.Status.DRAFT).first()
        if call is None:
            raise Http404
        application = services.application_create(call=call, cluster=self.cluster, actor=self.actor())
        return Response(
            ApplicationSerializer(self._own_by(application.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=NarrativeSerializer, responses={200: ApplicationSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        data = self.input(NarrativeSerializer, partial=True)
        application = services.application_update(application=self._own(), data=data, actor=self.actor())
        return self._out(application)

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        application = services.application_submit(application=self._own(), actor=self.actor())
        return self._out(application)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def document(self, request: Request, pk: str) -> HttpResponse:
        """The submitted application: ?type=pdf (default) or docx."""
        application = self._own()
        if application.version == 0:
            raise Http404
        return document_response(
            documents.application_document(application),
            f"Заявка_{application.call.year}_{self.cluster.schema_name}_v{application.version}",
            request,
        )

    @extend_schema(request=AnswerSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        application = self._own()
        data = self.input(AnswerSerializer)
        clarification = application.clarifications.filter(pk=data["clarification"]).first()
        if clarification is None:
            raise Http404
        services.clarification_answer(clarification=clarification, answer=data["answer"], actor=self.actor())
        return self._out(application)
