"""POST /api/v1/auth/token/: e-mail + password -> token (lockout-aware)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.accounts.ratelimit import client_address
from core.accounts.services import user_authenticate


class TokenObtainView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(label="E-mail")
        password = serializers.CharField(label="Пароль", trim_whitespace=False, style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = user_authenticate(email=data.validated_data["email"], password=data.validated_data["password"],
                                   address=client_address(request), cluster=getattr(request, "cluster", None))
        if result.throttled:
            return Response(
                {"detail": "Слишком много неудачных попыток входа с вашего адреса. Повторите позже.",
                 "code": "throttled"}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if result.locked:
            return Response(
                {"detail": "Слишком много неудачных попыток входа. Учётная запись временно заблокирована.",
                 "code": "locked"}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if result.no_access:
            return Response({"detail": "У вас нет доступа к этому кластеру.", "code": "no_access"},
                            status=status.HTTP_403_FORBIDDEN)
        if result.user is None:
            return Response({"detail": "Неверный e-mail или пароль.", "code": "invalid_credentials"},
                            status=status.HTTP_400_BAD_REQUEST)
        token, _ = Token.objects.get_or_create(user=result.user)
        return Response(self.OutputSerializer({"token": token.key}).data)
