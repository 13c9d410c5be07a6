"""{{ kopecks|roubles }} → «1 234 567,89»."""

from __future__ import annotations

from django import template

from core.ru.money import format_roubles

register = template.Library()


@register.filter
def roubles(kopecks: int | None) -> str:
    return format_roubles(kopecks)
