"""`make prod-faults` (and the end of `make prod-smoke`): faults under load, through the production
stack, and what each one cost.

The stack of deploy/localstack.py on PRIVATE servers, so nothing shared is disturbed: a
PostgreSQL server of its own (initdb in a temp dir), pgbouncer (session mode) in front of
it, a redis-server of its own as the Celery broker (the cache stays on the shared Redis),
gunicorn + Celery worker + nginx. Faults:

- PostgreSQL down: pages answer the Russian 503 with Retry-After, the API a JSON 503.
- PostgreSQL restarted under load: failed requests only while it is down, none once it is back.
- The broker down: requests keep working; a task queued meanwhile is kept in the outbox and
  runs once (not lost, not twice) when the broker is back.
- A gunicorn worker SIGKILLed in the middle of a write (held inside its transaction by a
  lock): no partial rows; the retried write lands once.

Ports (127.0.0.1): PROD_FAULTS_PORT_BASE (8710) + 0 PostgreSQL, +1 Redis, +2 gunicorn,
+3 HTTP, +4 HTTPS; pgbouncer PROD_FAULTS_PGBOUNCER_PORT (8715). Cache: PROD_FAULTS_CACHE_URL
(redis://127.0.0.1:6379/13). Exits 1 when a check failed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from localstack import (
    PgBouncer,
    PrivatePostgres,
    PrivateRedis,
    Stack,
    StackConfig,
    require_nginx,
    require_pgbouncer,
    require_program,
    running,
)
from smoke import Report, expect

SLUG, NAME = "faulta", "Кластер для сбоев"
NEWS = "Новость кластера для сбоев"
STAFF_EMAIL, STAFF_PASSWORD = "staff@faulta.example", "faults-staff-password-2024"
HOST = f"{SLUG}.localhost"
LOAD_THREADS = 8
SERVER_LOGIN_RETRY = 1  # pgbouncer.ini of localstack.pgbouncer_command
NEWS_ROWS = "SELECT count(*) FROM faulta.content_news WHERE title = %s"  # the schema of SLUG


@dataclass
class Hit:
    started: float
    ended: float
    status: int  # 0: no HTTP answer


class Load:
    """LOAD_THREADS threads requesting the cluster's page until stopped; every answer recorded."""

    def __init__(self, stack: Stack, path: str = "/") -> None:
        self.stack, self.path = stack, path
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(LOAD_THREADS)]

    def _run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                status = self.stack.https("GET", HOST, self.path, timeout=60).status
            except OSError:
                status = 0
            with self.lock:
                self.hits.append(Hit(started, time.monotonic(), status))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=40)


def staff_token(stack: Stack) -> str:
    body = json.dumps({"email": STAFF_EMAIL, "password": STAFF_PASSWORD}).encode()
    res = stack.https(
        "POST", HOST, "/api/v1/auth/token/", body=body, headers={"Content-Type": "application/json"}
    )
    expect(res.status == 200, f"token: HTTP {res.status} {res.text[:200]}")
    return str(res.json()["token"])


def main() -> int:
    require_nginx()
    require_pgbouncer()
    require_program("redis-server", "redis-server")
    keep = os.environ.get("PROD_SMOKE_KEEP") == "1"
    base = int(os.environ.get("PROD_FAULTS_PORT_BASE", "8710"))
    work = Path(tempfile.mkdtemp(prefix="clusterhub-prodfaults-"))
    work.chmod(0o755)
    postgres = PrivatePostgres(work / "postgres", base)
    config = StackConfig(
        work_dir=work,
        database="clusterhub_faults",
        postgres=postgres.url,
        cache=os.environ.get("PROD_FAULTS_CACHE_URL", "redis://127.0.0.1:6379/13"),
        broker=f"redis://127.0.0.1:{base + 1}/0",
        gunicorn_port=base + 2,
        http_port=base + 3,
        https_port=base + 4,
        gunicorn_workers=2,
        gunicorn_threads=4,
        pgbouncer=PgBouncer(port=int(os.environ.get("PROD_FAULTS_PGBOUNCER_PORT", "8715")), pool_size=16),
        tls_hosts=[HOST],
        extra_env={"CLUSTERHUB_OUTBOX_FLUSH_SECONDS": "2"},
    )
    stack = Stack(config, say=lambda line: print(line, flush=True))
    redis = PrivateRedis(stack, base + 1)
    report = Report()
    started = time.monotonic()
    print(f"prod-faults: work dir {work}; private PostgreSQL :{base}, Redis (broker) :{base + 1}", flush=True)
    with running(stack):
        try:
            if not report.step(
                "private PostgreSQL + Redis, migrated, one cluster, stack up",
                lambda: setup(stack, postgres, redis),
            ):
                return finish(report, work, keep, started)
            print("Faults:", flush=True)
            report.step(
                "PostgreSQL down → pages: Russian 503 + Retry-After; API: JSON 503; never 500",
                lambda: database_down(stack, postgres),
            )
            report.step(
                "PostgreSQL restarted under load → errors only while it is down",
                lambda: database_restart(stack, postgres),
            )
            report.step(
                "broker down → requests keep working; a task queued meanwhile runs once when it is back",
                lambda: broker_down(stack, redis),
            )
            report.step(
                "gunicorn workers SIGKILLed in the middle of a write → no partial rows; the retry lands once",
                lambda: worker_killed(stack),
            )
        finally:
            stack.stop()
            if postgres.running():
                postgres.stop("immediate")
    return finish(report, work, keep, started)


def setup(stack: Stack, postgres: PrivatePostgres, redis: PrivateRedis) -> str:
    postgres.init()
    postgres.start()
    redis.start()
    stack.fresh_database()
    stack.start_pgbouncer()
    stack.manage("collectstatic", "--noinput", "-v", "0")
    stack.manage("migrate_all_clusters", "--processes", "2")
    stack.manage("create_cluster", "--slug", SLUG, "--name", NAME, "--region", "RU-MOS")
    stack.shell(
        "from django_tenants.utils import schema_context\n"
        "from core.accounts.models import Grant\n"
        "from core.accounts.services import grant_role, user_create\n"
        "from tenants.content.services import news_create\n"
        "from tenants.models import Cluster\n"
        f"u = user_create(email={STAFF_EMAIL!r}, password={STAFF_PASSWORD!r}, full_name='Сбой Сотрудник')\n"
        f"grant_role(user=u, role=Grant.Role.CLUSTER_STAFF, cluster=Cluster.objects.get(schema_name={SLUG!r}))\n"
        f"with schema_context({SLUG!r}):\n"
        f"    news_create(title={NEWS!r})\n"
    )
    stack.start_all()
    for _ in range(3):  # the first pages of fresh workers import and compile (slow on a busy machine)
        page = stack.https("GET", HOST, "/", timeout=90)
    expect(page.status == 200 and NEWS in page.text, f"HTTP {page.status}")
    return f"{SLUG} answers through nginx → gunicorn → pgbouncer → private PostgreSQL"


def database_down(stack: Stack, postgres: PrivatePostgres) -> str:
    token = staff_token(stack)
    postgres.stop()
    began = time.monotonic()
    try:
        # pgbouncer keeps a client waiting for a server up to query_wait_timeout (20 s)
        page = stack.https("GET", HOST, "/", timeout=60)
        api = stack.https(
            "GET", HOST, "/api/v1/news/", headers={"Authorization": f"Token {token}"}, timeout=60
        )
    finally:
        postgres.start()
    expect(page.status == 503, f"page: HTTP {page.status} {page.text[:300]}")
    expect("Сервис временно недоступен" in page.text, page.text[:300])
    expect(page.header("Retry-After") == "15", page.header("Retry-After"))
    expect(
        api.status == 503 and api.json()["code"] == "service_unavailable",
        f"API: HTTP {api.status} {api.text[:300]}",
    )
    expect(api.header("Retry-After") == "15", api.header("Retry-After"))
    recovered = time.monotonic()
    statuses = []
    while time.monotonic() - recovered < 30:
        statuses.append(stack.https("GET", HOST, "/", timeout=60).status)
        if statuses[-1] == 200:
            break
        time.sleep(0.2)
    seconds = time.monotonic() - recovered
    expect(
        statuses[-1] == 200 and seconds <= 1 + SERVER_LOGIN_RETRY,
        f"after start: {statuses} in {seconds:.1f} s",
    )
    return (
        f"PostgreSQL down {recovered - began:.1f} s: page 503 «Сервис временно недоступен», Retry-After 15; "
        f"API 503 {api.json()['code']}; 200 again {seconds:.1f} s after PostgreSQL was up ({len(statuses) - 1} more 503 meanwhile: "
        f"pgbouncer's server_login_retry {SERVER_LOGIN_RETRY} s)"
    )


def database_restart(stack: Stack, postgres: PrivatePostgres) -> str:
    with Load(stack) as load:
        time.sleep(3)
        down_at = time.monotonic()
        postgres.stop()
        time.sleep(2)
        postgres.start()
        up_at = time.monotonic()
        time.sleep(5)
    hits = load.hits
    failed = [h for h in hits if h.status != 200]
    before = [h for h in failed if h.ended < down_at]
    # pgbouncer retries a failed server login after server_login_retry: until then it fails clients
    grace = [h for h in failed if up_at < h.started <= up_at + SERVER_LOGIN_RETRY]
    after = [h for h in failed if h.started > up_at + SERVER_LOGIN_RETRY]
    statuses = sorted({h.status for h in failed})
    detail = (
        f"{len(hits)} requests by {LOAD_THREADS} threads; down {up_at - down_at:.1f} s; "
        f"{len(failed) - len(grace)} failed while down (HTTP {statuses}), {len(before)} before, "
        f"{len(grace)} in pgbouncer's {SERVER_LOGIN_RETRY} s login retry after it was up, {len(after)} later"
    )
    expect(not before and not after, detail)
    expect(all(h.status == 503 for h in failed), detail)
    return detail


def broker_down(stack: Stack, redis: PrivateRedis) -> str:
    token = staff_token(stack)
    auth = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    redis.stop()
    began = time.monotonic()
    try:
        pages = [stack.https("GET", HOST, "/").status for _ in range(20)]
        created = stack.https(
            "POST",
            HOST,
            "/api/v1/news/",
            body=json.dumps({"title": "Новость без брокера"}).encode(),
            headers=auth,
        )
        queued = stack.shell(
            "from django_tenants.utils import schema_context\n"
            "from django.db import transaction\n"
            "from core.queue import enqueue_on_commit\n"
            "from tenants.models import QueuedTask\n"
            f"with schema_context({SLUG!r}), transaction.atomic():\n"
            "    enqueue_on_commit('tenants.cluster_heartbeat')\n"
            "print('OUTBOX=%d' % QueuedTask.objects.count())\n"
        )
    finally:
        redis.start()
    seconds = time.monotonic() - began
    expect(pages == [200] * 20, pages)
    expect(created.status == 201, f"POST news: HTTP {created.status} {created.text[:200]}")
    outbox = int(queued.split("OUTBOX=", 1)[1].split()[0])
    expect(outbox == 1, f"outbox rows while the broker was down: {outbox}")
    deadline = time.monotonic() + 60
    runs: list[str] = []
    while time.monotonic() < deadline:
        runs = [
            line
            for line in stack.log_of("celery-worker").splitlines()
            if "tenants.cluster_heartbeat" in line and "succeeded" in line
        ]
        left = stack.shell(
            "from tenants.models import QueuedTask\nprint('LEFT=%d' % QueuedTask.objects.count())\n"
        )
        if runs and "LEFT=0" in left:
            break
        time.sleep(2)
    time.sleep(6)  # a second flush would run it twice: wait for one more round
    runs = [
        line
        for line in stack.log_of("celery-worker").splitlines()
        if "tenants.cluster_heartbeat" in line and "succeeded" in line
    ]
    expect(len(runs) == 1, f"heartbeat ran {len(runs)} times")
    expect(SLUG in runs[0], runs[0][:300])
    return (
        f"broker down {seconds:.1f} s: 20/20 pages 200, POST news 201, 0 failed requests; the task queued "
        f"meanwhile waited in the outbox (1 row) and ran once in {SLUG} after the broker came back"
    )


def worker_killed(stack: Stack) -> str:
    """POST a news item while a lock holds the audit table: the news row is inserted, the audit
    row waits — the request is inside its transaction. Kill the workers, release the lock:
    neither row may exist. Then the same POST again lands exactly once."""
    import psycopg2

    token = staff_token(stack)
    title = "Новость в момент гибели воркера"
    auth = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    body = json.dumps({"title": title}).encode()
    locker = psycopg2.connect(stack.config.direct_database_url)
    cur = locker.cursor()
    cur.execute("LOCK TABLE public.audit_auditentry IN SHARE MODE")
    result: dict[str, object] = {}

    def post() -> None:
        try:
            result["status"] = stack.https(
                "POST", HOST, "/api/v1/news/", body=body, headers=auth, timeout=60
            ).status
        except OSError as exc:
            result["status"] = exc.__class__.__name__

    thread = threading.Thread(target=post)
    thread.start()
    watcher = psycopg2.connect(stack.config.direct_database_url)
    watcher.autocommit = True
    deadline = time.monotonic() + 30
    waiting = False
    while time.monotonic() < deadline and not waiting:
        with watcher.cursor() as w:
            w.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO \"audit_auditentry\"%%'"
            )
            waiting = w.fetchone()[0] > 0
        time.sleep(0.2)
    expect(waiting, "the POST never reached the audit insert")
    workers = gunicorn_workers(stack)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    thread.join(timeout=60)
    locker.rollback()
    locker.close()
    time.sleep(1)
    with watcher.cursor() as w:
        w.execute(NEWS_ROWS, [title])
        rows = w.fetchone()[0]
        w.execute(
            "SELECT count(*) FROM public.audit_auditentry WHERE action = 'news.create' AND object_repr = %s",
            [title],
        )
        audit = w.fetchone()[0]
    expect(rows == 0 and audit == 0, f"after the kill: {rows} news rows, {audit} audit rows")
    stack.wait_for("gunicorn workers back", lambda: stack.https("GET", HOST, "/").status == 200)
    back = time.monotonic() - killed_at
    again = stack.https("POST", HOST, "/api/v1/news/", body=body, headers=auth)
    expect(again.status == 201, f"retry: HTTP {again.status} {again.text[:200]}")
    with watcher.cursor() as w:
        w.execute(NEWS_ROWS, [title])
        rows = w.fetchone()[0]
    watcher.close()
    expect(rows == 1, f"after the retry: {rows} rows")
    return (
        f"{len(workers)} workers killed with the INSERT of the news row done and the audit row waiting; the client got "
        f"{result.get('status')}; 0 news rows, 0 audit rows; workers back in {back:.1f} s; the retry: 201, 1 row"
    )


def gunicorn_workers(stack: Stack) -> list[int]:
    master = next(p.pid for name, p, _ in stack.processes if name == "gunicorn")
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def finish(report: Report, work: Path, keep: bool, started: float) -> int:
    print(
        f"\nprod-faults summary: {len(report.rows) - len(report.failed)} passed, {len(report.failed)} failed "
        f"({time.monotonic() - started:.0f} s)"
    )
    if report.failed:
        for name in report.failed:
            print(f"  FAILED: {name}")
        print(f"Logs kept in {work}")
        print("prod-faults: FAIL")
        return 1
    if keep:
        print(f"Logs kept in {work} (PROD_SMOKE_KEEP=1)")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("prod-faults: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
