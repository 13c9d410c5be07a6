"""Finding 10: restoring a cluster backup never leaves a grant or an invoice pointing at a
different company than before. A difference refuses the restore (the schema is put back);
--reconcile re-maps by INN and parks the rest (the company sequence moves past their ids)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max
from django_tenants.utils import schema_context

from billing.models import Invoice
from core.accounts.models import Grant, User
from core.accounts.services import grant_role, user_create
from core.audit.models import AuditEntry
from tenants.members.models import Company
from tenants.models import Cluster
from tests.members import factories as members

from .test_backup import SLUG, cluster  # noqa: F401  (the fixture)

_numbers = itertools.count(1)


def _company(cluster: Cluster, name: str, inn: str | None = None) -> Company:  # noqa: F811
    with schema_context(SLUG):
        return members.company(cluster, name, inn=inn or members.inn())


def _representative(cluster: Cluster, company: Company) -> User:  # noqa: F811
    user = user_create(
        email=f"rep{next(_numbers)}@bkp.test", password="pw-123456789", full_name="Представитель"
    )
    grant_role(user=user, role=Grant.Role.MEMBER_REPRESENTATIVE, cluster=cluster, company_id=company.pk)
    return user


def _invoice(cluster: Cluster, company: Company) -> Invoice:  # noqa: F811
    n = next(_numbers)
    return Invoice.objects.create(
        cluster=cluster,
        number=f"B-{n}",
        company_id=company.pk,
        company_name=company.full_name,
        company_inn=company.inn,
        issue_date=dt.date(2026, 1, 10),
        due_date=dt.date(2026, 2, 10),
        amount_kopecks=100_000,
        source_key=f"bkp:{n}",
    )


def _backup(tmp_path: Path) -> Path:
    call_command("backup_cluster", SLUG, "--dir", str(tmp_path / "b"))
    return next((tmp_path / "b").glob("*.dump"))


def _company_of(grant_user: User) -> int | None:
    return Grant.objects.get(user=grant_user).company_id


def test_a_company_created_after_the_backup_refuses_the_restore(cluster: Cluster, tmp_path: Path) -> None:  # noqa: F811
    kept = _company(cluster, "Была в копии")
    kept_rep, kept_invoice = _representative(cluster, kept), _invoice(cluster, kept)
    dump = _backup(tmp_path)
    later = _company(cluster, "Появилась после копии")
    later_rep, later_invoice = _representative(cluster, later), _invoice(cluster, later)

    with pytest.raises(CommandError) as refused:
        call_command("restore_cluster_backup", SLUG, "--file", str(dump))

    message = str(refused.value)
    assert "Восстановление отменено" in message and later_rep.email in message
    assert f"счёт № {later_invoice.number}" in message and kept_rep.email not in message
    with schema_context(SLUG):  # the schema is back as it was
        assert set(Company.objects.values_list("short_name", flat=True)) == {
            "Была в копии",
            "Появилась после копии",
        }
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.ACTIVE
    assert _company_of(kept_rep) == kept.pk and Invoice.objects.get(pk=kept_invoice.pk).company_id == kept.pk


def test_reconcile_parks_ids_the_backup_lacks_so_no_new_company_takes_them(
    cluster: Cluster,  # noqa: F811
    tmp_path: Path,
) -> None:
    kept = _company(cluster, "Была в копии")
    dump = _backup(tmp_path)
    later = _company(cluster, "Появилась после копии")
    later_rep, later_invoice = _representative(cluster, later), _invoice(cluster, later)

    call_command("restore_cluster_backup", SLUG, "--file", str(dump), "--reconcile")

    with schema_context(SLUG):
        assert list(Company.objects.values_list("pk", flat=True)) == [kept.pk]
        newcomer = members.company(cluster, "Новая после восстановления")
    assert newcomer.pk > later.pk  # the parked id is never handed out again
    assert (
        _company_of(later_rep) == later.pk and Invoice.objects.get(pk=later_invoice.pk).company_id == later.pk
    )
    assert AuditEntry.objects.filter(action="backup.company_parked").count() == 2


def test_reconcile_remaps_by_inn_and_the_same_company_stays(cluster: Cluster, tmp_path: Path) -> None:  # noqa: F811
    inn = members.inn()
    original = _company(cluster, "Медтех", inn=inn)
    dump = _backup(tmp_path)
    with schema_context(SLUG):
        Company.objects.filter(pk=original.pk).delete()  # deleted and entered again under a new id
    again = _company(cluster, "Медтех заново", inn=inn)
    rep, invoice = _representative(cluster, again), _invoice(cluster, again)
    assert again.pk != original.pk

    with pytest.raises(CommandError):
        call_command("restore_cluster_backup", SLUG, "--file", str(dump))
    call_command("restore_cluster_backup", SLUG, "--file", str(dump), "--reconcile")

    assert _company_of(rep) == original.pk and Invoice.objects.get(pk=invoice.pk).company_id == original.pk
    with schema_context(SLUG):
        assert Company.objects.get(pk=original.pk).inn == inn
        assert (Company.objects.aggregate(top=Max("pk"))["top"] or 0) == original.pk
    assert AuditEntry.objects.filter(action="backup.grant_company_remap").count() == 1


def test_restore_with_nothing_diverging_goes_through(cluster: Cluster, tmp_path: Path) -> None:  # noqa: F811
    company = _company(cluster, "Стабильная")
    rep = _representative(cluster, company)
    dump = _backup(tmp_path)
    call_command("restore_cluster_backup", SLUG, "--file", str(dump))
    assert _company_of(rep) == company.pk
