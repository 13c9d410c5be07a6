"""The application for the Minpromtorg registry of industrial clusters (Decree No. 779) as one ZIP.

Built inside the cluster's schema from the same rows the registry check reads
(core.federal.metrics.ClusterMetrics.registry → core.federal.checks.registry_checks_evaluate), so
the participant list and the functional-dependence figure in the files are those of the check:

* 01 cover letter (DOCX): the request, the cluster's figures, the list of enclosures;
* 02 participants with INN/OGRN/KPP/addresses (DOCX and XLSX);
* 03 cooperation contracts between participants up to the year's end (XLSX);
* 04 the functional-dependence calculation (XLSX: the result, then the revenue rows and the
  contract rows it is summed from, each with its row number);
* 05 the joint projects with their budget, support and target indicators (XLSX);
* 06 the cluster development programme = the roadmap in force (tenants.roadmap's report, DOCX and XLSX).

Everything is in Russian; amounts are roubles with kopecks (numbers in XLSX, text in DOCX).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db.models import Q
from django.utils import timezone

from core.accounts.access import require_manager
from core.audit.services import Actor
from core.clock import cluster_today
from core.federal.checks import CheckOutcome, default_year, registry_checks_evaluate
from core.federal.metrics import ClusterMetrics, RegistryFigures
from core.ru.regions import REGIONS
from core.spreadsheet import row_cells
from tenants.governance.protocol import cluster_genitive
from tenants.models import Cluster
from tenants.projects.models import JointProject, ProjectIndicator
from tenants.roadmap.models import Roadmap
from tenants.roadmap.report import roadmap_report

ZIP_TYPE = "application/zip"
STATUS_RU = {"pass": "выполнено", "fail": "не выполнено", "no_data": "недостаточно данных"}
FILES = {
    "letter": "01_Сопроводительное_письмо.docx",
    "participants_docx": "02_Перечень_участников.docx",
    "participants_xlsx": "02_Перечень_участников.xlsx",
    "contracts": "03_Договоры_о_кооперации.xlsx",
    "dependence": "04_Расчет_функциональной_зависимости.xlsx",
    "projects": "05_Совместные_проекты.xlsx",
    "programme_docx": "06_Программа_развития_кластера.docx",
    "programme_xlsx": "06_Программа_развития_кластера.xlsx",
}
PARTICIPANT_HEADER = (
    "№",
    "Полное наименование",
    "Краткое наименование",
    "ИНН",
    "ОГРН",
    "КПП",
    "Регион",
    "Адрес",
    "Тип",
    "Моногород или ТОР",
)
CONTRACT_HEADER = (
    "№",
    "Номер договора",
    "Дата",
    "Вид",
    "Сторона А",
    "ИНН стороны А",
    "Сторона Б",
    "ИНН стороны Б",
    "Сумма, ₽",
    "Предмет",
    "Учтён в функциональной зависимости за год",
)


@dataclass(frozen=True)
class PackFile:
    content: bytes
    filename: str  # ASCII
    filename_ru: str

    @property
    def content_disposition(self) -> str:
        return (
            f"attachment; filename=\"{self.filename}\"; filename*=UTF-8''{quote(self.filename_ru, safe='')}"
        )


def _roubles(kopecks: int) -> Decimal:
    return (Decimal(kopecks) / 100).quantize(Decimal("0.01"))


def _percent_text(value: str | None) -> str:
    return "—" if value is None else f"{value.replace('.', ',')} %"


# --- XLSX -----------------------------------------------------------------------------------


def _workbook() -> Any:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    return book


def _sheet(
    book: Any, title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]], widths: tuple[int, ...] = ()
) -> Any:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row_cells(row))
    for index, width in enumerate(widths or (18,) * len(header), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for column, title_text in enumerate(header, start=1):
        if "₽" in title_text:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    return sheet


def _save(book: Any) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _participant_rows(figures: RegistryFigures) -> list[tuple[Any, ...]]:
    return [
        (
            n,
            p.full_name or p.name,
            p.name,
            p.inn,
            p.ogrn,
            p.kpp,
            REGIONS.get(p.region_code, p.region_code),
            p.address,
            p.kind,
            p.special_territory or "нет",
        )
        for n, p in enumerate(figures.participants, start=1)
    ]


def participants_xlsx(figures: RegistryFigures) -> bytes:
    book = _workbook()
    _sheet(
        book,
        "Участники",
        PARTICIPANT_HEADER,
        _participant_rows(figures),
        (5, 50, 30, 14, 17, 12, 26, 45, 24, 26),
    )
    return _save(book)


def contracts_xlsx(figures: RegistryFigures, year: int) -> bytes:
    inn = {p.id: p.inn for p in figures.participants}
    rows = [
        (
            n,
            c.number,
            c.signed_on.strftime("%d.%m.%Y"),
            c.kind,
            c.party_a,
            inn.get(c.party_a_id, ""),
            c.party_b,
            inn.get(c.party_b_id, ""),
            _roubles(c.amount_kopecks),
            c.subject,
            "да" if c.signed_on.year == year else "нет",
        )
        for n, c in enumerate(figures.contracts, start=1)
    ]
    book = _workbook()
    _sheet(book, "Договоры", CONTRACT_HEADER, rows, (5, 16, 12, 30, 30, 14, 30, 14, 18, 40, 18))
    return _save(book)


def dependence_xlsx(figures: RegistryFigures, check: CheckOutcome, year: int) -> bytes:
    """The result first (each figure naming the sheet and rows it is summed from), then those rows."""
    revenue_rows = figures.revenue_rows
    in_year = [c for c in figures.contracts if c.signed_on.year == year]
    special = check.evidence.get("special_territory", {})
    last_revenue, last_contract = len(revenue_rows) + 1, len(in_year) + 1
    book = _workbook()
    _sheet(
        book,
        "Расчет",
        ("Показатель", "Значение", "Откуда"),
        [
            ("Год", year, ""),
            (
                "Выручка участников за год по принятым показателям, ₽",
                _roubles(figures.revenue_kopecks),
                f"сумма строк 2–{last_revenue} листа «Выручка участников» ({len(revenue_rows)} орг.)",
            ),
            (
                "Договоры между участниками, заключённые в году, ₽",
                _roubles(figures.cooperation_kopecks),
                f"сумма строк 2–{last_contract} листа «Договоры за год» ({len(in_year)} шт.)",
            ),
            (
                "Функциональная зависимость, %",
                check.data.get("value") or "нет данных",
                "договоры между участниками / выручка участников × 100",
            ),
            ("Участников всего", len(figures.participants), "лист «Участники» перечня (02)"),
            (
                "Участников в моногородах или на ТОР",
                special.get("count", 0),
                "по карточкам участников"
                if special.get("source") != "entered"
                else "по показателю годового отчёта",
            ),
            (
                "Доля участников в моногородах или на ТОР, %",
                special.get("share", "0"),
                f"порог снижается при доле не менее {special.get('threshold_share', '')} %",
            ),
            (
                "Требуемая функциональная зависимость, %",
                check.data.get("threshold", ""),
                "постановление № 779 (пороги — настройка FEDERAL_REGISTRY_THRESHOLDS)",
            ),
            ("Итог", STATUS_RU.get(check.status, check.status), check.reason),
            ("Способ расчёта", str(check.evidence.get("method", "")), ""),
        ],
        (60, 22, 80),
    )
    _sheet(
        book,
        "Выручка участников",
        ("Участник", "ИНН", "Выручка, ₽"),
        [(r.name, r.inn, _roubles(r.revenue_kopecks)) for r in revenue_rows],
        (40, 14, 20),
    )
    _sheet(
        book,
        "Договоры за год",
        ("Номер договора", "Дата", "Сторона А", "Сторона Б", "Сумма, ₽"),
        [
            (c.number, c.signed_on.strftime("%d.%m.%Y"), c.party_a, c.party_b, _roubles(c.amount_kopecks))
            for c in in_year
        ],
        (16, 12, 35, 35, 20),
    )
    return _save(book)


def _indicator_value(indicator: ProjectIndicator, raw: int | None) -> Decimal | int | None:
    if raw is None:
        return None
    scale = ProjectIndicator.SCALE.get(indicator.kind, 1)
    return raw if scale == 1 else (Decimal(raw) / scale).quantize(Decimal("0.01"))


def _indicator_unit(indicator: ProjectIndicator) -> str:
    if indicator.kind == ProjectIndicator.Kind.CUSTOM:
        return indicator.unit
    if indicator.kind in ProjectIndicator.MONEY_KINDS:
        return "₽"
    return "%" if indicator.kind == ProjectIndicator.Kind.IMPORT_SHARE else "чел."


def projects_xlsx() -> bytes:
    """Every joint project (participants, budget, support) and its target indicators, plan against actual."""
    projects = list(
        JointProject.objects.prefetch_related(
            "participants__company", "budget", "indicators", "support_applications__tranches"
        ).order_by("title", "id")
    )
    project_rows, budget_rows, support_rows, indicator_rows = [], [], [], []
    for n, p in enumerate(projects, start=1):
        members = list(p.participants.all())
        lead = next((m.company for m in members if m.role == "lead"), None)
        budget = list(p.budget.all())
        applications = list(p.support_applications.all())
        received = sum(t.amount_kopecks for a in applications for t in a.tranches.all())
        project_rows.append(
            (
                n,
                p.title,
                str(p.get_kind_display()),
                str(p.get_status_display()),
                p.period_start.strftime("%d.%m.%Y"),
                p.period_end.strftime("%d.%m.%Y"),
                str(lead) if lead else "",
                "; ".join(f"{m.company} ({m.get_role_display()})" for m in members),
                _roubles(sum(b.amount_kopecks for b in budget)),
                _roubles(sum(a.amount_granted_kopecks for a in applications)),
                _roubles(received),
            )
        )
        budget_rows += [
            (p.title, b.year, str(b.get_source_display()), _roubles(b.amount_kopecks)) for b in budget
        ]
        support_rows += [
            (
                p.title,
                str(a.get_measure_display()) + (f": {a.measure_name}" if a.measure_name else ""),
                a.submitted_on.strftime("%d.%m.%Y"),
                str(a.get_decision_display()),
                _roubles(a.amount_requested_kopecks),
                _roubles(a.amount_granted_kopecks),
                _roubles(sum(t.amount_kopecks for t in a.tranches.all())),
            )
            for a in applications
        ]
        for i in p.indicators.all():
            short = i.shortfall_percent
            indicator_rows.append(
                (
                    p.title,
                    i.year,
                    i.name if i.kind == ProjectIndicator.Kind.CUSTOM else str(i.get_kind_display()),
                    _indicator_unit(i),
                    _indicator_value(i, i.planned),
                    _indicator_value(i, i.actual),
                    str(i.get_status_display()),
                    "" if short is None else short,
                    "недовыполнение" if short is not None else "",
                )
            )
    book = _workbook()
    _sheet(
        book,
        "Проекты",
        (
            "№",
            "Проект",
            "Вид",
            "Статус",
            "Начало",
            "Окончание",
            "Головной участник",
            "Участники",
            "Бюджет, ₽",
            "Поддержка предоставлена, ₽",
            "Поддержка получена, ₽",
        ),
        project_rows,
        (5, 45, 24, 22, 12, 12, 28, 60, 18, 18, 18),
    )
    _sheet(book, "Бюджет", ("Проект", "Год", "Источник", "Сумма, ₽"), budget_rows, (45, 8, 26, 18))
    _sheet(
        book,
        "Господдержка",
        (
            "Проект",
            "Мера поддержки",
            "Подана",
            "Решение",
            "Запрошено, ₽",
            "Предоставлено, ₽",
            "Получено траншами, ₽",
        ),
        support_rows,
        (45, 40, 12, 18, 18, 18, 18),
    )
    _sheet(
        book,
        "Целевые показатели",
        (
            "Проект",
            "Год",
            "Показатель",
            "Единица",
            "План",
            "Факт",
            "Состояние",
            "Недовыполнение, %",
            "Отметка",
        ),
        indicator_rows,
        (45, 8, 36, 10, 16, 16, 14, 16, 16),
    )
    return _save(book)


# --- DOCX -----------------------------------------------------------------------------------


def _document() -> Any:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    return document


def _docx_bytes(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def participants_docx(cluster: Cluster, figures: RegistryFigures) -> bytes:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    document = _document()
    page = document.sections[0]
    page.orientation = WD_ORIENT.LANDSCAPE
    page.page_width, page.page_height = Mm(297), Mm(210)
    document.add_heading(f"Перечень участников {cluster_genitive(cluster.name)}", level=1)
    table = document.add_table(rows=1, cols=len(PARTICIPANT_HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, PARTICIPANT_HEADER, strict=True):
        cell.text = text
    for row in _participant_rows(figures):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value or "")
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    document.add_paragraph(f"Всего участников: {len(figures.participants)}.")
    return _docx_bytes(document)


def cover_letter_docx(
    *,
    cluster: Cluster,
    year: int,
    figures: RegistryFigures,
    checks: list[CheckOutcome],
    enclosures: list[str],
    today: dt.date,
) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = _document()
    to = document.add_paragraph("Министерство промышленности и торговли Российской Федерации")
    to.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph(f"{today:%d.%m.%Y}")
    title = document.add_paragraph(
        "Заявление о включении промышленного кластера в реестр промышленных кластеров"
    )
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    regions = ", ".join(REGIONS.get(code, code) for code in cluster.region_codes)
    dependence = next(c for c in checks if c.code == "functional_dependence")
    document.add_paragraph(
        f"Специализированная организация {cluster_genitive(cluster.name)} ({regions}) в соответствии с "
        "постановлением Правительства Российской Федерации от 31.07.2015 № 779 просит рассмотреть вопрос о "
        "включении кластера в реестр промышленных кластеров и направляет документы, подтверждающие соответствие "
        "кластера установленным требованиям."
    )
    document.add_paragraph(
        f"Участников кластера: {len(figures.participants)}. Договоров о кооперации между участниками на "
        f"31.12.{year}: {len(figures.contracts)}. Функциональная зависимость участников за {year} год: "
        f"{_percent_text(dependence.data.get('value'))} (требуется не менее "
        f"{_percent_text(dependence.data.get('threshold'))})."
    )
    document.add_paragraph("Соответствие требованиям (самопроверка):")
    for check in checks:
        document.add_paragraph(
            f"{check.label} — {STATUS_RU.get(check.status, check.status)}. {check.reason}",
            style="List Bullet",
        )
    document.add_paragraph("Приложения:")
    for n, name in enumerate(enclosures, start=1):
        document.add_paragraph(f"{n}. {name}")
    document.add_paragraph("Руководитель специализированной организации кластера ____________________")
    return _docx_bytes(document)


# --- the pack -------------------------------------------------------------------------------

ENCLOSURE_TITLES = {
    "participants": "Перечень участников кластера с ИНН, ОГРН и адресами (DOCX, XLSX)",
    "contracts": "Перечень договоров о кооперации между участниками (XLSX)",
    "dependence": "Расчёт функциональной зависимости участников с исходными строками (XLSX)",
    "projects": "Совместные проекты участников с целевыми показателями и господдержкой (XLSX)",
    "programme": "Программа развития кластера — дорожная карта «{title}» (DOCX, XLSX)",
}


def programme_roadmap(today: dt.date) -> Roadmap | None:
    """The roadmap in force today (approved, newest version), else the newest approved one."""
    approved = Roadmap.objects.filter(status=Roadmap.Status.APPROVED).order_by("-period_start", "-version")
    return (
        approved.filter(period_start__lte=today, period_end__gte=today).first()
        or approved.first()
        or Roadmap.objects.filter(~Q(status=Roadmap.Status.CLOSED))
        .order_by("-period_start", "-version")
        .first()
    )


def application_pack(*, cluster: Cluster, actor: Actor, year: int | None = None) -> PackFile:
    """The registry application of `year` (default: the previous year, as the live check) as one ZIP."""
    require_manager(actor, "Пакет документов для реестра формируют сотрудники кластера.")
    year = year or default_year(cluster)
    today = cluster_today(cluster)
    figures = ClusterMetrics(cluster=cluster, year=year).registry()
    checks = registry_checks_evaluate(figures=figures, year=year)
    dependence = next(c for c in checks if c.code == "functional_dependence")
    roadmap = programme_roadmap(today)
    files: dict[str, bytes] = {
        FILES["participants_docx"]: participants_docx(cluster, figures),
        FILES["participants_xlsx"]: participants_xlsx(figures),
        FILES["contracts"]: contracts_xlsx(figures, year),
        FILES["dependence"]: dependence_xlsx(figures, dependence, year),
        FILES["projects"]: projects_xlsx(),
    }
    enclosures = [ENCLOSURE_TITLES[key] for key in ("participants", "contracts", "dependence", "projects")]
    if roadmap is not None:
        files[FILES["programme_docx"]] = roadmap_report(roadmap, "docx", cluster=cluster).content
        files[FILES["programme_xlsx"]] = roadmap_report(roadmap, "xlsx", cluster=cluster).content
        enclosures.append(ENCLOSURE_TITLES["programme"].format(title=roadmap.title))
    letter = cover_letter_docx(
        cluster=cluster, year=year, figures=figures, checks=checks, enclosures=enclosures, today=today
    )
    buffer = io.BytesIO()
    stamp = timezone.localtime(timezone.now(), cluster.tzinfo)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in {FILES["letter"]: letter, **files}.items():
            archive.writestr(
                zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6]),
                content,
                compress_type=zipfile.ZIP_DEFLATED,
            )
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", cluster.schema_name).strip("-")
    return PackFile(
        content=buffer.getvalue(),
        filename=f"registry-application-{slug}-{year}.zip",
        filename_ru=f"Заявка_в_реестр_промышленных_кластеров_{year}.zip",
    )
