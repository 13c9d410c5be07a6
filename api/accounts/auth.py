"""/api/v1/auth/token/: POST e-mail + password -> a new named, expiring token (lockout-aware);
DELETE ends the token that authenticates the request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.throttles import SignInAddressThrottle
from core.accounts import twofactor
from core.accounts.models import ApiToken, User
from core.accounts.ratelimit import client_address
from core.accounts.services import API_TOKEN_MAX_DAYS, api_token_create, api_token_revoke, user_authenticate
from core.audit.services import Actor


class TokenObtainView(APIView):
    """POST is open (it takes a password); DELETE needs the token it ends."""

    _method = ""

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(label="E-mail")
        password = serializers.CharField(
            label="Пароль", trim_whitespace=False, style={"input_type": "password"}
        )
        name = serializers.CharField(label="Название", max_length=100, required=False, allow_blank=True)
        expires_in_days = serializers.IntegerField(
            label="Срок действия, дней", required=False, min_value=1, max_value=API_TOKEN_MAX_DAYS
        )
        this_host_only = serializers.BooleanField(
            label="Только для этого адреса", required=False, default=False
        )
        otp = serializers.CharField(
            label="Код второго фактора",
            required=False,
            allow_blank=True,
            max_length=32,
            help_text="Код из приложения-аутентификатора или резервный код: нужен, если у учётной "
            "записи подключён второй фактор или её роль его требует.",
        )

    class TokenOutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="Ключ; показывается один раз.")
        id = serializers.IntegerField()
        name = serializers.CharField()
        expires_at = serializers.DateTimeField()
        host = serializers.CharField(help_text="Адрес, на котором токен действует (пусто — на всех).")

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        self._method = (request.method or "").upper()
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self) -> list[BaseAuthentication]:
        return [] if self._method == "POST" else super().get_authenticators()

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self._method == "POST" else [IsAuthenticated()]

    def get_throttles(self) -> list[Any]:
        return [SignInAddressThrottle()] if self._method == "POST" else super().get_throttles()

    @extend_schema(
        request=InputSerializer,
        responses={200: TokenOutputSerializer},
        auth=[],
        operation_id="auth_token_create",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = user_authenticate(
            email=values["email"],
            password=values["password"],
            address=client_address(request),
            cluster=getattr(request, "cluster", None),
        )
        if result.throttled:
            return Response(
                {
                    "detail": "Слишком много неудачных попыток входа с вашего адреса. Повторите позже.",
                    "code": "throttled",
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if result.locked:
            return Response(
                {
                    "detail": "Слишком много неудачных попыток входа. Учётная запись временно заблокирована.",
                    "code": "locked",
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if result.no_access:
            return Response(
                {"detail": "У вас нет доступа к этому кластеру.", "code": "no_access"},
                status=status.HTTP_403_FORBIDDEN,
            )
        if result.user is None:
            return Response(
                {"detail": "Неверный e-mail или пароль.", "code": "invalid_credentials"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        refusal = self._second_factor(result.user, values.get("otp", ""), client_address(request))
        if refusal is not None:
            return refusal
        host = request.get_host().rsplit(":", 1)[0].lower() if values["this_host_only"] else ""
        token, key = api_token_create(
            user=result.user,
            name=values.get("name", ""),
            expires_in_days=values.get("expires_in_days"),
            host=host,
            actor=Actor(user=result.user, host=request.get_host(), cluster=getattr(request, "cluster", None)),
        )
        return Response(
            self.TokenOutputSerializer(
                {
                    "token": key,
                    "id": token.pk,
                    "name": token.name,
                    "expires_at": token.expires_at,
                    "host": token.host,
                }
            ).data
        )

    @staticmethod
    def _second_factor(user: User, otp: str, address: str) -> Response | None:
        """None when the token may be issued; else the Russian 400 (or 429) naming `otp`."""

        def invalid(message: str, code: str) -> Response:
            return Response(
                {"detail": message, "code": code, "errors": {"otp": [message]}},
                status=status.HTTP_400_BAD_REQUEST,
            )

        if not twofactor.two_factor_enrolled(user):
            if twofactor.must_enrol(user):
                return invalid(
                    "Для вашей роли нужна двухфакторная аутентификация: подключите её на странице "
                    "«Безопасность входа» и повторите запрос с кодом в поле otp.",
                    "otp_enrolment_required",
                )
            return None
        if not otp.strip():
            return invalid(
                "Нужен второй фактор: укажите в поле otp код из приложения-аутентификатора или резервный код.",
                "otp_required",
            )
        result, reason = twofactor.second_factor_check(user=user, code=otp, address=address)
        if result.throttled or result.locked:
            return Response(
                {
                    "detail": "Слишком много неудачных попыток входа. Повторите позже.",
                    "code": "throttled" if result.throttled else "locked",
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if result.user is None:
            return invalid(reason or twofactor.WRONG_CODE, "otp_invalid")
        return None

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Токен запроса отозван.")},
        operation_id="auth_token_destroy",
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, int):
            return Response(
                {"detail": "Запрос подписан не токеном: отзывать нечего.", "code": "not_a_token"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token = ApiToken.objects.get(pk=request.auth)
        api_token_revoke(token=token, actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
