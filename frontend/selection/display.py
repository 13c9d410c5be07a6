"""How the pages show an application's frozen (or live) sections: plain rows of label and text,
in Russian, from the snapshot core.selection.snapshot builds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from core.federal.annual_report_pdf import content_disposition
from core.ru.money import format_roubles
from core.ru.regions import region_name
from core.selection import documents
from core.selection.models import Application
from core.selection.selectors import Ranking


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    empty: str = ""


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value} %".replace(".", ",")


def _money(kopecks: Any) -> str:
    return format_roubles(int(kopecks or 0))


def sections(live: dict[str, Any]) -> list[Section]:
    """The live-data sections of an application, as the cluster, the experts and the ministry see them."""
    if not live:
        return []
    participants = live.get("participants", {})
    people = Section(
        _("Участники кластера"), rows=[(_("Всего участников"), str(participants.get("total", 0)))]
    )
    people.rows += [
        (_("Тип: %(kind)s") % {"kind": kind}, str(n)) for kind, n in participants.get("by_kind", {}).items()
    ]
    people.rows += [
        (_("Регион: %(region)s") % {"region": region_name(code) if code != "—" else code}, str(n))
        for code, n in participants.get("by_region", {}).items()
    ]
    people.header = [_("Участник"), _("ИНН"), _("Регион")]
    people.table = [
        [p["name"], p.get("inn") or "—", region_name(p["region_code"]) if p.get("region_code") else "—"]
        for p in participants.get("list", [])
    ]
    people.empty = _("Участников пока нет.")
    coop = live.get("cooperation", {})
    cooperation = Section(
        _("Кооперация и функциональная зависимость"),
        rows=[
            (_("Год"), str(coop.get("year", "—"))),
            (_("Договоров кооперации"), str(coop.get("contracts", 0))),
            (_("Сумма договоров"), _money(coop.get("contracts_amount_kopecks"))),
            (_("Участников, связанных договорами"), str(coop.get("linked_participants", 0))),
            (_("Функциональная зависимость"), _percent(coop.get("functional_dependence_percent"))),
        ],
    )
    projects = Section(
        _("Совместные проекты"),
        header=[
            _("Проект"),
            _("Статус"),
            _("Головной участник"),
            _("Бюджет"),
            _("Поддержка получена"),
            _("Показатели"),
        ],
        empty=_("Совместных проектов пока нет."),
    )
    for p in live.get("projects", []):
        indicators = "; ".join(
            f"{i.get('name', '')}: {i.get('actual', '—')} / {i.get('plan', '—')}"
            for i in p.get("indicators", [])
        )
        projects.table.append(
            [
                p.get("title", ""),
                p.get("status", ""),
                p.get("lead", "") or "—",
                _money(p.get("budget_kopecks")),
                _money(p.get("support_received_kopecks")),
                indicators or "—",
            ]
        )
    roadmap = live.get("roadmap", {})
    dues = live.get("dues", {})
    discipline = Section(
        _("Дорожная карта и взносы"),
        rows=[
            (
                _("Мероприятий дорожной карты выполнено"),
                f"{roadmap.get('items_done', 0)} / {roadmap.get('items_total', 0)} ({_percent(roadmap.get('completion_percent'))})",
            ),
            (_("Взносы: выставлено"), _money(dues.get("invoiced_kopecks"))),
            (
                _("Взносы: оплачено"),
                f"{_money(dues.get('paid_kopecks'))} ({_percent(dues.get('collection_percent'))})",
            ),
        ],
    )
    return [people, cooperation, projects, discipline]


def application_view(application: Application) -> list[Section]:
    """The frozen sections of a submitted application (its snapshot)."""
    snapshot = application.snapshot or {}
    return sections(snapshot.get("sections", snapshot))


DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def document_response(document: documents.Document, *, stem: str, fmt: str) -> HttpResponse:
    """core.selection.documents' PDF or DOCX of an application or a protocol, as a download (else 404)."""
    if fmt not in DOCUMENT_TYPES:
        raise Http404
    body = documents.pdf(document) if fmt == "pdf" else documents.docx(document)
    response = HttpResponse(body, content_type=DOCUMENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(f"{stem}.{fmt}")
    return response


def protocol_response(*, ranking: Ranking, fmt: str) -> HttpResponse:
    call = ranking.call
    return document_response(
        documents.protocol_document(call, ranking), fmt=fmt, stem=f"Протокол_отбора_{call.year}_{call.pk}"
    )


def application_response(*, application: Application, fmt: str) -> HttpResponse:
    if not application.version:
        raise Http404  # a draft has no document yet
    return document_response(
        documents.application_document(application),
        fmt=fmt,
        stem=f"Заявка_{application.call.year}_{application.cluster.schema_name}_v{application.version}",
    )
