"""The six-column roadmap table, read from text (as in the seed), XLSX or DOCX.

| № | Наименование мероприятия | Ответственные исполнители | Сроки исполнения |
| Ожидаемый результат, примечание | Результат |

Title lines come before the header row; a row «1 2 3 4 5 6» numbers the columns; a
section row has a number with one component («1.») and nothing else but its title; an
item row has a number such as «1.1.» or «4.4»; a row whose № is empty continues the
cells of the item above (merged cell by cell). A cell holding a control character is refused
with its line (core.text). Parsing never touches the database.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from core.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters

COLUMNS = (
    "№",
    "Наименование мероприятия",
    "Ответственные исполнители",
    "Сроки исполнения",
    "Ожидаемый результат, примечание",
    "Результат",
)
SECTION_RE = re.compile(r"^(\d{1,3})\.?$")
ITEM_RE = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+)\.?$")
YEAR_RE = re.compile(r"\b(?:за|на)\s+(\d{4})\s*(?:г\.?|год[ау]?)?", re.IGNORECASE)
PERSON_RE = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?\s+[А-ЯЁ]\.\s?[А-ЯЁ]\.?")
MAX_ROWS = 20_000


class TableError(ValueError):
    """The file is not a roadmap table; the message is Russian and names the line."""


@dataclass
class ParsedItem:
    number: str
    title: str
    executors: str
    deadline: str
    expected: str
    result: str
    line: int

    def cells(self) -> list[str]:
        return [self.number, self.title, self.executors, self.deadline, self.expected, self.result]


@dataclass
class ParsedSection:
    number: str
    title: str
    line: int
    items: list[ParsedItem] = field(default_factory=list)


@dataclass
class ParsedTable:
    title: str
    sections: list[ParsedSection]
    year: int | None

    @property
    def items(self) -> list[ParsedItem]:
        return [item for section in self.sections for item in section.items]


def number_key(number: str) -> tuple[int, ...]:
    """«4.1» and «4.1.» sort (and compare) the same; the text is kept as written."""
    return tuple(int(part) for part in number.strip(".").split("."))


def split_executors(text: str) -> list[str]:
    """«Рац А.А. Крюков Ю.А.» -> two people; «Мадфес Н.А. Университет «Дубна»» -> a person
    and an organization; commas separate too. Names are kept as written."""
    names: list[str] = []
    for chunk in re.split(r"[,;\n]", text):
        rest = chunk.strip()
        for match in PERSON_RE.finditer(chunk):
            names.append(match.group(0).strip())
            rest = rest.replace(match.group(0), " ", 1)
        rest = re.sub(r"\s+", " ", rest).strip(" .")
        if rest:
            names.append(rest)
    return names


def _join(previous: str, addition: str) -> str:
    if not previous:
        return addition
    if not addition:
        return previous
    # A new line where the text starts a new sentence or list entry, a space mid-sentence.
    if previous.rstrip().endswith((":", ";", ".", "!", "?")) or addition.lstrip().startswith(("-", "–", "•")):
        return previous.rstrip() + "\n" + addition.lstrip()
    return previous.rstrip() + " " + addition.lstrip()


def _clean(cell: object) -> str:
    text = "" if cell is None else str(cell)
    return text.replace("\u00a0", " ").replace("\r", "").strip()


def structure_rows(rows: list[tuple[int, list[str]]]) -> ParsedTable:
    """Turn numbered rows of cells (line number, cells) into sections and items."""
    if len(rows) > MAX_ROWS:
        raise TableError(f"В файле больше {MAX_ROWS} строк: это не похоже на дорожную карту.")
    title_lines: list[str] = []
    sections: list[ParsedSection] = []
    current: ParsedItem | None = None
    header_seen = False
    for line, raw_cells in rows:
        cells = [_clean(c) for c in raw_cells]
        bad = next((i for i, c in enumerate(cells) if has_control_characters(c)), None)
        if bad is not None:  # they would be stored (core.text refuses them at input)
            where = f"Строка {line}" if line else "Текст перед таблицей"
            column = f", столбец «{COLUMNS[bad]}»" if header_seen and bad < len(COLUMNS) else ""
            raise TableError(f"{where}{column}: {CONTROL_CHARACTERS_MESSAGE}")
        while len(cells) > 6 and not cells[-1]:
            cells.pop()
        if not any(cells):
            continue
        if not header_seen:
            if cells[0] == "№" and len(cells) > 1 and cells[1].lower().startswith("наименование"):
                if len(cells) != 6:
                    raise TableError(
                        f"Строка {line}: в шапке {len(cells)} столбцов, ожидается 6: "
                        + " | ".join(COLUMNS)
                        + "."
                    )
                header_seen = True
            else:
                title_lines.append(" ".join(c for c in cells if c).strip("* "))
            continue
        if len(cells) > 6:
            raise TableError(f"Строка {line}: {len(cells)} столбцов, ожидается 6.")
        cells += [""] * (6 - len(cells))
        number = cells[0]
        if [c.strip() for c in cells] == ["1", "2", "3", "4", "5", "6"]:
            continue
        if SECTION_RE.match(number) and not any(cells[2:]):
            sections.append(ParsedSection(number=number, title=cells[1], line=line))
            current = None
            continue
        if ITEM_RE.match(number):
            if not sections:
                raise TableError(f"Строка {line}: пункт {number} стоит раньше первого раздела.")
            if number_key(number)[0] != number_key(sections[-1].number)[0]:
                raise TableError(
                    f"Строка {line}: пункт {number} не относится к разделу {sections[-1].number}"
                )
            if any(number_key(i.number) == number_key(number) for i in sections[-1].items):
                raise TableError(f"Строка {line}: пункт {number} повторяется.")
            current = ParsedItem(number, cells[1], cells[2], cells[3], cells[4], cells[5], line)
            sections[-1].items.append(current)
            continue
        if not number and current is not None:
            current.title = _join(current.title, cells[1])
            current.executors = _join(current.executors, cells[2])
            current.deadline = _join(current.deadline, cells[3])
            current.expected = _join(current.expected, cells[4])
            current.result = _join(current.result, cells[5])
            continue
        raise TableError(f"Строка {line}: «{number or cells[1][:40]}» — не номер раздела или пункта.")
    if not header_seen:
        raise TableError("Не найдена шапка таблицы. Ожидаются столбцы: " + " | ".join(COLUMNS) + ".")
    if not sections:
        raise TableError("В таблице нет ни одного раздела дорожной карты.")
    title = " ".join(title_lines).strip()
    year_match = YEAR_RE.search(title)
    return ParsedTable(title=title, sections=sections, year=int(year_match.group(1)) if year_match else None)


def parse_text(text: str) -> ParsedTable:
    """The table as text: one row per line, cells separated by tabs."""
    if "\x00" in text:
        raise TableError("Файл не похож на текст: в нём двоичные данные.")
    return structure_rows([(n, line.split("\t")) for n, line in enumerate(text.splitlines(), start=1)])


def parse_xlsx(data: bytes) -> ParsedTable:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise TableError("Файл XLSX не читается: он повреждён или это не таблица Excel.") from exc
    sheet = book.worksheets[0]
    rows = [(n, list(row)) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    book.close()
    return structure_rows(rows)


def parse_docx(data: bytes) -> ParsedTable:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TableError("Файл DOCX не читается: он повреждён или это не документ Word.") from exc
    if not document.tables:
        raise TableError("В документе нет таблицы.")
    # Paragraphs before the table are the title; rows are numbered as in the table.
    rows: list[tuple[int, list[str]]] = [(0, [p.text]) for p in document.paragraphs if p.text.strip()]
    table = document.tables[0]
    for n, row in enumerate(table.rows, start=1):
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:  # merged cells repeat: keep each once
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        rows.append((n, cells))
    return structure_rows(rows)


def parse_file(name: str, data: bytes) -> ParsedTable:
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return parse_xlsx(data)
    if lower.endswith(".docx"):
        return parse_docx(data)
    if lower.endswith((".txt", ".tsv", ".csv")) or "." not in lower:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TableError("Текстовый файл должен быть в кодировке UTF-8.") from exc
        return parse_text(text)
    raise TableError("Поддерживаются файлы .txt (столбцы через табуляцию), .xlsx и .docx.")
