"""The signed-in browser sessions of a user: recorded at sign-in, seen at most once a minute,
listed and ended by their owner. Django's own session rows stay the truth (host-bound, see
core.accounts.middleware); a record is keyed by the SHA-256 of the session key, and ending one
deletes the Django session whose key hashes to it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.audit.services import Actor, audit_entry

from .models import User, UserSession


def session_key_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def seen_cache_key(key_hash: str) -> str:
    """The cache key that says a session was marked seen within SESSION_SEEN_EVERY_SECONDS."""
    return f"session-seen:{key_hash}"


def session_record_create(
    *, user: User, session_key: str, host: str, user_agent: str, ip: str
) -> UserSession:
    now = timezone.now()
    # records of this user's sessions that expired meanwhile go (nobody ends them otherwise)
    UserSession.objects.filter(
        user=user, last_seen_at__lt=now - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    ).delete()
    key_hash = session_key_hash(session_key)
    record, _ = UserSession.objects.update_or_create(
        key_hash=key_hash,
        defaults={
            "user": user,
            "host": host[:253],
            "user_agent": user_agent[:400],
            "ip": ip[:64],
            "last_seen_at": now,
        },
    )
    # just seen: the first requests after sign-in need no UPDATE (core.accounts.middleware)
    caches["platform"].set(seen_cache_key(key_hash), 1, timeout=settings.SESSION_SEEN_EVERY_SECONDS)
    return record


def session_seen(*, key_hash: str) -> int:
    """Mark a session active now (the middleware calls this at most once a minute)."""
    return UserSession.objects.filter(key_hash=key_hash).update(last_seen_at=timezone.now())


def session_record_drop(*, session_key: str | None) -> None:
    """Sign-out: the session is gone, so is its record."""
    if session_key:
        UserSession.objects.filter(key_hash=session_key_hash(session_key)).delete()


def sessions_of(user: User) -> QuerySet[UserSession]:
    """The user's sessions that may still be alive, most recent first."""
    since = timezone.now() - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return UserSession.objects.filter(user=user, last_seen_at__gte=since).order_by("-last_seen_at", "-pk")


def session_of(user: User, session_id: int) -> UserSession | None:
    """One of the user's own sessions (another user's id: None, as if it did not exist)."""
    return UserSession.objects.filter(user=user, pk=session_id).first()


def session_end(*, record: UserSession, actor: Actor) -> None:
    """End a session of its owner: its Django session row is deleted (the browser holding it is
    signed out at its next request), and the record with it."""
    table = Session._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE encode(sha256(convert_to(session_key, 'UTF8')), 'hex') = %s",  # noqa: S608
                [record.key_hash],
            )
        entry = audit_entry(actor=actor, action="session.end", obj=record, changes={"host": record.host})
        entry.cluster = None
        entry.save()
        record.delete()


_BROWSERS = (
    ("YaBrowser/", "Яндекс Браузер"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """«Chrome, Windows» from a User-Agent header; the first 40 characters when unknown."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if "HeadlessChrome/" in user_agent:
        browser = "Chrome (headless)"
    label = ", ".join(part for part in (browser, system) if part)
    return label or re.sub(r"\s+", " ", user_agent)[:40] or "—"
