"""Human text in templates, from core.display: {% load human %} then
{{ code|region }}, {{ codes|regions }}, {{ kopecks|money }}, {{ zone|time_zone }}, {{ user|person }}."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from core import display

register = template.Library()


@register.filter
def region(code: str | None) -> str:
    return display.region(code)


@register.filter
def regions(codes: Iterable[str] | None) -> str:
    return display.regions(codes)


@register.filter
def money(kopecks: int | None) -> str:
    return display.money(kopecks)


@register.filter
def time_zone(name: str) -> str:
    return display.time_zone(name)


@register.filter
def person(user: Any) -> str:
    return display.person(user)
