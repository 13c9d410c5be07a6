"""The one pattern of list pages: sortable columns from an allow-list.

A list declares its sortable columns, `{"name": ("short_name", "id"), …}` (the key is what the
URL carries, the value the queryset's ordering); `?sort=name` sorts ascending, `?sort=-name`
descending (each ordering term flipped). Anything else falls back to the default, so a URL
never reaches `order_by` with a field the list did not allow. The template renders the header
links with `{% sort_header sorting "name" _("Организация") %}` (frontend.templatetags.ui).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.http import HttpRequest


def _flip(term: str) -> str:
    return term[1:] if term.startswith("-") else "-" + term


@dataclass(frozen=True)
class Sorting:
    key: str  # the column sorted by ("name")
    descending: bool
    order_by: tuple[str, ...]
    columns: frozenset[str]

    @property
    def param(self) -> str:
        return ("-" if self.descending else "") + self.key


def sorting(request: HttpRequest, columns: Mapping[str, tuple[str, ...]], default: str) -> Sorting:
    """The list's sort from `?sort=`, limited to `columns` (else `default`, which may start with "-")."""
    wanted = request.GET.get("sort", "") or default
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
    )
