"""`make prod-faults` (and the end of `make prod-smoke`): faults under load, through the production
stack, and what each one cost.

The stack of deploy/localstack.py on PRIVATE servers, so nothing shared is disturbed: a
PostgreSQL server of its own (initdb in a temp dir), pgbouncer (session mode) in front of
it, a redis-server of its own as the Celery broker (the cache stays on the shared Redis),
gunicorn + Celery worker + nginx. Faults:

- PostgreSQL down: pages answer the Russian 503 with Retry-After, the API a JSON 503.
- PostgreSQL restarted under load: failed requests (the Russian 503) only while it is down, none
  that started once it is back (the app's connect retry outlasts pgbouncer's server_login_retry);
  the latency this costs is printed.
- The broker down: requests keep working; a task queued meanwhile is kept in the outbox and
  runs once (not lost, not twice) when the broker is back.
- A gunicorn worker SIGKILLed in the middle of a write (held inside its transaction by a
  lock): no partial rows; the retried write lands once.
- The payment gateway down: localstripe (the fake Stripe the stack's STRIPE_API_BASE points
  at) SIGKILLed while a member representative pays an invoice by card: the page answers the
  Russian 503, the API a JSON 503, no Payment row and no invoice change; localstripe started
  again, the same payment retried is charged and settled once.

Ports (127.0.0.1): PROD_FAULTS_PORT_BASE (8710; PROD_SMOKE_PORT_BASE + 10 when that is set) + 0 PostgreSQL, +1 Redis, +2 gunicorn,
+3 HTTP, +4 HTTPS, +5 pgbouncer (PROD_FAULTS_PGBOUNCER_PORT), +6 localstripe
(PROD_FAULTS_STRIPE_PORT). Cache: PROD_FAULTS_CACHE_URL (redis://127.0.0.1:6379/13).
PROD_FAULTS_ONLY=payment,broker,… runs only the named faults (database_down, database_restart,
broker, worker, payment). Exits 1 when a check failed.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from localstack import (
    VENV_BIN,
    PgBouncer,
    PrivatePostgres,
    PrivateRedis,
    Response,
    Stack,
    StackConfig,
    StackProcess,
    env_port,
    port_free,
    require_nginx,
    require_pgbouncer,
    require_program,
    running,
)
from smoke import CheckFailed, Report, cookie_value, cookies_of, expect

SLUG, NAME = "faulta", "Кластер для сбоев"
NEWS = "Новость кластера для сбоев"
STAFF_EMAIL, STAFF_PASSWORD = "staff@faulta.example", "faults-staff-password-2024"
HOST = f"{SLUG}.localhost"
LOAD_THREADS = 8
SERVER_LOGIN_RETRY = PgBouncer.server_login_retry  # pgbouncer.ini of localstack.pgbouncer_command
# production.py's default; the stack passes DATABASE_CONNECT_RETRY_SECONDS through (0: the baseline)
CONNECT_RETRY = float(os.environ.get("DATABASE_CONNECT_RETRY_SECONDS") or 1)
UNAVAILABLE_PAGE = "Сервис временно недоступен"
NEWS_ROWS = "SELECT count(*) FROM faulta.content_news WHERE title = %s"  # the schema of SLUG
REP_EMAIL, REP_PASSWORD = "member@faulta.example", "faults-member-password-2024"
FEE_KOPECKS = 1_500_000
UNAVAILABLE = "Платёжный сервис сейчас недоступен. Счёт не изменён"  # billing.gateways.base
TEST_CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}
FAULTS = ("database_down", "database_restart", "broker", "worker", "payment")


@dataclass
class Hit:
    started: float
    ended: float
    status: int  # 0: no HTTP answer
    russian: bool = False  # a 503 that is the Russian «Сервис временно недоступен» page

    @property
    def seconds(self) -> float:
        return self.ended - self.started


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
                res = self.stack.https("GET", HOST, self.path, timeout=60)
                status, russian = res.status, res.status == 503 and UNAVAILABLE_PAGE in res.text
            except OSError:
                status, russian = 0, False
            with self.lock:
                self.hits.append(Hit(started, time.monotonic(), status, russian))

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
    base = env_port("PROD_FAULTS_PORT_BASE", 8710, 10)
    only = {name.strip() for name in os.environ.get("PROD_FAULTS_ONLY", "").split(",") if name.strip()}
    unknown = only - set(FAULTS)
    if unknown:
        print(f"prod-faults: unknown PROD_FAULTS_ONLY {sorted(unknown)}; known: {', '.join(FAULTS)}")
        return 2
    work = Path(tempfile.mkdtemp(prefix="clusterhub-prodfaults-"))
    work.chmod(0o755)
    postgres = PrivatePostgres(work / "postgres", base)
    stripe_port = int(os.environ.get("PROD_FAULTS_STRIPE_PORT", str(base + 6)))
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
        pgbouncer=PgBouncer(
            port=int(os.environ.get("PROD_FAULTS_PGBOUNCER_PORT", str(base + 5))), pool_size=16
        ),
        tls_hosts=[HOST],
        extra_env={
            "CLUSTERHUB_OUTBOX_FLUSH_SECONDS": "2",
            "STRIPE_API_BASE": f"http://127.0.0.1:{stripe_port}",
        },
    )
    stack = Stack(config, say=lambda line: print(line, flush=True))
    redis = PrivateRedis(stack, base + 1)
    localstripe = Localstripe(stack, stripe_port)
    report = Report()
    started = time.monotonic()
    print(
        f"prod-faults: work dir {work}; private PostgreSQL :{base}, Redis (broker) :{base + 1}, "
        f"localstripe :{stripe_port}",
        flush=True,
    )
    faults = [
        (
            "database_down",
            "PostgreSQL down → pages: Russian 503 + Retry-After; API: JSON 503; never 500",
            lambda: database_down(stack, postgres),
        ),
        (
            "database_restart",
            "PostgreSQL restarted under load → errors only while it is down",
            lambda: database_restart(stack, postgres),
        ),
        (
            "broker",
            "broker down → requests keep working; a task queued meanwhile runs once when it is back",
            lambda: broker_down(stack, redis),
        ),
        (
            "worker",
            "gunicorn workers SIGKILLed in the middle of a write → no partial rows; the retry lands once",
            lambda: worker_killed(stack),
        ),
        (
            "payment",
            "payment gateway down during a card payment → Russian 503, no half-state; the retry is paid once",
            lambda: payment_gateway_down(stack, localstripe),
        ),
    ]
    with running(stack):
        try:
            if not report.step(
                "private PostgreSQL + Redis + localstripe, migrated, one cluster, stack up",
                lambda: setup(stack, postgres, redis, localstripe),
            ):
                return report.summary("prod-faults", work, keep, started)
            print("Faults:", flush=True)
            for name, title, run in faults:
                if not only or name in only:
                    report.step(title, run)
        finally:
            stack.stop()
            if postgres.running():
                postgres.stop("immediate")
    return report.summary("prod-faults", work, keep, started)


def setup(stack: Stack, postgres: PrivatePostgres, redis: PrivateRedis, localstripe: Localstripe) -> str:
    postgres.init()
    postgres.start()
    redis.start()
    localstripe.start()
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
        page_seconds = time.monotonic() - began
        api = stack.https(
            "GET", HOST, "/api/v1/news/", headers={"Authorization": f"Token {token}"}, timeout=60
        )
        api_seconds = time.monotonic() - began - page_seconds
    finally:
        postgres.start()
    expect(page.status == 503, f"page: HTTP {page.status} {page.text[:300]}")
    expect(UNAVAILABLE_PAGE in page.text, page.text[:300])
    expect(page.header("Retry-After") == "15", page.header("Retry-After"))
    expect(
        api.status == 503 and api.json()["code"] == "service_unavailable",
        f"API: HTTP {api.status} {api.text[:300]}",
    )
    expect(api.header("Retry-After") == "15", api.header("Retry-After"))
    recovered = time.monotonic()
    first = stack.https("GET", HOST, "/", timeout=60)  # the app's connect retry outlasts pgbouncer's refusals
    seconds = time.monotonic() - recovered
    expect(first.status == 200, f"the first page after start: HTTP {first.status} in {seconds:.1f} s")
    return (
        f"PostgreSQL down {recovered - began:.1f} s: page 503 «{UNAVAILABLE_PAGE}», Retry-After 15, in {page_seconds:.1f} s; "
        f"API 503 {api.json()['code']} in {api_seconds:.1f} s; the first page after PostgreSQL was up: 200 in {seconds:.2f} s "
        f"(pgbouncer's server_login_retry {SERVER_LOGIN_RETRY:g} s, the app's connect retry {CONNECT_RETRY:g} s)"
    )


def database_restart(stack: Stack, postgres: PrivatePostgres) -> str:
    """8 threads on the page; PostgreSQL stopped (fast) and started again 2 s later. Every request
    that started after it was up answers 200 (pgbouncer refuses new server logins for
    server_login_retry after a failed one; the app's connect retry waits that out); while it was
    down only the Russian 503. The cost is printed: how much slower the 503s and the first pages
    after the start were than the pages before the stop."""
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
    after = [h for h in failed if h.started >= up_at]
    statuses = sorted({h.status for h in failed})
    steady = [h.seconds for h in hits if h.ended < down_at and h.status == 200]
    refused = [h.seconds for h in failed]
    first = [h.seconds for h in hits if up_at <= h.started < up_at + 1]
    bridged = [h.seconds for h in hits if down_at <= h.started < up_at and h.status == 200]
    detail = (
        f"{len(hits)} requests by {LOAD_THREADS} threads; down {up_at - down_at:.1f} s; "
        f"{len(failed) - len(after)} failed while down (HTTP {statuses}, "
        f"{sum(h.russian for h in failed)} the Russian 503 page), {len(before)} before, "
        f"{len(after)} after it was up. Latency median/max: pages before the stop {_ms(steady)}; "
        f"the 503s {_ms(refused)}; pages asked while it was down, answered 200 once it was up {_ms(bridged)}; "
        f"requests in the first second after the start {_ms(first)} "
        f"(pgbouncer's server_login_retry {SERVER_LOGIN_RETRY:g} s, the app's connect retry {CONNECT_RETRY:g} s)"
    )
    expect(not before and not after, detail)
    expect(all(h.status == 503 and h.russian for h in failed), detail)
    return detail


def _ms(seconds: list[float]) -> str:
    if not seconds:
        return "none"
    ordered = sorted(seconds)
    return f"{ordered[len(ordered) // 2] * 1000:.0f}/{ordered[-1] * 1000:.0f} ms (n={len(ordered)})"


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


class Localstripe(StackProcess):
    """localstripe on a loopback port, started by the stack (its log beside the others) and
    SIGKILLed as the payment-gateway fault. --from-scratch: its state file is one fixed path
    shared by every localstripe on the machine, so each start begins empty."""

    name = "localstripe"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [str(VENV_BIN / "localstripe"), "--port", str(self.port), "--from-scratch"]

    def start(self) -> None:
        if not port_free(self.port):
            raise RuntimeError(f"port 127.0.0.1:{self.port} is taken (PROD_FAULTS_STRIPE_PORT)")
        super().start()

    def post(self, path: str, payload: dict[str, object]) -> dict[str, object]:
        """What Stripe.js does in the browser (the card goes to Stripe, never to us)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            conn.request("POST", path, body=json.dumps(payload), headers={"Content-Type": "application/json"})
            raw = conn.getresponse()
            body = raw.read()
        finally:
            conn.close()
        expect(raw.status == 200, f"localstripe {path}: HTTP {raw.status} {body[:300]!r}")
        answer: dict[str, object] = json.loads(body)
        return answer


@dataclass
class Browser:
    """A signed-in browser on the cluster host through nginx: session and CSRF cookies, the
    Origin/Referer Django's CSRF check wants over HTTPS."""

    stack: Stack
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"https://{HOST}:{self.stack.config.https_port}"

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Origin": self.origin, "Referer": f"{self.origin}/"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {**headers, **(extra or {})}

    def _keep(self, res: Response) -> Response:
        for name, header in cookies_of(res).items():
            self.cookies[name] = cookie_value(header)
        return res

    def get(self, path: str) -> Response:
        return self._keep(self.stack.https("GET", HOST, path, headers=self._headers(), timeout=60))

    def form(self, path: str, data: dict[str, str]) -> Response:
        body = urlencode({"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}).encode()
        headers = self._headers({"Content-Type": "application/x-www-form-urlencoded"})
        return self._keep(self.stack.https("POST", HOST, path, body=body, headers=headers, timeout=60))

    def json(self, path: str, data: dict[str, str]) -> Response:
        headers = self._headers(
            {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
            }
        )
        return self._keep(
            self.stack.https("POST", HOST, path, body=json.dumps(data).encode(), headers=headers, timeout=60)
        )

    def sign_in(self, email: str, password: str) -> None:
        self.get("/login/")
        res = self.form("/login/", {"email": email, "password": password})
        expect(res.status == 302 and "sessionid" in self.cookies, f"sign-in: HTTP {res.status}")


def payment_setup(stack: Stack) -> int:
    """Through the app's services: the payee (localstripe keys), a member company, its
    representative and an issued invoice. Returns the invoice id."""
    out = stack.shell(
        "import datetime as dt\n"
        "from django_tenants.utils import schema_context\n"
        "from billing.services import InvoiceLineSpec, invoice_issue, payee_save\n"
        "from core.accounts.models import Grant\n"
        "from core.accounts.services import grant_role, user_create\n"
        "from core.audit.services import Actor\n"
        "from core.clock import cluster_today\n"
        "from core.ru.identifiers import inn_with_check_digits\n"
        "from tenants.members.services import company_create\n"
        "from tenants.models import Cluster\n"
        f"cluster = Cluster.objects.get(schema_name={SLUG!r})\n"
        "actor = Actor.system(cluster)\n"
        "payee_save(actor=actor, cluster=cluster, fields={\n"
        "    'name': 'АНО «Развитие кластера для сбоев»', 'inn': inn_with_check_digits('000000777'),\n"
        "    'kpp': '000001001', 'bank_name': 'ПАО «Тестовый банк»', 'bik': '044525999',\n"
        "    'account': '40703810900000000001', 'correspondent_account': '30101810600000000999',\n"
        "    'director': 'Иванов И. И.', 'accountant': 'Петрова П. П.',\n"
        f"    'stripe_publishable_key': 'pk_test_{SLUG}'}},\n"
        f"    stripe_secret_key='sk_test_{SLUG}', stripe_webhook_secret='whsec_{SLUG}', gateways=['stripe'])\n"
        f"with schema_context({SLUG!r}):\n"
        "    company = company_create(actor=actor, full_name='ООО «Сбойтех»', inn=inn_with_check_digits('000000555'))\n"
        f"user = user_create(email={REP_EMAIL!r}, password={REP_PASSWORD!r}, full_name='Сбой Представитель')\n"
        "grant_role(user=user, role=Grant.Role.MEMBER_REPRESENTATIVE, cluster=cluster, company_id=company.pk)\n"
        "today = cluster_today(cluster)\n"
        "invoice, _ = invoice_issue(actor=actor, cluster=cluster, company_id=company.pk,\n"
        "    company_name=company.full_name, company_inn=company.inn, company_kpp='',\n"
        f"    lines=[InvoiceLineSpec(description='Членский взнос за 2026 год', unit_price_kopecks={FEE_KOPECKS}, code='membership')],\n"
        "    issue_date=today, due_date=today + dt.timedelta(days=30), period_label='2026', source_key='faults:payment')\n"
        "print('INVOICE=%d' % invoice.pk)\n"
    )
    return int(out.split("INVOICE=", 1)[1].split()[0])


def billing_rows(stack: Stack, invoice: int) -> tuple[str, int, list[str]]:
    """The invoice's status and paid kopecks, and the statuses of its payments (by id)."""
    import psycopg2

    conn = psycopg2.connect(stack.config.direct_database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT status, paid_kopecks FROM public.billing_invoice WHERE id = %s", [invoice])
            status, paid = cur.fetchone()
            cur.execute(
                "SELECT status FROM public.billing_payment WHERE invoice_id = %s ORDER BY id", [invoice]
            )
            payments = [row[0] for row in cur.fetchall()]
    finally:
        conn.close()
    return str(status), int(paid), payments


def payment_gateway_down(stack: Stack, localstripe: Localstripe) -> str:
    """A member representative pays an invoice by card while localstripe is SIGKILLed, first at
    «Оплатить», then at the card confirmation: the page, the API and the confirmation answer the
    Russian 503 (never 500) and nothing is written; then localstripe is started again (empty) and
    the same payment, retried, is charged and settled once."""
    invoice = payment_setup(stack)
    pay, confirm = f"/billing/invoices/{invoice}/pay/", f"/billing/invoices/{invoice}/pay/confirm/"
    browser = Browser(stack)
    browser.sign_in(REP_EMAIL, REP_PASSWORD)
    detail = browser.get(f"/billing/invoices/{invoice}/")
    expect(detail.status == 200 and 'id="pay-button"' in detail.text, f"invoice page: HTTP {detail.status}")
    token = stack.https(
        "POST",
        HOST,
        "/api/v1/auth/token/",
        body=json.dumps({"email": REP_EMAIL, "password": REP_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    expect(token.status == 200, f"token: HTTP {token.status} {token.text[:200]}")
    auth = {"Authorization": f"Token {token.json()['token']}"}
    before = billing_rows(stack, invoice)
    expect(before == ("open", 0, []), f"before: {before}")

    localstripe.stop(kill=True)
    down_at = time.monotonic()
    page = browser.form(pay, {"method": "stripe:card"})
    api = stack.https("POST", HOST, f"/api/v1/invoices/{invoice}/pay/", headers=auth, timeout=60)
    failed = [page.status, api.status]
    during = billing_rows(stack, invoice)
    localstripe.start()
    up_at = time.monotonic()
    expect(page.status == 503, f"page: HTTP {page.status} {page.text[:300]}")
    expect(UNAVAILABLE in page.text, page.text[:500])
    expect(api.status == 503, f"API: HTTP {api.status} {api.text[:300]}")
    expect(str(api.json().get("detail", "")).startswith(UNAVAILABLE), api.text[:300])
    expect(during == before, f"while the gateway was down: invoice/payments {during}")

    # Killed again after «Оплатить» (a pending attempt in our table) while the card is confirmed.
    card = pay_by_card(browser, localstripe, pay)
    started = billing_rows(stack, invoice)
    expect(started == ("open", 0, ["pending"]), f"after «Оплатить»: {started}")
    localstripe.stop(kill=True)
    down_again = time.monotonic()
    confirming = browser.json(confirm, {"setup_intent": card})
    failed.append(confirming.status)
    during = billing_rows(stack, invoice)
    localstripe.start()  # empty: the attempt's PaymentIntent is gone, as if the keys had changed
    down_seconds = up_at - down_at + time.monotonic() - down_again
    up_at = time.monotonic()
    expect(confirming.status == 503, f"confirm: HTTP {confirming.status} {confirming.text[:300]}")
    expect(str(confirming.json().get("detail", "")).startswith(UNAVAILABLE), confirming.text[:300])
    expect(during == started, f"while the gateway was down at the confirmation: {during}")

    # The member retries: «Оплатить» again, the card, the confirmation.
    card = pay_by_card(browser, localstripe, pay)
    answer = browser.json(confirm, {"setup_intent": card})
    expect(
        answer.status == 200 and answer.json().get("status") == "submitted",
        f"confirm: HTTP {answer.status} {answer.text[:300]}",
    )
    # The webhook is not registered with this localstripe: the reconciliation (the beat's
    # billing-reconcile, run here at once) asks Stripe and settles.
    settled = stack.shell(
        "from billing.reconcile import reconcile_cluster\n"
        "from tenants.models import Cluster\n"
        f"print('RECONCILED=%r' % reconcile_cluster(cluster=Cluster.objects.get(schema_name={SLUG!r})))\n"
    )
    paid_at = time.monotonic()
    after = billing_rows(stack, invoice)
    expect(
        after == ("paid", FEE_KOPECKS, ["canceled", "succeeded"]),
        f"after the retry: {after}; {settled.strip()}",
    )
    again = browser.form(pay, {"method": "stripe:card"})
    expect(
        again.status in (200, 302) and billing_rows(stack, invoice) == after,
        f"a click on the paid invoice: HTTP {again.status}",
    )
    return (
        f"localstripe down twice, {down_seconds:.1f} s in all: {len(failed)} failed requests, all 503 "
        f"«{UNAVAILABLE}» (page {page.status}, API {api.status} at «Оплатить»; JSON {confirming.status} at the "
        f"card confirmation), 0 rows written, no payment left processing, invoice still open; the retry: "
        f"the lost attempt closed, a new one paid once ({FEE_KOPECKS // 100} ₽, invoice paid) "
        f"{paid_at - up_at:.1f} s after localstripe was back"
    )


def pay_by_card(browser: Browser, localstripe: Localstripe, pay: str) -> str:
    """«Оплатить» → the payment page; the card saved in localstripe as Stripe.js would: the
    SetupIntent id the page then confirms."""
    page = browser.form(pay, {"method": "stripe:card"})
    expect(page.status == 200 and "Оплатить 15 000,00 ₽" in page.text, f"pay: HTTP {page.status}")
    found = re.search(r'data-setup-secret="([^"]+)"', page.text)
    key = re.search(r'data-publishable-key="([^"]+)"', page.text)
    if found is None or key is None:
        raise CheckFailed("no SetupIntent on the payment page")
    secret = found.group(1)
    saved = localstripe.post(
        f"/v1/setup_intents/{secret.split('_secret_')[0]}/confirm",
        {
            "key": key.group(1),
            "use_stripe_sdk": True,
            "client_secret": secret,
            "payment_method_data": {"type": "card", "card": TEST_CARD},
        },
    )
    return str(saved["id"])


def gunicorn_workers(stack: Stack) -> list[int]:
    master = next(p.pid for name, p, _ in stack.processes if name == "gunicorn")
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


if __name__ == "__main__":
    sys.exit(main())
