"""`make bench-load` (python -m bench.load): the production stack under load, and migrations
of 200 cluster schemas. Prints a table like `python -m bench` and writes
bench/results/load.txt.

4. Load: gunicorn with production settings (2 sync workers) behind Debian's nginx (TLS,
   the deploy/ template), started natively on loopback by deploy/localstack.py; wrk runs
   from a second process for a bounded time against a cluster page (anonymous public
   site, 30 news items) and a cluster API list (token, /api/v1/news/). Baseline = the same
   requests straight to gunicorn over plain HTTP (no nginx, no TLS).
5. Migrations: a scratch database with 200 clusters (tests/ops/migapp_settings.py adds a
   small tenant app), timed as wall clock of the whole command, Django start-up included.
   Baseline = the project's migrate_schemas (django-tenants' standard executor, one schema
   after another) and django-tenants' multiprocessing executor; ours = migrate_all_clusters.
   "One new field" = an AddField migration (tests/ops/migapp/migrations_newfield/0003).

Uses databases clusterhub_benchload and clusterhub_benchmig (dropped and re-created),
Redis dbs 10 and 11, ports 127.0.0.1:8188/8543/8189. Needs wrk, nginx, openssl
(installed with apt-get when missing and allowed).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

from localstack import Stack, StackConfig, require_nginx, running  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "load.txt"
DURATION_S = int(os.environ.get("BENCH_LOAD_SECONDS", "10"))
WARMUP_S = 2
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "8"))
CLUSTER = "loadalpha"
NEWS_ITEMS = 30
SCHEMAS = int(os.environ.get("BENCH_MIGRATE_SCHEMAS", "200"))
MIGRATE_PROCESSES = 2
EMAIL, PASSWORD = "staff@loadalpha.example", "bench-load-password-2024"

WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"non_2xx_3xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
"""


# --- table ------------------------------------------------------------------------------------

HEADERS = ("Metric", "Baseline", "Ours", "Ratio / verdict")


def render(rows: list[tuple[str, ...]]) -> str:
    cells = [HEADERS, *[r for r in rows if len(r) == 4]]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]

    def line(values: tuple[str, ...]) -> str:
        return " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(HEADERS), "-+-".join("-" * w for w in widths)]
    out += [row[0] if len(row) == 1 else line(row) for row in rows]
    return "\n".join(out)


# --- 4. HTTP load -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench-load: wrk is not installed (apt-get install wrk)")
    return found


def wrk(url: str, host: str, *, seconds: int, script: Path, token: str | None = None) -> WrkResult:
    command = [
        require_wrk(),
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        "-H",
        f"Host: {host}",
    ]
    if token:
        command += ["-H", f"Authorization: Token {token}"]
    out = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    data = json.loads(out.split("WRKJSON ", 1)[1].splitlines()[0])
    errors = sum(data[k] for k in ("non_2xx_3xx", "connect", "read", "write", "timeout"))
    return WrkResult(
        data["requests"],
        data["duration_us"] / 1e6,
        data["p50_us"] / 1000,
        data["p95_us"] / 1000,
        data["p99_us"] / 1000,
        errors,
    )


def http_load(work: Path) -> tuple[dict[str, tuple[WrkResult, WrkResult]], list[str]]:
    require_nginx()
    config = StackConfig(
        work_dir=work / "stack",
        database="clusterhub_benchload",
        broker="redis://127.0.0.1:6379/11",
        cache="redis://127.0.0.1:6379/10",
        http_port=8188,
        https_port=8543,
        gunicorn_port=8189,
        gunicorn_workers=2,
        tls_hosts=[f"{CLUSTER}.localhost"],
    )
    config.work_dir.mkdir(parents=True)
    stack = Stack(config, say=lambda line: print(line, file=sys.stderr, flush=True))
    script = work / "report.lua"
    script.write_text(WRK_LUA)
    results: dict[str, tuple[WrkResult, WrkResult]] = {}
    facts: list[str] = []
    with running(stack):
        stack.fresh_database()
        stack.flush_redis()
        stack.manage("collectstatic", "--noinput", "-v", "0")
        stack.manage("migrate_all_clusters", "--processes", "2")
        stack.start_all()
        stack.manage(
            "create_cluster", "--slug", CLUSTER, "--name", "Нагрузочный кластер", "--region", "RU-MOS"
        )
        stack.shell(
            "from core.accounts.models import Grant\n"
            "from core.accounts.services import grant_role, user_create\n"
            "from django_tenants.utils import schema_context\n"
            "from tenants.content.services import news_create\n"
            "from tenants.models import Cluster\n"
            f"u = user_create(email={EMAIL!r}, password={PASSWORD!r}, full_name='Нагрузка')\n"
            f"grant_role(user=u, role=Grant.Role.CLUSTER_STAFF, cluster=Cluster.objects.get(schema_name={CLUSTER!r}))\n"
            f"with schema_context({CLUSTER!r}):\n"
            f"    for i in range({NEWS_ITEMS}):\n"
            "        news_create(title=f'Новость {i}', body='Текст новости. ' * 20)\n"
        )
        host = f"{CLUSTER}.localhost"
        answer = stack.https(
            "POST",
            host,
            "/api/v1/auth/token/",
            body=json.dumps({"email": EMAIL, "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        token = answer.json()["token"]
        page = stack.https("GET", host, "/")
        api = stack.https("GET", host, "/api/v1/news/", headers={"Authorization": f"Token {token}"})
        if page.status != 200 or api.status != 200 or api.json()["count"] != NEWS_ITEMS:
            raise RuntimeError(f"fixture check failed: page {page.status}, api {api.status}")
        facts.append(
            f"page {len(page.body)} bytes, API list {len(api.body)} bytes "
            f"({api.json()['count']} items, page size 25)"
        )
        direct = f"http://127.0.0.1:{config.gunicorn_port}"
        proxied = f"https://127.0.0.1:{config.https_port}"
        for key, path, auth in (("page", "/", None), ("api", "/api/v1/news/", token)):
            # Straight to gunicorn: X-Forwarded-Proto tells Django the request is secure (as
            # nginx would), else SECURE_SSL_REDIRECT answers 301.
            baseline_host = f"{host}:{config.gunicorn_port}"
            proto_script = work / f"{key}-direct.lua"
            proto_script.write_text('wrk.headers["X-Forwarded-Proto"] = "https"\n' + WRK_LUA)
            wrk(direct + path, baseline_host, seconds=WARMUP_S, script=proto_script, token=auth)
            baseline = wrk(direct + path, baseline_host, seconds=DURATION_S, script=proto_script, token=auth)
            wrk(proxied + path, f"{host}:{config.https_port}", seconds=WARMUP_S, script=script, token=auth)
            ours = wrk(
                proxied + path, f"{host}:{config.https_port}", seconds=DURATION_S, script=script, token=auth
            )
            results[key] = (baseline, ours)
        bad = [
            name
            for name, _, log in stack.processes
            if name == "gunicorn" and "Traceback" in stack.log_of(name)
        ]
        if bad:
            facts.append("WARNING: gunicorn logged a traceback during the run")
    return results, facts


# --- 5. migrations of many schemas ---------------------------------------------------------------


class MigrationBench:
    def __init__(self, work: Path) -> None:
        self.database = "clusterhub_benchmig"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "CLUSTERHUB_", "CELERY_"))
        }
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "tests.ops.migapp_settings",
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.database}",
                "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
                "OPS_SPARE_SCHEMAS": "0",
                "XDG_RUNTIME_DIR": str(work / "run"),
            }
        )

    def fresh_database(self) -> None:
        Stack(StackConfig(work_dir=Path(tempfile.gettempdir()), database=self.database)).fresh_database()

    def run(self, *args: str, migrations: str = "migrations", check: bool = True) -> tuple[float, str]:
        env = {**self.env, "OPS_MIGAPP_MIGRATIONS": f"tests.ops.migapp.{migrations}"}
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        elapsed = time.perf_counter() - started
        if check and result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args)}: exit {result.returncode}\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
            )
        return elapsed, result.stdout + result.stderr

    def note_columns(self) -> int:
        """How many cluster schemas have the new field's column."""
        _, out = self.run(
            "shell",
            "-c",
            "from django.db import connection\n"
            "c = connection.cursor()\n"
            'c.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = '
            "'opsmig_thing' AND column_name = 'note' AND table_schema ~ '^m[0-9]+$'\")\n"
            "print('COLUMNS', c.fetchone()[0])\n",
        )
        found = re.search(r"COLUMNS (\d+)", out)
        if found is None:
            raise RuntimeError("no column count in:\n" + out[-2000:])
        return int(found.group(1))

    def revert_new_field(self) -> None:
        self.run("migrate_schemas", "opsmig", "0002_gadget", migrations="migrations_newfield")
        if self.note_columns() != 0:
            raise RuntimeError("revert of the new field left columns behind")


def migrations_bench(work: Path) -> dict[str, tuple[float, float | None, float]]:
    """{label: (standard baseline s, django-tenants multiprocessing s or None, ours s)}."""
    bench = MigrationBench(work)
    bench.fresh_database()
    bench.run("migrate_all_clusters", "--processes", str(MIGRATE_PROCESSES))
    started = time.perf_counter()
    bench.run(
        "shell",
        "-c",
        "from tenants.services import cluster_provision\n"
        f"for i in range({SCHEMAS}):\n"
        "    cluster_provision(slug=f'm{i:03d}', name=f'Кластер {i}', region_codes=['RU-MOS'])\n",
    )
    print(
        f"  {SCHEMAS} clusters provisioned in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )

    times: dict[str, tuple[float, float | None, float]] = {}
    nothing_std, _ = bench.run("migrate_schemas")
    nothing_mp, _ = bench.run("migrate_schemas", "--executor", "multiprocessing")
    nothing_ours, out = bench.run("migrate_all_clusters", "--processes", str(MIGRATE_PROCESSES))
    if f"Схем: {SCHEMAS}; есть что применить: 0" not in out:
        raise RuntimeError(out[-2000:])
    times["nothing to apply"] = (nothing_std, nothing_mp, nothing_ours)
    forced, _ = bench.run("migrate_all_clusters", "--processes", str(MIGRATE_PROCESSES), "--force")
    times["nothing to apply, ours with --force (migrate runs in every schema)"] = (nothing_std, None, forced)

    field_ours, out = bench.run(
        "migrate_all_clusters", "--processes", str(MIGRATE_PROCESSES), migrations="migrations_newfield"
    )
    if bench.note_columns() != SCHEMAS:
        raise RuntimeError("migrate_all_clusters did not add the field everywhere:\n" + out[-2000:])
    bench.revert_new_field()
    field_std, _ = bench.run("migrate_schemas", migrations="migrations_newfield")
    if bench.note_columns() != SCHEMAS:
        raise RuntimeError("migrate_schemas did not add the field everywhere")
    bench.revert_new_field()
    field_mp, _ = bench.run(
        "migrate_schemas", "--executor", "multiprocessing", migrations="migrations_newfield"
    )
    if bench.note_columns() != SCHEMAS:
        raise RuntimeError("the multiprocessing executor did not add the field everywhere")
    times["one new field (AddField)"] = (field_std, field_mp, field_ours)
    return times


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="clusterhub-benchload-"))
    try:
        print("bench-load: HTTP load through nginx + gunicorn ...", file=sys.stderr, flush=True)
        load, facts = http_load(work)
        print(f"bench-load: migrations of {SCHEMAS} cluster schemas ...", file=sys.stderr, flush=True)
        migrations = migrations_bench(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows: list[tuple[str, ...]] = [
        (
            f"4. Load, wrk 1 thread x {CONNECTIONS} connections, {DURATION_S} s after "
            f"{WARMUP_S} s warm-up; gunicorn 2 sync workers, production settings "
            "(baseline = gunicorn direct, plain HTTP; ours = through nginx, TLS)",
        )
    ]
    for key, label in (
        ("page", "cluster page GET / (anonymous)"),
        ("api", "cluster API GET /api/v1/news/ (token)"),
    ):
        base, ours = load[key]
        rows.append(
            (
                f"  {label}, requests/s",
                f"{base.rps:.0f}",
                f"{ours.rps:.0f}",
                f"{ours.rps / base.rps:.2f}x of direct",
            )
        )
        rows.append(
            (
                f"  {label}, p50 / p95 ms",
                f"{base.p50_ms:.1f} / {base.p95_ms:.1f}",
                f"{ours.p50_ms:.1f} / {ours.p95_ms:.1f}",
                f"p95 +{ours.p95_ms - base.p95_ms:.1f} ms",
            )
        )
        rows.append(
            (
                f"  {label}, errors (non-2xx, socket)",
                str(base.errors),
                str(ours.errors),
                "PASS" if base.errors == ours.errors == 0 else "FAIL",
            )
        )
    rows.append(
        (
            f"5. Migrations of {SCHEMAS} cluster schemas, seconds of wall clock per command (baseline = "
            "migrate_schemas with django-tenants' standard executor (std) and multiprocessing executor (mp), "
            f"{MIGRATE_PROCESSES} processes; ours = migrate_all_clusters --processes {MIGRATE_PROCESSES})",
        )
    )
    for label, (std, mp, fastest) in migrations.items():
        baseline = f"{std:.1f} std" + (f", {mp:.1f} mp" if mp is not None else "")
        best = min(std, mp) if mp is not None else std
        rows.append(
            (f"  {label}", baseline, f"{fastest:.1f}", f"{best / fastest:.1f}x faster than the best baseline")
        )

    import django

    header = [
        f"clusterhub load benchmark, {dt.datetime.now(tz=dt.UTC):%Y-%m-%d %H:%M:%S} UTC",
        f"cores: {os.cpu_count()}; Python {platform.python_version()}; Django {django.get_version()}; "
        f"{subprocess.run(['nginx', '-v'], capture_output=True, text=True).stderr.strip()}; "
        f"{subprocess.run(['wrk', '-v'], capture_output=True, text=True).stdout.splitlines()[0]}",
        "",
    ]
    notes = [
        "",
        "Notes:",
        "  4. wrk, gunicorn, nginx and PostgreSQL share the same 2 cores: absolute numbers are this machine's. "
        "Every request writes one JSON access line (as in production). " + "; ".join(facts) + ".",
        "  5. One transaction per schema in ours; schemas with nothing to apply are skipped after one "
        "UNION ALL read of django_migrations (--force runs Django's migrate everywhere). Both sides also "
        "migrate public and the template and refresh the template snapshot. Each 'one new field' run "
        "starts from the same state (the field reverted in every schema, untimed).",
        f"  Total runtime {time.perf_counter() - started:.0f} s.",
    ]
    text = "\n".join([*header, render(rows), *notes]) + "\n"
    sys.stdout.write(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
