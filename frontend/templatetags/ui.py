"""Template helpers of the one list/table pattern (`{% load ui %}`).

- `{% sort_header sorting "name" label %}`: a <th> with a link that sorts by the column
  (ascending first, then flips), the arrow of the current sort and aria-sort; other query
  parameters (filters) are kept, the page number is dropped; with htmx the link swaps the
  list in place (frontend.tables.SWAP_TARGET).
- `{% list_swap %}` / `{% list_swap "top" %}`: those htmx attributes for a list's other links
  and its filter form (the pager's scroll to the top).
- `{% sort_link sorting "name" label %}`: the same link for a list of cards (no header).
- `{% company_link company_id name %}`: a link to a member's card only for a viewer who may
  open it.
- `{{ kopecks|money }}`: «1 234 567,89 ₽» that never wraps (no-break spaces), in a
  <span class="money">; `{% money_cell kopecks %}` is the <td class="money"> of a table.
"""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.forms import BoundField
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core import display
from core.accounts.access import MemberAccess, member_access
from core.ru.money import format_roubles
from frontend.tables import SWAP, SWAP_TARGET, SWAP_TO_TOP, Sorting

register = template.Library()

NBSP = "\u00a0"
SEARCHABLE = 15  # a select with more options than this gets a search box


@register.simple_tag
def list_swap(where: str = "") -> SafeString:
    """The htmx attributes that make a list's link or filter form swap the list in place."""
    return format_html(
        'hx-target="{}" hx-select="{}" hx-swap="{}" hx-push-url="true"',
        SWAP_TARGET,
        SWAP_TARGET,
        SWAP_TO_TOP if where == "top" else SWAP,
    )


@register.simple_tag(takes_context=True)
def sort_header(context: dict[str, Any], sorting: Sorting, key: str, label: str, css: str = "") -> SafeString:
    query, current = _sort_query(context, sorting, key)
    if current:
        aria = "descending" if sorting.descending else "ascending"
        arrow = "▼" if sorting.descending else "▲"
        hint = _("по убыванию") if sorting.descending else _("по возрастанию")
        return format_html(
            '<th scope="col" aria-sort="{}"{}><a href="?{}" hx-get="?{}" {}>{} <span class="arrow" aria-hidden="true">{}</span>'
            '<span class="visually-hidden">, {}</span></a></th>',
            aria,
            format_html(' class="{}"', css) if css else "",
            query,
            query,
            list_swap(),
            label,
            arrow,
            hint,
        )
    return format_html(
        '<th scope="col"{}><a href="?{}" hx-get="?{}" {}>{}</a></th>',
        format_html(' class="{}"', css) if css else "",
        query,
        query,
        list_swap(),
        label,
    )


def _sort_query(context: dict[str, Any], sorting: Sorting, key: str) -> tuple[str, bool]:
    """The query string that sorts by `key` (flipping it when it is the current sort; filters
    kept, the page dropped) and whether it is the current sort."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    current = sorting.key == key
    query["sort"] = ("" if current and sorting.descending else "-") + key if current else key
    return query.urlencode(), current


def _money_text(kopecks: int | None) -> str:
    if kopecks is None:
        return "—"
    return format_roubles(kopecks).replace(" ", NBSP) + NBSP + "₽"


@register.filter
def money(kopecks: int | None) -> SafeString:
    return format_html('<span class="money">{}</span>', _money_text(kopecks))


@register.simple_tag
def money_cell(kopecks: int | None) -> SafeString:
    return format_html('<td class="money">{}</td>', _money_text(kopecks))


@register.filter
def region(code: str | None) -> str:
    """«RU-MOS» → «Московская область» (the code itself when unknown); empty for no code (the
    template's |default decides what an empty cell shows). One rule: core.display.region."""
    return display.region(code) if code else ""


@register.filter
def with_placeholder(field: BoundField) -> SafeString:
    """The field's widget; a single select starts with «— выберите —», not Django's «---------»;
    a long select (regions, companies) gets a search box (page.js, `data-search`)."""
    choice_field = field.field
    widget = choice_field.widget
    if isinstance(widget, forms.Select) and len(list(getattr(choice_field, "choices", ()))) > SEARCHABLE:
        widget.attrs["data-search"] = _("Найти в списке: %(label)s") % {"label": field.label}
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
        label = _("— выберите —")
        if isinstance(choice_field, forms.ModelChoiceField):
            if choice_field.empty_label is not None:
                choice_field.empty_label = label
        else:
            widget.choices = [
                ("", label) if value == "" and text == "---------" else (value, text)
                for value, text in widget.choices
            ]
    return mark_safe(str(field))  # noqa: S308 - BoundField renders escaped HTML


@register.simple_tag(takes_context=True)
def company_link(context: dict[str, Any], company_id: int | None, name: str, anchor: str = "") -> SafeString:
    """The company's name, a link to its card only when the viewer may open that card (a
    manager: any; a member representative: its own company) — no link that answers 404."""
    request = context.get("request")
    cluster = getattr(request, "cluster", None)
    if request is None or cluster is None or company_id is None:
        return format_html("{}", name)
    access: MemberAccess | None = getattr(request, "_member_access", None)
    if access is None:
        access = member_access(user=request.user, cluster=cluster)
        setattr(request, "_member_access", access)  # noqa: B010 - the per-request cache of frontend.members
    if not access.can_see(company_id):
        return format_html("{}", name)
    url = reverse("members:detail", args=[company_id]) + (f"#{anchor}" if anchor else "")
    return format_html('<a href="{}">{}</a>', url, name)


@register.simple_tag(takes_context=True)
def sort_link(context: dict[str, Any], sorting: Sorting, key: str, label: str) -> SafeString:
    """`sort_header` for a list without a table (cards): a link that sorts by `key` (flipping
    the current one), with its arrow and aria-current on the current sort."""
    query, current = _sort_query(context, sorting, key)
    if not current:
        return format_html('<a href="?{}" hx-get="?{}" {}>{}</a>', query, query, list_swap(), label)
    return format_html(
        '<a href="?{}" hx-get="?{}" {} aria-current="true"><strong>{}</strong> <span class="arrow" aria-hidden="true">{}</span>'
        '<span class="visually-hidden">, {}</span></a>',
        query,
        query,
        list_swap(),
        label,
        "▼" if sorting.descending else "▲",
        _("по убыванию") if sorting.descending else _("по возрастанию"),
    )
