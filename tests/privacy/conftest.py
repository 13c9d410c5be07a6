"""Fixtures of the personal data tests: a purpose, people of two clusters."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Invoice
from core.accounts.models import User
from core.audit.services import Actor
from tenants.governance.models import Ballot
from tenants.members.models import Company
from tenants.models import Cluster
from tenants.privacy import services
from tenants.privacy.models import ConsentPurpose
from tests.governance import factories as gov_f


def system(cluster: Cluster) -> Actor:
    return Actor.system(cluster)


def purpose(
    cluster: Cluster, title: str = "Рассылка новостей", text: str = "Согласен на рассылку."
) -> ConsentPurpose:
    with schema_context(cluster.schema_name):
        return services.purpose_create(actor=system(cluster), title=title, text=text)


def footprint(cluster: Cluster, user: User, company_name: str) -> dict[str, int]:
    """The person's rows in the cluster: a consent, a ballot and an attendance in a held meeting
    they chaired (a protocol), an invoice they issued. Returns ids."""
    with schema_context(cluster.schema_name):
        p = services.purpose_create(actor=system(cluster), title=f"Каталог {company_name}", text="Согласен.")
        consent = services.consent_give(actor=system(cluster), purpose=p, user_id=user.pk, ip="10.1.2.3")
        company = Company.objects.create(
            full_name=f"ООО «{company_name}»", short_name=company_name, status="active"
        )
        body = gov_f.body(cluster)
        meeting = gov_f.meeting(cluster, body, number=f"{user.pk}")
        meeting.chair_name = user.full_name
        meeting.save()
        gov_f.attend(cluster, meeting, [company])
        meeting.attendance.update(representative_name=user.full_name)
        ballot = Ballot.objects.create(
            meeting=meeting,
            company=company,
            cast_by=user,
            representative_name=user.full_name,
            cast_at=timezone.now(),
        )
    invoice = Invoice.objects.create(
        cluster=cluster,
        number=f"PD-{user.pk}",
        company_id=company.pk,
        company_name=company_name,
        issue_date=dt.date(2026, 1, 15),
        due_date=dt.date(2026, 2, 15),
        amount_kopecks=100_00,
        source_key=f"pd-{user.pk}",
        created_by=user,
    )
    return {"consent": consent.pk, "meeting": meeting.pk, "ballot": ballot.pk, "invoice": invoice.pk}
