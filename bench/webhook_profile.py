"""Where a webhook delivery's CPU goes inside a real gunicorn worker (production settings).

`python -m bench.webhook_profile [stripe|yookassa] [--workers N] [--threads N] [--senders N]
[--cprofile]` makes UNIQUE_EVENTS new deliveries plus 10 % duplicates (as bench.billing does),
sends them through gunicorn (deploy/gunicorn.conf.py with bench/profile_gunicorn.conf.py's
hooks) and prints CPU ms per delivery: the workers' processes (/proc), the requests' own thread
CPU inside them (pre_request → post_request), the local YooKassa server and PostgreSQL's
backends. With --cprofile every request runs under cProfile and the top functions (cumulative
and own time) are printed. Ports: BENCH_BILLING_YOOKASSA_HTTP_PORT (gunicorn) and
BENCH_BILLING_YOOKASSA_LOCAL_PORT (local YooKassa server), else free ones; Redis:
BENCH_BILLING_REDIS_URL (flushed).
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import tempfile
import time
from pathlib import Path


def _send(port: int, path: str, deliveries: list[tuple[bytes, dict[str, str]]], senders: int) -> list[int]:
    """POST every delivery (body, its own headers) through `senders` kept-alive connections
    (bench.billing's senders); the statuses in order."""
    from bench.billing import _send_concurrently

    records = _send_concurrently(port, path, [d[0] for d in deliveries], senders, [d[1] for d in deliveries])
    return [status for _, _, status, _ in records]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("gateway", choices=["stripe", "yookassa"])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--events", type=int, default=900, help="new deliveries (duplicates: 10 %% of all on top)"
    )
    args = parser.parse_args(argv)

    from bench import bootstrap

    bootstrap.setup()
    import logging

    logging.getLogger("tenants").setLevel(logging.WARNING)
    from django.conf import settings

    from bench import billing, fixtures
    from bench.load import worker_pids
    from billing.gateways.yookassa_local import ensure_server

    billing.UNIQUE_EVENTS = args.events
    fixtures.cleanup()
    work = Path(tempfile.mkdtemp(prefix="bench-webhook-profile-"))
    process = None
    try:
        fixture = fixtures.provision_request_fixture()
        fixtures.to_public_schema()
        cluster = fixture.cluster
        base = ""
        if args.gateway == "stripe":
            from billing.services import payee_save
            from core.audit.services import Actor

            payee_save(
                actor=Actor.system(cluster),
                cluster=cluster,
                fields={**billing._payee_fields(), "stripe_publishable_key": "pk_test_bench"},
                stripe_secret_key="sk_test_bench",  # noqa: S106
                stripe_webhook_secret=billing.SECRET,
            )
            deliveries = [(body, {"Stripe-Signature": sig}) for body, sig in billing._setup(fixture, "prof")]
            path = f"/billing/stripe/webhook/{cluster.schema_name}/"
        else:
            base, process = ensure_server(billing._port("BENCH_BILLING_YOOKASSA_LOCAL_PORT"))
            settings.YOOKASSA_API_BASE = base
            billing._yookassa_payee(cluster)
            bodies = billing._yookassa_deliveries(
                cluster, base, "prof", 30_000, same_moment=billing.HTTP_SAME_MOMENT
            )
            deliveries = [(body, {"X-Real-IP": billing.YOOKASSA_SENDER}) for body in bodies]
            path = f"/billing/yookassa/notify/{cluster.schema_name}/"

        import os

        os.environ["BENCH_BILLING_WORKERS"] = str(args.workers)
        os.environ["BENCH_BILLING_THREADS"] = str(args.threads)
        stack = billing._gunicorn_stack(work, base or "http://127.0.0.1:9")
        profile_dir = work / "profile"
        profile_dir.mkdir()
        stack.env["BENCH_PROFILE_DIR"] = str(profile_dir)
        stack.env["BENCH_PROFILE_CPROFILE"] = "1" if args.cprofile else ""
        from localstack import VENV_BIN, running

        conf = Path(__file__).resolve().parent / "profile_gunicorn.conf.py"
        with running(stack):
            stack.flush_redis()
            (stack.work / "prometheus").mkdir(parents=True, exist_ok=True)
            stack._start(
                "gunicorn", [str(VENV_BIN / "gunicorn"), "-c", str(conf), "clusterhub.wsgi:application"]
            )
            stack.wait_for("gunicorn", lambda: stack.gunicorn("GET", "/healthz").status == 200)
            warm = [(b"{}", dict(headers)) for _, headers in deliveries[: args.workers * args.threads * 8]]
            _send(stack.config.gunicorn_port, path, warm, args.senders)
            pids = worker_pids(stack)
            before = {pid: billing._cpu_seconds(pid) for pid in pids}
            server_before = billing._cpu_seconds(process.pid) if process is not None else 0.0
            db_before = billing._db_backends()
            t0 = time.perf_counter()
            statuses = _send(stack.config.gunicorn_port, path, deliveries, args.senders)
            seconds = time.perf_counter() - t0
            app = sum(billing._cpu_seconds(pid) - before[pid] for pid in pids)
            server = (billing._cpu_seconds(process.pid) - server_before) if process is not None else 0.0
            db_after = billing._db_backends()
            db = sum(v - db_before.get(pid, 0.0) for pid, v in db_after.items())
            if worker_pids(stack) != pids:
                raise RuntimeError("gunicorn workers changed during the run")
        bad = [s for s in statuses if s != 200]
        if bad:
            raise RuntimeError(
                f"{len(bad)} deliveries not answered 200: {bad[:5]}\n{stack.log_of('gunicorn')[-3000:]}"
            )
        paid, doubled = billing._outcome(cluster.pk, "prof")
        n = len(deliveries)
        totals = [json.loads(p.read_text()) for p in profile_dir.glob("totals-*.json")]
        requests = sum(t["requests"] for t in totals)
        thread_cpu = sum(t["thread_cpu"] for t in totals)
        # The warm-up requests are in the hooks' totals: their share is taken out by count.
        warm_n = len(warm)
        print(
            f"{args.gateway}: {n} deliveries ({n - billing.UNIQUE_EVENTS} duplicates), gunicorn "
            f"{args.workers} × {args.threads} gthread, {args.senders} senders, cProfile {'on' if args.cprofile else 'off'}"
        )
        print(f"  wall {seconds:.2f} s = {n / seconds:.0f}/s (loaded machine: wall clock is indicative only)")
        print(f"  invoices paid {paid} / paid twice {doubled} (of {billing.UNIQUE_EVENTS})")
        print(
            f"  CPU ms per delivery: workers {app * 1000 / n:.2f}, local server {server * 1000 / n:.2f}, PostgreSQL {db * 1000 / n:.2f}"
        )
        if requests:
            print(
                f"  requests' own thread CPU (pre→post_request, {requests} incl. {warm_n} warm-up): "
                f"{thread_cpu * 1000 / requests:.2f} ms per request on average"
            )
        if args.cprofile:
            import pstats

            files = sorted(profile_dir.glob("profile-*.pstats"))
            stats = pstats.Stats(*[str(f) for f in files], stream=(out := io.StringIO()))
            stats.strip_dirs().sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
            print(out.getvalue())
            shutil.copy(files[0], Path(tempfile.gettempdir()) / f"webhook-{args.gateway}.pstats")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        fixtures.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
