"""Meetings voting by ballots (absentee and mixed): the staff side and the member portal.

Staff (cluster admins and staff): publish the notice (with the late-notice reason when the
body's notice period is short), watch the live count (`meeting_tally_json`, polled by
static/frontend/tally.js) while voting is open, close voting, enter a paper ballot with its
scan, read the ballot register, approve or reject proxies.

Member portal («Голосование»): the open meetings of the companies the representative speaks
for (its own, and those it holds an approved proxy of), the ballot form until the deadline
(posting again replaces the company's votes), its own ballot with the history of changes, the
ballot as a PDF, and proxy upload. A representative never sees another company's ballot
(404, as a missing one), nor the count.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.accounts.access import MemberAccess, member_access
from core.audit.services import Actor
from core.clock import cluster_today
from frontend.access import or_404
from frontend.governance.forms import (
    BallotForm,
    BodyVotingRulesForm,
    MeetingMaterialForm,
    PaperBallotForm,
    ProxyForm,
    ProxyRejectForm,
    PublishForm,
)
from frontend.pages import action, form_page
from frontend.tables import ListControls, list_controls, search, select
from tenants.governance import protocol, services
from tenants.governance.models import Ballot, BallotVote, Meeting, Proxy
from tenants.governance.selectors import (
    ballot_history,
    ballot_list,
    body_get,
    body_majorities,
    meeting_get,
    meeting_material_file,
    meeting_material_get,
    meeting_materials,
    meeting_tally,
    meeting_voter_ids,
    proxy_get,
    proxy_list,
)
from tenants.http import ClusterHttpRequest
from tenants.members.models import Company

from .records import is_manager, managers, readers


def _access(request: ClusterHttpRequest) -> MemberAccess:
    return member_access(user=request.user, cluster=request.cluster)


def _meeting_url(pk: int) -> str:
    return reverse("governance:meeting", kwargs={"pk": pk})


def _ballot_meeting(pk: int) -> Meeting:
    """A meeting voting by ballots (others: 404)."""
    meeting = or_404(meeting_get(meeting_id=pk))
    return or_404(meeting if meeting.by_ballots else None)


def tally_data(meeting: Meeting) -> dict[str, Any]:
    """The live count as the page script and the page itself show it (the API's shape)."""
    tally = meeting_tally(meeting=meeting)
    return {
        "status": tally.status,
        "quorum": {
            "voters": tally.quorum.total,
            "ballots": tally.quorum.present,
            "required": tally.quorum.required,
            "reached": tally.quorum.reached,
            "label": tally.quorum.label,
        },
        "decisions": [
            {
                "id": row.id,
                "number": row.decision.number,
                "text": row.text,
                "rule": row.rule,
                "rule_label": row.rule_label,
                "for": row.votes_for,
                "against": row.votes_against,
                "abstain": row.votes_abstained,
                "adopted": row.adopted,
            }
            for row in tally.decisions
        ],
    }


REGISTER_PAGE_SIZE = 50
# Sortable columns of the ballot register on the meeting page (?sort=key / -key).
REGISTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "company": ("company__short_name", "company_id"),
    "representative": ("representative_name", "company__short_name", "company_id"),
    "cast": ("cast_at", "id"),
}


def _register_controls(request: ClusterHttpRequest) -> ListControls:
    return list_controls(
        request,
        columns=REGISTER_COLUMNS,
        default="company",
        filters=(
            search(
                _("Организация или представитель"),
                "company__short_name__icontains",
                "company__full_name__icontains",
                "representative_name__icontains",
            ),
            select(
                "paper",
                _("Бюллетень"),
                [("yes", _("Бумажные")), ("no", _("Электронные"))],
                _("Бумажные и электронные"),
                parse=lambda value: value == "yes",
            ),
        ),
        page_size=REGISTER_PAGE_SIZE,
    )


def voting_context(request: ClusterHttpRequest, meeting: Meeting) -> dict[str, Any]:
    """What the staff meeting page adds for a meeting voting by ballots. The register is shown
    REGISTER_PAGE_SIZE ballots a page (?page=): the page's queries do not grow with the ballots;
    the whole register is in the protocol's annex and in the spreadsheet (meeting_register)."""
    if not meeting.by_ballots or not is_manager(request):
        return {}
    closed = meeting.voting_status == "closed"
    # while voting is open the register shows no votes: skip reading them
    ballots = ballot_list(meeting=meeting) if closed else ballot_list(meeting=meeting).prefetch_related(None)
    listing = _register_controls(request)
    can_publish = meeting.voting_status == "draft" and meeting.status != Meeting.Status.CANCELLED
    return {
        "tally": tally_data(meeting) if meeting.voting_status != "draft" else None,
        "can_publish": can_publish,
        "material_form": MeetingMaterialForm() if can_publish else None,
        "register": listing.page(ballots),
        "listing": listing,
        "sorting": listing.sorting,
        "show_votes": closed,
        "pending_proxies": proxy_list().filter(status=Proxy.Status.PENDING).count(),
    }


# --- staff -------------------------------------------------------------------------------


@managers
@require_http_methods(["GET", "POST"])
def body_voting_rules(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    """The charter's voting rules of a body: notice period, who votes, abstentions, and the
    majority each kind of decision needs (used by the meetings voting by ballots)."""
    body = or_404(body_get(body_id=pk))
    form = BodyVotingRulesForm(
        request.POST or None,
        majorities=body_majorities(body=body),
        initial={
            "notice_days": body.notice_days,
            "vote_weights": body.vote_weights,
            "abstentions_counted": body.abstentions_counted,
        },
    )
    return form_page(
        request,
        form=form,
        save=lambda data: services.body_voting_rules_set(
            body=body,
            actor=Actor.from_request(request),
            notice_days=data["notice_days"],
            vote_weights=data["vote_weights"],
            abstentions_counted=data["abstentions_counted"],
            majorities=form.majorities(),
        ),
        success=reverse("governance:bodies"),
        message=_("Правила голосования органа «%(name)s» сохранены.") % {"name": body.name},
        title=_("Правила голосования: %(name)s") % {"name": body.name},
        cancel=reverse("governance:bodies"),
        intro=_(
            "По этим правилам проводятся заочные и смешанные собрания органа; у уже завершённых "
            "решений правило большинства не меняется."
        ),
    )


@managers
@require_http_methods(["GET", "POST"])
def meeting_material_upload(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    """A material sent with the notice (until the notice goes out)."""
    meeting = _ballot_meeting(pk)
    return form_page(
        request,
        form=MeetingMaterialForm(request.POST or None, request.FILES or None),
        save=lambda data: services.meeting_material_upload(
            meeting=meeting, actor=Actor.from_request(request), file=data["file"], title=data["title"]
        ),
        success=_meeting_url(pk) + "#materials",
        message=lambda material: _("Материал «%(title)s» загружен.") % {"title": material.title},
        title=_("Материал к собранию: %(meeting)s") % {"meeting": meeting},
        cancel=_meeting_url(pk),
        submit=_("Загрузить"),
    )


@managers
@require_POST
def meeting_material_delete(request: ClusterHttpRequest, pk: int, material_id: int) -> HttpResponseBase:
    material = or_404(meeting_material_get(meeting_id=pk, material_id=material_id))
    return action(
        request,
        lambda: services.meeting_material_delete(material=material, actor=Actor.from_request(request)),
        success=_meeting_url(pk) + "#materials",
        message=_("Материал «%(title)s» удалён.") % {"title": material.title},
    )


@readers
@require_GET
def meeting_material(request: ClusterHttpRequest, pk: int, material_id: int) -> FileResponse:
    """A material, for any role of the cluster: only a file stored in this cluster's folder of
    this meeting is served (anything else is 404, as a missing one)."""
    material = or_404(meeting_material_get(meeting_id=pk, material_id=material_id))
    handle = or_404(meeting_material_file(material=material))
    return FileResponse(handle, as_attachment=True, filename=material.original_name or material.title)


@managers
@require_http_methods(["GET", "POST"])
def meeting_publish(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    """The notice: deadline, record date and (when the notice is short) the reason; confirmed
    in the browser before it goes out."""
    meeting = _ballot_meeting(pk)
    return form_page(
        request,
        form=PublishForm(request.POST or None),
        save=lambda data: services.meeting_publish(
            meeting=meeting,
            actor=Actor.from_request(request),
            deadline=data["deadline"],
            record_date=data["record_date"],
            late_notice_reason=data["late_notice_reason"],
        ),
        success=_meeting_url(pk),
        message=_("Уведомление о собрании разослано, голосование открыто."),
        template="frontend/governance/publish.html",
        context={"meeting": meeting},
        title=_("Уведомление о собрании"),
        cancel=_meeting_url(pk),
    )


@managers
@require_GET
def meeting_tally_json(request: ClusterHttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(tally_data(_ballot_meeting(pk)))


@managers
@require_POST
def meeting_close_voting(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    meeting = _ballot_meeting(pk)
    return action(
        request,
        lambda: services.voting_close(meeting=meeting, actor=Actor.from_request(request)),
        success=_meeting_url(pk),
        message=_("Голосование завершено, итоги подведены."),
    )


@managers
@require_http_methods(["GET", "POST"])
def meeting_paper_ballot(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    meeting = _ballot_meeting(pk)
    voters = list(
        Company.objects.filter(pk__in=meeting_voter_ids(meeting=meeting)).order_by("short_name", "id")
    )
    decisions = list(meeting.decisions.all())
    form = PaperBallotForm(request.POST or None, request.FILES or None, decisions=decisions, companies=voters)
    return form_page(
        request,
        form=form,
        save=lambda data: services.ballot_enter_paper(
            meeting=meeting,
            company=next(c for c in voters if c.pk == data["company"]),
            votes=form.votes(),
            representative_name=data["representative_name"],
            scan=data["scan"],
            actor=Actor.from_request(request),
        ),
        success=_meeting_url(pk),
        message=_("Бумажный бюллетень внесён."),
        title=_("Бумажный бюллетень: %(meeting)s") % {"meeting": meeting},
        cancel=_meeting_url(pk),
        submit=_("Внести бюллетень"),
        intro=_("Бюллетень, полученный по почте: он будет отмечен как бумажный, скан приложен к нему."),
    )


@managers
@require_GET
def meeting_register(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    """The whole ballot register as a spreadsheet (the protocol's annex), for staff."""
    meeting = _ballot_meeting(pk)
    response = HttpResponse(
        protocol.register_xlsx(meeting=meeting, cluster=request.cluster), content_type=protocol.XLSX_TYPE
    )
    response["Content-Disposition"] = protocol.content_disposition(
        protocol.register_filename(meeting=meeting, cluster=request.cluster)
    )
    return response


@readers
@require_GET
def ballot_pdf(request: ClusterHttpRequest, pk: int, ballot_id: int) -> HttpResponse:
    """The ballot with its votes: staff any ballot, a representative only its companies'."""
    meeting = _ballot_meeting(pk)
    access = _access(request)
    ballot = or_404(
        ballot_list(meeting=meeting, company_ids=None if access.manager else _voting_for(request))
        .filter(pk=ballot_id)
        .first()
    )
    response = HttpResponse(
        protocol.ballot_pdf(ballot=ballot, cluster=request.cluster), content_type=protocol.PDF_TYPE
    )
    response["Content-Disposition"] = protocol.content_disposition(protocol.ballot_filename(ballot=ballot))
    return response


@readers
@require_GET
def ballot_scan(request: ClusterHttpRequest, pk: int, ballot_id: int) -> HttpResponse:
    meeting = _ballot_meeting(pk)
    if not is_manager(request):
        raise Http404
    ballot = or_404(ballot_list(meeting=meeting).filter(pk=ballot_id).exclude(scan="").first())
    return _file_response(ballot.scan, f"ballot-{ballot.pk}")


def _file_response(field: Any, fallback: str) -> HttpResponse:
    with field.open("rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type="application/octet-stream")
    name = field.name.rsplit("/", 1)[-1] or fallback
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- proxies -----------------------------------------------------------------------------


# Sortable columns of the proxy list (?sort=key / -key); newest upload first by default
# ("created" has no column).
PROXY_COLUMNS: dict[str, tuple[str, ...]] = {
    "grantor": ("grantor__short_name", "-created_at", "-id"),
    "holder": ("holder__short_name", "-created_at", "-id"),
    "valid": ("valid_until", "valid_from", "id"),
    "status": ("status", "-created_at", "-id"),
    "created": ("created_at", "id"),
}
PROXY_PAGE_SIZE = 25


@readers
@require_GET
def proxies(request: ClusterHttpRequest) -> HttpResponse:
    access = _access(request)
    listing = list_controls(
        request,
        columns=PROXY_COLUMNS,
        default="-created",
        filters=(
            search(
                _("Доверитель или представитель"),
                "grantor__short_name__icontains",
                "grantor__full_name__icontains",
                "holder__short_name__icontains",
                "holder__full_name__icontains",
            ),
            select("status", _("Состояние"), Proxy.Status.choices, _("Все")),
        ),
        page_size=PROXY_PAGE_SIZE,
    )
    qs = proxy_list(company_ids=None if access.manager else access.company_ids)
    return render(
        request,
        "frontend/governance/proxies.html",
        {
            "page": listing.page(qs),
            "listing": listing,
            "sorting": listing.sorting,
            "manager": access.manager,
            "can_upload": bool(access.company_ids),
            "reject_form": ProxyRejectForm() if access.manager else None,
        },
    )


@readers
@require_http_methods(["GET", "POST"])
def proxy_upload(request: ClusterHttpRequest) -> HttpResponseBase:
    access = _access(request)
    if not access.company_ids:
        raise Http404
    holders = list(Company.objects.filter(pk__in=access.company_ids).order_by("short_name", "id"))
    grantors = list(
        Company.objects.exclude(pk__in=access.company_ids)
        .filter(status__in=[Company.Status.ADMITTED, Company.Status.ACTIVE])
        .order_by("short_name", "id")
    )
    form = ProxyForm(request.POST or None, request.FILES or None, grantors=grantors, holders=holders)
    return form_page(
        request,
        form=form,
        save=lambda data: services.proxy_upload(
            grantor=next(c for c in grantors if c.pk == data["grantor"]),
            holder=next(c for c in holders if c.pk == data["holder"]),
            file=data["file"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            actor=Actor.from_request(request),
        ),
        success=reverse("governance:proxies"),
        message=_("Доверенность загружена и передана на проверку сотрудникам кластера."),
        title=_("Загрузить доверенность"),
        cancel=reverse("governance:proxies"),
        submit=_("Загрузить"),
        intro=_(
            "Доверенность даёт представителям вашей организации право голосовать за доверителя, "
            "после того как её подтвердят сотрудники кластера."
        ),
    )


@readers
@require_GET
def proxy_file(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    access = _access(request)
    proxy = or_404(proxy_get(proxy_id=pk, company_ids=None if access.manager else access.company_ids))
    return _file_response(proxy.file, f"proxy-{proxy.pk}")


@managers
@require_POST
def proxy_approve(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    proxy = or_404(proxy_get(proxy_id=pk))
    return action(
        request,
        lambda: services.proxy_approve(proxy=proxy, actor=Actor.from_request(request)),
        success=reverse("governance:proxies"),
        message=_("Доверенность подтверждена."),
    )


@managers
@require_POST
def proxy_reject(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    proxy = or_404(proxy_get(proxy_id=pk))
    form = ProxyRejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return action(
        request,
        lambda: services.proxy_reject(proxy=proxy, reason=reason, actor=Actor.from_request(request)),
        success=reverse("governance:proxies"),
        message=_("Доверенность отклонена."),
    )


# --- member portal ------------------------------------------------------------------------


def _voting_for(request: ClusterHttpRequest) -> set[int]:
    """Companies the user may vote for: those it represents, and the grantors of approved
    proxies held by them that are valid today."""
    own = set(_access(request).company_ids)
    if not own:
        return set()
    today = cluster_today()
    held = (
        proxy_list()
        .filter(
            holder_id__in=own, status=Proxy.Status.APPROVED, valid_from__lte=today, valid_until__gte=today
        )
        .values_list("grantor_id", flat=True)
    )
    return own | set(held)


def _open_meetings() -> Any:
    return (
        Meeting.objects.select_related("body")
        .filter(form__in=[Meeting.Form.ABSENTEE, Meeting.Form.MIXED], published_at__isnull=False)
        .exclude(status=Meeting.Status.CANCELLED)
    )


@readers
@require_GET
def voting(request: ClusterHttpRequest) -> HttpResponse:
    """«Голосование»: the meetings voting by ballots, with the user's companies and their ballots."""
    companies = _voting_for(request)
    meetings = list(
        _open_meetings()
        .filter(Q(voting_closed_at__isnull=True) | Q(ballots__company_id__in=companies))
        .distinct()
        .order_by("voting_closed_at", "deadline", "-id")[:50]
    )
    ballots = {
        (b.meeting_id, b.company_id): b
        for b in Ballot.objects.filter(meeting__in=meetings, company_id__in=companies)
    }
    names = {c.pk: c for c in Company.objects.filter(pk__in=companies)}
    rows = []
    for meeting in meetings:
        voters = meeting_voter_ids(meeting=meeting)
        for company_id in sorted(companies & voters, key=lambda pk: str(names[pk])):
            rows.append((meeting, names[company_id], ballots.get((meeting.pk, company_id))))
    return render(
        request,
        "frontend/governance/voting.html",
        {
            "rows": rows,
            "represents": bool(companies),
            "manager": is_manager(request),
            "now": timezone.now(),
        },
    )


@readers
@require_http_methods(["GET", "POST"])
def ballot(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    """The ballot of one company (?company=, default the first the user votes for) at one
    meeting: the form until the deadline, then the ballot as cast; its history and PDF."""
    meeting = _ballot_meeting(pk)
    allowed = _voting_for(request) & meeting_voter_ids(meeting=meeting)
    wanted = request.GET.get("company", "")
    company_id = int(wanted) if wanted.isdigit() else min(allowed, default=None)
    if meeting.published_at is None or company_id not in allowed:
        raise Http404
    company = or_404(Company.objects.filter(pk=company_id).first())
    mine = ballot_list(meeting=meeting, company_ids=[company.pk]).first()
    current = {vote.decision_id: vote.choice for vote in mine.votes.all()} if mine else {}
    decisions = list(meeting.decisions.all())
    is_open = (
        meeting.voting_status == "open"
        and meeting.status != Meeting.Status.CANCELLED
        and (meeting.deadline is None or timezone.now() < meeting.deadline)
    )
    form = BallotForm(request.POST or None, decisions=decisions, current=current)
    url = reverse("governance:ballot", kwargs={"pk": pk}) + f"?company={company.pk}"
    return form_page(
        request,
        form=form,
        save=lambda data: services.ballot_cast(
            meeting=meeting, company=company, votes=form.votes(), actor=Actor.from_request(request)
        ),
        success=url,
        message=_("Ваш голос учтён. Его можно изменить до окончания приёма бюллетеней."),
        template="frontend/governance/ballot.html",
        context={
            "meeting": meeting,
            "company": company,
            "ballot": mine,
            "is_open": is_open,
            "others": list(Company.objects.filter(pk__in=allowed - {company.pk}).order_by("short_name")),
            "history": _history(mine, decisions) if mine else [],
            "materials": list(meeting_materials(meeting=meeting)),
        },
    )


def _history(ballot: Ballot, decisions: list[Any]) -> list[tuple[Any, str]]:
    """Each change of the ballot with its votes as «1: за; 2: против»."""
    numbers = {str(d.pk): d.number for d in decisions}
    labels = {value: str(label).lower() for value, label in BallotVote.Choice.choices}
    return [
        (
            change,
            "; ".join(
                f"{numbers.get(str(k), '?')}: {labels.get(v, v)}"
                for k, v in sorted(change.votes.items(), key=lambda kv: numbers.get(str(kv[0]), 0))
            ),
        )
        for change in ballot_history(ballot=ballot)
    ]
