"""Server-rendered charts: inline SVG built here, no JavaScript and nothing from a CDN.

Each chart is a <figure> holding one <svg role="img"> with a <title> (what a screen reader
says) and the value written above every bar, so the picture is readable without hovering
and prints the same (WeasyPrint renders inline SVG in the PDF summary).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

PALETTE = ("#0b5cab", "#e07b00", "#2e8540", "#8e44ad", "#b42318", "#5b6675")
INK = "#1c2430"
MUTED = "#5b6675"
GRID = "#d9dee5"
FONT = "system-ui, 'DejaVu Sans', Arial, sans-serif"


@dataclass(frozen=True)
class Series:
    """One row of bars: a name for the legend and a value per category (None: no data)."""

    name: str
    values: Sequence[float | None]
    color: str = ""


Formatter = Callable[[float], str]


def _plain(value: float) -> str:
    return compact_number(value)


def compact_number(value: float, unit: str = "") -> str:
    """12345678 → «12,3 млн»: short labels for bars and axes (Russian decimal comma)."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    suffix = ""
    for limit, name in ((1e12, _("трлн")), (1e9, _("млрд")), (1e6, _("млн")), (1e3, _("тыс."))):
        if value >= limit:
            value, suffix = value / limit, name
            break
    digits = 0 if value >= 100 or float(value).is_integer() else 1
    text = f"{value:.{digits}f}".replace(".", ",")
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return " ".join(part for part in (sign + text, suffix, unit) if part)


def percent(value: float) -> str:
    return f"{value:.0f} %"


def nice_step(value: float, parts: int = 4) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ step with `parts` steps reaching `value`: round axis labels."""
    if value <= 0:
        return 1.0
    wanted = value / parts
    exponent = math.floor(math.log10(wanted))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10.0**exponent
        if candidate >= wanted - 1e-9 and (candidate >= 1 or step != 2.5):
            return float(candidate)
    return float(10.0 ** (exponent + 1))  # pragma: no cover - the loop ends at 10


def _chart_id(title: str, categories: Sequence[str]) -> str:
    digest = hashlib.blake2s(("|".join([title, *categories])).encode(), digest_size=4).hexdigest()
    return f"chart-{digest}"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: int = 11,
    anchor: str = "middle",
    color: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{color}" '
        f'font-family="{FONT}" font-weight="{weight}">{escape(content)}</text>'
    )


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Formatter = _plain,
    width: int = 480,
    height: int = 240,
    maximum: float | None = None,
    empty_text: str = "",
) -> SafeString:
    """Vertical bars grouped by category (e.g. a year), one bar per series in each group.

    `maximum` fixes the top of the axis (100 for percentages); otherwise a round number above
    the largest value. Categories without any value still get their label, so a missing year shows.
    """
    chart_id = _chart_id(title, categories)
    values = [v for s in series for v in s.values if v is not None]
    left, right, top, bottom = 56, 12, 18, 40 + (18 if len(series) > 1 else 0)
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{chart_id}-t" class="chart-svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
    ]
    if not values or not categories:
        parts.append(_text(width / 2, height / 2, empty_text, size=13, color=MUTED))
        parts.append("</svg>")
        return _figure(title, "".join(parts))
    top_value = maximum if maximum is not None else 4 * nice_step(max(max(values), 0))
    low_value = min(min(values), 0)
    span = (top_value - low_value) or 1.0
    ticks = [low_value + span * step / 4 for step in range(5)]
    left = max(left, 10 + 6 * max(len(fmt(t)) for t in ticks))  # room for the widest axis label
    plot_w = width - left - right

    def y_of(value: float) -> float:
        return top + plot_h * (top_value - value) / span

    for tick in ticks:  # four gridlines and the top
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" '
            f'stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, fmt(tick), size=10, anchor="end", color=MUTED))
    group_w = plot_w / len(categories)
    gap = min(12.0, group_w * 0.2)
    bar_w = max((group_w - gap) / max(len(series), 1), 1.0)
    zero_y = y_of(0)
    for c_index, category in enumerate(categories):
        group_x = left + c_index * group_w + gap / 2
        for s_index, one in enumerate(series):
            value = one.values[c_index] if c_index < len(one.values) else None
            if value is None:
                continue
            color = one.color or PALETTE[s_index % len(PALETTE)]
            x = group_x + s_index * bar_w
            y = min(y_of(value), zero_y)
            h = max(abs(zero_y - y_of(value)), 0.5)
            label = (
                f"{one.name}, {category}: {fmt(value)}" if len(series) > 1 else f"{category}: {fmt(value)}"
            )
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" '
                f'fill="{color}"><title>{escape(label)}</title></rect>'
            )
            if bar_w >= 22:
                parts.append(_text(x + (bar_w - 2) / 2, y - 4, fmt(value), size=10))
        parts.append(_text(left + (c_index + 0.5) * group_w, top + plot_h + 16, category, size=11))
    parts.append(
        f'<line x1="{left}" y1="{zero_y:.1f}" x2="{width - right}" y2="{zero_y:.1f}" stroke="{MUTED}" '
        f'stroke-width="1"/>'
    )
    if len(series) > 1:
        x = float(left)
        y = height - 8
        for s_index, one in enumerate(series):
            color = one.color or PALETTE[s_index % len(PALETTE)]
            parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{color}"/>')
            parts.append(_text(x + 14, y, one.name, size=11, anchor="start"))
            x += 24 + 7 * len(one.name)
    parts.append("</svg>")
    return _figure(title, "".join(parts))


def _figure(title: str, svg: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every piece of text above went through escape()
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>{svg}</figure>'
    )
