"""The «Счёт на оплату» PDF as Russian accountants expect it, and its GOST R 56042-2014 QR code
decoded back from the rendered page (poppler renders, zxing-cpp reads, as a bank app would)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from billing.models import Payee
from billing.services import InvoiceLineSpec, invoice_void, payment_record_manual
from core.accounts.models import User
from core.audit.services import Actor
from core.clock import cluster_today
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, signed_in, token_for

from .conftest import COMPANY, issue

pytestmark = pytest.mark.django_db


def render_pages(pdf: bytes, tmp_path: Path) -> list[Path]:
    """Each page of the PDF as a 200 dpi PNG (poppler's pdftoppm), in a folder of its own."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    source = folder / "invoice.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(source), str(folder / "page")], check=True)
    return sorted(folder.glob("page*.png"))


def qr_codes(pdf: bytes, tmp_path: Path) -> list[zxingcpp.Barcode]:
    codes = []
    for page in render_pages(pdf, tmp_path):
        with Image.open(page) as image:
            codes += [
                code for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode
            ]
    return codes


def qr_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    return [code.text for code in qr_codes(pdf, tmp_path)]


def pdf_text(pdf: bytes, tmp_path: Path, *, layout: bool = True) -> str:
    """The PDF's words (pdftotext); `layout` keeps the table rows, without it a wrapped cell
    reads as one run of text."""
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", str(source), "-"],
        capture_output=True,
        check=True,
    )
    return " ".join(result.stdout.decode("utf-8").split())


@pytest.fixture
def rep(make_user: MakeUser, cluster_a: Cluster) -> User:
    return make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)


def test_the_invoice_qr_decodes_to_the_exact_gost_payload(
    cluster_a: Cluster, payee_a: Payee, rep: User, tmp_path: Path
) -> None:
    invoice = issue(cluster_a, amount=1_234_567)
    pdf = signed_in(rep, cluster_a).get(f"/billing/invoices/{invoice.pk}/pdf/").content
    date = f"{invoice.issue_date:%d.%m.%Y}"
    [code] = qr_codes(pdf, tmp_path)
    assert code.ec_level == "M"
    assert [code.text] == [
        "ST00012|Name=АНО «Развитие alpha»|PersonalAcc=40703810900000000001|BankName=ПАО «Тестовый банк»|"
        "BIC=044525999|CorrespAcc=30101810600000000999|PayeeINN=0000007775|KPP=000001001|Sum=1234567|"
        f"Purpose=Членский взнос по счёту № {invoice.number} от {date}. Без налога (НДС)|"
        f"PayerINN={invoice.company_inn}"
    ]


def test_the_api_pdf_carries_the_same_qr(
    cluster_a: Cluster, payee_a: Payee, rep: User, tmp_path: Path
) -> None:
    invoice = issue(cluster_a, lines=[InvoiceLineSpec("Вступительный взнос", 5_000_000, code="entrance")])
    pdf = api_client(token_for(rep, cluster_a), cluster_a).get(f"/api/v1/invoices/{invoice.pk}/pdf/").content
    [payload] = qr_texts(pdf, tmp_path)
    assert payload.startswith("ST00012|Name=АНО «Развитие alpha»|") and "|Sum=5000000|" in payload
    assert f"|Purpose=Вступительный взнос по счёту № {invoice.number} от " in payload


def test_a_separator_in_a_value_is_replaced_and_mixed_lines_say_оплата(
    cluster_a: Cluster, payee_a: Payee, rep: User, tmp_path: Path
) -> None:
    Payee.objects.filter(pk=payee_a.pk).update(
        name="АНО «Развитие|alpha»",
        bank_name="ПАО «Банк | Тест»",
        kpp="",
        vat_note="НДС не облагается (ст. 145 НК РФ)",
    )
    invoice = issue(
        cluster_a,
        lines=[
            InvoiceLineSpec("Вступительный взнос", 5_000_000, code="entrance"),
            InvoiceLineSpec("Членский взнос", 1_500_000, code="membership"),
        ],
    )
    [payload] = qr_texts(
        signed_in(rep, cluster_a).get(f"/billing/invoices/{invoice.pk}/pdf/").content, tmp_path
    )
    fields = payload.split("|")
    assert fields[:4] == [
        "ST00012",
        "Name=АНО «Развитие/alpha»",
        "PersonalAcc=40703810900000000001",
        "BankName=ПАО «Банк / Тест»",
    ]
    assert not any(f.startswith("KPP=") for f in fields)  # an empty optional value is left out
    assert (
        f"Purpose=Оплата по счёту № {invoice.number} от {invoice.issue_date:%d.%m.%Y}. "
        "НДС не облагается (ст. 145 НК РФ)"
    ) in fields


def test_the_qr_asks_for_what_is_still_owed_and_disappears_when_nothing_is(
    cluster_a: Cluster, payee_a: Payee, rep: User, make_user: MakeUser, tmp_path: Path
) -> None:
    staff = Actor(user=make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster=cluster_a)
    invoice = issue(cluster_a, amount=1_000_000)
    payment_record_manual(
        actor=staff,
        invoice=invoice,
        amount_kopecks=400_000,
        order_number="17",
        order_date=cluster_today(cluster_a),
    )
    browser = signed_in(rep, cluster_a)
    pdf = browser.get(f"/billing/invoices/{invoice.pk}/pdf/").content
    [payload] = qr_texts(pdf, tmp_path)
    assert "|Sum=600000|" in payload
    assert "6 000,00 руб." in pdf_text(pdf, tmp_path)
    payment_record_manual(
        actor=staff,
        invoice=invoice,
        amount_kopecks=600_000,
        order_number="18",
        order_date=cluster_today(cluster_a),
    )
    paid = browser.get(f"/billing/invoices/{invoice.pk}/pdf/").content
    assert qr_texts(paid, tmp_path) == []
    assert "QR" not in pdf_text(paid, tmp_path)
    voided = issue(cluster_a)
    invoice_void(actor=staff, invoice=voided, reason="Ошибка в сумме")
    assert qr_texts(browser.get(f"/billing/invoices/{voided.pk}/pdf/").content, tmp_path) == []


def test_the_invoice_text_has_the_standard_blocks(
    cluster_a: Cluster, payee_a: Payee, rep: User, tmp_path: Path
) -> None:
    Payee.objects.filter(pk=payee_a.pk).update(
        vat_note="НДС не облагается (УСН)", address="г. Дубна, ул. Научная, 1"
    )
    invoice = issue(
        cluster_a,
        lines=[
            InvoiceLineSpec("Вступительный взнос", 5_000_000, code="entrance"),
            InvoiceLineSpec("Членский взнос за 2026 год", 1_521_100, code="membership"),
        ],
    )
    pdf = signed_in(rep, cluster_a).get(f"/billing/invoices/{invoice.pk}/pdf/").content
    text = pdf_text(pdf, tmp_path)
    # the bank details block
    for expected in (
        "ПАО «Тестовый банк» БИК 044525999",
        "Банк получателя Сч. № 30101810600000000999",
        "ИНН 0000007775 КПП 000001001 Сч. № 40703810900000000001",
        "АНО «Развитие alpha»",
        "Получатель",
    ):
        assert expected in text, expected
    assert f"Счёт на оплату № {invoice.number} от" in text
    assert "Поставщик" in text and "Покупатель" in text and "(Исполнитель):" in text and "(Заказчик):" in text
    assert "АНО «Развитие alpha», ИНН 0000007775, КПП 000001001, г. Дубна, ул. Научная, 1" in pdf_text(
        pdf, tmp_path, layout=False
    )
    assert f"ООО «Медтех», ИНН {invoice.company_inn}, КПП 500101001" in text
    for expected in (
        "№ Наименование Кол-во Ед. Цена Сумма",
        "1 Вступительный взнос 1 шт. 50 000,00 50 000,00",
        "2 Членский взнос за 2026 год 1 шт. 15 211,00 15 211,00",
        "Итого: 65 211,00",
        "НДС не облагается (УСН): —",
        "Всего к оплате: 65 211,00",
        "Всего наименований 2, на сумму 65 211,00 руб.",
        "Шестьдесят пять тысяч двести одиннадцать рублей 00 копеек",
        f"«Оплата по счёту № {invoice.number} от {invoice.issue_date:%d.%m.%Y}. НДС не облагается (УСН)»",
        "Руководитель",
        "Иванов И. И.",
        "Бухгалтер",
        "Петрова П. П.",
        "Оплата по QR-коду",
    ):
        assert expected in text, expected
    assert "Без налога (НДС)" not in text


def test_a_long_payee_name_still_gives_a_readable_qr(
    cluster_a: Cluster, payee_a: Payee, rep: User, tmp_path: Path
) -> None:
    long_name = (
        "Автономная некоммерческая организация «Центр кластерного развития медицинской промышленности "
        "и инновационных технологий Московской области» (специализированная организация кластера)"
    )
    Payee.objects.filter(pk=payee_a.pk).update(name=long_name)
    invoice = issue(cluster_a)
    pdf = signed_in(rep, cluster_a).get(f"/billing/invoices/{invoice.pk}/pdf/").content
    [payload] = qr_texts(pdf, tmp_path)
    assert payload.startswith(f"ST00012|Name={long_name}|PersonalAcc=40703810900000000001|")
    assert "Всего наименований 1, на сумму 15 000,00 руб." in pdf_text(pdf, tmp_path)
