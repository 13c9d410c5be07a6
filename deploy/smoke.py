"""`make prod-smoke` (through deploy/prod-smoke.sh): the production stack, natively, end to end.

Fresh database, collectstatic, migrate_all_clusters, pgbouncer (session mode) + gunicorn
(threads) + Celery worker + beat + nginx (TLS, wildcard subdomains) on loopback, two clusters
provisioned through the running stack, then pages, API, cookies, headers, health, metrics,
logs, two clusters hammered concurrently through pgbouncer (no row of one in the other's
answers), the pooling modes compared directly (transaction mode leaks search_path), a task
through the worker, beat, and a backup/restore of one cluster. Prints PASS/FAIL per check and a
summary; exits 1 when anything failed. Everything started is stopped at the end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from localstack import (
    PgBouncer,
    Response,
    Stack,
    StackConfig,
    env_port,
    pgbouncer_command,
    require_nginx,
    require_pgbouncer,
    running,
)

CLUSTER_A, CLUSTER_B = "smokea", "smokeb"
NAME_A, NAME_B = "Смоук-кластер Альфа", "Смоук-кластер Бета"
NEWS_A = "Новость только для Альфы"
NEWS_B = "Новость только для Беты"
# The web tier of the smoke: 2 gunicorn workers x 4 threads, one Celery worker process.
WORKERS, THREADS, CELERY_CONCURRENCY = 2, 4, 1
# Session mode holds a server connection per client connection (Django keeps one per thread
# for CONN_MAX_AGE): every web thread + every Celery process + beat + 2 for manage.py.
POOL_SIZE = WORKERS * THREADS + CELERY_CONCURRENCY + 1 + 2
HAMMER_THREADS, HAMMER_REQUESTS = 16, 400
NEWS_AFTER_BACKUP = "Новость после резервной копии"
STAFF_EMAIL, STAFF_PASSWORD = "staff@smokea.example", "smoke-staff-password-2024"


@dataclass
class Report:
    rows: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.rows.append((name, ok, detail))
        print(f"  {'PASS' if ok else 'FAIL'}  {name}" + (f" — {detail}" if detail else ""), flush=True)
        return ok

    def step(self, name: str, action: Callable[[], str | None]) -> bool:
        try:
            detail = action() or ""
        except Exception as exc:
            traceback.print_exc()
            return self.check(name, False, f"{exc.__class__.__name__}: {str(exc)[:800]}")
        return self.check(name, True, detail)

    @property
    def failed(self) -> list[str]:
        return [name for name, ok, _ in self.rows if not ok]

    def summary(self, what: str, work: Path, keep: bool, started: float) -> int:
        """Print the count, the failures and where the logs are; remove them on success unless
        kept; the process's exit code."""
        print(
            f"\n{what} summary: {len(self.rows) - len(self.failed)} passed, {len(self.failed)} failed "
            f"({time.monotonic() - started:.0f} s)"
        )
        if self.failed:
            for name in self.failed:
                print(f"  FAILED: {name}")
            print(f"Logs kept in {work}")
            print(f"{what}: FAIL")
            return 1
        if keep:
            print(f"Logs kept in {work} (PROD_SMOKE_KEEP=1)")
        else:
            shutil.rmtree(work, ignore_errors=True)
        print(f"{what}: PASS")
        return 0


class CheckFailed(Exception):
    pass


def expect(condition: object, detail: object = "") -> None:
    """A check inside a step (unlike assert, never stripped by python -O)."""
    if not condition:
        raise CheckFailed(str(detail))


def cookies_of(response: Response) -> dict[str, str]:
    """Set-Cookie name -> the raw header (attributes included)."""
    found = {}
    for header in response.headers("Set-Cookie"):
        found[header.split("=", 1)[0].strip()] = header
    return found


def cookie_value(header: str) -> str:
    jar: SimpleCookie = SimpleCookie()
    jar.load(header)
    return next(iter(jar.values())).value


def host(slug: str | None) -> str:
    return f"{slug}.localhost" if slug else "localhost"


def main() -> int:
    require_nginx()
    require_pgbouncer()
    keep = os.environ.get("PROD_SMOKE_KEEP") == "1"
    work = Path(tempfile.mkdtemp(prefix="clusterhub-prodsmoke-"))
    config = StackConfig(
        work_dir=work,
        database=os.environ.get("PROD_SMOKE_DATABASE", "clusterhub_prodsmoke"),
        broker=os.environ.get("PROD_SMOKE_BROKER_URL", "redis://127.0.0.1:6379/14"),
        cache=os.environ.get("PROD_SMOKE_CACHE_URL", "redis://127.0.0.1:6379/13"),
        http_port=env_port("PROD_SMOKE_HTTP_PORT", 8088, 0),
        https_port=env_port("PROD_SMOKE_HTTPS_PORT", 8443, 1),
        gunicorn_port=env_port("PROD_SMOKE_GUNICORN_PORT", 8089, 2),
        gunicorn_workers=WORKERS,
        gunicorn_threads=THREADS,
        celery_concurrency=CELERY_CONCURRENCY,
        pgbouncer=PgBouncer(port=env_port("PROD_SMOKE_PGBOUNCER_PORT", 8090, 3), pool_size=POOL_SIZE),
        tls_hosts=[host(CLUSTER_A), host(CLUSTER_B), "nosuch.localhost"],
        # Beat sends the spare-pool refill every 3 s here (600 s in production).
        extra_env={"CLUSTERHUB_SPARE_REFILL_SECONDS": "3"},
    )
    stack = Stack(config, say=lambda line: print(line, flush=True))
    report = Report()
    started = time.monotonic()
    print(
        f"prod-smoke: work dir {work}, database {config.database}, nginx on 127.0.0.1:{config.http_port} "
        f"(HTTP) and :{config.https_port} (HTTPS), pgbouncer on :{config.pgbouncer.port if config.pgbouncer else '-'}",
        flush=True,
    )

    with running(stack):
        # --- preparation (no server yet) -------------------------------------------------------
        print("Preparation:", flush=True)
        report.step(
            "fresh database and Redis dbs", lambda: (stack.fresh_database(), stack.flush_redis()) and None
        )
        report.step(
            f"pgbouncer (session mode, pool {POOL_SIZE}) in front of PostgreSQL; manage.py and the app use it",
            lambda: (
                stack.start_pgbouncer()
                or f"DATABASE_URL → 127.0.0.1:{config.pgbouncer.port if config.pgbouncer else ''}"
            ),
        )

        def deploy_check() -> str:
            out = stack.manage("check", "--deploy")
            text = out.stdout + out.stderr
            security = [line for line in text.splitlines() if "(security." in line]
            unexpected = [line for line in security if "security.W021" not in line]
            if unexpected:
                raise AssertionError("; ".join(unexpected))
            return f"security warnings: {len(security)} (W021 HSTS preload: opt-in via DJANGO_HSTS_PRELOAD)"

        report.step("manage.py check --deploy with production settings", deploy_check)
        report.step(
            "collectstatic (CompressedManifestStaticFilesStorage)",
            lambda: (
                stack.manage("collectstatic", "--noinput", "-v", "0")
                and f"{sum(1 for _ in (work / 'static').rglob('*.gz'))} gzip files"
            ),
        )

        def migrate() -> str:
            out = stack.manage("migrate_all_clusters", "--processes", "2").stdout
            expect("OK     public" in out and "OK     cluster_template" in out, out)
            return out.strip().splitlines()[-1]

        report.step("migrate_all_clusters on the fresh database", migrate)

        # --- the stack ---------------------------------------------------------------------
        print("Starting gunicorn, Celery worker, Celery beat, nginx:", flush=True)
        if not report.step(
            "stack up (gunicorn answers /healthz, nginx answers over TLS)", lambda: stack.start_all()
        ):
            return finish(report, stack, work, keep, started)

        print("Clusters and data (through the running stack):", flush=True)

        def provision() -> str:
            for slug, name, region in ((CLUSTER_A, NAME_A, "RU-MOS"), (CLUSTER_B, NAME_B, "RU-NVS")):
                stack.manage("create_cluster", "--slug", slug, "--name", name, "--region", region)
            stack.shell(
                "from django_tenants.utils import schema_context\n"
                "from core.accounts.models import Grant\n"
                "from core.accounts.services import grant_role, user_create\n"
                "from tenants.content.services import news_create\n"
                "from tenants.models import Cluster\n"
                f"a = Cluster.objects.get(schema_name={CLUSTER_A!r})\n"
                f"u = user_create(email={STAFF_EMAIL!r}, password={STAFF_PASSWORD!r}, full_name='Смоук Сотрудник')\n"
                "grant_role(user=u, role=Grant.Role.CLUSTER_STAFF, cluster=a)\n"
                f"with schema_context({CLUSTER_A!r}):\n"
                f"    news_create(title={NEWS_A!r}, body='Проверка изоляции кластеров.')\n"
                f"with schema_context({CLUSTER_B!r}):\n"
                f"    news_create(title={NEWS_B!r}, body='Проверка изоляции кластеров.')\n"
            )
            return f"{CLUSTER_A}, {CLUSTER_B}; a staff user, one news item in each cluster"

        report.step("create_cluster x2 + staff user + news (manage.py, production settings)", provision)

        # --- pages through nginx -----------------------------------------------------------------
        print("Pages through nginx (HTTPS, Host = <slug>.localhost):", flush=True)
        page_a = stack.https("GET", host(CLUSTER_A), "/")
        report.check(
            f"GET https://{host(CLUSTER_A)}/ → 200 with its name and news",
            page_a.status == 200 and NAME_A in page_a.text and NEWS_A in page_a.text,
            f"HTTP {page_a.status}",
        )
        page_b = stack.https("GET", host(CLUSTER_B), "/")
        report.check(
            f"GET https://{host(CLUSTER_B)}/ → 200, its own name, none of {CLUSTER_A}'s news",
            page_b.status == 200
            and NAME_B in page_b.text
            and NEWS_B in page_b.text
            and NEWS_A not in page_b.text,
            f"HTTP {page_b.status}",
        )
        public = stack.https("GET", host(None), "/")
        report.check("GET https://localhost/ (platform) → 200", public.status == 200, f"HTTP {public.status}")
        unknown = stack.https("GET", "nosuch.localhost", "/")
        report.check("unknown subdomain → 404 from the app", unknown.status == 404, f"HTTP {unknown.status}")
        plain = stack.http("GET", host(CLUSTER_A), "/news/?x=1")
        expected_location = f"https://{host(CLUSTER_A)}:{config.https_port}/news/?x=1"
        report.check(
            "plain HTTP → 301 to HTTPS (same host, path, query)",
            plain.status == 301 and plain.header("Location") == expected_location,
            f"HTTP {plain.status} Location {plain.header('Location')}",
        )

        hsts = page_a.header("Strict-Transport-Security") or ""
        csp = page_a.header("Content-Security-Policy") or ""
        request_id = page_a.header("X-Request-ID") or ""
        report.check(
            "security headers: HSTS (includeSubDomains), CSP, nosniff, X-Frame-Options DENY",
            "max-age=31536000" in hsts
            and "includeSubDomains" in hsts
            and "default-src 'self'" in csp
            and "frame-ancestors 'none'" in csp
            and page_a.header("X-Content-Type-Options") == "nosniff"
            and page_a.header("X-Frame-Options") == "DENY",
            f"HSTS={hsts!r}",
        )
        report.check(
            "X-Request-ID from nginx's $request_id is echoed",
            bool(re.fullmatch(r"[0-9a-f]{32}", request_id)),
            request_id,
        )

        def static_file() -> str:
            match = re.search(r'href="(/static/frontend/app\.[0-9a-f]{12}\.css)"', page_a.text)
            if match is None:
                raise CheckFailed("no hashed app.css link in the page")
            res = stack.https("GET", host(CLUSTER_A), match.group(1), headers={"Accept-Encoding": "gzip"})
            expect(res.status == 200, res.status)
            expect(res.header("Content-Encoding") == "gzip", res.header("Content-Encoding"))
            expect("immutable" in (res.header("Cache-Control") or ""), res.header("Cache-Control"))
            return f"{match.group(1)}: gzip, {res.header('Cache-Control')}"

        report.step("hashed static file served compressed with immutable caching", static_file)

        def login() -> str:
            form = stack.https("GET", host(CLUSTER_A), "/login/")
            cookies = cookies_of(form)
            csrf = cookies.get("csrftoken", "")
            expect("Secure" in csrf and "HttpOnly" in csrf, f"csrftoken cookie: {csrf!r}")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
            if token is None:
                raise CheckFailed("no CSRF token in the login form")
            origin = f"https://{host(CLUSTER_A)}:{config.https_port}"
            body = urlencode(
                {"csrfmiddlewaretoken": token.group(1), "email": STAFF_EMAIL, "password": STAFF_PASSWORD}
            ).encode()
            res = stack.https(
                "POST",
                host(CLUSTER_A),
                "/login/",
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": origin,
                    "Referer": f"{origin}/login/",
                    "Cookie": f"csrftoken={cookie_value(csrf)}",
                },
            )
            expect(res.status == 302, f"HTTP {res.status}")
            session = cookies_of(res).get("sessionid", "")
            for attribute in ("Secure", "HttpOnly", "SameSite=Lax"):
                expect(attribute in session, f"sessionid cookie lacks {attribute}: {session!r}")
            cabinet = stack.https(
                "GET", host(CLUSTER_A), "/cabinet/", headers={"Cookie": f"sessionid={cookie_value(session)}"}
            )
            expect(cabinet.status == 200, f"cabinet: HTTP {cabinet.status}")
            return "csrftoken and sessionid: Secure; HttpOnly; SameSite=Lax; signed-in page 200"

        report.step("sign in over HTTPS through nginx (CSRF origin check, secure cookies)", login)

        def api() -> str:
            body = json.dumps({"email": STAFF_EMAIL, "password": STAFF_PASSWORD}).encode()
            res = stack.https(
                "POST",
                host(CLUSTER_A),
                "/api/v1/auth/token/",
                body=body,
                headers={"Content-Type": "application/json"},
            )
            expect(res.status == 200, f"token: HTTP {res.status} {res.text[:200]}")
            auth = {"Authorization": f"Token {res.json()['token']}"}
            news = stack.https("GET", host(CLUSTER_A), "/api/v1/news/", headers=auth)
            expect(
                news.status == 200 and news.json()["count"] == 1,
                f"news: HTTP {news.status} {news.text[:200]}",
            )
            foreign = stack.https("GET", host(CLUSTER_B), "/api/v1/news/", headers=auth)
            expect(foreign.status == 403, f"token of {CLUSTER_A} on {CLUSTER_B}: HTTP {foreign.status}")
            return f"list count 1 on {CLUSTER_A}; same token on {CLUSTER_B} → 403"

        report.step("API: token, cluster news list, token refused on the other cluster", api)

        # --- connection pooling ---------------------------------------------------------------------
        print("Connection pooling (pgbouncer, schema per cluster):", flush=True)
        report.step(
            f"{HAMMER_REQUESTS} requests from {HAMMER_THREADS} threads, two clusters interleaved, through "
            "pgbouncer: every answer holds only its own cluster's rows",
            lambda: hammer(stack),
        )
        report.step(
            "pooling modes compared directly (psycopg2, a pool of one): transaction mode leaks a "
            "session SET search_path to the next client, session mode does not",
            lambda: pooling_modes(stack, work),
        )

        # --- health and metrics --------------------------------------------------------------------
        print("Health and metrics:", flush=True)
        # Outside callers (through nginx) get only the verdict; the checks go to who may read
        # /metrics (the bearer token, addressed to gunicorn directly).
        for name in (None, CLUSTER_A, CLUSTER_B):
            health = stack.https("GET", host(name), "/healthz")
            ready = stack.https("GET", host(name), "/readyz")
            body = ready.json() if ready.status in (200, 503) else {}
            report.check(
                f"/healthz and /readyz on {host(name)} → 200",
                health.status == 200 and ready.status == 200 and body == {"status": "ok"},
                json.dumps(body, ensure_ascii=False),
            )
        detailed = stack.gunicorn(
            "GET", "/readyz", headers={"Authorization": f"Bearer {stack.metrics_token}"}
        )
        checks = detailed.json().get("checks", {}) if detailed.status in (200, 503) else {}
        report.check(
            "/readyz with the metrics token: database, broker and migrations ok",
            detailed.status == 200
            and checks.get("database") == "ok"
            and checks.get("broker") == "ok"
            and checks.get("migrations") == "ok",
            json.dumps(checks, ensure_ascii=False),
        )
        by_ip = stack.gunicorn("GET", "/readyz")
        report.check(
            "/readyz addressed by IP (as kubelet does) → 200", by_ip.status == 200, f"HTTP {by_ip.status}"
        )

        proxied = stack.https("GET", host(None), "/metrics")
        denied = stack.gunicorn("GET", "/metrics")
        scraped = stack.gunicorn(
            "GET", "/metrics", headers={"Authorization": f"Bearer {stack.metrics_token}"}
        )
        expected_series = (
            f'clusterhub_http_requests_total{{cluster="{CLUSTER_A}",method="GET",status="200"}}',
            f'clusterhub_http_request_duration_seconds_bucket{{cluster="{CLUSTER_B}"',
            'clusterhub_celery_queue_length{queue="celery"}',
            "clusterhub_celery_broker_up 1.0",
        )
        missing = [s for s in expected_series if s not in scraped.text]
        report.check(
            "/metrics: 404 through nginx, 401 without token, 200 with the bearer token",
            proxied.status == 404 and denied.status == 401 and scraped.status == 200,
            f"nginx {proxied.status}, no token {denied.status}, token {scraped.status}",
        )
        report.check(
            "metrics: requests by cluster/status, latency histogram, Celery queue length",
            not missing,
            "missing: " + ", ".join(missing)
            if missing
            else "summed over the gunicorn workers (multiprocess mode)",
        )

        def json_logs() -> str:
            time.sleep(0.5)
            lines = [line for line in stack.log_of("gunicorn").splitlines() if line.strip()]
            not_json = [line for line in lines if not line.startswith("{")]
            expect(not not_json, f"gunicorn.log lines that are not JSON: {not_json[:3]}")
            records = [json.loads(line) for line in lines]
            match = [r for r in records if r.get("request_id") == request_id]
            expect(match, f"no JSON log line with request_id {request_id}")
            expect(match[0].get("cluster") == CLUSTER_A and match[0].get("status") == 200, match[0])
            return f"{len(records)} JSON lines; e.g. {json.dumps(match[0], ensure_ascii=False)[:220]}"

        report.step(
            "gunicorn log is all JSON; the access line has the cluster slug and request id", json_logs
        )

        # --- Celery ------------------------------------------------------------------------------
        print("Celery worker and beat:", flush=True)

        def heartbeat() -> str:
            out = stack.shell(
                "import json\n"
                "from django_tenants.utils import schema_context\n"
                "from tenants.content.tasks import cluster_heartbeat\n"
                f"with schema_context({CLUSTER_A!r}):\n"
                "    result = cluster_heartbeat.delay()\n"
                "print('RESULT=' + json.dumps(result.get(timeout=30)))\n"
            )
            answer = json.loads(out.split("RESULT=", 1)[1].strip())
            expect(answer["schema"] == CLUSTER_A and answer["news_count"] == 1, answer)
            expect(answer["worker"].startswith("prodsmoke@"), answer)
            return json.dumps(answer)

        report.step(
            "tenants.cluster_heartbeat queued in a cluster runs on the worker in that schema", heartbeat
        )

        def worker_tasks() -> str:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                beat, worker = stack.log_of("celery-beat"), stack.log_of("celery-worker")
                sent = "Sending due task refill-spare-schemas" in beat
                done = re.search(r"Task tenants\.spare_schemas_refill\[[^\]]+\] succeeded", worker)
                if sent and done:
                    return "beat sent refill-spare-schemas; the worker ran tenants.spare_schemas_refill"
                time.sleep(1)
            raise AssertionError(f"beat sent: {sent}; worker ran it: {bool(done)}")

        report.step("beat schedules the spare-schema refill and the worker runs it", worker_tasks)

        # --- backup / restore of one cluster -------------------------------------------------------
        print("Backup and restore of one cluster:", flush=True)

        def backup_restore() -> str:
            out = stack.manage("backup_cluster", CLUSTER_A).stdout
            dump = re.search(r"(/\S+\.dump)", out)
            if dump is None:
                raise CheckFailed(out)
            stack.shell(
                "from django_tenants.utils import schema_context\n"
                "from tenants.content.services import news_create\n"
                f"with schema_context({CLUSTER_A!r}):\n"
                f"    news_create(title={NEWS_AFTER_BACKUP!r})\n"
            )
            expect(NEWS_AFTER_BACKUP in stack.https("GET", host(CLUSTER_A), "/").text)
            stack.manage("restore_cluster_backup", CLUSTER_A, "--file", dump.group(1), "--drop-previous")
            page = stack.https("GET", host(CLUSTER_A), "/")
            expect(
                page.status == 200 and NEWS_A in page.text and NEWS_AFTER_BACKUP not in page.text, page.status
            )
            other = stack.https("GET", host(CLUSTER_B), "/")
            expect(other.status == 200)
            return f"{Path(dump.group(1)).name}: later news gone after restore, {CLUSTER_B} untouched"

        report.step(
            "backup_cluster, change, restore_cluster_backup (served again through nginx)", backup_restore
        )

        def still_running() -> str:
            dead = [f"{name} ({p.returncode})" for name, p, _ in stack.processes if p.poll() is not None]
            expect(not dead, "exited early: " + ", ".join(dead))
            return ", ".join(f"{name} pid {p.pid}" for name, p, _ in stack.processes)

        report.step("every process still running before shutdown", still_running)

    return finish(report, stack, work, keep, started)


OWN = {CLUSTER_A: (NAME_A, NEWS_A), CLUSTER_B: (NAME_B, NEWS_B)}


def hammer(stack: Stack) -> str:
    """Many threads, both clusters interleaved, the public site and the news list: a response
    with the other cluster's name or news is a leak of search_path between connections."""
    jobs = [
        ((CLUSTER_A, CLUSTER_B)[i % 2], ("/", "/site/news/")[(i // 2) % 2]) for i in range(HAMMER_REQUESTS)
    ]

    def one(job: tuple[str, str]) -> str:
        slug, path = job
        other = CLUSTER_B if slug == CLUSTER_A else CLUSTER_A
        try:
            res = stack.https("GET", host(slug), path, timeout=30)
        except OSError as exc:
            return f"error {exc.__class__.__name__}"
        if res.status != 200:
            return f"HTTP {res.status}"
        if any(text in res.text for text in OWN[other]):
            return "LEAK"
        if OWN[slug][1] not in res.text:
            return "own news missing"
        return "ok"

    started = time.monotonic()
    with ThreadPoolExecutor(HAMMER_THREADS) as pool:
        outcomes = Counter(pool.map(one, jobs))
    seconds = time.monotonic() - started
    pools = stack_pools(stack)
    expect(outcomes == Counter({"ok": HAMMER_REQUESTS}), dict(outcomes))
    return (
        f"{HAMMER_REQUESTS} ok in {seconds:.1f} s ({HAMMER_REQUESTS / seconds:.0f} req/s); pgbouncer: {pools}"
    )


def stack_pools(stack: Stack) -> str:
    """pgbouncer's SHOW POOLS for the smoke database: client/server connections, longest wait."""
    import psycopg2

    admin = psycopg2.connect(stack.config.database_url.rsplit("/", 1)[0] + "/pgbouncer")
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute("SHOW POOLS")
            names = [d[0] for d in cur.description or ()]
            rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        admin.close()
    row = next(r for r in rows if r["database"] == stack.config.database)
    servers = row["sv_active"] + row["sv_idle"] + row["sv_used"]
    return (
        f"{row['cl_active']} clients, {servers} server connections (pool {stack.config.pgbouncer.pool_size if stack.config.pgbouncer else '-'}), "
        f"{row['cl_waiting']} waiting, longest wait {row['maxwait']}.{row['maxwait_us']:06d} s"
    )


def pooling_modes(stack: Stack, work: Path) -> str:
    """Two extra pgbouncers with ONE server connection each, transaction and session mode. Client
    A sets search_path to smokea the way django-tenants does (a session SET, outside any
    transaction, then cached per connection); client B sets smokeb; A reads the news table."""
    import psycopg2

    base = stack.config.pgbouncer.port if stack.config.pgbouncer else 8090
    seen = {}
    for offset, mode in ((1, "transaction"), (2, "session")):
        bouncer = PgBouncer(port=base + offset, pool_mode=mode, pool_size=1 if mode == "transaction" else 2)
        name = f"pgbouncer-{mode}"
        stack._start(name, pgbouncer_command(work / name, bouncer, stack.config.postgres))
        url = f"postgres://postgres:{bouncer.password}@127.0.0.1:{bouncer.port}/{stack.config.database}"
        stack.wait_for(name, lambda url=url: _answers(url))
        a, b = psycopg2.connect(url), psycopg2.connect(url)
        try:
            a.autocommit = b.autocommit = True
            a.cursor().execute(f"SET search_path TO {CLUSTER_A}, public")
            b.cursor().execute(f"SET search_path TO {CLUSTER_B}, public")
            with a.cursor() as cur:
                cur.execute("SELECT title FROM content_news ORDER BY id")
                seen[mode] = [title for (title,) in cur.fetchall()]
        finally:
            a.close()
            b.close()
    expect(seen["transaction"] == [NEWS_B], f"transaction mode: client A read {seen['transaction']}")
    expect(seen["session"] == [NEWS_A], f"session mode: client A read {seen['session']}")
    return (
        f"transaction mode: A (search_path {CLUSTER_A}) read {seen['transaction']} — {CLUSTER_B}'s row; "
        f"session mode: A read {seen['session']}"
    )


def _answers(url: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(url, connect_timeout=2).close()
    except psycopg2.Error:
        return False
    return True


def finish(report: Report, stack: Stack, work: Path, keep: bool, started: float) -> int:
    stack.stop()
    return report.summary("prod-smoke", work, keep, started)


if __name__ == "__main__":
    sys.exit(main())
