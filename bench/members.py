"""Row 4: the members area at 10,000 companies in one cluster.

* GET /api/v1/members/?page_size=25 with a staff token: p50/p95 and SQL queries per request.
* Import of a 10,000-row CSV through tenants.members.company_import (import_job_create; Celery
  runs eagerly under the test settings, so the call returns after the import): seconds and
  peak Python memory (tracemalloc).
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from core.audit.services import Actor
from core.ru.identifiers import inn_with_check_digits
from tenants.members.company_import import import_job_create
from tenants.members.models import Company, ImportJob

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
    with schema_context(REQUEST_CLUSTER):
        tracemalloc.start()
        start = time.perf_counter()
        job = import_job_create(actor=actor, file=SimpleUploadedFile("members.csv", content, "text/csv"))
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        job = ImportJob.objects.get(pk=job.pk)
        job.file.delete(save=False)
    to_public_schema()
    return MembersResult(
        companies=COMPANIES,
        list_ms=timings,
        list_queries=queries,
        import_rows=IMPORT_ROWS,
        import_seconds=seconds,
        import_peak_mb=peak / 2**20,
        import_status=job.status,
        import_created=job.created_count,
    )


def run(fixture: RequestFixture) -> list[Row]:
    from .report import members_rows

    return members_rows(measure(fixture))
