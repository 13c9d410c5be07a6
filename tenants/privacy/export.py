"""Everything one person has in ONE cluster, for a copy (JSON and PDF, in Russian) and for a
deletion: the account as this cluster knows it, roles, consents, committee seats and posts,
meeting attendance and ballots, invoices and payments they recorded, audit entries about them.
Other people's data and other clusters' rows never enter (every public-schema query filters by
this cluster)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from billing.models import Invoice, Payment
from core.accounts.models import Grant, User
from core.audit.models import AuditEntry
from tenants.governance.models import Attendance, Ballot, BallotChange, CommitteeMember, Meeting, Officer
from tenants.members.models import Company
from tenants.models import Cluster

from .models import Consent, SubjectRequest


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else ""


def _day(value: Any) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def person_audit(*, cluster: Cluster, user: User) -> Any:
    """Audit entries of this cluster made by the person or about their own rows."""
    consents = [str(pk) for pk in Consent.objects.filter(user_id=user.pk).values_list("pk", flat=True)]
    requests = [str(pk) for pk in SubjectRequest.objects.filter(user_id=user.pk).values_list("pk", flat=True)]
    about = (
        Q(object_type="accounts.user", object_id=str(user.pk))
        | Q(object_type="privacy.consent", object_id__in=consents)
        | Q(object_type="privacy.subjectrequest", object_id__in=requests)
    )
    return AuditEntry.objects.filter(Q(cluster=cluster) & (Q(actor_id=user.pk) | about)).order_by("at", "id")


def named_q(field: str, user: User) -> Q:
    """Rows naming the person by full name (protocol annexes keep names, not accounts)."""
    return Q(**{field: user.full_name}) if user.full_name.strip() else Q(pk__in=[])


def person_records(*, cluster: Cluster, user: User) -> dict[str, Any]:
    """The person's records in this cluster as sections of rows (Russian headings and keys)."""
    grants = Grant.objects.filter(user=user, cluster=cluster).order_by("role")
    companies = {
        c.pk: str(c) for c in Company.objects.filter(pk__in=[g.company_id for g in grants if g.company_id])
    }
    consents = (
        Consent.objects.filter(user_id=user.pk).select_related("purpose", "text").order_by("given_at", "id")
    )
    seats = CommitteeMember.objects.filter(user_id=user.pk).select_related("committee")
    posts = Officer.objects.filter(Q(user_id=user.pk) | named_q("person_name", user))
    attendance = Attendance.objects.filter(named_q("representative_name", user)).select_related(
        "meeting", "company"
    )
    ballots = Ballot.objects.filter(
        Q(cast_by_id=user.pk) | named_q("representative_name", user)
    ).select_related("meeting", "company")
    chaired = Meeting.objects.filter(named_q("chair_name", user) | named_q("secretary_name", user))
    invoices = Invoice.objects.filter(cluster=cluster, created_by_id=user.pk).order_by("issue_date", "id")
    payments = Payment.objects.filter(cluster=cluster, recorded_by_id=user.pk).select_related("invoice")
    return {
        "Субъект": {
            "Кластер": cluster.name,
            "ФИО": user.full_name,
            "E-mail": user.email,
            "Зарегистрирован": _when(user.date_joined),
        },
        "Роли в кластере": [
            {"Роль": g.get_role_display(), "Организация": companies.get(g.company_id or 0, "")}
            for g in grants
        ],
        "Согласия": [
            {
                "Цель": c.purpose.title,
                "Редакция текста": c.text.version,
                "Дано": _when(c.given_at),
                "IP-адрес": c.ip or "",
                "Сайт": c.host,
                "Браузер": c.user_agent,
                "Отозвано": _when(c.withdrawn_at),
            }
            for c in consents
        ],
        "Комитеты и должности": [
            *({"Комитет": str(s.committee), "Роль": s.get_role_display()} for s in seats),
            *({"Должность": p.title, "С": _day(p.term_start), "По": _day(p.term_end)} for p in posts),
        ],
        "Заседания": [
            *(
                {
                    "Заседание": str(a.meeting),
                    "Организация": str(a.company),
                    "Присутствовал": "да" if a.present else "нет",
                }
                for a in attendance
            ),
            *(
                {
                    "Заседание": str(m),
                    "Роль": "председательствующий" if m.chair_name == user.full_name else "секретарь",
                }
                for m in chaired
            ),
        ],
        "Голосования": [
            {
                "Заседание": str(b.meeting),
                "Организация": str(b.company),
                "Подан": _when(b.cast_at),
                "Голоса": ", ".join(f"{v.decision.number}: {v.get_choice_display()}" for v in b.votes.all()),
            }
            for b in ballots.prefetch_related("votes__decision")
        ],
        "Счета и платежи": [
            *(
                {"Счёт": f"№ {i.number}", "Дата": _day(i.issue_date), "Плательщик": i.company_name}
                for i in invoices
            ),
            *({"Платёж по счёту": f"№ {p.invoice.number}", "Внесён": _when(p.created_at)} for p in payments),
        ],
        "Журнал изменений": [
            {"Когда": _when(e.at), "Действие": e.action, "Объект": e.object_repr, "Сайт": e.host}
            for e in person_audit(cluster=cluster, user=user)
        ],
    }


def export_pdf(*, records: dict[str, Any], title: str) -> bytes:
    """The copy as a PDF in Russian (WeasyPrint)."""
    from weasyprint import HTML

    sections = []
    for heading, rows in records.items():
        if isinstance(rows, dict):
            rows = [rows]
        sections.append((heading, rows))
    with translation.override("ru"):
        html = render_to_string("privacy/export.html", {"title": title, "sections": sections})
    return HTML(string=html).write_pdf() or b""


def ballot_changes_of(user: User) -> Any:
    return BallotChange.objects.filter(Q(user_id=user.pk) | named_q("representative_name", user))
