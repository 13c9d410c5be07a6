"""Demo of voting by ballots (a CLUSTER_DEMOS hook, after the members, roadmap and fees demos).

mosreg gets an absentee general meeting open for voting: three draft decisions (admit an
applicant company, approve a new version of the roadmap, change the fee schedule), the notice
sent, and paper ballots received by post from one vote short of the quorum. So
`member@mosreg.demo` can vote (its company has no ballot yet: the demo keeps the companies the
member login may be given — the first active one and those with unpaid invoices — out of the
pre-cast ballots), its vote brings the quorum, and `admin@mosreg.demo` watches the count move
and closes voting; the admission then takes effect and the company shows in the public
directory. Everything goes through the services. Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing.models import Invoice
from core.accounts.models import Grant, User
from core.audit.services import Actor
from tenants.members import services as members
from tenants.members.models import Company
from tenants.models import Cluster

from . import services
from .models import Body, Decision, Meeting
from .selectors import meeting_tally, meeting_voter_ids

VOTING_DEMO_CLUSTERS = {"mosreg"}
NUMBER = "3-З"  # the protocol number of the demo absentee meeting
APPLICANT = (
    "ООО «Медицинские системы Дубна»",
    "Медицинские системы Дубна",
    "Разработка и производство мониторов пациента и систем телеметрии для стационаров.",
)
DECISIONS = [
    (Decision.Kind.ADMIT_MEMBER, "Принять {company} в члены кластера."),
    (Decision.Kind.APPROVE_ROADMAP, "Утвердить новую редакцию дорожной карты кластера на 2027 год."),
    (
        Decision.Kind.SET_FEES,
        "Утвердить изменения в положение об уплате взносов: членский взнос на 2027 год.",
    ),
]
AGENDA = [
    "О приёме {company} в члены кластера",
    "Об утверждении новой редакции дорожной карты",
    "Об изменении положения об уплате взносов",
]
# Votes of the pre-cast paper ballots, by decision, cycled over the companies.
PATTERN = [("for", "for", "for"), ("for", "for", "abstain"), ("for", "against", "for"), ("for", "for", "for")]
SCAN = b"%PDF-1.4\n% demo scan of a signed paper ballot\n%%EOF\n"


def demo_voting(cluster: Cluster, *, tz: str) -> bool:
    """The hook: mosreg only. False when there is nothing to do (other cluster, or done)."""
    if cluster.schema_name not in VOTING_DEMO_CLUSTERS:
        return False
    admin = User.objects.filter(grants__cluster=cluster, grants__role=Grant.Role.CLUSTER_ADMIN).first()
    actor = Actor(user=admin, host=f"{cluster.schema_name}.demo", cluster=cluster)
    return (
        open_demo_meeting(cluster=cluster, actor=actor, keep_free=_member_login_candidates(cluster))
        is not None
    )


def _member_login_candidates(cluster: Cluster) -> set[int]:
    """Companies clusterhub.demo may give `member@<slug>.demo` to (it picks after the hooks)."""
    unpaid = set(
        Invoice.objects.filter(cluster=cluster, status__in=["open", "overdue", "partially_paid"]).values_list(
            "company_id", flat=True
        )
    )
    first = Company.objects.filter(status=Company.Status.ACTIVE).order_by("id").first()
    return unpaid | ({first.pk} if first else set())


def open_demo_meeting(
    *,
    cluster: Cluster,
    actor: Actor,
    keep_free: set[int] = frozenset(),  # type: ignore[assignment]
    now: dt.datetime | None = None,
) -> Meeting | None:
    """The open absentee meeting with ballots one short of the quorum; None if it exists or
    the cluster has no general meeting body."""
    if Meeting.objects.filter(form=Meeting.Form.ABSENTEE, number=NUMBER).exists():
        return None
    body = Body.objects.filter(kind=Body.Kind.GENERAL_MEETING).order_by("id").first()
    if body is None:
        return None
    now = now or timezone.now()
    deadline = timezone.localtime(now + dt.timedelta(days=body.notice_days + 4)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    applicant = Company.objects.filter(full_name=APPLICANT[0]).first() or members.company_create(
        actor=actor,
        full_name=APPLICANT[0],
        short_name=APPLICANT[1],
        status=Company.Status.APPLIED,
        description=APPLICANT[2],
        region_code=(cluster.region_codes or [""])[0],
        public_fields=["description", "region_code"],
    )
    meeting = services.meeting_create(
        actor=actor,
        body=body,
        held_at=deadline,
        number=NUMBER,
        form=Meeting.Form.ABSENTEE,
        chair_name="Председатель совета",
        secretary_name="Исполнительный директор",
        counter_name="Исполнительная дирекция",
        place="Заочное голосование",
        agenda=[line.format(company=applicant.short_name) for line in AGENDA],
    )
    items = list(meeting.agenda_items.order_by("number"))
    for (kind, text), item in zip(DECISIONS, items, strict=True):
        services.decision_draft_add(
            meeting=meeting,
            actor=actor,
            kind=kind,
            agenda_item=item,
            text=text.format(company=applicant.full_name),
            subject_company=applicant if kind == Decision.Kind.ADMIT_MEMBER else None,
        )
    services.meeting_publish(meeting=meeting, actor=actor, deadline=deadline, now=now)
    meeting.refresh_from_db()
    decisions = list(meeting.decisions.order_by("number"))
    required = meeting_tally(meeting=meeting).quorum.required
    voters = Company.objects.filter(pk__in=meeting_voter_ids(meeting=meeting) - set(keep_free)).order_by(
        "-id"
    )
    for n, company in enumerate(voters[: max(required - 1, 0)]):
        votes = [
            services.VoteInput(decision=d.pk, choice=c)
            for d, c in zip(decisions, PATTERN[n % len(PATTERN)], strict=True)
        ]
        services.ballot_enter_paper(
            meeting=meeting,
            company=company,
            votes=votes,
            actor=actor,
            representative_name=f"Генеральный директор {company.short_name}",
            scan=SimpleUploadedFile(f"ballot-{company.pk}.pdf", SCAN, content_type="application/pdf"),
            received_at=now - dt.timedelta(minutes=5 * (n + 1)),
            now=now,
        )
    return meeting
