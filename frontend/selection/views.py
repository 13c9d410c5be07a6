"""Selection pages on the public host (namespace "selection", prefix /selection/): the calls of the
PROКЛАСТЕРЫ programme for the ministry and the platform admin (open a call, its applications and
experts, the ranking with the commission's decisions, the protocol), the expert's «Мои экспертизы»
with the scoring form, and the published results.

Who may do what is the rule of core.selection.services (opening calls, assigning and deciding:
federal ministry users and platform admins; regional users read the applications of their
regions); these views parse input, call a service or selector and render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.accounts.models import User
from core.accounts.selectors import MinistryScope, user_ministry_scope
from core.audit.services import Actor
from core.selection import selectors, services
from core.selection.models import Application, Assignment, Call, ExpertAssignment
from frontend.access import ministry_required, or_404, signed_in_platform_page
from frontend.pages import action, form_page
from frontend.tables import Filter, list_controls, search
from tenants.http import PlatformHttpRequest

from . import display
from .forms import AssignForm, CallForm, ClarificationRequestForm, DecisionForm, ExpertForm, ReviewForm

# Applications per page of a call (each row checks its free experts for a conflict of interest).
PAGE_SIZE = 25
# Sortable columns of the call list (frontend.tables): ?sort=key / -key; the latest year first.
CALL_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "pk"),
    "year": ("year", "opens_at", "pk"),
    "opens": ("opens_at", "pk"),
    "status": ("status", "-year", "-pk"),
    "applications": ("application_count", "pk"),
}


def _user(request: PlatformHttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - guaranteed by the page decorators
    return request.user


def _scope(request: PlatformHttpRequest) -> MinistryScope:
    scope = user_ministry_scope(request.user)
    assert scope is not None  # noqa: S101 - guaranteed by ministry_required
    return scope


def _actor(request: PlatformHttpRequest) -> Actor:
    return Actor.from_request(request)


def _is_manager(request: PlatformHttpRequest) -> bool:
    """Opens calls, assigns experts, decides: a federal ministry user or a platform admin (the
    services enforce it; the page only hides the buttons of the others)."""
    return _scope(request).federal


# Small reads of the pages (to move into core.selection.selectors when it grows them).
def _call(pk: int, *, published: bool = False) -> Call:
    calls = Call.objects.filter(status=Call.Status.PUBLISHED) if published else Call.objects.all()
    return or_404(calls.filter(pk=pk).first())


def _expert_by_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip(), is_active=True).first()


def _back(call: Call) -> str:
    return reverse("selection:call", args=[call.pk])


@ministry_required
@require_GET
def calls(request: PlatformHttpRequest) -> HttpResponse:
    listing = list_controls(
        request,
        columns=CALL_COLUMNS,
        default="-year",
        filters=(
            search(_("Название отбора")),
            Filter("status", _("Состояние"), choices=Call.Status.choices, placeholder=_("Любое состояние")),
        ),
    )
    qs = Call.objects.annotate(
        application_count=Count("applications", filter=~Q(applications__status=Application.Status.DRAFT))
    )
    if listing.values["q"]:
        qs = qs.filter(title__icontains=listing.values["q"])
    if listing.values["status"] in Call.Status.values:
        qs = qs.filter(status=listing.values["status"])
    return render(
        request,
        "frontend/selection/calls.html",
        {
            "page": listing.page(qs),
            "listing": listing,
            "sorting": listing.sorting,
            "manager": _is_manager(request),
        },
    )


@ministry_required
@require_http_methods(["GET", "POST"])
def call_create(request: PlatformHttpRequest) -> HttpResponseBase:
    def save(data: dict[str, Any]) -> Call:
        criteria = [services.CriterionInput(**row) for row in data.pop("criteria")]
        return services.call_create(**data, criteria=criteria, actor=_actor(request))

    return form_page(
        request,
        form=CallForm(request.POST or None),
        save=save,
        success=lambda call: reverse("selection:call", args=[call.pk]),
        message=_("Отбор создан. Проверьте его и откройте приём заявок."),
        title=_("Новый отбор"),
        cancel=reverse("selection:calls"),
        submit=_("Создать отбор"),
    )


def _experts(call: Call) -> list[User]:
    return [row.expert for row in ExpertAssignment.objects.filter(call=call).select_related("expert")]


def _application_rows(call: Call, applications: list[Application]) -> list[dict[str, Any]]:
    """A row of the call's applications table each: its experts, the free ones it may get
    and the free ones with a conflict of interest."""
    experts = _experts(call)
    assigned: dict[int, list[Assignment]] = {}
    for assignment in Assignment.objects.filter(
        application__call=call, application__in=applications
    ).select_related("expert"):
        assigned.setdefault(assignment.application_id, []).append(assignment)
    rows = []
    for application in applications:
        mine = assigned.get(application.pk, [])
        taken = {a.expert_id for a in mine}
        free = [e for e in experts if e.pk not in taken]
        conflicts = [e for e in free if services.conflict_of_interest(expert=e, cluster=application.cluster)]
        rows.append(
            {
                "application": application,
                "assignments": mine,
                "candidates": [e for e in free if e not in conflicts],
                "conflicts": conflicts,
            }
        )
    return rows


# Sortable columns of a call's applications (?sort=key / -key).
APPLICATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "cluster": ("cluster__name", "id"),
    "status": ("status", "cluster__name", "id"),
    "submitted": ("submitted_at", "id"),
}
# An expert's assignments (?sort=key / -key): by default those waiting for a score first (a null
# submitted_at sorts last ascending, so the descending order of it puts them first), then by call.
REVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "state": ("-submitted_at", "application__call__title", "id"),
    "call": ("application__call__title", "application__cluster__name", "id"),
    "cluster": ("application__cluster__name", "application__call__title", "id"),
}
REVIEW_STATES = [("waiting", gettext_lazy("ждёт оценки")), ("done", gettext_lazy("оценено"))]
APPLICATION_STATES = [(v, label) for v, label in Application.Status.choices if v != Application.Status.DRAFT]


@ministry_required
@require_GET
def call_detail(request: PlatformHttpRequest, pk: int) -> HttpResponse:
    call = _call(pk)
    listing = list_controls(
        request,
        columns=APPLICATION_COLUMNS,
        default="cluster",
        filters=(
            search(_("Кластер")),
            Filter("status", _("Состояние"), choices=APPLICATION_STATES, placeholder=_("Любое состояние")),
        ),
        page_size=PAGE_SIZE,
    )
    qs = selectors.applications_visible(call=call, scope=_scope(request))
    if listing.values["q"]:
        qs = qs.filter(
            Q(cluster__name__icontains=listing.values["q"])
            | Q(cluster__short_name__icontains=listing.values["q"])
        )
    if listing.values["status"]:
        qs = qs.filter(status=listing.values["status"])
    page = listing.page(qs)
    rows = _application_rows(call, list(page))
    return render(
        request,
        "frontend/selection/call.html",
        {
            "call": call,
            "rows": rows,
            "page": page,
            "listing": listing,
            "sorting": listing.sorting,
            "experts": _experts(call),
            "expert_form": ExpertForm(),
            "manager": _is_manager(request),
        },
    )


@ministry_required
@require_POST
def call_status(request: PlatformHttpRequest, pk: int) -> HttpResponseBase:
    call = _call(pk)
    steps = {
        "open": (services.call_open, _("Приём заявок открыт.")),
        "close": (services.call_close, _("Приём заявок завершён.")),
        "publish": (services.call_publish_results, _("Итоги опубликованы.")),
    }
    step = steps.get(request.POST.get("action", ""))
    if step is None:
        messages.error(request, _("Неизвестное действие."))
        return redirect(_back(call))
    run, text = step
    return action(request, lambda: run(call=call, actor=_actor(request)), success=_back(call), message=text)


@ministry_required
@require_POST
def expert_add(request: PlatformHttpRequest, pk: int) -> HttpResponseBase:
    call = _call(pk)
    form = ExpertForm(request.POST)
    expert = _expert_by_email(form.cleaned_data["email"]) if form.is_valid() else None
    if expert is None:
        messages.error(
            request,
            _("Пользователь с таким e-mail не найден: эксперт должен быть зарегистрирован на платформе."),
        )
        return redirect(_back(call))
    return action(
        request,
        lambda: services.expert_grant(call=call, expert=expert, actor=_actor(request)),
        success=_back(call),
        message=_("Эксперт %(email)s добавлен к отбору.") % {"email": expert.email},
    )


@ministry_required
@require_POST
def assign(request: PlatformHttpRequest, pk: int) -> HttpResponseBase:
    call = _call(pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Выберите заявку и эксперта."))
        return redirect(_back(call))
    application = or_404(
        selectors.application_for_ministry(
            call=call, application_id=form.cleaned_data["application"], scope=_scope(request)
        )
    )
    expert = or_404(
        ExpertAssignment.objects.filter(call=call, expert_id=form.cleaned_data["expert"])
        .select_related("expert")
        .first()
    ).expert

    def row(text: str, ok: bool) -> HttpResponse:
        """The application's row again (the htmx answer): its experts now, and the message."""
        return render(
            request,
            "frontend/selection/application_row.html",
            {
                "call": call,
                "row": _application_rows(call, [application])[0],
                "manager": True,
                "row_note": text,
                "row_ok": ok,
            },
        )

    return action(
        request,
        lambda: services.assignment_create(application=application, expert=expert, actor=_actor(request)),
        success=_back(call),
        message=_("Эксперт назначен."),
        fragment=row,
    )


@ministry_required
@require_POST
def assign_evenly(request: PlatformHttpRequest, pk: int) -> HttpResponseBase:
    call = _call(pk)
    return action(
        request,
        lambda: services.assignments_distribute(call=call, actor=_actor(request)),
        success=_back(call),
        message=lambda made: _("Распределено назначений: %(n)s.") % {"n": len(made)},
    )


@ministry_required
@require_http_methods(["GET", "POST"])
def application_detail(request: PlatformHttpRequest, pk: int, application_pk: int) -> HttpResponseBase:
    call = _call(pk)
    application = or_404(
        selectors.application_for_ministry(call=call, application_id=application_pk, scope=_scope(request))
    )
    here = reverse("selection:application", args=[call.pk, application.pk])
    return form_page(
        request,
        form=ClarificationRequestForm(request.POST or None),
        save=lambda data: services.clarification_request(
            application=application, text=data["request_text"], actor=_actor(request)
        ),
        success=here,
        message=_("Запрос уточнений отправлен кластеру."),
        submit=_("Запросить уточнения"),
        title=_("Заявка: %(cluster)s") % {"cluster": application.cluster.name},
        template="frontend/selection/application.html",
        context={
            "application": application,
            "call": call,
            "view": display.application_view(application),
            "history": selectors.clarifications_of(application),
        },
    )


@ministry_required
@require_GET
def application_download(
    request: PlatformHttpRequest, pk: int, application_pk: int, fmt: str
) -> HttpResponse:
    application = or_404(
        selectors.application_for_ministry(
            call=_call(pk), application_id=application_pk, scope=_scope(request)
        )
    )
    return display.application_response(application=application, fmt=fmt)


@ministry_required
@require_GET
def ranking(request: PlatformHttpRequest, pk: int) -> HttpResponse:
    call = _call(pk)
    return render(
        request,
        "frontend/selection/ranking.html",
        {
            "call": call,
            "ranking": selectors.call_ranking(call=call, scope=_scope(request)),
            "outcomes": DecisionForm.base_fields["outcome"].choices,  # type: ignore[attr-defined]
            "manager": _is_manager(request),
        },
    )


@ministry_required
@require_POST
def decide(request: PlatformHttpRequest, pk: int, application_pk: int) -> HttpResponseBase:
    call = _call(pk)
    application = or_404(
        selectors.application_for_ministry(call=call, application_id=application_pk, scope=_scope(request))
    )
    form = DecisionForm(request.POST)
    data: dict[str, Any] = (
        form.cleaned_data if form.is_valid() else {"outcome": "", "protocol_ref": "", "comment": ""}
    )
    return action(
        request,
        lambda: services.decision_record(application=application, **data, actor=_actor(request)),
        success=reverse("selection:ranking", args=[call.pk]),
        message=_("Решение по заявке «%(cluster)s» записано.") % {"cluster": application.cluster.name},
    )


@ministry_required
@require_GET
def protocol(request: PlatformHttpRequest, pk: int, fmt: str) -> HttpResponse:
    call = _call(pk)
    return display.protocol_response(
        ranking=selectors.call_ranking(call=call, scope=_scope(request)), fmt=fmt
    )


# --- experts ----------------------------------------------------------------------------------


@signed_in_platform_page
@require_GET
def my_reviews(request: PlatformHttpRequest) -> HttpResponse:
    """An expert's applications to score: waiting ones first (by default), filter and pages."""
    listing = list_controls(
        request,
        columns=REVIEW_COLUMNS,
        default="state",
        filters=(
            search(_("Отбор или кластер")),
            Filter("state", _("Состояние"), choices=REVIEW_STATES, placeholder=_("Любое состояние")),
        ),
        page_size=PAGE_SIZE,
    )
    qs = selectors.assignments_of_expert(user=_user(request))
    query, state = listing.values["q"], listing.values["state"]
    if query:
        qs = qs.filter(
            Q(application__call__title__icontains=query)
            | Q(application__cluster__name__icontains=query)
            | Q(application__cluster__short_name__icontains=query)
        )
    if state == "waiting":
        qs = qs.filter(submitted_at__isnull=True)
    elif state == "done":
        qs = qs.filter(submitted_at__isnull=False)
    return render(
        request,
        "frontend/selection/my_reviews.html",
        {"page": listing.page(qs), "listing": listing, "sorting": listing.sorting},
    )


@transaction.atomic
def _review_save(
    assignment: Assignment, scores: dict[int, tuple[Any, str]], submitting: bool, actor: Actor
) -> Assignment:
    """Save the scores, and submit them when asked: both or nothing."""
    services.scores_save(assignment=assignment, scores=scores, actor=actor)
    return services.review_submit(assignment=assignment, actor=actor) if submitting else assignment


@signed_in_platform_page
@require_http_methods(["GET", "POST"])
def review(request: PlatformHttpRequest, pk: int) -> HttpResponseBase:
    user = _user(request)
    assignment = or_404(selectors.assignment_of_expert(user=user, assignment_id=pk))
    application = assignment.application
    criteria = list(application.call.criteria.all())
    own = {score.criterion_id: score for score in assignment.scores.select_related("criterion")}
    form = ReviewForm(request.POST or None, criteria=criteria, initial_scores=own)
    submitting = request.POST.get("submit") == "1"
    return form_page(
        request,
        form=form,
        save=lambda data: _review_save(assignment, form.scores(), submitting, _actor(request)),
        success=reverse("selection:review", args=[assignment.pk]),
        message=_("Оценки отправлены.") if submitting else _("Черновик оценок сохранён."),
        title=_("Экспертиза: %(cluster)s") % {"cluster": application.cluster.name},
        template="frontend/selection/review.html",
        context={
            "assignment": assignment,
            "application": application,
            "own": list(own.values()),
            "view": display.application_view(application),
            "others": (
                selectors.others_scores(assignment=assignment, user=user) if assignment.submitted_at else []
            ),
            "conflict": services.CONFLICT
            if services.conflict_of_interest(expert=user, cluster=application.cluster)
            else "",
        },
    )


# --- published results (anyone) -----------------------------------------------------------------


@require_GET
def results(request: PlatformHttpRequest, pk: int) -> HttpResponse:
    call = _call(pk, published=True)
    return render(
        request,
        "frontend/selection/results.html",
        {"call": call, "ranking": selectors.call_ranking(call=call)},
    )


def application_url(application: Application) -> str:
    return reverse("selection:application", args=[application.call_id, application.pk])
