"""Reading the six-column roadmap table of seed 001 (text), and refusing what is not one."""

from pathlib import Path

import pytest

from tenants.roadmap.demo import SEED_001
from tenants.roadmap.table import ParsedTable, TableError, parse_file, parse_text, split_executors

SEED = SEED_001  # = shared/seeds/001_54a93e4556976a7b.txt, kept with the demo data


@pytest.fixture(scope="module")
def seed() -> ParsedTable:
    return parse_text(SEED.read_text(encoding="utf-8"))


def test_seed_has_six_sections_and_every_item(seed: ParsedTable) -> None:
    assert seed.year == 2018
    assert "МЕДИКО-ТЕХНИЧЕСКОГО КЛАСТЕРА МОСКОВСКОЙ ОБЛАСТИ за 2018 ГОД" in seed.title
    assert [s.number for s in seed.sections] == ["1.", "2.", "3.", "4.", "5.", "6."]
    assert seed.sections[5].title == "Организационные вопросы"
    numbers = [i.number for i in seed.items]
    assert numbers == [
        "1.1.",
        "1.2.",
        "1.3.",
        "2.1.",
        "2.2.",
        "2.3.",
        "2.4.",
        "3.1.",
        "3.2.",
        "3.3.",
        "3.4.",
        "4.1",
        "4.2",
        "4.4.",
        "5.1.",
        "5.2.",
        "5.3",
        "5.4",
        "5.5.",
        "6.1.",
        "6.2.",
        "6.3.",
        "6.4.",
        "6.5.",
    ]


def test_cells_are_kept_as_written(seed: ParsedTable) -> None:
    item = {i.number: i for i in seed.items}
    assert item["1.1."].executors == "Шибанов А.Н"
    assert item["1.1."].deadline == "По отдельному плану"
    assert item["1.1."].result.endswith("http://mtcmr.ru/uchastniki/rabochaya-gruppa-po-kachestvu")
    assert item["2.3."].expected == "–" and item["2.3."].result == ""
    assert item["3.2."].deadline == ""
    assert item["4.4."].executors == ""
    assert item["6.1."].result.startswith("Проведено 3 заседания Совета")


def test_continuation_row_of_item_2_2_is_merged_cell_by_cell(seed: ParsedTable) -> None:
    item = next(i for i in seed.items if i.number == "2.2.")
    assert item.title == (
        "Организация на конференции в ОЭЗ «Дубна» профильных секций:\n"
        "- по развитию медицинской и фармацевтической промышленности в Московской области; "
        "- по качеству медицинской продукции; - по маркетингу и государственным заказам "
        "медицинской продукции"
    )
    assert split_executors(item.executors) == ["Рац А.А.", "Шибанов А.Н.", "Виленский А.В.", "Терехов В.В."]
    assert item.deadline == "2 октября 2018 г."
    assert "в Московской области» в рамках VIII Всероссийская" in item.result
    assert item.result.endswith("http://dubna-oez.ru/confereence2018/")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Рац А.А. Крюков Ю.А.", ["Рац А.А.", "Крюков Ю.А."]),
        ("Мадфес Н.А. Университет «Дубна»", ["Мадфес Н.А.", "Университет «Дубна»"]),
        (
            "Оргкомитет летней школы, Мадфес Н.А., участники МТК МО",
            ["Оргкомитет летней школы", "Мадфес Н.А.", "участники МТК МО"],
        ),
        (
            "Рабочая группа по кадрам, Университета «Дубна»",
            ["Рабочая группа по кадрам", "Университета «Дубна»"],
        ),
        ("", []),
    ],
)
def test_executors_are_split_into_people_and_organizations(text: str, names: list[str]) -> None:
    assert split_executors(text) == names


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("plan.txt", "Просто текст без таблицы\nи ещё строка".encode(), "Не найдена шапка таблицы"),
        ("plan.txt", "№\tНаименование мероприятия\tИсполнители\n1.\tРаздел\t\t\t\t".encode(), "ожидается 6"),
        ("plan.txt", b"\x00\x01\x02binary\xff", "UTF-8"),
        (
            "plan.txt",
            "№\tНаименование мероприятия\tА\tБ\tВ\tГ\n1.1.\tПункт без раздела\tА\tБ\tВ\tГ".encode(),
            "раньше первого раздела",
        ),
        (
            "plan.txt",
            "№\tНаименование мероприятия\tА\tБ\tВ\tГ\n1.\tРаздел\t\t\t\t\n2.1.\tЧужой пункт\tА\tБ\tВ\tГ".encode(),
            "не относится к разделу",
        ),
        ("plan.xlsx", b"PK\x03\x04 not really a zip", "XLSX не читается"),
        ("plan.docx", b"not a docx", "DOCX не читается"),
        ("plan.pdf", b"%PDF-1.4", "Поддерживаются файлы"),
    ],
)
def test_files_that_are_not_a_roadmap_table_get_a_russian_error(name: str, data: bytes, message: str) -> None:
    with pytest.raises(TableError, match=message):
        parse_file(name, data)


def test_seed_round_trips_through_xlsx_and_docx(seed: ParsedTable, tmp_path: Path) -> None:
    import docx
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([seed.title])
    sheet.append(
        [
            "№",
            "Наименование мероприятия",
            "Ответственные исполнители",
            "Сроки исполнения",
            "Ожидаемый результат, примечание",
            "Результат",
        ]
    )
    document = docx.Document()
    document.add_paragraph(seed.title)
    table = document.add_table(rows=1, cols=6)
    for cell, text in zip(
        table.rows[0].cells,
        ["№", "Наименование мероприятия", "Исполнители", "Сроки", "Ожидаемый результат", "Результат"],
        strict=True,
    ):
        cell.text = text
    for section in seed.sections:
        sheet.append([section.number, section.title, "", "", "", ""])
        row = table.add_row().cells
        row[0].text, row[1].text = section.number, section.title
        for item in section.items:
            sheet.append(item.cells())
            for cell, text in zip(table.add_row().cells, item.cells(), strict=True):
                cell.text = text
    book.save(tmp_path / "plan.xlsx")
    document.save(str(tmp_path / "plan.docx"))
    for name in ("plan.xlsx", "plan.docx"):
        again = parse_file(name, (tmp_path / name).read_bytes())
        assert [i.cells() for i in again.items] == [i.cells() for i in seed.items], name
        assert [(s.number, s.title) for s in again.sections] == [(s.number, s.title) for s in seed.sections]
