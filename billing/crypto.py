"""Encryption of payee secrets (Stripe secret key, webhook signing secret) at rest.

Fernet (AES-128-CBC + HMAC-SHA256) with a key from settings.BILLING_SECRETS_KEY (a Fernet
key; several comma-separated keys rotate: the first encrypts, all decrypt). When unset,
the key is derived from SECRET_KEY with HKDF, so the demo works without configuration.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretUnavailable(Exception):
    """The stored secret cannot be decrypted with the configured keys."""


def _derived_key(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"clusterhub-billing", info=b"payee-secrets")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


def _fernet() -> MultiFernet:
    return _fernet_for(str(getattr(settings, "BILLING_SECRETS_KEY", "") or ""), settings.SECRET_KEY)


@functools.lru_cache(maxsize=8)
def _fernet_for(configured_keys: str, secret_key: str) -> MultiFernet:
    """Built once per key configuration (HKDF and key parsing are not free on every decrypt)."""
    configured = [k.strip() for k in configured_keys.split(",") if k.strip()]
    keys = [k.encode() for k in configured] or [_derived_key(secret_key)]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnavailable("payee secret cannot be decrypted with BILLING_SECRETS_KEY") from exc
