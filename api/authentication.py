"""Token authentication over core.accounts' hashed, expiring, revocable API tokens.

`Authorization: Token <key>` as before (a subclass of DRF's TokenAuthentication, so the header
parsing and the OpenAPI security scheme stay the same); `request.auth` is the token's id.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from core.accounts.services import api_token_authenticate


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"
    _host = ""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        self._host = request.get_host().rsplit(":", 1)[0].lower()
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        found = api_token_authenticate(key=key, host=self._host)
        if found is None:
            raise exceptions.AuthenticationFailed(
                "Токен недействителен: истёк, отозван или выдан для другого адреса."
            )
        return found
