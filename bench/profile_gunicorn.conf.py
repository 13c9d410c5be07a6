"""deploy/gunicorn.conf.py plus per-request CPU accounting (and optionally cProfile) in the worker.

Used by `python -m bench.webhook_profile`: each request's thread CPU time (time.thread_time from
gunicorn's pre_request to post_request hook, in the thread that serves it) is summed per worker,
and with BENCH_PROFILE_DIR set every request runs under cProfile (per thread); each worker writes
its totals (and its pstats file) to BENCH_PROFILE_DIR when it exits. The difference between the
worker process's CPU (/proc) and the sum of its requests' thread CPU is what the server spends
outside the requests (gthread's poller and accept loop, parsing requests, thread switches).

`make bench-load` uses it for CPU per request type: a request with an X-Bench-Type header (the
locust scenario names each request so) adds its thread CPU to that type's totals ("types" in the
totals file); requests without the header count only in the overall totals.
"""

from __future__ import annotations

import json
import os
import runpy
import threading
import time
from pathlib import Path
from typing import Any

_deploy = runpy.run_path(str(Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"))
globals().update({k: v for k, v in _deploy.items() if not k.startswith("__")})

_DIR = os.environ.get("BENCH_PROFILE_DIR", "")
_PROFILE = os.environ.get("BENCH_PROFILE_CPROFILE", "") == "1"
_local = threading.local()
_lock = threading.Lock()
_totals: dict[str, Any] = {"requests": 0, "thread_cpu": 0.0, "types": {}}
TYPE_HEADER = "X-BENCH-TYPE"
_profiles: list[Any] = []


def pre_request(worker: Any, req: Any) -> None:
    if _PROFILE:
        import cProfile

        profile = getattr(_local, "profile", None)
        if profile is None:
            profile = _local.profile = cProfile.Profile(time.thread_time)
            with _lock:
                _profiles.append(profile)
        profile.enable()
    _local.kind = next((value for name, value in req.headers if name == TYPE_HEADER), "")
    _local.started = time.thread_time()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    spent = time.thread_time() - getattr(_local, "started", time.thread_time())
    if _PROFILE:
        _local.profile.disable()
    with _lock:
        _totals["requests"] += 1
        _totals["thread_cpu"] += spent
        kind = getattr(_local, "kind", "")
        if kind:
            row = _totals["types"].setdefault(kind, [0, 0.0])
            row[0] += 1
            row[1] += spent


def worker_exit(server: Any, worker: Any) -> None:
    if not _DIR:
        return
    out = Path(_DIR)
    with _lock:
        (out / f"totals-{os.getpid()}.json").write_text(json.dumps(_totals))
        if _profiles:
            import pstats

            stats = pstats.Stats(_profiles[0])
            for profile in _profiles[1:]:
                stats.add(profile)
            stats.dump_stats(str(out / f"profile-{os.getpid()}.pstats"))
