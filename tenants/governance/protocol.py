"""The protocol (minutes) of a meeting, generated from its data: DOCX (python-docx) and PDF
(WeasyPrint from governance/protocol.html). The document is always in Russian."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation

from core.text import printable
from tenants.models import Cluster

from .models import Ballot, BallotVote, Body, Decision, Majority, Meeting
from .quorum import ADOPTION_RULE, MAJORITY_RULES_TEXT, Quorum
from .selectors import ballot_list, meeting_quorum, meeting_tally, meeting_voter_ids

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"docx": DOCX_TYPE, "pdf": PDF_TYPE}

# «ПРОТОКОЛ № 2 <of what> <cluster in the genitive>»
TITLE_BY_BODY: dict[str, str] = {
    Body.Kind.GENERAL_MEETING: "общего собрания участников",
    Body.Kind.COUNCIL: "заседания Совета",
    Body.Kind.SUPERVISORY_BOARD: "заседания Наблюдательного совета",
    Body.Kind.PRESIDIUM: "заседания Президиума",
}
QUORUM_RULE_TEXT: dict[str, str] = {
    Body.Quorum.MAJORITY: "более половины участников кластера с правом голоса",
    Body.Quorum.TWO_THIRDS: "не менее двух третей участников кластера с правом голоса",
    Body.Quorum.FIXED: "не менее {n} участников кластера с правом голоса",
}

_ADJECTIVE = re.compile(r"(ый|ой|ий)$")


def _adjective_genitive(word: str) -> str | None:
    """«технический» → «технического», «Межрегиональный» → «Межрегионального», «синий» → «синего»."""
    head, _, last = word.rpartition("-")
    match = _ADJECTIVE.search(last)
    if not match:
        return None
    stem = last[: match.start()]
    ending = "его" if match.group(1) == "ий" and stem[-1:].lower() not in "кгх" else "ого"
    return f"{head}-{stem}{ending}" if head else f"{stem}{ending}"


def cluster_genitive(name: str) -> str:
    """The cluster's name in the genitive, for «… участников Медико-технического кластера
    Московской области». Adjectives before the word «кластер» are declined and «кластер»
    becomes «кластера»; the rest is already in the genitive in such names. Names of another
    shape are quoted after the word «кластера»."""
    words = name.split()
    declined: list[str] = []
    for index, word in enumerate(words):
        if word.lower() == "кластер":
            return " ".join([*declined, word + "а", *words[index + 1 :]])
        adjective = _adjective_genitive(word)
        if adjective is None:
            break
        declined.append(adjective)
    return f"кластера «{name}»"


@dataclass(frozen=True)
class RegisterRow:
    """A line of the annex «Реестр бюллетеней»."""

    company: str
    representative: str
    cast_at: str
    votes: str  # «1 — за; 2 — против»
    proxy: str
    paper: bool


CHOICE_TEXT: dict[str, str] = {
    BallotVote.Choice.FOR: "за",
    BallotVote.Choice.AGAINST: "против",
    BallotVote.Choice.ABSTAIN: "воздержался",
}


def _register(*, meeting: Meeting, cluster: Cluster) -> list[RegisterRow]:
    rows = []
    for ballot in ballot_list(meeting=meeting):
        proxy = ""
        if ballot.proxy is not None:
            proxy = f"доверенность «{ballot.proxy.holder}» до {ballot.proxy.valid_until:%d.%m.%Y}"
        votes = "; ".join(
            f"{v.decision.number} — {CHOICE_TEXT.get(v.choice, v.choice)}" for v in ballot.votes.all()
        )
        rows.append(
            RegisterRow(
                company=str(ballot.company),
                representative=ballot.representative_name,
                cast_at=f"{_local(ballot.cast_at, cluster):%d.%m.%Y %H:%M}",
                votes=votes,
                proxy=proxy,
                paper=ballot.paper,
            )
        )
    return rows


@dataclass(frozen=True)
class ProtocolDecision:
    number: int
    text: str
    agenda_number: int | None
    votes_for: int
    votes_against: int
    votes_abstained: int
    adopted: bool
    rule: str = ""  # voting by ballots: the majority that applied, in words

    @property
    def votes_line(self) -> str:
        return f"За — {self.votes_for}, Против — {self.votes_against}, Воздержались — {self.votes_abstained}"

    @property
    def outcome(self) -> str:
        return "Решение принято" if self.adopted else "Решение не принято"


@dataclass(frozen=True)
class Protocol:
    title: str
    date_line: str
    place: str
    body_name: str
    chair_name: str
    secretary_name: str
    quorum: Quorum
    quorum_rule: str
    present: list[tuple[str, str]]  # (company, representative)
    agenda: list[tuple[int, str]]
    decisions: list[ProtocolDecision] = field(default_factory=list)
    adoption_rule: str = ""
    # voting by ballots (absentee and mixed meetings)
    form: str = ""
    by_ballots: bool = False
    notice_line: str = ""
    deadline_line: str = ""
    record_date_line: str = ""
    late_notice_reason: str = ""
    counter_name: str = ""
    register: list[RegisterRow] = field(default_factory=list)

    @property
    def attendance_heading(self) -> str:
        if self.by_ballots:
            return f"Бюллетени представили участники кластера: {self.quorum.present} из {self.quorum.total}"
        return (
            f"Присутствовали представители участников кластера: {self.quorum.present} из {self.quorum.total}"
        )

    @property
    def quorum_line(self) -> str:
        return f"{self.quorum.label}."


def _local(value: dt.datetime, cluster: Cluster) -> dt.datetime:
    return timezone.localtime(value, cluster.tzinfo)


def protocol_build(*, meeting: Meeting, cluster: Cluster) -> Protocol:
    """Everything the protocol shows, from a meeting loaded by selectors.meeting_get(). Control
    characters stored before input refused them are dropped (a DOCX cannot hold them)."""
    with translation.override("ru"):
        number = f" № {meeting.number}" if meeting.number else ""
        of_what = TITLE_BY_BODY.get(meeting.body.kind, f"заседания органа «{meeting.body.name}»")
        when = _local(meeting.held_at, cluster)
        quorum = meeting_quorum(meeting=meeting)
        voters = meeting_voter_ids(meeting=meeting)
        rule = QUORUM_RULE_TEXT.get(meeting.body.quorum_rule, "").format(n=meeting.body.quorum_fixed_count)
        present = [
            (printable(str(a.company)), printable(a.representative_name))
            for a in meeting.attendance.all()
            if a.present and a.company_id in voters
        ]
        decisions: list[Decision] = list(meeting.decisions.all())
        voting: dict[str, object] = {"form": meeting.get_form_display()}
        rules: dict[int, str] = {}
        if meeting.by_ballots:
            tally = meeting_tally(meeting=meeting)
            quorum = tally.quorum
            rules = {
                row.id: str(MAJORITY_RULES_TEXT.get(Majority(row.rule), row.rule)) if row.rule else ""
                for row in tally.decisions
            }
            if meeting.voting_closed_at is None:  # open: the live count, marked as such
                counted = {row.id: row for row in tally.decisions}
                decisions = [
                    Decision(
                        pk=d.pk,
                        number=d.number,
                        text=d.text,
                        agenda_item=d.agenda_item,
                        votes_for=counted[d.pk].votes_for,
                        votes_against=counted[d.pk].votes_against,
                        votes_abstained=counted[d.pk].votes_abstained,
                        adopted=counted[d.pk].adopted,
                    )
                    for d in decisions
                ]
            register = _register(meeting=meeting, cluster=cluster)
            present = [(row.company, row.representative) for row in register]
            voting.update(
                by_ballots=True,
                register=register,
                counter_name=meeting.counter_name,
                late_notice_reason=meeting.late_notice_reason,
                notice_line=(
                    f"{_local(meeting.published_at, cluster):%d.%m.%Y}" if meeting.published_at else ""
                ),
                deadline_line=(
                    f"{_local(meeting.deadline, cluster):%d.%m.%Y %H:%M}" if meeting.deadline else ""
                ),
                record_date_line=(f"{meeting.record_date:%d.%m.%Y}" if meeting.record_date else ""),
            )
        return Protocol(
            title=printable(f"ПРОТОКОЛ{number} {of_what} {cluster_genitive(cluster.name)}"),
            date_line=f"{dateformat.format(when, 'j E Y')} г., {when:%H:%M}",
            place=printable(meeting.place),
            body_name=printable(meeting.body.name),
            chair_name=printable(meeting.chair_name),
            secretary_name=printable(meeting.secretary_name),
            quorum=quorum,
            quorum_rule=rule,
            present=present,
            agenda=[(item.number, printable(item.title)) for item in meeting.agenda_items.all()],
            decisions=[
                ProtocolDecision(
                    number=d.number,
                    text=printable(d.text),
                    agenda_number=d.agenda_item.number if d.agenda_item else None,
                    votes_for=d.votes_for,
                    votes_against=d.votes_against,
                    votes_abstained=d.votes_abstained,
                    adopted=d.adopted,
                    rule=rules.get(d.pk, ""),
                )
                for d in decisions
            ],
            adoption_rule="" if meeting.by_ballots else str(ADOPTION_RULE),
            **voting,  # type: ignore[arg-type]
        )


def protocol_filename(*, meeting: Meeting, cluster: Cluster, extension: str) -> str:
    """«Протокол_№2_Общее_собрание_2024-03-15.pdf»."""
    number = f"_№{meeting.number}" if meeting.number else ""
    day = _local(meeting.held_at, cluster).date().isoformat()
    name = re.sub(r"[\\/:*?\"<>|\s]+", "_", f"Протокол{number}_{meeting.body.name}_{day}")
    return f"{name}.{extension}"


def content_disposition(filename: str) -> str:
    """attachment; an ASCII fallback name plus the real one as filename*=UTF-8''… (RFC 6266)."""
    stem, _, extension = filename.rpartition(".")
    ascii_stem = re.sub(r"[^A-Za-z0-9-]+", "_", stem.encode("ascii", "ignore").decode()).strip("_")
    fallback = f"protocol_{ascii_stem}.{extension}" if ascii_stem else f"protocol.{extension}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def protocol_docx(protocol: Protocol) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(protocol.title).bold = True

    def line(label: str, value: str) -> None:
        if value:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{label}: ").bold = True
            paragraph.add_run(value)

    line("Форма проведения", protocol.form)
    line("Дата и время" if not protocol.by_ballots else "Дата собрания", protocol.date_line)
    line("Уведомление о собрании направлено", protocol.notice_line)
    line("Основание сокращённого срока уведомления", protocol.late_notice_reason)
    line("Дата определения участников с правом голоса", protocol.record_date_line)
    line("Окончание приёма бюллетеней", protocol.deadline_line)
    line("Подсчёт голосов провёл", protocol.counter_name)
    line("Место проведения", protocol.place)
    line("Председательствующий", protocol.chair_name)
    line("Секретарь", protocol.secretary_name)

    document.add_paragraph().add_run(protocol.attendance_heading).bold = True
    for index, (company, person) in enumerate(protocol.present, start=1):
        document.add_paragraph(f"{index}. {company}" + (f" — {person}" if person else ""))
    quorum = document.add_paragraph()
    quorum.add_run(protocol.quorum_line).bold = True
    if protocol.quorum_rule:
        quorum.add_run(f" Правило кворума: {protocol.quorum_rule}.")

    document.add_paragraph().add_run("Повестка дня:").bold = True
    for number, text in protocol.agenda:
        document.add_paragraph(f"{number}. {text}")

    if protocol.decisions:
        document.add_paragraph().add_run("Решения:").bold = True
    for decision in protocol.decisions:
        heading = f"Решение № {decision.number}"
        if decision.agenda_number:
            heading += f" (по вопросу {decision.agenda_number} повестки дня)"
        document.add_paragraph().add_run(heading).bold = True
        document.add_paragraph(decision.text)
        document.add_paragraph(f"Голосовали: {decision.votes_line}.")
        if decision.rule:
            document.add_paragraph(f"Требуемое большинство: {decision.rule}.")
        document.add_paragraph().add_run(f"{decision.outcome}.").bold = True
    if protocol.decisions and protocol.adoption_rule:
        document.add_paragraph(protocol.adoption_rule).runs[0].italic = True

    document.add_paragraph()
    document.add_paragraph(
        f"Председательствующий ____________________ / {protocol.chair_name or '            '} /"
    )
    document.add_paragraph(f"Секретарь ____________________ / {protocol.secretary_name or '            '} /")

    if protocol.by_ballots:
        document.add_page_break()
        annex = document.add_paragraph()
        annex.alignment = WD_ALIGN_PARAGRAPH.CENTER
        annex.add_run("Приложение. Реестр бюллетеней").bold = True
        table = document.add_table(rows=1, cols=6)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells,
            ["№", "Участник", "Представитель", "Получен", "Голоса", "Доверенность"],
            strict=True,
        ):
            cell.text = text
        for index, row in enumerate(protocol.register, start=1):
            cells = table.add_row().cells
            values = [
                str(index),
                row.company,
                row.representative + (" (бумажный бюллетень)" if row.paper else ""),
                row.cast_at,
                row.votes,
                row.proxy or "—",
            ]
            for cell, text in zip(cells, values, strict=True):
                cell.text = text
        if not protocol.register:
            document.add_paragraph("Бюллетени не поступали.")

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def protocol_pdf(protocol: Protocol) -> bytes:
    from weasyprint import HTML

    with translation.override("ru"):
        html = render_to_string("governance/protocol.html", {"p": protocol})
    return HTML(string=html).write_pdf() or b""


@dataclass(frozen=True)
class ProtocolFile:
    """The protocol as a file to send: bytes, content type and the Content-Disposition value."""

    content: bytes
    content_type: str
    disposition: str


def protocol_file(*, meeting: Meeting, cluster: Cluster, extension: str) -> ProtocolFile:
    """The meeting's protocol as a DOCX or PDF file (`extension` one of CONTENT_TYPES)."""
    protocol = protocol_build(meeting=meeting, cluster=cluster)
    content = protocol_docx(protocol) if extension == "docx" else protocol_pdf(protocol)
    return ProtocolFile(
        content=content,
        content_type=CONTENT_TYPES[extension],
        disposition=content_disposition(
            protocol_filename(meeting=meeting, cluster=cluster, extension=extension)
        ),
    )


def ballot_pdf(*, ballot: Ballot, cluster: Cluster) -> bytes:
    """One ballot as a PDF: the meeting, the company, who cast it and when, the votes."""
    from weasyprint import HTML

    meeting = ballot.meeting
    decisions = list(Decision.objects.filter(meeting=meeting).order_by("number"))
    chosen = {v.decision_id: v.choice for v in BallotVote.objects.filter(ballot=ballot)}
    rows = [(d.number, d.text, CHOICE_TEXT.get(chosen.get(d.pk, ""), "не голосовал")) for d in decisions]
    number = f" № {meeting.number}" if meeting.number else ""
    with translation.override("ru"):
        html = render_to_string(
            "governance/ballot.html",
            {
                "title": f"БЮЛЛЕТЕНЬ для голосования: {meeting.body}{number}",
                "cluster": cluster.name,
                "form": meeting.get_form_display(),
                "deadline": f"{_local(meeting.deadline, cluster):%d.%m.%Y %H:%M}" if meeting.deadline else "",
                "company": str(ballot.company),
                "representative": ballot.representative_name,
                "cast_at": f"{_local(ballot.cast_at, cluster):%d.%m.%Y %H:%M}",
                "paper": ballot.paper,
                "proxy": (
                    f"по доверенности «{ballot.proxy.holder}» до {ballot.proxy.valid_until:%d.%m.%Y}"
                    if ballot.proxy
                    else ""
                ),
                "rows": rows,
            },
        )
    return HTML(string=html).write_pdf() or b""


REGISTER_HEADERS = ["№", "Участник", "Представитель", "Получен", "Голоса", "Доверенность", "Бумажный"]


def register_xlsx(*, meeting: Meeting, cluster: Cluster) -> bytes:
    """The whole ballot register of a meeting (the protocol's annex) as a spreadsheet: a title,
    the header and one row per ballot, in the annex's order."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "Реестр бюллетеней"
    bold = Font(bold=True)
    number = f" № {meeting.number}" if meeting.number else ""
    sheet.cell(
        row=1,
        column=1,
        value=f"Реестр бюллетеней: {meeting.body}{number}, {_local(meeting.held_at, cluster):%d.%m.%Y}",
    ).font = bold
    for column, header in enumerate(REGISTER_HEADERS, start=1):
        sheet.cell(row=3, column=column, value=header).font = bold
    for line, row in enumerate(_register(meeting=meeting, cluster=cluster), start=1):
        values = [
            line,
            row.company,
            row.representative,
            row.cast_at,
            row.votes,
            row.proxy or "—",
            "да" if row.paper else "",
        ]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=3 + line, column=column, value=value)
    for letter, width in zip("ABCDEFG", (6, 40, 36, 18, 40, 40, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def register_filename(*, meeting: Meeting, cluster: Cluster) -> str:
    """«Реестр_бюллетеней_№2_Общее_собрание_2024-03-15.xlsx»."""
    number = f"_№{meeting.number}" if meeting.number else ""
    stem = re.sub(r"[\\/:*?\"<>|\s]+", "_", f"Реестр_бюллетеней{number}_{meeting.body.name}")
    return f"{stem}_{_local(meeting.held_at, cluster):%Y-%m-%d}.xlsx"


def ballot_filename(*, ballot: Ballot) -> str:
    name = re.sub(r"[\\/:*?\"<>|\s]+", "_", f"Бюллетень_{ballot.company}_{ballot.meeting_id}")
    return f"{name}.pdf"
