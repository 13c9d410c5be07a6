"""A real Celery worker on Redis runs each task in the schema of the cluster that queued it.

The worker is a separate process (`celery -A clusterhub worker --pool=solo`) on
the pytest-django test database; it only sees committed rows, so these tests
use transactional databases.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import redis
from celery.result import AsyncResult
from django.db import connection, transaction
from django_tenants.utils import schema_context

from clusterhub.celery_app import app
from clusterhub.env import tcp_reachable
from tenants.content.selectors import news_list
from tenants.content.services import news_create
from tenants.content.tasks import cluster_heartbeat
from tenants.models import Cluster
from tests.conftest import TESTS_REDIS_URL, tenant_connection

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = TESTS_REDIS_URL
REDIS_HOST, REDIS_PORT = urlsplit(REDIS_URL).hostname or "127.0.0.1", urlsplit(REDIS_URL).port or 6379
START_TIMEOUT = 30.0
RESULT_TIMEOUT = 15.0


def _database_url() -> str:
    """The URL of the database this test session uses (pytest-django's test database)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = quote(s["HOST"] or "", safe="")  # a socket folder must be percent-encoded
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{quote(s['NAME'], safe='')}"


def _reset_app_connections() -> None:
    """Forget broker/backend connections built from the previous configuration."""
    pool = app._pool
    if pool is not None:
        pool.force_close_all()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    app._backend_cache = None
    if hasattr(app._local, "backend"):
        del app._local.backend


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    name: str
    queue: str
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else "(no log)"


@pytest.fixture(scope="module")
def worker(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    if not tcp_reachable(REDIS_HOST, REDIS_PORT):
        reason = f"Redis at {REDIS_HOST}:{REDIS_PORT} is unreachable: no broker for a real worker"
        print(f"SKIP: {reason}")
        pytest.skip(reason)

    run_id = uuid.uuid4().hex[:12]
    name = f"clusterhub-test-{run_id}@localhost"
    queue = f"clusterhub-test-{run_id}"  # our own queue: no other worker on that db takes our tasks
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": REDIS_URL,  # read by Celery before the (empty) test setting
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "clusterhub.settings.test",
        "DATABASE_URL": _database_url(),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), str(ROOT / "platform"), os.environ.get("PYTHONPATH")])
        ),
    }
    env.pop("SENTRY_DSN", None)
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "clusterhub",
        "worker",
        "--pool=solo",
        "-l",
        "warning",
        "-n",
        name,
        "-Q",
        queue,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]

    saved = {
        key: app.conf.get(key)
        for key in ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    }
    process: subprocess.Popen[bytes] | None = None
    try:
        app.conf.update(
            broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False, task_default_queue=queue
        )
        _reset_app_connections()
        with log.open("wb") as log_file:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        handle = Worker(process, name, queue, log)
        deadline = time.monotonic() + START_TIMEOUT
        while not app.control.ping(destination=[name], timeout=0.5):
            if process.poll() is not None:
                pytest.fail(f"celery worker exited with {process.returncode}:\n{handle.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"celery worker did not answer ping in {START_TIMEOUT:.0f}s:\n{handle.log_tail()}"
                )
        yield handle
    finally:
        if process is not None:
            process.terminate()  # warm shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        redis.Redis.from_url(REDIS_URL).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )
        app.conf.update(saved)
        _reset_app_connections()


def _heartbeat(result: AsyncResult, worker: Worker) -> dict[str, Any]:
    try:
        return result.get(timeout=RESULT_TIMEOUT)
    except Exception as exc:
        raise AssertionError(f"no heartbeat answer ({exc!r}); worker log:\n{worker.log_tail()}") from exc


def _news_count(cluster: Cluster) -> int:
    with schema_context(cluster.schema_name):
        return news_list(published_only=False).count()


def test_worker_runs_each_task_in_the_schema_that_queued_it(
    worker: Worker, cluster_a: Cluster, cluster_b: Cluster
) -> None:
    with schema_context(cluster_a.schema_name):
        news_create(title="Только в Альфе 1")
        news_create(title="Только в Альфе 2", publish=False)
    count_a, count_b = _news_count(cluster_a), _news_count(cluster_b)
    assert count_a >= 2 and count_a != count_b

    with schema_context(cluster_a.schema_name):
        from_a = cluster_heartbeat.delay()
    with schema_context(cluster_b.schema_name):
        from_b = cluster_heartbeat.delay()
    from_public = cluster_heartbeat.delay()

    answer_a, answer_b = _heartbeat(from_a, worker), _heartbeat(from_b, worker)
    assert answer_a == {"schema": "alpha", "news_count": count_a, "worker": worker.name}
    assert answer_b == {"schema": "beta", "news_count": count_b, "worker": worker.name}
    assert _heartbeat(from_public, worker) == {"schema": "public", "news_count": None, "worker": worker.name}


def test_task_queued_on_commit_runs_in_the_cluster_after_commit(worker: Worker, cluster_a: Cluster) -> None:
    before = _news_count(cluster_a)
    task_id = uuid.uuid4().hex
    with schema_context(cluster_a.schema_name), transaction.atomic():
        news_create(title="Опубликована вместе с задачей")
        cluster_heartbeat.apply_async_on_commit(task_id=task_id)
        # A task sent right now is answered by the one solo worker after anything
        # sent before it: the on-commit task must not have been sent yet.
        sent_now = cluster_heartbeat.delay()
        assert _heartbeat(sent_now, worker)["news_count"] == before  # the row is not committed yet
        assert app.AsyncResult(task_id).state == "PENDING"

    answer = _heartbeat(app.AsyncResult(task_id), worker)
    # It ran in alpha and saw the row committed together with it.
    assert answer["schema"] == "alpha"
    assert answer["news_count"] == before + 1


def test_on_commit_keeps_the_schema_even_when_the_commit_happens_outside_it(
    worker: Worker, cluster_a: Cluster
) -> None:
    before = _news_count(cluster_a)
    task_id = uuid.uuid4().hex
    with transaction.atomic():
        with schema_context(cluster_a.schema_name):
            news_create(title="Коммит уже в публичной схеме")
            cluster_heartbeat.apply_async_on_commit(task_id=task_id)
        assert tenant_connection.schema_name == "public"

    answer = _heartbeat(app.AsyncResult(task_id), worker)
    assert answer["schema"] == "alpha"
    assert answer["news_count"] == before + 1


def test_task_is_not_sent_when_the_transaction_rolls_back(worker: Worker, cluster_a: Cluster) -> None:
    before = _news_count(cluster_a)
    rolled_back_id = uuid.uuid4().hex

    def write_then_change_mind() -> None:
        with schema_context(cluster_a.schema_name), transaction.atomic():
            news_create(title="Не будет сохранена")
            cluster_heartbeat.delay_on_commit()
            cluster_heartbeat.apply_async_on_commit(task_id=rolled_back_id)
            raise RuntimeError("передумали")

    with pytest.raises(RuntimeError, match="передумали"):
        write_then_change_mind()

    # One solo worker on our own queue runs tasks in order: once this later task
    # has answered, a rolled-back one would have run too, had it been sent.
    with schema_context(cluster_a.schema_name):
        later = cluster_heartbeat.delay()
    assert _heartbeat(later, worker)["news_count"] == before
    assert app.AsyncResult(rolled_back_id).state == "PENDING"
    assert redis.Redis.from_url(REDIS_URL).llen(worker.queue) == 0
