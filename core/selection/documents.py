"""The application and the commission's protocol as PDF (WeasyPrint) and DOCX (python-docx), in
Russian. Both formats render the same blocks, built from the frozen snapshot / the ranking."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.ru.money import format_roubles

from .models import Application, Call
from .selectors import Ranking


@dataclass
class Block:
    kind: str  # h1, h2, p, table
    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Document:
    title: str
    blocks: list[Block]
    demo: bool = False


def _roubles(kopecks: int | None) -> str:
    return "—" if kopecks is None else format_roubles(int(kopecks))


def _pct(value: Any) -> str:
    return "—" if value in (None, "") else f"{value} %"


def application_document(application: Application) -> Document:
    """The submitted application (its latest frozen version)."""
    snap = application.snapshot or {}
    sections = snap.get("sections", {})
    narrative = snap.get("narrative", {})
    cluster = snap.get("cluster", {})
    call = snap.get("call", {})
    submitted = (
        timezone.localtime(application.submitted_at, application.cluster.tzinfo)
        if application.submitted_at
        else None
    )
    b: list[Block] = [
        Block("h1", f"Заявка на отбор «{call.get('title', application.call.title)}»"),
        Block("p", cluster.get("name", application.cluster.name)),
        Block(
            "p",
            f"Версия {application.version}"
            + (f", подана {submitted:%d.%m.%Y %H:%M}" if submitted else "")
            + (f" ({application.submitted_by_email})" if application.submitted_by_email else ""),
        ),
    ]
    if application.version_reason:
        b.append(Block("p", f"Причина новой версии: {application.version_reason}"))
    participants = sections.get("participants", {})
    b += [
        Block("h2", "1. Участники кластера"),
        Block("p", f"Всего участников: {participants.get('total', 0)}"),
        Block(
            "table",
            headers=["Тип участника", "Количество"],
            rows=[[k, str(v)] for k, v in participants.get("by_kind", {}).items()],
        ),
        Block(
            "table",
            headers=["Регион", "Количество"],
            rows=[[k, str(v)] for k, v in participants.get("by_region", {}).items()],
        ),
    ]
    coop = sections.get("cooperation", {})
    b += [
        Block("h2", "2. Кооперация участников"),
        Block(
            "table",
            headers=["Показатель", "Значение"],
            rows=[
                ["Договоров между участниками", str(coop.get("contracts", 0))],
                ["Сумма договоров", _roubles(coop.get("contracts_amount_kopecks", 0))],
                ["Участников, связанных договорами", str(coop.get("linked_participants", 0))],
                [
                    f"Функциональная зависимость за {coop.get('year', '')} год",
                    _pct(coop.get("functional_dependence_percent")),
                ],
            ],
        ),
    ]
    if coop.get("functional_dependence_reason"):
        b.append(Block("p", coop["functional_dependence_reason"]))
    b.append(Block("h2", "3. Совместные проекты"))
    projects = sections.get("projects", [])
    if projects:
        b.append(
            Block(
                "table",
                headers=[
                    "Проект",
                    "Статус",
                    "Головной участник",
                    "Бюджет",
                    "Господдержка получена",
                    "Показатели (план / факт)",
                ],
                rows=[
                    [
                        p["title"],
                        p.get("status", ""),
                        p.get("lead", ""),
                        _roubles(p.get("budget_kopecks")),
                        _roubles(p.get("support_received_kopecks")),
                        "; ".join(
                            f"{i['name']} {i['year']}: {i['planned']} / {i['actual'] or '—'}"
                            for i in p.get("indicators", [])
                        ),
                    ]
                    for p in projects
                ],
            )
        )
    else:
        b.append(Block("p", "Совместных проектов нет."))
    roadmap, dues = sections.get("roadmap", {}), sections.get("dues", {})
    b += [
        Block("h2", "4. Дорожная карта и взносы"),
        Block(
            "table",
            headers=["Показатель", "Значение"],
            rows=[
                [
                    f"Мероприятий дорожной карты {roadmap.get('year', '')} года",
                    f"{roadmap.get('items_done', 0)} из {roadmap.get('items_total', 0)}",
                ],
                ["Выполнение дорожной карты", _pct(roadmap.get("completion_percent"))],
                ["Взносы начислены", _roubles(dues.get("invoiced_kopecks", 0))],
                ["Взносы оплачены", _roubles(dues.get("paid_kopecks", 0))],
                ["Собираемость взносов", _pct(dues.get("collection_percent"))],
            ],
        ),
    ]
    b += [
        Block("h2", "5. Цели проекта"),
        Block("p", narrative.get("goals") or "—"),
        Block("h2", "6. Якорный проект"),
        Block("p", narrative.get("anchor_project") or "—"),
        Block("h2", "7. Команда проекта"),
        Block("p", narrative.get("team") or "—"),
        Block("h2", "8. Ожидаемые эффекты"),
        Block(
            "table",
            headers=["Показатель", "Единица", "Базовое значение", "Целевое значение", "Год"],
            rows=[
                [
                    e["name"],
                    e.get("unit", ""),
                    e.get("baseline") or "—",
                    e["target"],
                    str(e.get("year") or "—"),
                ]
                for e in narrative.get("expected_effects", [])
            ],
        ),
    ]
    attachments = snap.get("attachments", [])
    if attachments:
        b += [
            Block("h2", "Приложения"),
            Block("p", "\n".join(f"{a['name']}: {a['file']}" for a in attachments)),
        ]
    return Document(title=b[0].text, blocks=b, demo=application.is_demo)


def protocol_document(call: Call, ranking: Ranking) -> Document:
    """The commission's protocol: the ranking with the decisions."""
    b = [
        Block("h1", f"Протокол экспертной комиссии: {call.title}"),
        Block(
            "p", f"Год отбора: {call.year}" + (f". Протокол {call.protocol_ref}" if call.protocol_ref else "")
        ),
        Block(
            "p",
            "Критерии: "
            + "; ".join(
                f"{c.name} (вес {c.weight.normalize()}, {c.scale_min}–{c.scale_max})"
                for c in ranking.criteria
            ),
        ),
        Block(
            "p",
            f"Итоговый балл — среднее взвешенных оценок экспертов; расхождение больше "
            f"{ranking.outlier_spread} отмечено.",
        ),
        Block("h2", "Рейтинг заявок"),
        Block(
            "table",
            headers=["Место", "Кластер", "Балл", "Разброс", "Экспертов", "Решение", "Протокол"],
            rows=[
                [
                    str(r.place or "—"),
                    r.cluster,
                    str(r.score if r.score is not None else "—"),
                    (str(r.spread) if r.spread is not None else "—") + (" (!)" if r.outlier else ""),
                    f"{r.experts_submitted} из {r.experts_assigned}",
                    r.decision_label or "—",
                    r.protocol_ref or "",
                ]
                for r in ranking.rows
            ],
        ),
    ]
    return Document(title=b[0].text, blocks=b, demo=call.is_demo)


def pdf(document: Document) -> bytes:
    from weasyprint import HTML

    with translation.override("ru"):
        html = render_to_string(
            "selection/document.html",
            {"title": document.title, "blocks": document.blocks, "demo": document.demo},
        )
    return HTML(string=html).write_pdf() or b""


def docx(document: Document) -> bytes:
    from docx import Document as Docx

    out = Docx()
    if document.demo:
        out.add_paragraph("Демонстрационные данные")
    for block in document.blocks:
        if block.kind == "h1":
            out.add_heading(block.text, level=1)
        elif block.kind == "h2":
            out.add_heading(block.text, level=2)
        elif block.kind == "p":
            out.add_paragraph(block.text)
        else:
            table = out.add_table(rows=1, cols=len(block.headers))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.headers, strict=True):
                cell.text = text
            for row in block.rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
