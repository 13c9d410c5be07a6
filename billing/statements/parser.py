"""The 1CClientBankExchange text format that Russian bank clients export (versions 1.02/1.03).

    1CClientBankExchange
    ВерсияФормата=1.03
    Кодировка=Windows            (Windows → cp1251, DOS → cp866, UTF-8)
    ДатаНачала=01.02.2026 …
    РасчСчет=40703810…           (one line per account)
    СекцияРасчСчет … КонецРасчСчет          (per account: balances)
    СекцияДокумент=Платежное поручение      (per payment)
    Номер=… Дата=… Сумма=1500.00 ПлательщикСчет=… ПлательщикИНН=… ПолучательСчет=…
    ДатаПоступило=… НазначениеПлатежа=…
    КонецДокумента
    КонецФайла

Real files vary: CRLF or LF, missing optional keys, the payer's INN only inside
`Плательщик=ИНН 7701234567 ООО «…»`, amounts with a comma, purposes split over
`НазначениеПлатежа1…6`. Structural faults (not this format, an unknown encoding, a document
without КонецДокумента, a file cut short, a bad amount or date) raise `StatementFormatError`
with a Russian message naming the line; doubtful but usable documents carry warnings.

The maintained `client-bank-1c` package was considered and not used: it always decodes cp1251
(no DOS, no UTF-8), checks structure with `assert`, rejects CRLF signatures and comma amounts,
and reports no line numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re

SIGNATURE = "1CClientBankExchange"
MAX_BYTES = 50 * 1024 * 1024
ENCODINGS = {"windows": "cp1251", "dos": "cp866", "utf-8": "utf-8", "utf8": "utf-8"}
KNOWN_VERSIONS = frozenset({"1.01", "1.02", "1.03"})
_AMOUNT = re.compile(r"^(\d+)(?:[.,](\d{1,2}))?$")
_INN_IN_NAME = re.compile(r"^\s*ИНН\s*(\d{10}|\d{12})\b[\s,;]*(.*)$", re.IGNORECASE | re.DOTALL)
_DIGITS = re.compile(r"\D")
_MARKERS = frozenset({"СекцияДокумент", "КонецДокумента", "СекцияРасчСчет", "КонецРасчСчет", "КонецФайла"})
_PURPOSE = ("НазначениеПлатежа", *(f"НазначениеПлатежа{i}" for i in range(1, 7)))
_ABSENT = (0, "")


class StatementFormatError(ValueError):
    """The file cannot be read as a statement; the message is Russian and names the line."""


@dataclasses.dataclass
class Document:
    """One payment document (СекцияДокумент … КонецДокумента)."""

    line: int  # where СекцияДокумент stands (1-based)
    kind: str
    number: str
    date: dt.date
    amount_kopecks: int
    payer_account: str = ""
    payer_inn: str = ""
    payer_name: str = ""
    payee_account: str = ""
    payee_inn: str = ""
    payee_name: str = ""
    received_date: dt.date | None = None  # ДатаПоступило (a credit)
    debited_date: dt.date | None = None  # ДатаСписано (a debit)
    purpose: str = ""
    warnings: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class AccountSection:
    account: str
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    opening_kopecks: int | None = None
    closing_kopecks: int | None = None


@dataclasses.dataclass
class Statement:
    version: str
    encoding: str  # as the file names it: Windows, DOS, UTF-8
    date_from: dt.date | None
    date_to: dt.date | None
    accounts: list[str]  # every account the file is about (РасчСчет lines and sections)
    sections: list[AccountSection]
    documents: list[Document]
    warnings: list[str]


def _encoding_of(data: bytes) -> tuple[str, str, list[str]]:
    """(codec, the name as written, warnings) from the `Кодировка=` line, looked for in each
    encoding the format allows (the key itself is Cyrillic)."""
    for codec in ("cp1251", "utf-8", "cp866"):
        key = "Кодировка=".encode(codec)
        at = data.find(key)
        if at < 0:
            continue
        end = data.find(b"\n", at)
        raw = data[at + len(key) : end if end >= 0 else len(data)]
        written = raw.decode("ascii", errors="replace").strip()
        wanted = ENCODINGS.get(written.lower())
        if wanted is None:
            raise StatementFormatError(
                f"Неизвестная кодировка «{written}» в строке «Кодировка=»: ожидается Windows, DOS или UTF-8."
            )
        return wanted, written, []
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1251", "Windows", ["В файле нет строки «Кодировка=»: прочитан как Windows-1251."]
    return "utf-8", "UTF-8", ["В файле нет строки «Кодировка=»: прочитан как UTF-8."]


def parse_amount(text: str, *, line: int) -> int:
    """«1500.00», «1500,5», «1 500,00» → kopecks; anything else is an error naming the line."""
    value = re.sub(r"[\s\u00a0]", "", text)
    match = _AMOUNT.match(value)
    if not match:
        raise StatementFormatError(
            f"Строка {line}: сумма «{text.strip()}» — не число (ожидается, например, 1500.00)."
        )
    return int(match.group(1)) * 100 + int((match.group(2) or "").ljust(2, "0"))


@functools.lru_cache(maxsize=1024)
def _calendar_date(text: str) -> dt.date:
    """«20.01.2026» → date (a statement repeats a few dates thousands of times: strptime once each)."""
    return dt.datetime.strptime(text, "%d.%m.%Y").date()  # noqa: DTZ007 - a calendar date


def parse_date(text: str, *, line: int, key: str) -> dt.date:
    try:
        return _calendar_date(text.strip())
    except ValueError:
        raise StatementFormatError(
            f"Строка {line}: дата «{text.strip()}» в поле {key} не в формате ДД.ММ.ГГГГ."
        ) from None


def _optional_date(fields: dict[str, tuple[int, str]], key: str) -> dt.date | None:
    if key not in fields or not fields[key][1].strip():
        return None
    line, value = fields[key]
    return parse_date(value, line=line, key=key)


def _digits(text: str) -> str:
    return text if text.isdecimal() else _DIGITS.sub("", text)


def _document(kind: str, start: int, fields: dict[str, tuple[int, str]]) -> Document:
    def value(key: str) -> str:
        return fields.get(key, _ABSENT)[1]  # stored stripped

    for key in ("Номер", "Дата", "Сумма"):
        if not value(key):
            raise StatementFormatError(f"Строка {start}: в документе нет обязательного поля «{key}».")
    document = Document(
        line=start,
        kind=kind,
        number=value("Номер"),
        date=parse_date(value("Дата"), line=fields["Дата"][0], key="Дата"),
        amount_kopecks=parse_amount(value("Сумма"), line=fields["Сумма"][0]),
        payer_account=_digits(value("ПлательщикСчет") or value("ПлательщикРасчСчет")),
        payer_inn=_digits(value("ПлательщикИНН")),
        payer_name=value("Плательщик1") or value("Плательщик"),
        payee_account=_digits(value("ПолучательСчет") or value("ПолучательРасчСчет")),
        payee_inn=_digits(value("ПолучательИНН")),
        payee_name=value("Получатель1") or value("Получатель"),
        received_date=_optional_date(fields, "ДатаПоступило"),
        debited_date=_optional_date(fields, "ДатаСписано"),
        purpose=" ".join(part for key in _PURPOSE if (part := value(key))),
    )
    inside = _INN_IN_NAME.match(value("Плательщик"))
    if inside:  # «Плательщик=ИНН 7701234567 ООО «Ромашка»»
        document.payer_inn = document.payer_inn or inside.group(1)
        if not value("Плательщик1"):
            document.payer_name = inside.group(2).strip()
    if document.payer_inn and len(document.payer_inn) not in (10, 12):
        document.warnings.append(f"ИНН плательщика «{document.payer_inn}» не из 10 или 12 цифр.")
        document.payer_inn = ""
    if not document.payer_inn:
        document.warnings.append("ИНН плательщика не указан: сверка только по номеру счёта в назначении.")
    if document.amount_kopecks <= 0:
        raise StatementFormatError(f"Строка {fields['Сумма'][0]}: сумма документа должна быть больше нуля.")
    return document


def parse(data: bytes) -> Statement:
    """Read a statement file (bytes as uploaded)."""
    if len(data) > MAX_BYTES:
        raise StatementFormatError(
            f"Файл больше {MAX_BYTES // (1024 * 1024)} МБ: разбейте выписку по периодам."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    head = data.lstrip()[: len(SIGNATURE)]
    if head != SIGNATURE.encode("ascii"):
        raise StatementFormatError(
            "Это не выписка в формате 1CClientBankExchange: первая строка файла должна быть «1CClientBankExchange». "
            "Выгрузите выписку из клиент-банка для 1С."
        )
    codec, written, warnings = _encoding_of(data)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise StatementFormatError(
            f"Строка {line}: файл не читается в кодировке {written}, указанной в строке «Кодировка=»."
        ) from None
    header: dict[str, str] = {}
    accounts: list[str] = []
    sections: list[AccountSection] = []
    documents: list[Document] = []
    section: str | None = None  # "account" | "document"
    started = 0
    kind = ""
    fields: dict[str, tuple[int, str]] = {}
    finished = False
    for number, raw in enumerate(text.splitlines(), start=1):
        row = raw.strip()
        if not row or finished:
            continue  # trailing text after КонецФайла is ignored
        key, sep, value = row.partition("=")
        key = key.strip()
        if sep and section == "document" and key not in _MARKERS:
            fields[key] = (number, value.strip())  # most rows: a field of a payment document
            continue
        if row.lstrip("\ufeff") == SIGNATURE:
            continue
        if key == "СекцияДокумент":
            if section is not None:
                raise StatementFormatError(
                    f"Строка {number}: новый документ начинается, а раздел из строки {started} не закрыт "
                    f"(нет «{'КонецДокумента' if section == 'document' else 'КонецРасчСчет'}»)."
                )
            section, started, kind, fields = "document", number, value.strip(), {}
        elif key == "КонецДокумента":
            if section != "document":
                raise StatementFormatError(f"Строка {number}: «КонецДокумента» без начала документа.")
            documents.append(_document(kind, started, fields))
            section = None
        elif key == "СекцияРасчСчет":
            if section is not None:
                raise StatementFormatError(
                    f"Строка {number}: раздел счёта начинается, а раздел из строки {started} не закрыт."
                )
            section, started, fields = "account", number, {}
        elif key == "КонецРасчСчет":
            if section != "account":
                raise StatementFormatError(f"Строка {number}: «КонецРасчСчет» без «СекцияРасчСчет».")
            sections.append(_account_section(fields))
            section = None
        elif key == "КонецФайла":
            if section is not None:
                raise StatementFormatError(
                    f"Строка {number}: файл кончается, а раздел из строки {started} не закрыт "
                    f"(нет «{'КонецДокумента' if section == 'document' else 'КонецРасчСчет'}»)."
                )
            finished = True
        elif not sep:
            warnings.append(f"Строка {number}: «{row[:60]}» — не «Ключ=Значение», пропущена.")
        elif section is None:
            if key == "РасчСчет":
                accounts.append(_DIGITS.sub("", value))
            else:
                header[key] = value.strip()
        else:
            fields[key] = (number, value.strip())
    if section is not None:
        closing = "КонецДокумента" if section == "document" else "КонецРасчСчет"
        raise StatementFormatError(
            f"Файл обрезан: раздел, начатый в строке {started}, не закончен (нет «{closing}»)."
        )
    if not finished:
        raise StatementFormatError("Файл обрезан: нет строки «КонецФайла». Выгрузите выписку заново.")
    version = header.get("ВерсияФормата", "")
    if version not in KNOWN_VERSIONS:
        warnings.append(f"Версия формата «{version or 'не указана'}»: проверялись версии 1.02 и 1.03.")
    for item in sections:
        if item.account and item.account not in accounts:
            accounts.append(item.account)
    return Statement(
        version=version,
        encoding=written,
        date_from=_header_date(header, "ДатаНачала"),
        date_to=_header_date(header, "ДатаКонца"),
        accounts=accounts,
        sections=sections,
        documents=documents,
        warnings=warnings,
    )


def _header_date(header: dict[str, str], key: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(header.get(key, ""), "%d.%m.%Y").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        return None


def _account_section(fields: dict[str, tuple[int, str]]) -> AccountSection:
    def amount(key: str) -> int | None:
        if key not in fields or not fields[key][1].strip():
            return None
        return parse_amount(fields[key][1], line=fields[key][0])

    return AccountSection(
        account=_DIGITS.sub("", fields.get("РасчСчет", (0, ""))[1]),
        date_from=_optional_date(fields, "ДатаНачала"),
        date_to=_optional_date(fields, "ДатаКонца"),
        opening_kopecks=amount("НачальныйОстаток"),
        closing_kopecks=amount("КонечныйОстаток"),
    )


def render(
    *,
    account: str,
    documents: list[Document],
    date_from: dt.date,
    date_to: dt.date,
    encoding: str = "Windows",
    version: str = "1.03",
    newline: str = "\r\n",
    opening_kopecks: int = 0,
) -> bytes:
    """A statement file of `account` as a bank client writes it (the demo's file, tests, bench)."""

    def money(kopecks: int) -> str:
        return f"{kopecks // 100}.{kopecks % 100:02d}"

    incoming = sum(d.amount_kopecks for d in documents if d.payee_account == account)
    outgoing = sum(d.amount_kopecks for d in documents if d.payer_account == account)
    rows = [
        SIGNATURE,
        f"ВерсияФормата={version}",
        f"Кодировка={encoding}",
        "Отправитель=Клиент-банк (демо)",
        "Получатель=Бухгалтерия",
        f"ДатаСоздания={date_to:%d.%m.%Y}",
        "ВремяСоздания=09:00:00",
        f"ДатаНачала={date_from:%d.%m.%Y}",
        f"ДатаКонца={date_to:%d.%m.%Y}",
        f"РасчСчет={account}",
        "СекцияРасчСчет",
        f"ДатаНачала={date_from:%d.%m.%Y}",
        f"ДатаКонца={date_to:%d.%m.%Y}",
        f"РасчСчет={account}",
        f"НачальныйОстаток={money(opening_kopecks)}",
        f"ВсегоПоступило={money(incoming)}",
        f"ВсегоСписано={money(outgoing)}",
        f"КонечныйОстаток={money(opening_kopecks + incoming - outgoing)}",
        "КонецРасчСчет",
    ]
    for d in documents:
        rows += [
            f"СекцияДокумент={d.kind}",
            f"Номер={d.number}",
            f"Дата={d.date:%d.%m.%Y}",
            f"Сумма={money(d.amount_kopecks)}",
            f"ПлательщикСчет={d.payer_account}",
            f"Плательщик=ИНН {d.payer_inn} {d.payer_name}" if d.payer_inn else f"Плательщик={d.payer_name}",
            f"ПлательщикИНН={d.payer_inn}",
            f"Плательщик1={d.payer_name}",
            f"ПолучательСчет={d.payee_account}",
            f"ПолучательИНН={d.payee_inn}",
            f"Получатель1={d.payee_name}",
        ]
        if d.received_date:
            rows.append(f"ДатаПоступило={d.received_date:%d.%m.%Y}")
        if d.debited_date:
            rows.append(f"ДатаСписано={d.debited_date:%d.%m.%Y}")
        rows += ["ВидОплаты=01", "Очередность=5", f"НазначениеПлатежа={d.purpose}", "КонецДокумента"]
    rows.append("КонецФайла")
    codec = ENCODINGS[encoding.lower()]
    return (newline.join(rows) + newline).encode(codec)
