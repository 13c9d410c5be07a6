"""Voting by ballots over the API.

/api/v1/meetings/{id}/ballots/ (GET, POST), /tally/ (GET, staff), /close-voting/ (POST, staff),
/publish/ and /drafts/ (staff: open voting, put decisions to the vote); /api/v1/proxies/.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as APIPermissionDenied
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterViewSet
from api.permissions import ANY_CLUSTER_ROLE, CLUSTER_MANAGERS
from tenants.governance import services
from tenants.governance.models import Ballot, BallotVote, Decision, Meeting, Proxy
from tenants.governance.protocol import ballot_filename, ballot_pdf, content_disposition
from tenants.governance.selectors import ballot_list, meeting_tally, proxy_get, proxy_list
from tenants.members.models import Company


class VoteSerializer(serializers.Serializer):
    decision = serializers.IntegerField(label="Решение")
    choice = serializers.ChoiceField(
        label="Голос",
        choices=BallotVote.Choice.choices,
        error_messages={"invalid_choice": "Голос — «for», «against» или «abstain»."},
    )


class BallotInputSerializer(serializers.Serializer):
    votes = VoteSerializer(many=True, allow_empty=False)
    company = serializers.IntegerField(
        label="Организация",
        required=False,
        allow_null=True,
        default=None,
        help_text="Нужна, если вы голосуете за несколько организаций (свою и по доверенности).",
    )


class BallotVoteOutputSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(source="decision.number", read_only=True)

    class Meta:
        model = BallotVote
        fields = ["decision", "number", "choice"]


class BallotOutputSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.short_name", read_only=True)
    votes = BallotVoteOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Ballot
        fields = [
            "id",
            "company",
            "company_name",
            "weight",
            "representative_name",
            "proxy",
            "paper",
            "cast_at",
            "votes",
        ]


class PublishInputSerializer(serializers.Serializer):
    deadline = serializers.DateTimeField(label="Окончание приёма бюллетеней")
    record_date = serializers.DateField(
        label="Дата определения участников с правом голоса", required=False, allow_null=True, default=None
    )
    late_notice_reason = serializers.CharField(
        label="Основание сокращённого срока уведомления", required=False, allow_blank=True, default=""
    )


class DecisionDraftInputSerializer(serializers.Serializer):
    text = serializers.CharField(label="Формулировка решения")
    kind = serializers.ChoiceField(label="Вид", choices=Decision.Kind.choices, default=Decision.Kind.OTHER)
    subject_company = serializers.PrimaryKeyRelatedField(
        label="Организация (для приёма)",
        queryset=Company.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )


TALLY_RESPONSE = inline_serializer(
    "Tally",
    fields={
        "status": serializers.ChoiceField(choices=["open", "closed"]),
        "quorum": inline_serializer(
            "TallyQuorum",
            fields={
                "voters": serializers.IntegerField(),
                "ballots": serializers.IntegerField(),
                "required": serializers.IntegerField(),
                "reached": serializers.BooleanField(),
            },
        ),
        "decisions": inline_serializer(
            "TallyDecision",
            many=True,
            fields={
                "id": serializers.IntegerField(),
                "text": serializers.CharField(),
                "rule": serializers.CharField(),
                "for": serializers.IntegerField(),
                "against": serializers.IntegerField(),
                "abstain": serializers.IntegerField(),
                "adopted": serializers.BooleanField(),
            },
        ),
    },
)


class MeetingVotingActions(ClusterViewSet):
    """The voting actions of MeetingViewSet (a mixin: `get_object` is the meeting's)."""

    def _meeting(self) -> Meeting:
        meeting = self.get_object()
        assert isinstance(meeting, Meeting)  # noqa: S101 - the meetings' view set
        return meeting

    @extend_schema(
        methods=["GET"],
        responses={200: BallotOutputSerializer(many=True)},
        description="Бюллетени: представитель видит бюллетени своих организаций; сотрудники — все "
        "бюллетени после завершения голосования.",
    )
    @extend_schema(
        methods=["POST"],
        request=BallotInputSerializer,
        responses={200: BallotOutputSerializer, 201: BallotOutputSerializer},
        description="Подать или заменить бюллетень своей организации (или организации, чья "
        "подтверждённая доверенность у вас): голоса прежнего бюллетеня заменяются.",
    )
    @action(detail=True, methods=["get", "post"], url_path="ballots", write_roles=ANY_CLUSTER_ROLE)
    def ballots(self, request: Request, pk: str) -> Response:
        meeting = self._meeting()
        access = self.access()
        if request.method == "GET":
            if access.manager and meeting.voting_closed_at is not None:
                found = ballot_list(meeting=meeting)
            elif access.company_ids:
                found = ballot_list(meeting=meeting, company_ids=access.company_ids)
            else:
                raise APIPermissionDenied(
                    "Бюллетени участников доступны сотрудникам после завершения "
                    "голосования; ход голосования — в /tally/."
                )
            return Response(BallotOutputSerializer(found, many=True).data)
        data = self.input(BallotInputSerializer)
        company = self._company(data["company"])
        votes = [services.VoteInput(decision=v["decision"], choice=v["choice"]) for v in data["votes"]]
        ballot = services.ballot_cast(meeting=meeting, company=company, votes=votes, actor=self.actor())
        fresh = ballot_list(meeting=meeting).get(pk=ballot.pk)
        return Response(
            BallotOutputSerializer(fresh).data,
            status=status.HTTP_200_OK if ballot.replaced else status.HTTP_201_CREATED,
        )

    @extend_schema(responses={(200, "application/pdf"): bytes}, description="Бюллетень в PDF с голосами.")
    @action(detail=True, methods=["get"], url_path=r"ballots/(?P<ballot_id>\d+)/pdf")
    def ballot_pdf(self, request: Request, pk: str, ballot_id: str) -> HttpResponseBase:
        meeting = self._meeting()
        access = self.access()
        visible = None if access.manager and meeting.voting_closed_at is not None else access.company_ids
        ballot = ballot_list(meeting=meeting, company_ids=visible).filter(pk=int(ballot_id)).first()
        if ballot is None:
            raise Http404
        response = HttpResponse(
            ballot_pdf(ballot=ballot, cluster=self.cluster), content_type="application/pdf"
        )
        response["Content-Disposition"] = content_disposition(ballot_filename(ballot=ballot))
        return response

    def _company(self, company_id: int | None) -> Company:
        own = sorted(self.access().company_ids)
        if company_id is None:
            if len(own) != 1:
                raise APIValidationError({"company": ["Укажите организацию, за которую голосуете."]})
            company_id = own[0]
        company = Company.objects.filter(pk=company_id).first()
        if company is None:
            raise APIValidationError({"company": ["Такой организации в кластере нет."]})
        return company

    @extend_schema(
        responses={200: TALLY_RESPONSE},
        description="Кворум и итоги по каждому решению (только сотрудники кластера).",
    )
    @action(detail=True, methods=["get"], url_path="tally", read_roles=CLUSTER_MANAGERS)
    def tally(self, request: Request, pk: str) -> Response:
        meeting = self._meeting()
        if meeting.published_at is None:
            raise APIValidationError({"detail": "Голосование по этому собранию ещё не открыто."})
        return self._tally(meeting)

    def _tally(self, meeting: Meeting) -> Response:
        found = meeting_tally(meeting=meeting)
        return Response(
            {
                "status": found.status,
                "quorum": {
                    "voters": found.quorum.total,
                    "ballots": found.quorum.present,
                    "required": found.quorum.required,
                    "reached": found.quorum.reached,
                },
                "decisions": [
                    {
                        "id": d.id,
                        "text": d.text,
                        "rule": d.rule,
                        "for": d.votes_for,
                        "against": d.votes_against,
                        "abstain": d.votes_abstained,
                        "adopted": d.adopted,
                    }
                    for d in found.decisions
                ],
            }
        )

    @extend_schema(
        request=None,
        responses={200: TALLY_RESPONSE},
        description="Завершить голосование: итоги фиксируются, принятые решения вступают в силу.",
    )
    @action(detail=True, methods=["post"], url_path="close-voting")
    def close_voting(self, request: Request, pk: str) -> Response:
        return self._tally(services.voting_close(meeting=self._meeting(), actor=self.actor()))

    @extend_schema(
        request=PublishInputSerializer,
        responses={200: TALLY_RESPONSE},
        description="Разослать уведомление и открыть голосование бюллетенями.",
    )
    @action(detail=True, methods=["post"], url_path="publish")
    def publish(self, request: Request, pk: str) -> Response:
        return self._tally(
            services.meeting_publish(
                meeting=self._meeting(), actor=self.actor(), **self.input(PublishInputSerializer)
            )
        )

    @extend_schema(
        request=DecisionDraftInputSerializer,
        responses={
            201: inline_serializer(
                "Draft",
                fields={
                    "id": serializers.IntegerField(),
                    "number": serializers.IntegerField(),
                    "text": serializers.CharField(),
                },
            )
        },
        description="Добавить проект решения в повестку собрания, голосующего бюллетенями.",
    )
    @action(detail=True, methods=["post"], url_path="drafts")
    def add_draft(self, request: Request, pk: str) -> Response:
        decision = services.decision_draft_add(
            meeting=self._meeting(), actor=self.actor(), **self.input(DecisionDraftInputSerializer)
        )
        return Response(
            {"id": decision.pk, "number": decision.number, "text": decision.text},
            status=status.HTTP_201_CREATED,
        )


# --- proxies ----------------------------------------------------------------------------------


class ProxySerializer(serializers.ModelSerializer):
    grantor_name = serializers.CharField(source="grantor.short_name", read_only=True)
    holder_name = serializers.CharField(source="holder.short_name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Proxy
        fields = [
            "id",
            "grantor",
            "grantor_name",
            "holder",
            "holder_name",
            "valid_from",
            "valid_until",
            "status",
            "status_display",
            "review_note",
            "original_name",
            "created_at",
        ]


class ProxyInputSerializer(serializers.Serializer):
    grantor = serializers.PrimaryKeyRelatedField(label="Доверитель", queryset=Company.objects.all())
    holder = serializers.PrimaryKeyRelatedField(
        label="Представитель по доверенности", queryset=Company.objects.all()
    )
    valid_from = serializers.DateField(label="Действует с")
    valid_until = serializers.DateField(label="Действует по")
    file = serializers.FileField(label="Скан доверенности")


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(label="Причина отклонения")


class ProxyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    """Proxies: staff see all; a representative those given or held by its companies."""

    serializer_class = ProxySerializer
    write_roles = ANY_CLUSTER_ROLE
    lookup_value_regex = r"\d+"
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["status", "grantor", "holder"]
    ordering_fields = ["created_at", "valid_until", "id"]

    def _visible(self) -> Any:
        access = self.access()
        return None if access.manager else access.company_ids

    def get_queryset(self) -> Any:
        return proxy_list(company_ids=self._visible())

    def get_object(self) -> Proxy:
        found = proxy_get(proxy_id=int(self.kwargs["pk"]), company_ids=self._visible())
        if found is None:
            raise Http404
        return found

    @extend_schema(
        request={"multipart/form-data": ProxyInputSerializer},
        responses={201: ProxySerializer},
        description="Загрузить доверенность (проверяют сотрудники кластера).",
    )
    def create(self, request: Request) -> Response:
        proxy = services.proxy_upload(actor=self.actor(), **self.input(ProxyInputSerializer))
        return Response(ProxySerializer(proxy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ProxySerializer})
    @action(detail=True, methods=["post"], write_roles=CLUSTER_MANAGERS)
    def approve(self, request: Request, pk: str) -> Response:
        return Response(
            ProxySerializer(services.proxy_approve(proxy=self.get_object(), actor=self.actor())).data
        )

    @extend_schema(request=RejectInputSerializer, responses={200: ProxySerializer})
    @action(detail=True, methods=["post"], write_roles=CLUSTER_MANAGERS)
    def reject(self, request: Request, pk: str) -> Response:
        proxy = services.proxy_reject(
            proxy=self.get_object(), actor=self.actor(), **self.input(RejectInputSerializer)
        )
        return Response(ProxySerializer(proxy).data)

    @extend_schema(responses={200: bytes}, description="Скан доверенности.")
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str) -> HttpResponseBase:
        proxy = self.get_object()
        return FileResponse(
            proxy.file.open("rb"), as_attachment=True, filename=proxy.original_name or "proxy"
        )
