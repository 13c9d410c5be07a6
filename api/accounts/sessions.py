"""/api/v1/auth/sessions/: the caller's signed-in browser sessions (host, device, last seen,
the current one marked); DELETE ends one of them (another user's id: 404)."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.accounts.models import User, UserSession
from core.accounts.sessions import device_label, session_end, session_key_hash, session_of, sessions_of
from core.audit.services import Actor


class SessionSerializer(serializers.ModelSerializer):
    device = serializers.SerializerMethodField(help_text="Браузер и система по User-Agent.")
    current = serializers.SerializerMethodField(help_text="Этот запрос сделан из этого сеанса.")

    class Meta:
        model = UserSession
        fields = ["id", "host", "device", "ip", "created_at", "last_seen_at", "current"]

    def get_device(self, record: UserSession) -> str:
        return device_label(record.user_agent)

    def get_current(self, record: UserSession) -> bool:
        session = getattr(self.context["request"]._request, "session", None)
        key = getattr(session, "session_key", None)
        return bool(key) and record.key_hash == session_key_hash(str(key))


class OwnSessionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SessionSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[UserSession]:
        if getattr(self, "swagger_fake_view", False):
            return UserSession.objects.none()
        return sessions_of(cast(User, self.request.user))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        record = session_of(cast(User, request.user), int(pk))
        if record is None:
            raise Http404
        session_end(record=record, actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
