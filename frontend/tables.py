"""The one pattern of list pages: sortable columns from an allow-list, a filter bar, pages.

A list declares its sortable columns, `{"name": ("short_name", "id"), …}` (the key is what the
URL carries, the value the queryset's ordering); `?sort=name` sorts ascending, `?sort=-name`
descending (each ordering term flipped). Anything else falls back to the default, so a URL
never reaches `order_by` with a field the list did not allow. The template renders the header
links with `{% sort_header sorting "name" _("Организация") %}` (frontend.templatetags.ui).

A list page's view builds its controls once, each filter declaring what it narrows:

    listing = list_controls(request, columns=COLUMNS, default="name",
                            filters=(search(_("Название"), "name__icontains", "inn__startswith"),
                                     select("status", _("Статус"), Model.Status.choices, _("Все"))))
    page = listing.page(selector())

Each filter declares what it narrows: `page` filters a queryset by every filter with a `lookup`
(the field lookups OR-ed; a select's value only if it is one of its choices, so a made-up value
lists everything, never an error; `parse` turning the text into the compared value) before it
orders and cuts it. A filter without a lookup narrows nothing itself: the view reads
`listing.values[param]` (rows computed in Python, a selector that takes the value).

and its template renders the filter bar with `{% include "frontend/list_controls.html" %}`
(labelled inputs, the sort kept, «Сбросить» when filtered), the table with a caption holding
`page.paginator.count`, `{% sort_header sorting … %}` headers, an empty row that says what to
do, and `{% include "frontend/pager.html" %}` under it.

With htmx (the copy inside django-htmx) the filter bar, the sort headers, the pager and the
«Сбросить фильтры» links fetch the same page and swap its <main> in place (`SWAP_TARGET`): no page load,
the URL is pushed (shareable; «Назад» returns to the previous filter, reloaded as a plain page).
They stay plain GET forms and links, so without the script every list works as before.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PAGE_SIZE = 25
NO_LEGACY: Mapping[str, str] = MappingProxyType({})

# htmx on a list's controls (frontend.templatetags.ui.list_swap): GET the URL, take the answer's
# <main> and put it in place of this one, push the URL. The pager also scrolls to the top, as a
# page load would.
SWAP_TARGET = "#main"
SWAP = "outerHTML"
SWAP_TO_TOP = "outerHTML show:window:top"


def _flip(term: str) -> str:
    return term[1:] if term.startswith("-") else "-" + term


def sorted_rows(rows: Iterable[Any], order_by: Sequence[str]) -> list[Any]:
    """Rows that are not a queryset (a report computed in Python) sorted by a Sorting's
    `order_by` terms, read as attributes: «-name» descending; text compared case-blind."""

    def key(name: str) -> Callable[[Any], Any]:
        def value(row: Any) -> Any:
            v = getattr(row, name)
            return v.casefold() if isinstance(v, str) else v

        return value

    result = list(rows)
    for term in reversed(order_by):  # a stable sort per term, the last tie-breaker first
        result.sort(key=key(term.lstrip("-")), reverse=term.startswith("-"))
    return result


@dataclass(frozen=True)
class Sorting:
    key: str  # the column sorted by ("name")
    descending: bool
    order_by: tuple[str, ...]
    columns: frozenset[str]
    default: str = ""

    @property
    def param(self) -> str:
        return ("-" if self.descending else "") + self.key

    @property
    def is_default(self) -> bool:
        return self.param == self.default


def sorting(
    request: HttpRequest,
    columns: Mapping[str, tuple[str, ...]],
    default: str,
    legacy: Mapping[str, str] = NO_LEGACY,
) -> Sorting:
    """The list's sort from `?sort=`, limited to `columns` (else `default`, which may start with "-").

    `legacy`: `?sort=` values an older version of the list used whose meaning the column keys
    cannot keep, mapped to today's (`{"year": "-report_year"}`), so old links sort as they did."""
    wanted = request.GET.get("sort", "") or default
    wanted = legacy.get(wanted, wanted)
    descending = wanted.startswith("-")
    key = wanted.lstrip("-")
    if key not in columns:
        descending = default.startswith("-")
        key = default.lstrip("-")
    terms = columns[key]
    return Sorting(
        key=key,
        descending=descending,
        order_by=tuple(_flip(t) for t in terms) if descending else tuple(terms),
        columns=frozenset(columns),
        default=default,
    )


@dataclass(frozen=True)
class Filter:
    """One labelled input of a list's filter bar, read from `?<param>=`.

    Without `choices` a search box (`placeholder` its hint); with `choices` a select whose first
    option, «all», is `placeholder`; with `choices` and `suggest` a text box offering the
    choices' labels (a long list, e.g. regions: the view maps a typed label back to its value).
    """

    param: str
    label: str | Promise
    choices: Sequence[tuple[Any, Any]] | None = None
    placeholder: str | Promise = ""
    suggest: bool = False
    # what a value narrows (ListControls.page): field lookups, OR-ed (("kind",),
    # ("name__icontains", "description__icontains")); `parse` makes the compared value of the
    # text (None: no filter). A select's value outside its choices filters nothing.
    lookup: tuple[str, ...] = ()
    parse: Callable[[str], Any] | None = None
    distinct: bool = False  # a lookup through a to-many relation: each row once, however many match

    @property
    def kind(self) -> str:
        if self.choices is None:
            return "search"
        return "suggest" if self.suggest else "select"

    def narrow(self, rows: QuerySet[Any], value: str) -> QuerySet[Any]:
        """`rows` narrowed by this filter's `value` (the rows as they are when nothing applies)."""
        if not self.lookup or not value:
            return rows
        if self.choices is not None and value not in {str(v) for v, _label in self.choices}:
            return rows  # a made-up choice (an old link, a typed URL): the whole list, no error
        wanted = self.parse(value) if self.parse else value
        if wanted is None:
            return rows
        rows = rows.filter(reduce(operator.or_, (Q(**{lookup: wanted}) for lookup in self.lookup)))
        return rows.distinct() if self.distinct else rows


@dataclass(frozen=True)
class BoundFilter:
    filter: Filter
    value: str

    @property
    def shown(self) -> str:
        """What the input shows: a suggest box its choice's label, not the stored value."""
        if self.filter.suggest:
            return next(
                (str(label) for v, label in self.filter.choices or () if str(v) == self.value), self.value
            )
        return self.value

    @property
    def options(self) -> list[tuple[str, str, bool]]:
        return [(str(v), str(label), str(v) == self.value) for v, label in self.filter.choices or ()]


@dataclass
class ListControls:
    """The sort, the filter values and the pages of one list page (see the module docstring)."""

    sorting: Sorting
    fields: tuple[BoundFilter, ...]
    kept: tuple[tuple[str, str], ...]  # other parameters the filter form carries as they are
    page_size: int = PAGE_SIZE
    request_page: str | None = None
    values: dict[str, str] = field(default_factory=dict)

    @property
    def filtered(self) -> bool:
        """Some filter narrows the list (the empty state then says «nothing found», not «add one»)."""
        return any(f.value for f in self.fields) or any(v for _, v in self.kept)

    @property
    def reset_url(self) -> str:
        """The list without filters, in the same sort."""
        return "?" + ("" if self.sorting.is_default else urlencode({"sort": self.sorting.param}))

    def page(self, rows: Any) -> Page:
        """One page of `rows`; a queryset is narrowed by the filters and ordered by the chosen sort first."""
        if isinstance(rows, QuerySet):
            for bound in self.fields:
                rows = bound.filter.narrow(rows, bound.value)
        if hasattr(rows, "order_by"):
            rows = rows.order_by(*self.sorting.order_by)
        return Paginator(rows, self.page_size).get_page(self.request_page)


def search(placeholder: str | Promise, *lookups: str, distinct: bool = False) -> Filter:
    """The list's search box, `?q=` (every list names it «Поиск»; the hint says what it finds),
    finding rows whose `lookups` match the text (any of them; none: the view searches)."""
    return Filter("q", _("Поиск"), placeholder=placeholder, lookup=lookups, distinct=distinct)


def select(
    param: str,
    label: str | Promise,
    choices: Sequence[tuple[Any, Any]],
    placeholder: str | Promise,
    *,
    lookup: str = "",
    parse: Callable[[str], Any] | None = None,
) -> Filter:
    """A select of the filter bar narrowing the rows to those whose field `param` (or `lookup`)
    is the chosen value (`parse`d); «all», the `placeholder`, narrows nothing."""
    return Filter(
        param, label, choices=choices, placeholder=placeholder, lookup=(lookup or param,), parse=parse
    )


def list_controls(
    request: HttpRequest,
    *,
    columns: Mapping[str, tuple[str, ...]],
    default: str,
    filters: Iterable[Filter] = (),
    keep: Iterable[str] = (),
    page_size: int = PAGE_SIZE,
    legacy: Mapping[str, str] = NO_LEGACY,
) -> ListControls:
    get = request.GET
    fields = tuple(BoundFilter(f, get.get(f.param, "").strip()[:200]) for f in filters)
    return ListControls(
        sorting=sorting(request, columns, default, legacy),
        fields=fields,
        kept=tuple((name, get.get(name, "")) for name in keep if get.get(name, "")),
        page_size=page_size,
        request_page=get.get("page"),
        values={b.filter.param: b.value for b in fields},
    )
