"""The one pattern for pages that change something: a form page and a button action.

`form_page` shows the form, and on a valid POST calls the service with the cleaned data; a
service's `ValidationError` lands on the form (by field where the form has it) and nothing is
saved; success redirects with a message. Validation is one round: when the form itself refuses,
the service still judges what the form could parse (its `check`, or else a rehearsal of `save`
that is always rolled back), so the user sees every error at once. `action` runs a POST-only service call behind a
button and redirects back, with the service's refusal as an error message. Views never write
their own `except ValidationError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.text import control_characters_refuse

T = TypeVar("T")
Message = str | Promise | Callable[[Any], str | Promise] | None
Target = str | Callable[[Any], str | HttpResponseBase]


def apply_errors(form: forms.Form, exc: ValidationError, *, new_only: bool = False) -> None:
    """Show a service's ValidationError on the form: by field where the form has it.
    `new_only`: skip a field that already shows the form's own error (one message a field)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            if new_only and target is not None and target in form.errors:
                continue
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


def _message(message: Message, result: Any) -> str:
    if message is None:
        return ""
    return str(message(result) if callable(message) else message)


def _go(target: Target, result: Any) -> HttpResponseBase:
    destination = target(result) if callable(target) else target
    return destination if isinstance(destination, HttpResponseBase) else redirect(destination)


def _printable_input(form: forms.Form) -> bool:
    """Every text the form accepted is free of control characters; else errors on those fields."""
    for name, value in list(form.cleaned_data.items()):
        texts = value if isinstance(value, list | tuple) else [value]
        try:
            for text in texts:
                control_characters_refuse(text)
        except ValidationError as exc:
            form.add_error(name if name in form.fields else None, exc)
    return not form.errors


def _form_valid(form: forms.Form) -> bool:
    valid = form.is_valid()
    return _printable_input(form) and valid  # both run: all the form's errors show in one round


class _Rehearsed(Exception):
    """Raised at the end of a rehearsal so its savepoint rolls back."""


def _parsed_or_empty(form: forms.Form) -> dict[str, Any]:
    """What the form could parse, and each field it could not as that field's empty value
    ("" for text, None, [] for multiple choices), so a service still gets all its arguments."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        try:
            data[name] = field.to_python(None)
        except ValidationError:
            data[name] = None
    data.update(form.cleaned_data)
    return data


def rehearsal(save: Callable[[dict[str, Any]], object], form: forms.Form) -> Callable[[dict[str, Any]], None]:
    """A `check` made of `save` itself: it runs in a savepoint that is always rolled back (with
    the on-commit side effects it queued: letters, tasks, file deletions), on the form's parsed
    data with the fields it could not parse as empty values. Only a ValidationError comes out;
    anything else (a service that cannot judge half a form) means «no more errors to show»."""

    def check(_cleaned: dict[str, Any]) -> None:
        try:
            with transaction.atomic():
                save(_parsed_or_empty(form))
                raise _Rehearsed
        except ValidationError:
            raise
        except Exception:  # _Rehearsed; or e.g. None where the service needs a value
            return

    return check


def _rehearsable(form: forms.Form) -> bool:
    """A form with a file is never rehearsed: a stored upload would outlive the rollback."""
    return not any(isinstance(field, forms.FileField) for field in form.fields.values())


def _checked(
    form: forms.Form,
    check: Callable[[dict[str, Any]], object] | None,
    rehearse: Callable[[dict[str, Any]], object] | None = None,
) -> bool:
    """The form's checks, then the service's: `check`, or, when the form refused, a rehearsal of
    `rehearse` (a valid form's save runs for real and says the rest itself)."""
    valid = _form_valid(form)
    if check is None and rehearse is not None and not valid and _rehearsable(form):
        check = rehearsal(rehearse, form)
    if check is not None:
        try:
            check(dict(form.cleaned_data))
        except ValidationError as exc:
            apply_errors(form, exc, new_only=True)
            valid = False
    return valid


def form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    save: Callable[[dict[str, Any]], T],
    success: Target,
    message: Message = None,
    title: str | Promise = "",
    cancel: str = "",
    submit: str | Promise | None = None,
    intro: str | Promise = "",
    template: str = "frontend/form.html",
    context: dict[str, Any] | None = None,
    invalid_status: int = 200,
    check: Callable[[dict[str, Any]], object] | None = None,
    rehearse: bool = True,
) -> HttpResponseBase:
    """A page with one form whose valid POST calls `save(cleaned_data)`.

    `success` is where to go next (a URL, or a callable of save's result giving a URL or a
    response); `message` the success message (text, or a callable of the result). The form is
    validated in one round: the form's own checks (and core.text's: no control characters in
    any text field), then the service's. `check` is the service's validation without saving
    (raising ValidationError with every error it finds): it runs on what the form could parse
    even when other fields failed, so a missing required field and a bad INN show together.
    Without `check`, a form the user got wrong is `rehearsal`-checked: `save` runs on what it
    could parse and is rolled back, its refusals joining the form's. `rehearse=False` for a save
    with effects a rollback cannot undo (counted sign-in failures, files, a gateway's call)."""
    if request.method == "POST" and _checked(form, check, save if rehearse else None):
        try:
            result = save(dict(form.cleaned_data))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            text = _message(message, result)
            if text:
                messages.success(request, text)
            return _go(success, result)
    status = invalid_status if request.method == "POST" else 200
    return render(
        request,
        template,
        {
            "form": form,
            "title": title,
            "cancel": cancel,
            "submit": submit or _("Сохранить"),
            "intro": intro,
            "multipart": any(isinstance(f.widget, forms.FileInput) for f in form.fields.values()),
            **(context or {}),
        },
        status=status,
    )


def is_htmx(request: HttpRequest) -> bool:
    """The request is htmx's (django-htmx's middleware read its HX-Request header)."""
    return bool(getattr(request, "htmx", False))


Fragment = Callable[[str, bool], HttpResponseBase]


def action(
    request: HttpRequest,
    call: Callable[[], T],
    *,
    success: Target,
    message: Message = None,
    failure: Target | None = None,
    fragment: Fragment | None = None,
) -> HttpResponseBase:
    """A button's POST: call the service, then go to `success` with `message`; a refusal
    (ValidationError) goes to `failure` (default: `success`) with the service's words.

    `fragment(text, ok)`: the part of the page the action changes, rendered with the message
    (ok) or the refusal (not ok) in it; an htmx request (the page's script) gets that instead of
    a redirect and swaps it in place, no page load. Without the script the form posts as usual."""
    partial = fragment if is_htmx(request) else None
    try:
        result = call()
    except ValidationError as exc:
        refusal = " ".join(exc.messages)
        if partial is not None:
            return partial(refusal, False)
        messages.error(request, refusal)
        return _go(failure if failure is not None else success, None)
    text = _message(message, result)
    if partial is not None:
        return partial(text, True)
    if text:
        messages.success(request, text)
    return _go(success, result)


def json_action(call: Callable[[], T], *, answer: Callable[[T], dict[str, Any]]) -> JsonResponse:
    """A JSON endpoint of a page (fetched by its script) calling a service: `answer(result)`, or
    the service's refusal (ValidationError) as 400 {"status": "error", "detail": …}."""
    try:
        result = call()
    except ValidationError as exc:
        return JsonResponse({"status": "error", "detail": " ".join(exc.messages)}, status=400)
    return JsonResponse(answer(result))
