"""Django auth backend: e-mail + password through the lockout-aware service."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from .models import User
from .ratelimit import client_address
from .services import user_authenticate


class EmailLockoutBackend(BaseBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        email: str | None = None,
        password: str | None = None,
        username: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        login = email or username
        if not login or password is None:
            return None
        address = client_address(request) if request is not None else "internal"
        return user_authenticate(email=login, password=password, address=address).user

    def get_user(self, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id, is_active=True).first()
