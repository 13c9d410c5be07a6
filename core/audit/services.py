"""Record changes. Call inside the service's transaction: the row commits with the change."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils import timezone

from core.accounts.models import User
from core.bulk import insert_many, insert_rows
from core.clock import current_cluster
from tenants.models import Cluster

from .models import AuditEntry

M = TypeVar("M", bound=models.Model)
# Rows per INSERT of model_create_many: one statement for the objects and one for their audit rows.
BULK_BATCH = 1000


@dataclass(frozen=True)
class Actor:
    """Who acts and from where; built by adapters (views, API) and passed to services."""

    user: User | None
    host: str = ""
    cluster: Cluster | None = None

    @classmethod
    def from_request(cls, request: HttpRequest, *, allow_anonymous: bool = False) -> Actor:
        """The signed-in user acting through this request. Services read an actor without a
        user as the system itself (Celery, demo, webhooks), so an anonymous visitor must
        never become one by accident: that takes an explicit `allow_anonymous=True`."""
        if not request.user.is_authenticated and not allow_anonymous:
            raise PermissionDenied("Войдите, чтобы выполнить это действие.")
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, host=request.get_host(), cluster=getattr(request, "cluster", None))

    @classmethod
    def system(cls, cluster: Cluster | None = None) -> Actor:
        return cls(user=None, host="", cluster=cluster)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The object's field values, ready for diff()."""
    return {k: _jsonable(v) for k, v in model_to_dict(obj, fields=fields).items()}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_entry(
    *, actor: Actor, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> AuditEntry:
    """The audit row for an action on obj, unsaved (for bulk_create by services writing many rows)."""
    cluster = actor.cluster or current_cluster()
    return AuditEntry(
        cluster=cluster,
        actor=actor.user,
        actor_email=actor.user.email if actor.user else "",
        host=actor.host,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes=changes or {},
    )


def audit_record(
    *, actor: Actor, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> AuditEntry:
    """One audit row for an action on obj (in the current cluster unless the actor names one)."""
    entry = audit_entry(actor=actor, action=action, obj=obj, changes=changes)
    entry.save()
    return entry


def saved_with_audit(updates: list[tuple[models.Model, list[str]]], audit: list[AuditEntry]) -> None:
    """`obj.save(update_fields=fields)` for each (obj, fields) and `AuditEntry.objects.bulk_create(audit)`
    in ONE statement (the UPDATEs as data-modifying WITH parts of the INSERT): one round trip
    instead of one per write, for hot paths that write a few locked rows and their audit rows.
    A new object among `updates` (`obj._state.adding`, `fields` empty: every column but the
    primary key) is INSERTed there, as save() would (e.g. an outbox row written with the change).
    Values are prepared by the fields as save() prepares them (`auto_now` fields among `fields`
    get the current time); the SQL is written here, not compiled by the ORM (a third of such a
    path's CPU), once per shape of the call (models, fields, number of audit rows). No signals
    are sent (none are connected to these models); the caller holds the rows' locks."""
    if not audit:
        raise ValueError("saved_with_audit writes at least one audit row")
    shape = tuple((type(obj), tuple(names), obj._state.adding) for obj, names in updates)
    sql, plan = _saved_with_audit_sql(shape, len(audit))
    params: list[Any] = []
    for (obj, _names), (fields, pk, adding) in zip(updates, plan, strict=True):
        params.extend(f.get_db_prep_save(f.pre_save(obj, adding), connection) for f in fields)
        if pk is not None:
            params.append(pk.get_db_prep_save(obj.pk, connection))
    columns = _audit_columns()
    for entry in audit:
        params.extend(f.get_db_prep_save(f.pre_save(entry, True), connection) for f in columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    for obj, _names in updates:
        obj._state.adding = False
    for entry in audit:
        entry._state.adding = False


def _audit_columns() -> list[models.Field[Any, Any]]:
    return [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]


@functools.cache
def _saved_with_audit_sql(
    shape: tuple[tuple[type[models.Model], tuple[str, ...], bool], ...], audit_rows: int
) -> tuple[str, list[tuple[list[models.Field[Any, Any]], models.Field[Any, Any] | None, bool]]]:
    """The statement of `saved_with_audit` for one shape of call, and per object the fields whose
    values it takes (then its primary key for an UPDATE's WHERE, None for an INSERT)."""

    def quote(name: str | None) -> str:
        return str(connection.ops.quote_name(str(name)))

    parts: list[str] = []
    plan: list[tuple[list[models.Field[Any, Any]], models.Field[Any, Any] | None, bool]] = []
    for i, (model, names, adding) in enumerate(shape):
        meta = model._meta
        pk = meta.pk
        if pk is None:
            raise TypeError(f"{meta.label} has no primary key")
        table = quote(meta.db_table)
        if adding:
            if names:
                raise TypeError(f"a new {meta.label} is inserted whole: no field list")
            fields = [f for f in meta.concrete_fields if not f.primary_key]
            values = ", ".join(["%s"] * len(fields))
            parts.append(  # names come from the models, values are parameters
                f"u{i} AS (INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) VALUES ({values}))"  # noqa: S608
            )
            plan.append((fields, None, True))
            continue
        fields = []
        for name in names:
            field = meta.get_field(name)
            if not isinstance(field, models.Field) or not field.concrete:
                raise TypeError(f"{name} is not a column of {meta.label}")
            fields.append(field)
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        parts.append(f"u{i} AS (UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s)")  # noqa: S608
        plan.append((fields, pk, False))
    columns = _audit_columns()
    row = f"({', '.join(['%s'] * len(columns))})"
    sql = (
        (f"WITH {', '.join(parts)} " if parts else "")
        + f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "
        + f"VALUES {', '.join([row] * audit_rows)}"
    )
    return sql, plan


# --- audited writes: one way for every service -----------------------------------------------


def fields_only(fields: dict[str, Any], allowed: frozenset[str] | set[str]) -> dict[str, Any]:
    """The fields a service accepts; anything else is a programming error, not user input."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    return fields


def _audited(obj: models.Model, audited: list[str] | None) -> list[str]:
    if audited is not None:
        return audited
    return [f.name for f in obj._meta.concrete_fields if f.name != "id" and not f.name.endswith("_at")]


def model_create(
    *, obj: models.Model, actor: Actor | None, action: str, audited: list[str] | None = None
) -> models.Model:
    """Validate and save a new object with its audit row (none for the system's own writes when
    `actor` is None), in one transaction."""
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        if actor is not None:
            audit_record(
                actor=actor, action=action, obj=obj, changes=diff({}, snapshot(obj, _audited(obj, audited)))
            )
    return obj


def model_create_many(
    *,
    objs: Sequence[M],
    actor: Actor | None,
    action: str,
    audited: list[str] | None = None,
    validated: bool = False,
    batch_size: int = BULK_BATCH,
) -> list[M]:
    """model_create for many new objects of one model: the same validation and the same audit rows
    (one per object, as model_create writes them), but one multi-row INSERT per `batch_size`
    objects and one per `batch_size` audit rows, in one transaction: all saved or none.

    `validated=True` when the caller already ran full_clean() on every object (an importer that
    checks each row first to report errors by line); save() hooks and signals do not run
    (core.bulk.insert_many, as with bulk_create), so use this only for models whose save() adds
    nothing."""
    objs = list(objs)
    if not validated:
        for obj in objs:
            obj.full_clean()
    if not objs:
        return objs
    fields = _audited(objs[0], audited)
    with transaction.atomic():
        for start in range(0, len(objs), batch_size):
            batch = insert_many(objs[start : start + batch_size], batch_size=batch_size)
            if actor is not None:
                _audit_created(actor=actor, action=action, objs=batch, fields=fields)
    return objs


def _audit_created(*, actor: Actor, action: str, objs: Sequence[models.Model], fields: list[str]) -> None:
    """The audit rows `audit_entry` gives for these new objects (changes = diff({}, snapshot)),
    in one INSERT, written as rows: an AuditEntry instance, model_to_dict and every field's
    preparation per object cost more than the INSERT (an import of 10,000 companies)."""
    if not objs:
        return
    meta = objs[0]._meta
    # model_to_dict's fields, in its order: editable ones among `fields` (FKs give their id).
    wanted = set(fields)
    chosen = [
        f
        for f in [*meta.concrete_fields, *meta.private_fields]
        if getattr(f, "editable", False) and f.name in wanted
    ]
    rows = []
    for obj in objs:
        changes = {}
        for f in chosen:
            value = _jsonable(f.value_from_object(obj))
            if value is not None:  # diff({}, …) keeps what differs from «nothing»
                changes[f.name] = [None, value]
        rows.append((str(obj.pk), str(obj)[:300], json.dumps(changes)))
    insert_rows(
        AuditEntry,
        ["object_id", "object_repr", "changes"],
        rows,
        same={
            "cluster": cluster.pk if (cluster := actor.cluster or current_cluster()) else None,
            "actor": actor.user.pk if actor.user else None,
            "actor_email": actor.user.email if actor.user else "",
            "host": actor.host,
            "action": action,
            "object_type": meta.label_lower,
            "at": timezone.now(),
        },
    )


def model_update(
    *,
    obj: models.Model,
    data: dict[str, Any],
    actor: Actor,
    action: str,
    audited: list[str] | None = None,
    extra_changes: dict[str, Any] | None = None,
) -> dict[str, list[Any]]:
    """Set `data` on obj, validate, and save it with an audit row of what changed, in one
    transaction (Django-Styleguide's model_update plus the audit row). Nothing is written when
    nothing changed. Returns {field: [old, new]}."""
    fields = _audited(obj, audited)
    before = snapshot(obj, fields)
    for name, value in data.items():
        setattr(obj, name, value)
    obj.full_clean()
    changes = {**diff(before, snapshot(obj, fields)), **(extra_changes or {})}
    if changes:
        with transaction.atomic():
            obj.save()
            audit_record(actor=actor, action=action, obj=obj, changes=changes)
    return changes


REVIEW_FIELDS = ["status", "submitted_at", "accepted_at"]


def model_review_move(
    *,
    queryset: models.QuerySet[M],
    pk: int,
    actor: Actor,
    action: str,
    sources: set[str],
    target: str,
    message: str,
    reason: str = "",
    check: Callable[[M], None] | None = None,
) -> M:
    """Move figures that staff review («draft» → «submitted» → «accepted», or back to «draft»)
    under a row lock, with an audit row of the move and the reason given, in one transaction.

    `queryset` names the model (and what to lock with it); the row must be in one of `sources`
    (else `message`); `check(obj)` may refuse the move with a ValidationError."""
    with transaction.atomic():
        obj = queryset.select_for_update().get(pk=pk)
        row: Any = obj  # any model with the review fields
        if row.status not in sources:
            raise ValidationError(message)
        if check is not None:
            check(obj)
        before = snapshot(obj, REVIEW_FIELDS)
        now = timezone.now()
        row.status = target
        if target == "submitted":
            row.submitted_at = now
        elif target == "accepted":
            row.accepted_at = now
        elif target == "draft":
            row.accepted_at = None
        obj.save(update_fields=[*REVIEW_FIELDS, "updated_at"])
        changes = diff(before, snapshot(obj, REVIEW_FIELDS))
        if reason.strip():
            changes["reason"] = [None, reason.strip()]
        audit_record(actor=actor, action=action, obj=obj, changes=changes)
    return obj


def model_delete(*, obj: models.Model, actor: Actor, action: str, audited: list[str] | None = None) -> None:
    """Delete obj with an audit row holding what it was, in one transaction."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=action,
            obj=obj,
            changes={k: [v, None] for k, v in snapshot(obj, _audited(obj, audited)).items()},
        )
        obj.delete()


def audit_pseudonymise(*, cluster: Cluster, user: User, label: str) -> int:
    """A person's deletion request (152-FZ): their audit entries in `cluster` stay, without the
    link to the account and with `label` instead of the e-mail. Returns how many changed."""
    return AuditEntry.objects.filter(cluster=cluster, actor=user).update(actor=None, actor_email=label[:254])
