"""DATABASE_CONNECT_RETRY_SECONDS against a real pgbouncer (deploy/localstack.py's ini) in front
of the real test PostgreSQL. Between them a TCP relay stands in for the server going away and
coming back: down() closes its port and cuts every relayed connection (what pgbouncer sees of a
PostgreSQL restart), up() listens again. Right after up() pgbouncer still refuses new server
logins for its server_login_retry, so a connect() without the retry fails and one with it
succeeds, later; with the server down the retry gives up when its budget is spent. (pgbouncer
holds the first client that finds the server gone up to query_wait_timeout and refuses the next
ones at once while its last server login has failed: those are the refusals the retry bridges.)"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connections
from pytest_django import DjangoDbBlocker, Settings

from clusterhub.postgresql_backend.base import DatabaseWrapper

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))

from localstack import PgBouncer, pgbouncer_command

LOGIN_RETRY = 2.0  # wider than deploy/'s 0.25 s so the refused window outlasts a loaded machine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Relay:
    """127.0.0.1:<port> → the test PostgreSQL, byte for byte, while up."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = _free_port()
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self.lock:
            doomed, self.sockets = self.sockets, []
            if self.listener is not None:
                doomed.append(self.listener)
                self.listener = None
        for sock in doomed:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # down()
            server = socket.create_connection(self.target, 5)
            with self.lock:
                self.sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def relay_and_bouncer(django_db_blocker: DjangoDbBlocker) -> Iterator[tuple[Relay, dict[str, Any]]]:
    if not shutil.which("pgbouncer"):
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    base = connections["default"].settings_dict
    if not base["HOST"] or base["HOST"].startswith("/"):
        pytest.skip("the test PostgreSQL is not on TCP")
    relay = Relay((base["HOST"], int(base["PORT"] or 5432)))
    relay.up()
    work = Path(tempfile.mkdtemp(prefix="h_connect_retry_"))
    work.chmod(0o755)  # pgbouncer runs as postgres when we are root
    bouncer = PgBouncer(port=_free_port(), pool_size=4, server_login_retry=LOGIN_RETRY)
    command = pgbouncer_command(work / "pgbouncer", bouncer, f"postgres://postgres@127.0.0.1:{relay.port}")
    log = (work / "pgbouncer.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    settings_dict = {
        **base,
        "HOST": "127.0.0.1",
        "PORT": str(bouncer.port),
        "USER": "postgres",
        "PASSWORD": bouncer.password,
        "NAME": "postgres",
    }
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", bouncer.port), 1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, (
                    work / "pgbouncer.log"
                ).read_text()
                time.sleep(0.05)
        with django_db_blocker.unblock():
            yield relay, settings_dict
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
        relay.down()
        shutil.rmtree(work, ignore_errors=True)


def _connect(settings_dict: dict[str, Any]) -> tuple[float, int]:
    """A new wrapper's connection and first query: (seconds taken, backend pid)."""
    wrapper = DatabaseWrapper(settings_dict, alias="through_pgbouncer")
    started = time.monotonic()
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = int(cursor.fetchone()[0])
        return time.monotonic() - started, pid
    finally:
        wrapper.close()


@pytest.fixture
def server_gone(
    relay_and_bouncer: tuple[Relay, dict[str, Any]], settings: Settings
) -> tuple[Relay, dict[str, Any]]:
    """pgbouncer knows the server; then down, and a client asking meanwhile, so pgbouncer tries
    the server and fails (that client waits up to query_wait_timeout in a thread of its own)."""
    relay, settings_dict = relay_and_bouncer
    settings.DATABASE_CONNECT_RETRY_SECONDS = 0
    _connect(settings_dict)
    relay.down()

    def ask() -> None:
        try:
            _connect(settings_dict)
        except OperationalError:
            pass

    threading.Thread(target=ask, daemon=True).start()
    time.sleep(0.3)
    return relay, settings_dict


def test_after_the_server_is_back_the_retry_bridges_pgbouncers_login_retry(
    server_gone: tuple[Relay, dict[str, Any]], settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    relay, settings_dict = server_gone
    relay.up()
    with pytest.raises(OperationalError):  # without the retry: refused though the server is back
        _connect(settings_dict)

    settings.DATABASE_CONNECT_RETRY_SECONDS = LOGIN_RETRY + 2
    with caplog.at_level(logging.WARNING, logger="clusterhub.postgresql_backend.base"):
        seconds, pid = _connect(settings_dict)
    assert pid > 0
    assert 0.5 < seconds < LOGIN_RETRY + 2  # refused until pgbouncer tried the server again
    assert any("made on attempt" in record.getMessage() for record in caplog.records)


def test_with_the_server_down_the_retry_gives_up_when_its_budget_is_spent(
    server_gone: tuple[Relay, dict[str, Any]], settings: Settings
) -> None:
    settings.DATABASE_CONNECT_RETRY_SECONDS = 1.0
    started = time.monotonic()
    with pytest.raises(OperationalError):  # the server never comes back
        _connect(server_gone[1])
    assert 1.0 <= time.monotonic() - started < 4


def test_no_retry_inside_an_atomic_block(
    server_gone: tuple[Relay, dict[str, Any]], settings: Settings
) -> None:
    settings.DATABASE_CONNECT_RETRY_SECONDS = 3.0
    wrapper = DatabaseWrapper(server_gone[1], alias="through_pgbouncer")
    wrapper.in_atomic_block = True  # a connection lost inside a transaction must not be remade quietly
    started = time.monotonic()
    with pytest.raises(OperationalError):
        wrapper.ensure_connection()
    assert time.monotonic() - started < 1.5
    wrapper.in_atomic_block = False
    wrapper.close()
