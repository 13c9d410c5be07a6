"""The homes' small charts: inline SVG built on the server (no JavaScript, no inline styles:
colours come from classes in frontend/static/frontend/home.css)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.display import money
from frontend.federal.charts import compact_number
from tenants.home.selectors import MonthAmount, Progress


def dues_chart(months: Sequence[MonthAmount]) -> SafeString:
    """Dues collected per month: one bar a month, its amount above it, the month below."""
    width, height, top, bottom, gap = 360, 150, 20, 22, 8
    plot = height - top - bottom
    step = width / max(len(months), 1)
    peak = max((m.kopecks for m in months), default=0) or 1
    total = sum(m.kopecks for m in months)
    title = _("Взносы, собранные по месяцам: всего %(total)s") % {"total": money(total)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="dues-chart-t" class="home-chart">',
        f'<title id="dues-chart-t">{escape(title)}</title>',
    ]
    for index, month in enumerate(months):
        bar = round(plot * month.kopecks / peak) if month.kopecks > 0 else 0
        x = round(index * step + gap / 2, 1)
        parts.append(
            f'<rect class="bar" x="{x}" y="{top + plot - bar}" width="{round(step - gap, 1)}" height="{max(bar, 1)}">'
            f"<title>{escape(formats.date_format(month.month, 'F Y'))}: {escape(money(month.kopecks))}</title></rect>"
        )
        label = compact_number(month.kopecks / 100) if month.kopecks else "0"
        center = round(index * step + step / 2, 1)
        parts.append(f'<text class="value" x="{center}" y="{top + plot - bar - 4}">{escape(label)}</text>')
        parts.append(
            f'<text class="axis" x="{center}" y="{height - 6}">'
            f"{escape(formats.date_format(month.month, 'M'))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def progress_segments(progress: Progress) -> list[tuple[str, str, int]]:
    """(css class, label, count) of the roadmap's items, in the order the bar draws them."""
    return [
        ("done", _("Выполнено"), progress.done),
        ("in-progress", _("Выполняется"), progress.in_progress),
        ("waiting", _("Запланировано"), progress.waiting),
        ("overdue", _("Просрочено"), progress.overdue),
        ("cancelled", _("Отменено"), progress.cancelled),
    ]


def progress_chart(progress: Progress) -> SafeString:
    """One stacked bar of the current roadmaps' items by state (the legend is the page's list)."""
    width, height = 360, 28
    title = _("Дорожная карта: выполнено %(percent)s %% мероприятий") % {"percent": progress.percent_done}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="progress-chart-t" class="home-chart progress">',
        f'<title id="progress-chart-t">{escape(title)}</title>',
        f'<rect class="track" x="0" y="0" width="{width}" height="{height}"/>',
    ]
    x = 0.0
    total = progress.total or 1
    for css, label, count in progress_segments(progress):
        if not count:
            continue
        w = width * count / total
        parts.append(
            f'<rect class="seg {css}" x="{round(x, 2)}" y="0" width="{round(w, 2)}" height="{height}">'
            f"<title>{escape(label)}: {count}</title></rect>"
        )
        x += w
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
