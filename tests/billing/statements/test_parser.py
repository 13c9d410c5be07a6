"""The 1CClientBankExchange reader: encodings, line ends, sections, the variations of real
files, and the faults it must name in Russian."""

from __future__ import annotations

import datetime as dt

import pytest

from billing.statements import matching
from billing.statements.parser import MAX_BYTES, StatementFormatError, parse

ACCOUNT = "40703810900000000001"
# tests/billing/conftest.py puts the clusters back after the package on a database: have one
pytestmark = pytest.mark.django_db


def text(body: str, *, encoding: str = "Windows", version: str = "1.03") -> str:
    return (
        f"1CClientBankExchange\nВерсияФормата={version}\nКодировка={encoding}\nДатаНачала=01.02.2026\n"
        f"ДатаКонца=28.02.2026\nРасчСчет={ACCOUNT}\n{body}КонецФайла\n"
    )


DOC = (
    "СекцияДокумент=Платежное поручение\nНомер=15\nДата=03.02.2026\nСумма=15000.00\n"
    "ПлательщикСчет=40702810400000000077\nПлательщикИНН=5000000017\nПлательщик1=ООО «Медтех»\n"
    f"ПолучательСчет={ACCOUNT}\nДатаПоступило=03.02.2026\nНазначениеПлатежа=Оплата по счету № 2026-0001\n"
    "КонецДокумента\n"
)


@pytest.mark.parametrize(("encoding", "codec"), [("Windows", "cp1251"), ("DOS", "cp866"), ("UTF-8", "utf-8")])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_reads_each_encoding_with_either_line_end(encoding: str, codec: str, newline: str) -> None:
    body = DOC if codec != "cp866" else DOC.replace("«", '"').replace("»", '"')  # no guillemets in DOS
    data = text(body, encoding=encoding).replace("\n", newline).encode(codec)
    statement = parse(data)
    assert statement.encoding == encoding and statement.accounts == [ACCOUNT]
    (document,) = statement.documents
    assert (document.number, document.date, document.amount_kopecks) == ("15", dt.date(2026, 2, 3), 1_500_000)
    assert document.payer_name.strip('«»"').endswith("Медтех") and document.payer_inn == "5000000017"
    assert document.purpose == "Оплата по счету № 2026-0001" and document.received_date == dt.date(2026, 2, 3)


def test_version_102_several_accounts_kinds_and_missing_optional_keys() -> None:
    other = "40702810000000000555"
    body = (
        f"СекцияРасчСчет\nРасчСчет={ACCOUNT}\nНачальныйОстаток=100,50\nКонечныйОстаток=15100.50\nКонецРасчСчет\n"
        f"СекцияРасчСчет\nРасчСчет={other}\nКонецРасчСчет\n"
        + DOC
        + "СекцияДокумент=Банковский ордер\nНомер=7\nДата=04.02.2026\nСумма=1 200,5\n"
        f"ПолучательСчет={ACCOUNT}\nКонецДокумента\n"
    )
    statement = parse(text(body, version="1.02").encode("cp1251"))
    assert statement.version == "1.02" and statement.accounts == [ACCOUNT, other]
    assert (
        statement.sections[0].opening_kopecks == 10_050 and statement.sections[0].closing_kopecks == 1_510_050
    )
    order = statement.documents[1]
    assert (order.kind, order.amount_kopecks, order.payer_inn, order.purpose) == (
        "Банковский ордер",
        120_050,
        "",
        "",
    )
    assert "ИНН плательщика не указан" in order.warnings[0]


def test_payer_inn_only_inside_the_payer_line() -> None:
    body = DOC.replace(
        "ПлательщикИНН=5000000017\nПлательщик1=ООО «Медтех»\n", "Плательщик=ИНН 7707083893 ПАО СБЕРБАНК\n"
    )
    (document,) = parse(text(body).encode("cp1251")).documents
    assert (document.payer_inn, document.payer_name) == ("7707083893", "ПАО СБЕРБАНК")


def test_purpose_split_over_numbered_keys() -> None:
    body = DOC.replace("КонецДокумента", "НазначениеПлатежа1=от 15.01.2026\nКонецДокумента")
    (document,) = parse(text(body).encode("cp1251")).documents
    assert document.purpose == "Оплата по счету № 2026-0001 от 15.01.2026"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html>not a statement</html>", "Это не выписка в формате 1CClientBankExchange"),
        (text(DOC, encoding="KOI8").encode("cp1251"), "Неизвестная кодировка «KOI8»"),
        (
            text(DOC.replace("КонецДокумента\n", "")).encode("cp1251"),
            "Строка 17: файл кончается, а раздел из строки 7",
        ),
        (
            text(DOC + DOC.replace("КонецДокумента\n", "")).replace("КонецФайла\n", "").encode("cp1251"),
            "Файл обрезан: раздел, начатый в строке 18, не закончен (нет «КонецДокумента»)",
        ),
        (text(DOC).replace("КонецФайла\n", "").encode("cp1251"), "Файл обрезан: нет строки «КонецФайла»"),
        (
            text(DOC.replace("КонецДокумента\n", "") + DOC).encode("cp1251"),
            "Строка 17: новый документ начинается",
        ),
        (
            text(DOC.replace("Сумма=15000.00", "Сумма=15 000 руб")).encode("cp1251"),
            "Строка 10: сумма «15 000 руб»",
        ),
        (
            text(DOC.replace("Дата=03.02.2026", "Дата=2026-02-03")).encode("cp1251"),
            "Строка 9: дата «2026-02-03»",
        ),
        (text(DOC.replace("Номер=15\n", "")).encode("cp1251"), "нет обязательного поля «Номер»"),
        (text(DOC, encoding="UTF-8").encode("cp1251"), "не читается в кодировке UTF-8"),
    ],
)
def test_faults_are_named_in_russian(data: bytes, message: str) -> None:
    with pytest.raises(StatementFormatError) as caught:
        parse(data)
    assert message in str(caught.value)


def test_a_file_over_50_megabytes_is_refused_before_reading() -> None:
    with pytest.raises(StatementFormatError, match="больше 50 МБ"):
        parse(b"1CClientBankExchange\n" + b" " * MAX_BYTES)


@pytest.mark.parametrize(
    ("purpose", "numbers"),
    [
        ("Оплата по счету № 2026-0012 от 15.01.2026", ["2026-0012"]),
        ("сч. 2026-12 членский взнос", ["2026-12"]),
        ("СЧЁТ2026 - 0012 от 01.02.2026", ["2026-0012"]),
        ("по счёту №2026-000012", ["2026-000012"]),
        ("Взносы по счетам 2026-0001, 2026-0002 и № 2026-0003", ["2026-0001", "2026-0002", "2026-0003"]),
        ("членский взнос 2026-0007 без НДС", ["2026-0007"]),
        ("по договору от 2026-01-15", []),
        ("Оплата по договору 15/3 от 01.02.2026", []),
    ],
)
def test_invoice_numbers_in_the_purpose(purpose: str, numbers: list[str]) -> None:
    assert [text for _, text in matching.invoice_numbers(purpose)] == numbers
