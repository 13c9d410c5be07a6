"""Reminder e-mails about roadmap deadlines (a write: records ReminderSent, audits, mails after commit).

Run once an hour for every live cluster by Celery beat (tasks.reminders_dispatch), inside the
cluster's schema. The cluster's own date decides (a cluster in Asia/Novosibirsk reaches
«tomorrow» four hours before Moscow does), and each cluster gets its letters from
ROADMAP_REMINDER_HOUR local time on (see tasks.reminders_run).

Two kinds, each sent at most once per item, kind and deadline (ReminderSent's unique key; when
the deadline moves, the reminders are due again):
- «due soon»: an open item whose dated deadline is within ROADMAP_REMINDER_DAYS_BEFORE days;
- «overdue»: an open item past its dated deadline (tracking.overdue_q), if it was missed no more
  than ROADMAP_OVERDUE_REMINDER_WINDOW_DAYS ago: a table imported long after its year does not
  flood everybody with letters about items nobody will do any more.
Only approved roadmaps remind (a draft is still being agreed; a closed one is history).

Recipients: the item's executors who have an account with a role in THIS cluster; for an item
without such an executor, the cluster's admins and staff. One letter per person per run lists
all their items, each with a link to the item's page.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Q

from core.accounts.models import Grant, User
from core.audit.services import Actor, audit_record
from core.clock import cluster_today
from tenants.models import Cluster
from tenants.selectors import cluster_primary_host

from .models import Item, ReminderSent, Roadmap
from .tracking import due_soon_q, overdue_q, reminder_days

logger = logging.getLogger(__name__)

DEFAULT_OVERDUE_WINDOW_DAYS = 30
MANAGER_ROLES = (Grant.Role.CLUSTER_ADMIN, Grant.Role.CLUSTER_STAFF)


def overdue_window_days() -> int:
    return int(getattr(settings, "ROADMAP_OVERDUE_REMINDER_WINDOW_DAYS", DEFAULT_OVERDUE_WINDOW_DAYS))


def item_link(*, host: str, item: Item) -> str:
    return f"https://{host}/roadmap/{item.roadmap_id}/items/{item.pk}/"


def reminder_candidates(*, today: dt.date) -> list[Item]:
    """Open items of approved roadmaps that are due soon or recently overdue (two queries)."""
    recent = today - dt.timedelta(days=overdue_window_days())
    return list(
        Item.objects.filter(roadmap__status=Roadmap.Status.APPROVED)
        .filter(due_soon_q(today) | (overdue_q(today) & Q(deadline_end__gte=recent)))
        .select_related("roadmap")
        .prefetch_related("executors")
        .order_by("deadline_end", "roadmap_id", "position")
    )


@dataclass
class _Entry:
    item: Item
    kind: str
    as_manager: bool


@dataclass
class _Letter:
    user: User
    entries: list[_Entry] = field(default_factory=list)


def _format_entry(entry: _Entry, *, today: dt.date, host: str) -> str:
    item = entry.item
    due = item.deadline_end.strftime("%d.%m.%Y") if item.deadline_end else ""
    deadline = f"«{item.deadline_text}» ({due})" if item.deadline_text else due
    if entry.kind == ReminderSent.Kind.OVERDUE:
        state = f"срок {deadline} истёк"
    else:
        left = (item.deadline_end - today).days if item.deadline_end else 0
        state = f"срок {deadline} — сегодня" if left == 0 else f"срок {deadline}, осталось дней: {left}"
    why = " (исполнитель с учётной записью не указан)" if entry.as_manager else ""
    return (
        f"• {item.number} {item.title.strip()}\n"
        f"  {state}; статус: {item.get_status_display()}{why}\n"
        f"  {item_link(host=host, item=item)}\n"
    )


def _letter(letter: _Letter, *, cluster: Cluster, today: dt.date, host: str) -> EmailMessage:
    overdue = [e for e in letter.entries if e.kind == ReminderSent.Kind.OVERDUE]
    soon = [e for e in letter.entries if e.kind == ReminderSent.Kind.DUE_SOON]
    name = cluster.display_name
    subject = (
        f"Просрочены мероприятия дорожной карты — {name}"
        if overdue
        else f"Приближается срок мероприятий дорожной карты — {name}"
    )
    parts = [
        f"Здравствуйте, {letter.user.get_full_name()}!\n\n"
        f"Напоминаем о сроках мероприятий дорожной карты кластера «{name}».\n"
    ]
    if overdue:
        parts.append("\nПросрочены:\n" + "".join(_format_entry(e, today=today, host=host) for e in overdue))
    if soon:
        parts.append(
            f"\nСрок наступает в ближайшие {reminder_days()} дн.:\n"
            + "".join(_format_entry(e, today=today, host=host) for e in soon)
        )
    if any(e.as_manager for e in letter.entries):
        parts.append(
            "\nВы получили часть напоминаний как администратор или сотрудник кластера: у этих "
            "мероприятий нет исполнителя с учётной записью на сайте кластера.\n"
        )
    parts.append(
        "\nКогда мероприятие выполнено, отметьте это и опишите результат на его странице — "
        "напоминания о нём прекратятся.\n"
    )
    return EmailMessage(subject=subject, body="".join(parts), to=[letter.user.email])


def _deliver(messages: list[EmailMessage]) -> None:
    with get_connection() as mail:
        for message in messages:
            try:
                mail.send_messages([message])
            except Exception:  # one bad address must not stop the other letters
                logger.exception("roadmap reminder to %s failed", message.to)


def reminders_send(*, cluster: Cluster, now: dt.datetime | None = None) -> dict[str, Any]:
    """Record and send the reminders due in this cluster (call inside its schema). Safe to run
    any number of times: what was sent for an item, kind and deadline is never sent again."""
    today = cluster_today(cluster, now)
    actor = Actor.system(cluster)
    host = cluster_primary_host(cluster=cluster)
    with transaction.atomic():
        # Two workers running at once: the second waits here, then sees the first one's rows.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"roadmap-reminders:{cluster.schema_name}"]
            )
        items = reminder_candidates(today=today)
        sent = set(
            ReminderSent.objects.filter(item_id__in=[i.pk for i in items]).values_list(
                "item_id", "kind", "deadline"
            )
        )
        pending: list[tuple[Item, str]] = []
        for candidate in items:
            deadline = candidate.deadline_end or today  # never None: both conditions need a date
            due = ReminderSent.Kind.OVERDUE if deadline < today else ReminderSent.Kind.DUE_SOON
            if (candidate.pk, due, candidate.deadline_end) not in sent:
                pending.append((candidate, due))
        if not pending:
            return {"cluster": cluster.schema_name, "today": today.isoformat(), "reminders": 0, "letters": 0}

        # Executors with an account count only while they hold a role in this cluster.
        executor_ids = {e.user_id for item, _ in pending for e in item.executors.all() if e.user_id}
        people = {
            u.pk: u
            for u in User.objects.filter(
                pk__in=executor_ids,
                is_active=True,
                grants__cluster=cluster,
                grants__role__in=Grant.CLUSTER_ROLES,
            ).distinct()
        }
        managers: list[User] | None = None

        letters: dict[int, _Letter] = {}
        rows: list[ReminderSent] = []
        for item, kind in pending:
            recipients = list(
                {e.user_id: people[e.user_id] for e in item.executors.all() if e.user_id in people}.values()
            )
            as_manager = not recipients
            if as_manager:
                if managers is None:
                    managers = list(
                        User.objects.filter(
                            is_active=True, grants__cluster=cluster, grants__role__in=MANAGER_ROLES
                        )
                        .distinct()
                        .order_by("email")
                    )
                recipients = managers
            if not recipients:
                continue  # nobody to tell: not recorded, so a manager added later still hears of it
            rows.append(
                ReminderSent(
                    item=item,
                    kind=kind,
                    deadline=item.deadline_end or today,
                    recipients=[u.email for u in recipients],
                )
            )
            for user in recipients:
                letters.setdefault(user.pk, _Letter(user=user)).entries.append(_Entry(item, kind, as_manager))
        ReminderSent.objects.bulk_create(rows)
        for row in rows:
            audit_record(
                actor=actor,
                action="roadmap_item.reminder",
                obj=row.item,
                changes={
                    "reminder": [None, row.kind],
                    "deadline": [None, row.deadline.isoformat()],
                    "recipients": [None, len(row.recipients)],
                },
            )
        messages = [_letter(letter, cluster=cluster, today=today, host=host) for letter in letters.values()]
        transaction.on_commit(lambda: _deliver(messages))
    return {
        "cluster": cluster.schema_name,
        "today": today.isoformat(),
        "reminders": len(rows),
        "letters": len(messages),
    }
