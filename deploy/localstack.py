"""The production stack run natively on loopback: gunicorn (production settings), a Celery
worker and beat on Redis, and Debian's nginx with the config rendered from
deploy/nginx/clusterhub.conf.template, TLS with a throwaway self-signed certificate;
optionally pgbouncer (Debian's) between the app and PostgreSQL, with a generated ini, and a
private PostgreSQL server / Redis server (deploy/faults.py restarts and stops them).

Used by deploy/smoke.py (`make prod-smoke`) and bench/load.py (`make bench-load`).
Everything it starts runs in this process group and is stopped by Stack.stop() (the
context manager calls it; SIGTERM/SIGINT turn into SystemExit, so it runs then too).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NGINX_TEMPLATE = DEPLOY / "nginx" / "clusterhub.conf.template"
PYTHON = Path(sys.executable)
VENV_BIN = PYTHON.parent


@dataclass
class PgBouncer:
    """pgbouncer in front of PostgreSQL. Session mode is the only safe one for schema-per-tenant
    (deploy/README.md, "Connection pooling"): pool_size must cover every client connection."""

    port: int
    pool_mode: str = "session"
    pool_size: int = 20
    max_client_conn: int = 200
    # Seconds pgbouncer refuses new server logins after a failed one (pgbouncer parses time
    # settings as float seconds; its default 15 s would refuse every client that long after
    # PostgreSQL is back). The app's DATABASE_CONNECT_RETRY_SECONDS (1 s) must exceed it.
    server_login_retry: float = 0.25
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))


@dataclass
class StackConfig:
    work_dir: Path
    database: str = "clusterhub_prodsmoke"
    postgres: str = "postgres://postgres@127.0.0.1:5432"
    broker: str = "redis://127.0.0.1:6379/14"
    cache: str = "redis://127.0.0.1:6379/13"
    base_domain: str = "localhost"
    http_port: int = 8088
    https_port: int = 8443
    gunicorn_port: int = 8089
    gunicorn_workers: int = 2
    gunicorn_threads: int = 1
    celery_concurrency: int = 1
    tls_hosts: list[str] = field(default_factory=list)  # extra names for the certificate
    extra_env: dict[str, str] = field(default_factory=dict)
    pgbouncer: PgBouncer | None = None  # the app (and manage.py) connect through it when set
    gunicorn_config: Path = DEPLOY / "gunicorn.conf.py"  # bench-load: bench/profile_gunicorn.conf.py

    @property
    def direct_database_url(self) -> str:
        return f"{self.postgres}/{self.database}"

    @property
    def database_url(self) -> str:
        if self.pgbouncer is None:
            return self.direct_database_url
        return (
            f"postgres://postgres:{self.pgbouncer.password}@127.0.0.1:{self.pgbouncer.port}/{self.database}"
        )


def env_port(name: str, default: int, offset: int) -> int:
    """A loopback port: the environment variable `name` when set, else PROD_SMOKE_PORT_BASE +
    offset when that is set (one knob puts every port of prod-smoke and prod-faults in a
    range of 20: smoke +0..+5, faults +10..+16), else the default."""
    if os.environ.get(name):
        return int(os.environ[name])
    if os.environ.get("PROD_SMOKE_PORT_BASE"):
        return int(os.environ["PROD_SMOKE_PORT_BASE"]) + offset
    return default


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def render_template(text: str, values: dict[str, str]) -> str:
    """Substitute ${NAME} placeholders like the nginx image's envsubst; every one must be given."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"template placeholder ${{{name}}} has no value")
        return values[name]

    return re.sub(r"\$\{([A-Z][A-Z0-9_]*)\}", replace, text)


def self_signed_certificate(directory: Path, names: list[str]) -> tuple[Path, Path]:
    """A throwaway certificate for these DNS names (2 days, RSA 2048), made with openssl."""
    cert, key = directory / "tls.crt", directory / "tls.key"
    san = ",".join(f"DNS:{name}" for name in names)
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={names[0]}",
            "-addext",
            f"subjectAltName={san}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.header_list = headers
        self.body = body

    def header(self, name: str) -> str | None:
        for key, value in self.header_list:
            if key.lower() == name.lower():
                return value
        return None

    def headers(self, name: str) -> list[str]:
        return [value for key, value in self.header_list if key.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class _LoopbackHTTPS(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 while SNI and certificate checks use the host name (no DNS needed)."""

    def __init__(self, host: str, port: int, *, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(host, port, context=context, timeout=timeout)
        self._context = context

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def request(
    method: str,
    url_host: str,
    port: int,
    path: str,
    *,
    tls: ssl.SSLContext | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 15.0,
) -> Response:
    """One HTTP(S) request to 127.0.0.1:port with Host = url_host (port added when not default)."""
    conn: http.client.HTTPConnection
    if tls is not None:
        conn = _LoopbackHTTPS(url_host, port, context=tls, timeout=timeout)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    all_headers = {"Host": f"{url_host}:{port}", **(headers or {})}
    try:
        conn.request(method, path, body=body, headers=all_headers)
        raw = conn.getresponse()
        return Response(raw.status, raw.getheaders(), raw.read())
    finally:
        conn.close()


class Stack:
    def __init__(self, config: StackConfig, *, say: Callable[[str], None] = print) -> None:
        self.config = config
        self.say = say
        self.work = config.work_dir
        self.processes: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []
        self.tls: ssl.SSLContext | None = None
        self.metrics_token = secrets.token_urlsafe(24)
        self.env = self._environment()

    # --- environment ---------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        c = self.config
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "CLUSTERHUB_", "CELERY_", "SENTRY_"))
        }
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_CACHE_URL", None)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "clusterhub.settings.production",
                "CLUSTERHUB_ENV": "production",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "BILLING_SECRETS_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                "DATABASE_URL": c.database_url,
                "CELERY_BROKER_URL": c.broker,
                "CELERY_RESULT_BACKEND": c.broker,
                "REDIS_CACHE_URL": c.cache,
                "CLUSTERHUB_BASE_DOMAIN": c.base_domain,
                "CLUSTERHUB_STATIC_ROOT": str(self.work / "static"),
                "CLUSTERHUB_MEDIA_ROOT": str(self.work / "media"),
                "CLUSTERHUB_BACKUP_DIR": str(self.work / "backups"),
                "CLUSTERHUB_ARCHIVE_DIR": str(self.work / "archives"),
                "PROMETHEUS_MULTIPROC_DIR": str(self.work / "prometheus"),
                "METRICS_TOKEN": self.metrics_token,
                "XDG_RUNTIME_DIR": str(self.work / "run"),
                "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
                "PYTHONUNBUFFERED": "1",
                "GUNICORN_BIND": f"127.0.0.1:{c.gunicorn_port}",
                "WEB_CONCURRENCY": str(c.gunicorn_workers),
                "GUNICORN_THREADS": str(c.gunicorn_threads),
            }
        )
        env.update(c.extra_env)
        return env

    # --- database and management commands -------------------------------------------------------

    def fresh_database(self, template: str = "template0") -> None:
        """The database dropped and created empty, or as a copy of `template`."""
        import psycopg2
        from psycopg2 import sql

        conn = psycopg2.connect(f"{self.config.postgres}/postgres")
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    [self.config.database],
                )
                cur.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(self.config.database))
                )
                cur.execute(
                    sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE {}").format(
                        sql.Identifier(self.config.database), sql.Identifier(template)
                    )
                )
        finally:
            conn.close()

    def flush_redis(self) -> None:
        import redis

        for url in (self.config.broker, self.config.cache):
            client = redis.Redis.from_url(url)
            client.flushdb()
            client.close()

    def manage(
        self, *args: str, timeout: float = 600, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603
            [str(PYTHON), str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def shell(self, code: str, timeout: float = 120) -> str:
        return self.manage("shell", "-c", code, timeout=timeout).stdout

    # --- processes ----------------------------------------------------------------------------

    def _start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = (self.work / f"{name}.log").open("ab")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        self.processes.append((name, process, log))
        self.say(f"  started {name} (pid {process.pid}), log {self.work / f'{name}.log'}")
        return process

    def forget(self, name: str) -> None:
        """Drop a process from the list (its caller stops it); its log file is closed."""
        for entry in [e for e in self.processes if e[0] == name]:
            self.processes.remove(entry)
            entry[2].close()

    def log_of(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start_gunicorn(self) -> None:
        (self.work / "prometheus").mkdir(parents=True, exist_ok=True)
        self._start(
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                str(self.config.gunicorn_config),
                "clusterhub.wsgi:application",
            ],
        )

    def start_worker(self) -> None:
        self._start(
            "celery-worker",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "clusterhub",
                "worker",
                "-l",
                "info",
                "--concurrency",
                str(self.config.celery_concurrency),
                "-n",
                "prodsmoke@%h",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def start_beat(self) -> None:
        self._start(
            "celery-beat",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "clusterhub",
                "beat",
                "-l",
                "info",
                "-s",
                str(self.work / "celerybeat-schedule"),
                "--pidfile",
                str(self.work / "celerybeat.pid"),
            ],
        )

    def start_pgbouncer(self) -> None:
        """pgbouncer on 127.0.0.1:<port> for config.pgbouncer (idempotent); waits until it answers."""
        bouncer = self.config.pgbouncer
        if bouncer is None or any(name == "pgbouncer" for name, _, _ in self.processes):
            return
        self.work.chmod(0o755)  # pgbouncer runs as postgres when we are root: it reads its ini here
        self._start("pgbouncer", pgbouncer_command(self.work / "pgbouncer", bouncer, self.config.postgres))
        self.wait_for("pgbouncer", lambda: _database_answers(self.config.database_url, "postgres"))

    def start_localstripe(self, port: int) -> str:
        """localstripe (the fake Stripe of the demo and the tests) on this port; its webhooks go to
        nginx over TLS, so it trusts the stack's throwaway certificate (SSL_CERT_FILE)."""
        if self.tls is None:
            raise RuntimeError("start nginx first: localstripe must trust its certificate")
        log = (self.work / "localstripe.log").open("ab")
        env = {**self.env, "SSL_CERT_FILE": str(self.work / "tls" / "tls.crt")}
        process = subprocess.Popen(  # noqa: S603
            [str(VENV_BIN / "localstripe"), "--port", str(port), "--from-scratch"],
            cwd=self.work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(("localstripe", process, log))
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True

        self.wait_for("localstripe", up)
        return url

    def nginx_config(self) -> Path:
        c = self.config
        names = [c.base_domain, f"*.{c.base_domain}", *c.tls_hosts]
        tls_dir = self.work / "tls"
        tls_dir.mkdir(parents=True, exist_ok=True)
        cert, key = self_signed_certificate(tls_dir, names)
        self.tls = ssl.create_default_context(cafile=str(cert))
        server = render_template(
            NGINX_TEMPLATE.read_text(),
            {
                "CLUSTERHUB_BASE_DOMAIN": c.base_domain,
                "CLUSTERHUB_UPSTREAM": f"127.0.0.1:{c.gunicorn_port}",
                "NGINX_HTTP_LISTEN": f"127.0.0.1:{c.http_port}",
                "NGINX_HTTPS_LISTEN": f"127.0.0.1:{c.https_port}",
                "NGINX_HTTPS_AUTHORITY_SUFFIX": "" if c.https_port == 443 else f":{c.https_port}",
                "NGINX_TLS_CERT": str(cert),
                "NGINX_TLS_KEY": str(key),
            },
        )
        prefix = self.work / "nginx"
        prefix.mkdir(parents=True, exist_ok=True)
        (prefix / "clusterhub.conf").write_text(server)
        user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
        main = (
            f"{user}worker_processes 1;\ndaemon off;\npid {prefix / 'nginx.pid'};\n"
            "error_log stderr warn;\nevents { worker_connections 1024; }\n"
            "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
            "    sendfile on;\n    keepalive_timeout 65;\n"
            + "".join(
                f"    {kind}_temp_path {prefix / kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            + f"    include {prefix / 'clusterhub.conf'};\n}}\n"
        )
        conf = prefix / "nginx.conf"
        conf.write_text(main)
        for path in (self.work, prefix):
            path.chmod(0o755)
        subprocess.run(  # noqa: S603
            ["nginx", "-t", "-q", "-c", str(conf), "-p", str(prefix), "-e", "stderr"],  # noqa: S607
            check=True,
            capture_output=True,
            timeout=30,
        )
        return conf

    def start_nginx(self) -> None:
        conf = self.nginx_config()
        self._start("nginx", ["nginx", "-c", str(conf), "-p", str(self.work / "nginx"), "-e", "stderr"])

    def wait_for(self, what: str, probe: Callable[[], bool], timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process, _ in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {process.returncode} while waiting for {what}:\n"
                        f"{self.log_of(name)[-3000:]}"
                    )
            try:
                if probe():
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"timed out waiting for {what}")

    def https(self, method: str, host: str, path: str, **kwargs: Any) -> Response:
        return request(method, host, self.config.https_port, path, tls=self.tls, **kwargs)

    def http(self, method: str, host: str, path: str, **kwargs: Any) -> Response:
        return request(method, host, self.config.http_port, path, **kwargs)

    def gunicorn(self, method: str, path: str, **kwargs: Any) -> Response:
        return request(method, "127.0.0.1", self.config.gunicorn_port, path, **kwargs)

    def start_all(self) -> None:
        for port in (self.config.http_port, self.config.https_port, self.config.gunicorn_port):
            if not port_free(port):
                raise RuntimeError(
                    f"port 127.0.0.1:{port} is taken: stop what listens there or pick other ports"
                )
        self.start_pgbouncer()
        self.start_gunicorn()
        self.wait_for("gunicorn", lambda: self.gunicorn("GET", "/healthz").status == 200)
        self.start_worker()
        self.start_beat()
        self.start_nginx()
        self.wait_for("nginx", lambda: self.https("GET", self.config.base_domain, "/healthz").status == 200)

    def stop(self) -> None:
        graceful = {"nginx": signal.SIGQUIT}
        for name, process, _ in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(graceful.get(name, signal.SIGTERM))
        for name, process, log in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.say(f"  {name} did not stop in 20 s: killed")
                process.kill()
                process.wait(timeout=5)
            log.close()
        self.processes.clear()


def _database_answers(url: str, dbname: str | None = None) -> bool:
    import psycopg2

    if dbname is not None:
        url = url.rsplit("/", 1)[0] + "/" + dbname
    try:
        conn = psycopg2.connect(url, connect_timeout=2)
    except psycopg2.Error:
        return False
    conn.close()
    return True


def _service_user() -> tuple[int, int] | None:
    """pgbouncer, PostgreSQL and Redis refuse to run as root: as root they run as `postgres`."""
    if os.geteuid() != 0:
        return None
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def pgbouncer_command(directory: Path, bouncer: PgBouncer, postgres: str) -> list[str]:
    """Write pgbouncer.ini + userlist.txt into directory; the command line that runs it.

    Clients authenticate with SCRAM (the password in userlist.txt); pgbouncer reaches the
    server as postgres (the local server trusts loopback). `SHOW POOLS` etc. on the admin
    database `pgbouncer` for the same user."""
    from urllib.parse import urlsplit

    backend = urlsplit(postgres)
    directory.mkdir(parents=True, exist_ok=True)
    userlist = directory / "userlist.txt"
    userlist.write_text(f'"postgres" "{bouncer.password}"\n')
    owner = _service_user()
    user_line = "user = postgres\n" if owner else ""
    ini = directory / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = host={backend.hostname} port={backend.port or 5432} user=postgres\n"
        "[pgbouncer]\n"
        f"{user_line}"
        f"listen_addr = 127.0.0.1\nlisten_port = {bouncer.port}\nunix_socket_dir =\n"
        f"auth_type = scram-sha-256\nauth_file = {userlist}\nadmin_users = postgres\n"
        f"pool_mode = {bouncer.pool_mode}\ndefault_pool_size = {bouncer.pool_size}\n"
        f"max_client_conn = {bouncer.max_client_conn}\nmax_db_connections = {bouncer.pool_size}\n"
        "server_reset_query = DISCARD ALL\nserver_check_delay = 10\n"
        f"server_connect_timeout = 5\nserver_login_retry = {bouncer.server_login_retry:g}\nquery_wait_timeout = 20\n"
        "ignore_startup_parameters = extra_float_digits\n"
        f"pidfile = {directory / 'pgbouncer.pid'}\n"
    )
    if owner:
        for path in (directory, userlist, ini):
            os.chown(path, *owner)
        userlist.chmod(0o600)
    return ["pgbouncer", str(ini)]


@contextmanager
def running(stack: Stack) -> Iterator[Stack]:
    """Start nothing by itself; guarantees stop() on exit, SIGTERM and SIGINT."""

    def to_exit(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, to_exit) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stack
    finally:
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def require_program(program: str, package: str) -> None:
    """Install the Debian package when the program is missing and we may (root + apt-get)."""
    if shutil.which(program):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True)  # noqa: S607
        subprocess.run(  # noqa: S603
            ["apt-get", "install", "-y", "-qq", package],  # noqa: S607
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    if not shutil.which(program):
        raise RuntimeError(f"{program} is not installed (apt-get install {package})")


def require_nginx() -> None:
    require_program("nginx", "nginx")


def require_pgbouncer() -> None:
    require_program("pgbouncer", "pgbouncer")


def _as_service_user() -> dict[str, Any]:
    owner = _service_user()
    return {"user": owner[0], "group": owner[1]} if owner else {}


class PrivatePostgres:
    """A throwaway PostgreSQL server of our own (initdb into a temp dir, loopback port, trust),
    so a fault run may stop and restart it without touching the machine's shared server."""

    def __init__(self, directory: Path, port: int, *, version: str = "15") -> None:
        self.dir = directory
        self.port = port
        self.bin = Path(f"/usr/lib/postgresql/{version}/bin")
        self.data = directory / "data"
        self.log = directory / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _run(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(  # noqa: S603
            [str(self.bin / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            timeout=timeout,
            **_as_service_user(),
        )

    def init(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        owner = _service_user()
        if owner:
            os.chown(self.dir, *owner)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


class StackProcess:
    """One program of the stack on a loopback port, which a fault stops and starts again."""

    name = ""

    def __init__(self, stack: Stack, port: int) -> None:
        self.stack = stack
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        self.process = self.stack._start(self.name, self.command())
        self.stack.wait_for(self.name, self.answers)

    def answers(self) -> bool:
        return _port_open(self.port)

    def stop(self, *, kill: bool = False) -> None:
        """SIGTERM (SIGKILL with kill=True), then forget it so the stack's stop skips it."""
        if self.process is not None:
            self.stack.forget(self.name)
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


class PrivateRedis(StackProcess):
    """A redis-server of our own on a loopback port (no persistence), to stop as a broker fault."""

    name = "redis"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
    except OSError:
        return False
    return True
