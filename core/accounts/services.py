"""Writes on accounts: create users, grant roles, authenticate with lockout."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.utils import timezone

from core.audit.services import Actor, audit_entry
from core.ru.regions import REGIONS
from tenants.models import Cluster

from .models import ApiToken, Grant, SignInLock, User
from .ratelimit import Limit
from .selectors import api_tokens_of, user_cluster_roles

Inv = TypeVar("Inv", bound=models.Model)


def user_create(*, email: str, password: str | None, full_name: str = "") -> User:
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": f"Пользователь с e-mail {email} уже есть."})
    user = User(email=email, full_name=full_name.strip())
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def user_get_or_create(*, email: str, password: str | None, full_name: str = "") -> tuple[User, bool]:
    existing = User.objects.filter(email__iexact=email.strip()).first()
    if existing:
        return existing, False
    return user_create(email=email, password=password, full_name=full_name), True


def grant_role(
    *,
    user: User,
    role: str,
    cluster: Cluster | None = None,
    region_codes: list[str] | None = None,
    company_id: int | None = None,
) -> Grant:
    """Give a role; idempotent for the same (user, role, cluster)."""
    region_codes = list(region_codes or [])
    if role in Grant.CLUSTER_ROLES and cluster is None:
        raise ValidationError({"cluster": "Для этой роли нужно указать кластер."})
    if role not in Grant.CLUSTER_ROLES and cluster is not None:
        raise ValidationError({"cluster": "Эта роль не относится к кластеру."})
    if role == Grant.Role.MINISTRY_REGIONAL:
        if not region_codes:
            raise ValidationError({"region_codes": "Для регионального уровня укажите регионы."})
        unknown = [c for c in region_codes if c not in REGIONS]
        if unknown:
            raise ValidationError({"region_codes": f"Неизвестные коды регионов: {', '.join(unknown)}."})
    with transaction.atomic():
        grant, _ = Grant.objects.update_or_create(
            user=user,
            role=role,
            cluster=cluster,
            defaults={"region_codes": region_codes, "company_id": company_id},
        )
    return grant


def grant_revoke(*, user: User, role: str, cluster: Cluster | None = None) -> int:
    """Take a role away; the user's API tokens die with it (a new one needs the password)."""
    with transaction.atomic():
        deleted, _ = Grant.objects.filter(user=user, role=role, cluster=cluster).delete()
        if deleted:
            api_tokens_revoke_all(user=user)
    return deleted


@dataclass(frozen=True)
class AuthResult:
    user: User | None
    locked_until: dt.datetime | None = None
    no_access: bool = False  # the password is right, but the account holds no role in the cluster
    throttled: bool = False  # too many failed sign-ins from this address, whatever the e-mails

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def address_limit() -> Limit:
    """Failed sign-ins from one address (any e-mails) before it is refused for a while."""
    return Limit("signin-address", settings.LOGIN_ADDRESS_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_MINUTES * 60)


def _reserve_guess(*, email: str, address: str, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """Count one guess for (e-mail, address) and read the lock, in one statement: concurrent
    guesses each get their own number, so no more than the threshold are ever evaluated.
    A finished window or an expired lock starts the count again."""
    table = SignInLock._meta.db_table
    fresh = "t.locked_until IS NOT NULL OR t.window_started_at < %(window_start)s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} AS t (email, address, failures, window_started_at, locked_until)
                VALUES (%(email)s, %(address)s, 1, %(now)s, NULL)
                ON CONFLICT (email, address) DO UPDATE SET
                  failures = CASE WHEN t.locked_until > %(now)s THEN t.failures
                                  WHEN {fresh} THEN 1 ELSE t.failures + 1 END,
                  window_started_at = CASE WHEN t.locked_until > %(now)s THEN t.window_started_at
                                           WHEN {fresh} THEN %(now)s ELSE t.window_started_at END,
                  locked_until = CASE WHEN t.locked_until > %(now)s THEN t.locked_until END
                RETURNING failures, locked_until""",  # noqa: S608 (the table name is ours)
            {
                "email": email,
                "address": address,
                "now": now,
                "window_start": now - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES),
            },
        )
        failures, locked_until = cursor.fetchone()
    return int(failures), locked_until


def _lock(*, email: str, address: str, now: dt.datetime) -> dt.datetime:
    until = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    SignInLock.objects.filter(email=email, address=address, locked_until__isnull=True).update(
        locked_until=until
    )
    return (
        SignInLock.objects.values_list("locked_until", flat=True).get(email=email, address=address) or until
    )


def user_authenticate(
    *, email: str, password: str, address: str, cluster: Cluster | None = None
) -> AuthResult:
    """Check e-mail and password from a client `address`; on a cluster's host (`cluster`
    given) only an account holding a role in that cluster signs in.

    First the address: after LOGIN_ADDRESS_FAILURE_LIMIT failures from it (any e-mails) it is
    refused for LOGIN_LOCKOUT_MINUTES. Then (e-mail, address): a guess is reserved before the
    password is checked, and after LOGIN_LOCKOUT_THRESHOLD failures that pair is locked. An
    unknown e-mail goes through the same steps, so the answers never tell whether it exists;
    the lock never reaches the account from another address (a platform admin cannot be
    locked out from outside)."""
    limit = address_limit()
    if limit.reached(address):
        return AuthResult(user=None, throttled=True)
    login = (email or "").strip().lower()[:254]
    now = timezone.now()
    failures, locked_until = _reserve_guess(email=login, address=address, now=now)
    if locked_until is not None and locked_until > now:
        limit.hit(address)
        return AuthResult(user=None, locked_until=locked_until)
    if failures > settings.LOGIN_LOCKOUT_THRESHOLD:  # concurrent guesses beyond the budget
        limit.hit(address)
        return AuthResult(user=None, locked_until=_lock(email=login, address=address, now=now))
    user = User.objects.filter(email__iexact=login).first()
    if user is None:
        User().set_password(password)  # spend the same hashing time as a real check
    elif user.is_active and user.check_password(password):
        SignInLock.objects.filter(email=login, address=address).delete()
        if cluster is not None and not user_cluster_roles(user, cluster):
            return AuthResult(user=None, no_access=True)
        return AuthResult(user=user)
    limit.hit(address)
    if failures >= settings.LOGIN_LOCKOUT_THRESHOLD:
        return AuthResult(user=None, locked_until=_lock(email=login, address=address, now=now))
    return AuthResult(user=None)


def signin_locks_clear(*, email: str) -> int:
    """Lift every sign-in lock on an e-mail (after its owner proved control of the mailbox)."""
    deleted, _ = SignInLock.objects.filter(email=email.strip().lower()).delete()
    return deleted


def user_password_reset(*, user: User, password: str) -> User:
    """Set a new password after the owner proved control of the mailbox (the reset link):
    lift the sign-in locks on the e-mail and end every API token of the account."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        signin_locks_clear(email=user.email)
        api_tokens_revoke_all(user=user)
    return user


# --- API tokens ------------------------------------------------------------------------------

API_TOKEN_DEFAULT_DAYS = 90
API_TOKEN_MAX_DAYS = 365
API_TOKENS_PER_USER = 20
# A token's last use is rewritten at most this often (the token list shows it to the minute).
API_TOKEN_LAST_USE_STEP = dt.timedelta(minutes=1)


def api_token_hash(key: str) -> str:
    """Keys are 240 random bits: a plain SHA-256 is enough to keep them useless if leaked."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str = "", expires_in_days: int | None = None, host: str = "", actor: Actor
) -> tuple[ApiToken, str]:
    """A new token of `user`; returns it and its key, which is never readable again."""
    if actor.user is not None and actor.user.pk != user.pk:
        raise PermissionDenied("Токен создаёт только его владелец.")
    days = API_TOKEN_DEFAULT_DAYS if expires_in_days is None else expires_in_days
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise ValidationError({"expires_in_days": f"Срок действия — от 1 до {API_TOKEN_MAX_DAYS} дней."})
    key = secrets.token_urlsafe(30)
    token = ApiToken(
        user=user,
        name=(name or "").strip() or "Токен API",
        key_hash=api_token_hash(key),
        prefix=key[:8],
        host=host.lower(),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    token.full_clean()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one creation at a time per user
        if api_tokens_of(user).count() >= API_TOKENS_PER_USER:
            raise ValidationError(
                {"name": f"У вас уже {API_TOKENS_PER_USER} действующих токенов: отзовите ненужные."}
            )
        token.save()
        _token_audit(actor=actor, action="api_token.create", token=token, changes={"host": token.host})
    return token, key


def _token_audit(
    *, actor: Actor, action: str, token: ApiToken, changes: dict[str, str] | None = None
) -> None:
    """The owner's own token actions are account events (no cluster's log); a cluster admin
    revoking a staff token acts in the cluster and is logged there."""
    entry = audit_entry(
        actor=actor, action=action, obj=token, changes={"name": token.name, **(changes or {})}
    )
    if actor.user is None or actor.user.pk == token.user_id:
        entry.cluster = None
    entry.save()


def api_token_authenticate(*, key: str, host: str) -> tuple[User, int] | None:
    """The active user behind a live token usable on `host`, and the token's id. One statement:
    the token (revocation, expiry and host checked on every request) joined to its user and the
    version of the user's grants (`user.access_version`: selectors.user_grants keeps the grants
    under it, migration 0005); its last use is written only when the stored one is older than
    API_TOKEN_LAST_USE_STEP, so a client polling the API does not write a row version per
    request."""
    now = timezone.now()
    tokens, users = ApiToken._meta.db_table, User._meta.db_table
    fields = User._meta.concrete_fields  # plain columns: no database converters to apply
    columns = ", ".join(f"u.{connection.ops.quote_name(str(f.column))}" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH live AS (
                SELECT id AS token_id, user_id, last_used_at FROM {tokens}
                WHERE key_hash = %s AND revoked_at IS NULL AND expires_at > %s AND (host = '' OR host = %s)),
            used AS (
                UPDATE {tokens} t SET last_used_at = %s FROM live
                WHERE t.id = live.token_id AND (live.last_used_at IS NULL OR live.last_used_at < %s))
            SELECT {columns}, live.token_id, COALESCE(av.version, 0)
            FROM {users} u JOIN live ON live.user_id = u.id
            LEFT JOIN accounts_access_version av ON av.user_id = u.id
            WHERE u.is_active""",  # noqa: S608 (table and column names are ours)
            [api_token_hash(key), now, host.lower(), now, now - API_TOKEN_LAST_USE_STEP],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    user = User.from_db(connection.alias, [f.attname for f in fields], row[: len(fields)])
    user.access_version = int(row[-1])  # type: ignore[attr-defined]
    return user, int(row[-2])


def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """End a token: its owner may, and so may an admin of the actor's cluster when the owner
    is that cluster's staff."""
    if actor.user is not None and actor.user.pk != token.user_id:
        cluster = actor.cluster
        if (
            cluster is None
            or Grant.Role.CLUSTER_ADMIN not in user_cluster_roles(actor.user, cluster)
            or not (
                Grant.objects.filter(
                    user_id=token.user_id, cluster=cluster, role=Grant.Role.CLUSTER_STAFF
                ).exists()
            )
        ):
            raise PermissionDenied(
                "Отозвать чужой токен может только администратор кластера — у его сотрудников."
            )
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db()
        _token_audit(actor=actor, action="api_token.revoke", token=token)
    return token


def api_tokens_revoke_all(*, user: User) -> int:
    """End every live token of a user (password reset, lost grant)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def invitation_email(email: str, *, field: str = "email") -> str:
    """The invited address, trimmed and lower-cased; a Russian error on `field` when it is not one."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({field: "Введите правильный адрес электронной почты."}) from exc
    return email


def invitation_issue(
    model: type[Inv], *, scope: dict[str, Any], email: str, invited_by: User | None, days: int
) -> Inv:
    """A new e-mailed invitation (a fresh token, valid for `days`) for `email` within `scope`
    (a company, a cluster…); pending invitations to the same address there are revoked. Runs in
    the caller's transaction, which writes the audit row and sends the letter after commit."""
    now = timezone.now()
    model._default_manager.filter(
        **scope, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitation = model(
        **scope,
        email=email,
        token=secrets.token_urlsafe(32),
        invited_by=invited_by,
        expires_at=now + dt.timedelta(days=days),
    )
    invitation.full_clean()
    invitation.save()
    return invitation


def invited_account(*, email: str, user: User | None, full_name: str, password: str) -> User:
    """The account that accepts an invitation sent to `email` (members' representatives and a new
    cluster's first admin): the signed-in owner of an existing account, or a new account with a
    name and a password that passes the validators. Russian errors name the field."""
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if user is None or user.pk != existing.pk:
            raise ValidationError(
                f"Учётная запись {email} уже есть: войдите в неё, чтобы принять приглашение."
            )
        return existing
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise ValidationError({"full_name": "Укажите фамилию, имя и отчество."})
    if not password:
        raise ValidationError({"password": "Придумайте пароль."})
    try:
        validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    account, _created = user_get_or_create(email=email, password=password, full_name=full_name)
    return account
