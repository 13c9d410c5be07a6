"""Bulk import from CSV/XLSX (all rows or none, errors by line) and the XLSX export."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook
from pytest_django import DjangoCaptureOnCommitCallbacks

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.audit.services import Actor
from core.ru.identifiers import inn_with_check_digits
from tenants.members.company_export import companies_xlsx
from tenants.members.company_import import import_job_create, import_job_run, read_table
from tenants.members.models import Company, ImportJob, MembershipEvent
from tenants.members.tasks import company_import_run
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, signed_in

from . import factories as f

pytestmark = pytest.mark.django_db

HEADER = "Полное наименование;Краткое наименование;ИНН;ОГРН;КПП;Регион;Адрес;Сайт;Резидент ОЭЗ;ОКВЭД2"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _row(n: int, *, inn: str | None = None, **overrides: str) -> str:
    values = {
        "full": f"ООО «Компания {n}»",
        "short": f"Компания {n}",
        "inn": inn or f.inn(100000 + n),
        "ogrn": f.ogrn(n),
        "kpp": "501001001",
        "region": "RU-MOS",
        "address": f"г. Дубна, д. {n}",
        "site": "",
        "sez": "да" if n % 2 else "нет",
        "okved": "32.50",
    }
    values.update(overrides)
    return ";".join(values.values())


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _run(
    cluster: Cluster,
    content: bytes,
    name: str = "members.csv",
    user: User | None = None,
    *,
    captured: DjangoCaptureOnCommitCallbacks,
) -> ImportJob:
    actor = (
        Actor(user=user, host=f"{cluster.schema_name}.localhost", cluster=cluster)
        if user
        else f.system(cluster)
    )
    with schema_context(cluster.schema_name):
        with captured(execute=True):
            job = import_job_create(actor=actor, file=SimpleUploadedFile(name, content))
        job.refresh_from_db()
        return job


def test_a_good_csv_is_imported_with_history_and_audit(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    content = _csv(
        _row(1, site="medtech.example", okved="32.50, 26.60"), _row(2, region="Новосибирская область")
    )
    job = _run(cluster_a, content, user=staff, captured=django_capture_on_commit_callbacks)
    assert (job.status, job.total, job.processed, job.created_count, job.errors) == ("done", 2, 2, 2, [])
    with schema_context(cluster_a.schema_name):
        first = Company.objects.get(short_name="Компания 1")
        second = Company.objects.get(short_name="Компания 2")
        assert (first.status, first.is_sez_resident, first.website, first.okved_codes) == (
            "interested",
            True,
            "https://medtech.example",
            ["32.50", "26.60"],
        )
        assert (second.region_code, second.is_sez_resident) == ("RU-NVS", False)
        event = MembershipEvent.objects.get(company=first)
        assert event.actor_id == staff.pk and event.reason == "Загружена из файла «members.csv»."
    rows = AuditEntry.objects.filter(cluster=cluster_a, action="company.create", actor=staff)
    assert {r.object_id for r in rows} == {str(first.pk), str(second.pk)}
    assert {r.host for r in rows} == {"alpha.localhost"}
    assert AuditEntry.objects.filter(cluster=cluster_a, action="company_import.done", actor=staff).exists()


def test_one_bad_inn_among_a_thousand_good_rows_imports_nothing(
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    rows = [_row(n) for n in range(1, 1001)]
    rows.insert(499, _row(5000, inn="7707083890"))  # the 500th data row: line 501 of the file
    job = _run(cluster_a, _csv(*rows), captured=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED
    assert (job.total, job.processed, job.created_count) == (1001, 1001, 0)
    assert job.errors == [{"line": 501, "message": "ИНН: неверное контрольное число."}]
    with schema_context(cluster_a.schema_name):
        assert not Company.objects.filter(short_name__startswith="Компания").exists()


def test_every_bad_row_is_listed_with_its_line_and_reason(
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with schema_context(cluster_a.schema_name):
        f.company(cluster_a, "Старожил", inn=f.inn(100003))
    content = _csv(
        _row(1),
        "",  # a blank line (line 3) is skipped but counted
        _row(2, ogrn="1234567890123", kpp="12"),
        _row(3),  # its INN is already in the cluster
        _row(4, inn=f.inn(100001)),  # repeats line 2
        _row(5, region="Атлантида", sez="может быть"),
        _row(6, full="", inn=" "),
        '"ООО «Многострочная»";"Многострочная";'
        + f.inn(100007)
        + ';;;RU-MOS;"г. Дубна,\nул. Жолио-Кюри, 20";;нет;',
        _row(8, okved="32-50", site="not a site at all"),
    )
    job = _run(cluster_a, content, captured=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert [(e["line"], e["message"]) for e in job.errors] == [
        (4, "ОГРН: неверное контрольное число."),
        (4, "КПП: 9 символов — 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры."),
        (5, f"ИНН {f.inn(100003)} уже есть в кластере: «Старожил»."),
        (6, f"ИНН {f.inn(100001)} повторяется в файле (впервые — в строке 2)."),
        (
            7,
            "Регион: «Атлантида» — неизвестный регион (укажите код, например RU-MOS, или название субъекта РФ).",
        ),
        (7, "Резидент ОЭЗ: ожидается «да» или «нет»."),
        (8, "Полное наименование: обязательное поле."),
        (8, "ИНН: обязательное поле."),
        (11, "ОКВЭД2: код «32-50» не похож на код ОКВЭД2 (например, 32.50 или 26.60)."),
    ]
    with schema_context(cluster_a.schema_name):
        assert list(Company.objects.values_list("short_name", flat=True)) == ["Старожил"]


def test_comma_separated_csv_with_a_byte_order_mark(
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    content = (
        "\ufeffПолное наименование,ИНН,ОКВЭД2,Резидент ОЭЗ\n"
        f'"ООО «Запятая, и точка»",{f.inn(100001)},"32.50, 26.60",да\n'
    ).encode()
    job = _run(cluster_a, content, captured=django_capture_on_commit_callbacks)
    assert job.status == "done", job.errors
    with schema_context(cluster_a.schema_name):
        company = Company.objects.get(inn=f.inn(100001))
        assert (company.full_name, company.short_name, company.okved_codes) == (
            "ООО «Запятая, и точка»",
            "ООО «Запятая, и точка»",
            ["32.50", "26.60"],
        )


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            _csv(_row(1), header="Название;ИНН"),
            "m.csv",
            "Строка 1 (заголовок): неизвестные столбцы: «Название»; нет обязательных столбцов: «Полное наименование».",
        ),
        (
            "Полное наименование;ИНН\nООО «Ы»;1".encode("cp1251"),
            "m.csv",
            "Файл CSV должен быть в кодировке UTF-8.",
        ),
        (b"not a zip", "m.xlsx", "Не удалось прочитать файл XLSX."),
        (_csv(header="Полное наименование;ИНН"), "m.csv", "В файле нет строк с организациями."),
    ],
)
def test_unreadable_files_fail_with_a_reason(
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    content: bytes,
    name: str,
    message: str,
) -> None:
    job = _run(cluster_a, content, name=name, captured=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert job.errors[0]["message"].startswith(message)


def test_only_csv_and_xlsx_are_accepted_and_only_from_managers(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a)
    with schema_context(cluster_a.schema_name):
        with pytest.raises(ValidationError, match="Поддерживаются файлы CSV"):
            import_job_create(actor=f.system(cluster_a), file=SimpleUploadedFile("m.txt", b"x"))
        with pytest.raises(PermissionDenied):
            import_job_create(
                actor=Actor(user=rep, host="alpha.localhost", cluster=cluster_a),
                file=SimpleUploadedFile("m.csv", _csv(_row(1))),
            )
        assert not ImportJob.objects.exists()


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_numbers_that_lost_their_leading_zero(
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    bashkir = inn_with_check_digits("027400001")  # Bashkortostan: the INN starts with 0
    content = _xlsx(
        [
            ["Полное наименование", "ИНН", "КПП", "Регион", "Резидент ОЭЗ", "Статус"],
            ["ООО «Уфа-Мед»", int(bashkir), 27401001, "Республика Башкортостан", True, "Исключён"],
            [None, None, None, None, None, None],
            ["ООО «Дубна-Мед»", float(f.inn(100002)), None, "RU-MOS", "нет", None],
        ]
    )
    job = _run(cluster_a, content, name="members.xlsx", captured=django_capture_on_commit_callbacks)
    assert job.status == "done", job.errors
    with schema_context(cluster_a.schema_name):
        ufa = Company.objects.get(inn=bashkir)
        assert (ufa.kpp, ufa.region_code, ufa.is_sez_resident, ufa.status) == (
            "027401001",
            "RU-BA",
            True,
            "interested",
        )
        assert Company.objects.filter(inn=f.inn(100002)).exists()


def test_xlsx_errors_carry_the_row_numbers_of_the_sheet(cluster_a: Cluster) -> None:
    content = _xlsx(
        [["Полное наименование", "ИНН"], ["ООО «А»", f.inn(100001)], [None, None], ["ООО «Б»", "7707083890"]]
    )
    rows = read_table(name="m.xlsx", content=content)
    assert [line for line, _values in rows] == [2, 4]


def test_a_thousand_rows_import_in_one_go_with_progress(
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    job = _run(
        cluster_a, _csv(*[_row(n) for n in range(1, 1001)]), captured=django_capture_on_commit_callbacks
    )
    assert (job.status, job.total, job.processed, job.created_count) == ("done", 1000, 1000, 1000)
    with schema_context(cluster_a.schema_name):
        assert Company.objects.filter(short_name__startswith="Компания").count() == 1000
        assert MembershipEvent.objects.filter(company__short_name__startswith="Компания").count() == 1000


def test_a_finished_job_is_not_run_again(
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    job = _run(cluster_a, _csv(_row(1), _row(2)), captured=django_capture_on_commit_callbacks)
    with schema_context(cluster_a.schema_name):
        assert company_import_run(job.pk) == {"job": job.pk, "status": "done"}
        import_job_run(job_id=job.pk)
        assert Company.objects.filter(short_name__startswith="Компания").count() == 2


def test_a_clash_found_under_the_transaction_rolls_everything_back(
    cluster_a: Cluster,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from tenants.members import company_import

    calls = {"n": 0}
    real = company_import.existing_inns

    def late_clash() -> dict[str, str]:
        calls["n"] += 1
        return real() if calls["n"] == 1 else {f.inn(100002): "Успели раньше"}

    monkeypatch.setattr(company_import, "existing_inns", late_clash)
    job = _run(cluster_a, _csv(_row(1), _row(2)), captured=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert job.errors == [
        {"line": None, "message": f"ИНН {f.inn(100002)} уже есть в кластере: «Успели раньше»."}
    ]
    with schema_context(cluster_a.schema_name):
        assert not Company.objects.filter(short_name__startswith="Компания").exists()


def test_export_has_russian_headers_and_imports_back(
    cluster_a: Cluster,
    cluster_b: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with schema_context(cluster_a.schema_name):
        f.company(
            cluster_a,
            "Медтех",
            inn="7707083893",
            region_code="RU-MOS",
            okved_codes=["32.50"],
            is_sez_resident=True,
            status=Company.Status.ACTIVE,
        )
        content = companies_xlsx(Company.objects.all())
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    header, row = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[:10] == HEADER.split(";")
    assert header[10:] == ["Тип", "Статус", "Статус изменён", "Моногород или ТОР"]
    assert row[:11] == [
        "ООО «Медтех»",
        "Медтех",
        "7707083893",
        None,
        None,
        "Московская область",
        None,
        None,
        "да",
        "32.50",
        "Компания",
    ]
    assert row[11] == "Действующий участник"
    job = _run(cluster_b, content, name="export.xlsx", captured=django_capture_on_commit_callbacks)
    assert job.status == "done", job.errors
    with schema_context(cluster_b.schema_name):
        copy = Company.objects.get(inn="7707083893")
        assert (copy.short_name, copy.region_code, copy.is_sez_resident, copy.status) == (
            "Медтех",
            "RU-MOS",
            True,
            "interested",
        )


def test_two_thousand_rows_write_one_audit_entry_per_company(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    content = _csv(*[_row(n) for n in range(1, 2001)])
    job = _run(cluster_a, content, user=staff, captured=django_capture_on_commit_callbacks)
    assert (job.status, job.created_count, job.errors) == ("done", 2000, [])
    with schema_context(cluster_a.schema_name):
        companies = {str(c.pk): c for c in Company.objects.filter(short_name__startswith="Компания")}
        assert MembershipEvent.objects.filter(company__short_name__startswith="Компания").count() == 2000
    entries = list(AuditEntry.objects.filter(cluster=cluster_a, action="company.create"))
    assert len(entries) == 2000
    assert {e.object_id for e in entries} == set(companies)
    entry = next(e for e in entries if companies[e.object_id].short_name == "Компания 1999")
    assert (entry.actor_id, entry.host, entry.object_repr) == (staff.pk, "alpha.localhost", "Компания 1999")
    assert entry.changes["inn"] == [None, f.inn(101999)]
    assert entry.changes["status"] == [None, "interested"]
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    assert "Компания 1999" in signed_in(admin, cluster_a).get("/audit/").content.decode()


def test_an_error_on_line_1801_of_two_thousand_imports_and_audits_nothing(
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    rows = [_row(n) for n in range(1, 2001)]
    rows[1799] = _row(1800, kpp="12")  # the 1,800th data row: line 1,801 of the file
    job = _run(cluster_a, _csv(*rows), captured=django_capture_on_commit_callbacks)
    assert (job.status, job.created_count) == ("failed", 0)
    assert job.errors == [
        {
            "line": 1801,
            "message": "КПП: 9 символов — 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры.",
        }
    ]
    with schema_context(cluster_a.schema_name):
        assert not Company.objects.filter(short_name__startswith="Компания").exists()
        assert not MembershipEvent.objects.exists()
    assert not AuditEntry.objects.filter(cluster=cluster_a, action="company.create").exists()


def test_a_failure_while_writing_rolls_back_companies_and_their_audit_rows(
    cluster_a: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import DatabaseError

    from tenants.members import company_import

    def events_fail(objs: Any, **kwargs: Any) -> Any:
        raise DatabaseError("disk full")  # after the companies and their audit rows went in

    with schema_context(cluster_a.schema_name):
        job = import_job_create(
            actor=f.system(cluster_a),
            file=SimpleUploadedFile("members.csv", _csv(*[_row(n) for n in range(1, 1501)])),
        )
        monkeypatch.setattr(company_import, "events_create", events_fail)
        with pytest.raises(DatabaseError):
            import_job_run(job_id=job.pk)
        assert not Company.objects.filter(short_name__startswith="Компания").exists()
    assert not AuditEntry.objects.filter(cluster=cluster_a, action="company.create").exists()
