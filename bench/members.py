"""Row 4: the members area at 10,000 companies in one cluster.

* GET /api/v1/members/?page_size=25 with a staff token: p50/p95 and SQL queries per request.
* Import of a 10,000-row CSV through tenants.members.company_import (import_job_create; Celery
  runs eagerly under the test settings, so the call returns after the import): seconds, beside
  the same import through the old per-row write path (baseline: companies and history by
  bulk_create in batches of 500, then one audit INSERT per company, progress every 50 rows),
  and peak Python memory (tracemalloc, a third run: tracing slows Python down, so the timed
  runs go without it). One run each, baseline first; the
  imported companies are deleted after each run, so every run starts from the same 10,000.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from core.audit.services import Actor, audit_record, diff, snapshot
from core.ru.identifiers import inn_with_check_digits
from tenants.members import company_import
from tenants.members.company_import import import_job_create
from tenants.members.models import Company, ImportJob, MembershipEvent

from .cpu import backend_cpu
from .fixtures import REQUEST_CLUSTER, RequestFixture, host_of, to_public_schema

if TYPE_CHECKING:
    from .report import Row

COMPANIES = 10_000
IMPORT_ROWS = 10_000
WARMUP = 5
SAMPLES = 50
LIST_PATH = "/api/v1/members/?page_size=25"


@dataclass(frozen=True)
class MembersResult:
    companies: int
    list_ms: list[float]
    list_queries: list[int]
    import_rows: int
    import_seconds: float
    import_peak_mb: float
    import_status: str
    import_created: int
    import_audit_rows: int
    baseline_seconds: float
    baseline_created: int
    import_cpu: float = 0.0  # seconds of CPU in this process
    baseline_cpu: float = 0.0
    import_db_cpu: float = 0.0  # seconds of CPU of this process's PostgreSQL backend
    baseline_db_cpu: float = 0.0

    @property
    def list_p50(self) -> float:
        return statistics.median(self.list_ms)

    @property
    def list_p95(self) -> float:
        return statistics.quantiles(self.list_ms, n=20, method="inclusive")[-1]


def _bulk_companies(count: int) -> None:
    """Rows straight into the table (setup only: no history, no audit, blank identifiers)."""
    Company.objects.bulk_create(
        [
            Company(
                full_name=f"ООО «Нагрузка {i:05d}»",
                short_name=f"Нагрузка {i:05d}",
                status=Company.Status.ACTIVE if i % 3 else Company.Status.APPLIED,
            )
            for i in range(1, count + 1)
        ],
        batch_size=2000,
    )


def _csv(rows: int) -> bytes:
    lines = ["Полное наименование;Краткое наименование;ИНН;Регион;Описание"]
    lines += [
        f"ООО «Импорт {i:05d}»;Импорт {i:05d};{inn_with_check_digits(f'77{i:07d}')};RU-MOS;"
        f"Производство медицинских изделий, строка {i}"
        for i in range(1, rows + 1)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _per_row_create_many(
    *, objs: Sequence[Company], actor: Actor | None, action: str, **_: Any
) -> list[Company]:
    """The write path before model_create_many: bulk_create, then one audit INSERT per company."""
    saved = Company.objects.bulk_create(objs, batch_size=500)
    if actor is not None:
        for company in saved:
            audit_record(actor=actor, action=action, obj=company, changes=diff({}, snapshot(company)))
    return saved


def _orm_events(companies: Sequence[Company], *, same: dict[str, Any]) -> None:
    fields = {**same, "actor_id": same["actor"]}
    del fields["actor"]
    MembershipEvent.objects.bulk_create(
        [MembershipEvent(company=c, **fields) for c in companies], batch_size=500
    )


@contextmanager
def _old_write_path() -> Iterator[None]:
    saved = (company_import.model_create_many, company_import.events_create, company_import.PROGRESS_SECONDS)
    company_import.model_create_many = _per_row_create_many  # type: ignore[assignment]
    company_import.events_create = _orm_events
    company_import.PROGRESS_SECONDS = 0.0
    try:
        yield
    finally:
        company_import.model_create_many, company_import.events_create, company_import.PROGRESS_SECONDS = (
            saved
        )


def _import(
    actor: Actor, content: bytes, *, trace: bool = False
) -> tuple[ImportJob, float, float, int, float, float]:
    """One import in the request cluster: (job, seconds, peak MB or 0, audit rows of its companies,
    CPU seconds of this process, of its PostgreSQL backend); its companies are deleted afterwards.
    Celery runs eagerly here, so the import runs in this process on this connection."""
    with schema_context(REQUEST_CLUSTER):
        if trace:
            tracemalloc.start()
        db_cpu = backend_cpu()
        start, cpu = time.perf_counter(), time.process_time()
        job = import_job_create(actor=actor, file=SimpleUploadedFile("members.csv", content, "text/csv"))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        db_cpu = backend_cpu() - db_cpu
        peak = 0
        if trace:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        job = ImportJob.objects.get(pk=job.pk)
        job.file.delete(save=False)
        imported = Company.objects.filter(short_name__startswith="Импорт ")
        ids = [str(pk) for pk in imported.values_list("pk", flat=True)]
        audit_rows = AuditEntry.objects.filter(
            cluster=actor.cluster, action="company.create", object_id__in=ids
        ).count()
        imported.delete()
    to_public_schema()
    return job, seconds, peak / 2**20, audit_rows, cpu, db_cpu


def _counting() -> tuple[list[int], Callable[..., Any]]:
    counter = [0]

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        counter[0] += 1
        return execute(sql, params, many, context)

    return counter, wrapper


def measure(fixture: RequestFixture) -> MembersResult:
    with schema_context(REQUEST_CLUSTER):
        _bulk_companies(COMPANIES)
    to_public_schema()

    client = Client(HTTP_HOST=host_of(REQUEST_CLUSTER), HTTP_AUTHORIZATION=f"Token {fixture.token}")
    for _ in range(WARMUP):
        client.get(LIST_PATH)
    timings: list[float] = []
    queries: list[int] = []
    for _ in range(SAMPLES):
        counter, wrapper = _counting()
        with connection.execute_wrapper(wrapper):
            start = time.perf_counter()
            response = client.get(LIST_PATH)
            timings.append((time.perf_counter() - start) * 1000)
        queries.append(counter[0])
        if response.status_code != 200:
            raise RuntimeError(f"GET {LIST_PATH}: {response.status_code} {response.content[:300]!r}")
    if response.json().get("count") != COMPANIES:
        raise RuntimeError(f"members list count {response.json().get('count')} != {COMPANIES}")
    to_public_schema()

    content = _csv(IMPORT_ROWS)
    actor = Actor(user=fixture.user, host=host_of(REQUEST_CLUSTER), cluster=fixture.cluster)
    with _old_write_path():
        baseline, baseline_seconds, _, _, baseline_cpu, baseline_db_cpu = _import(actor, content)
    job, seconds, _, audit_rows, cpu, db_cpu = _import(actor, content)
    _, _, peak_mb, _, _, _ = _import(actor, content, trace=True)
    return MembersResult(
        companies=COMPANIES,
        list_ms=timings,
        list_queries=queries,
        import_rows=IMPORT_ROWS,
        import_seconds=seconds,
        import_peak_mb=peak_mb,
        import_status=job.status,
        import_created=job.created_count,
        import_audit_rows=audit_rows,
        baseline_seconds=baseline_seconds,
        import_cpu=cpu,
        baseline_cpu=baseline_cpu,
        import_db_cpu=db_cpu,
        baseline_db_cpu=baseline_db_cpu,
        baseline_created=baseline.created_count if baseline.status == "done" else 0,
    )


def run(fixture: RequestFixture) -> list[Row]:
    from .report import members_rows

    return members_rows(measure(fixture))
