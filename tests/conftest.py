"""Shared fixtures. Every data test gets two clusters (alpha, beta) on their own hosts."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, cast

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponseBase, StreamingHttpResponse
from django.test import Client
from django.urls import set_urlconf
from django.utils import translation
from django_tenants.utils import schema_context, schema_exists
from pytest_django import DjangoDbBlocker
from pytest_django.plugin import blocking_manager_key

from api.list_cache import forget_lists_in_this_process
from core.accounts.models import Grant, User
from core.accounts.selectors import forget_grants_in_this_process
from core.accounts.services import grant_role, user_create
from frontend.home_cache import forget_pages_in_this_process
from tenants import schemas
from tenants.models import Cluster
from tenants.selectors import forget_hosts_in_this_process
from tenants.services import cluster_provision
from tests.database_template import copied_django_db_setup  # noqa: F401 - pytest-django's django_db_setup, copied

if TYPE_CHECKING:
    # the test client's response (.json(), .context, .templates): a private name in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse
else:
    ClientResponse = HttpResponseBase

PASSWORD = "correct horse battery staple"

# pytest-xdist runs the suite in several worker processes (`make test`: -n 2); each has its own test
# database (pytest-django suffixes its name with the worker id) and, below, its own localstripe port.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", …; "" without xdist
WORKER_INDEX = int(XDIST_WORKER[2:]) if XDIST_WORKER.startswith("gw") else 0
# The Redis the tests of a real broker use (a Celery worker, /readyz, the queue-length metric).
# One db per xdist worker (15, 14, …), so one worker's flush never empties the other's queue.
TESTS_REDIS_URL = os.environ.get("TESTS_REDIS_URL", f"redis://127.0.0.1:6379/{15 - WORKER_INDEX}")

# django-tenants' DatabaseWrapper (schema_name, set_schema_to_public) behind the default alias.
tenant_connection: Any = connection


class ClusterSpec(TypedDict):
    name: str
    region_codes: list[str]


CLUSTER_SPECS: dict[str, ClusterSpec] = {
    "alpha": {"name": "Кластер Альфа (тест)", "region_codes": ["RU-MOS"]},
    "beta": {"name": "Кластер Бета (тест)", "region_codes": ["RU-NVS"]},
}


def ensure_report_forms() -> None:
    """The published report forms the data migrations make (federal 0003 seeds them, 0004 makes
    «support received» computed), again when a transactional test's flush removed them."""
    import importlib

    from django.apps import apps

    from core.federal.models import ReportForm

    seeding = importlib.import_module("core.federal.migrations.0003_seed_forms")
    if ReportForm.objects.filter(year__in=seeding.FORMS).values("year").distinct().count() == len(
        seeding.FORMS
    ):
        return
    seeding.seed(apps, None)
    importlib.import_module("core.federal.migrations.0004_support_received_from_projects").forward(apps, None)


def ensure_cluster(slug: str) -> Cluster:
    """The cluster, provisioned if missing (a transactional test's flush drops its row)."""
    existing = Cluster.objects.filter(schema_name=slug).first()
    if existing is not None:
        return existing
    if schema_exists(slug):
        schemas.schema_drop(name=slug)
    return cluster_provision(slug=slug, **CLUSTER_SPECS[slug])


# The files that take longest (each minutes of one core, most of it one test: the crawl, schemathesis,
# the route sweep, the browser flows) run first. Under pytest-xdist (`make test`: -n 2 --dist loadfile
# --no-loadscope-reorder) a worker that takes one of them leaves the many short files to the other
# instead of starting it last and running alone at the end.
SLOW_FIRST = ("ui/test_crawl.py", "api/test_schemathesis.py", "test_route_sweep.py", "e2e/", "ui/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not XDIST_WORKER:
        # One process keeps the order as written: run in this order (flushing transactional tests
        # first), 26 tests of other files failed (report forms and the active language left behind).
        return

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0].removeprefix("tests/")
        return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: the order inside each file stays as written


@pytest.fixture(scope="session", autouse=True)
def _session_clusters(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> None:
    if not connection.settings_dict["NAME"].startswith("test_"):
        return  # pytest-django set up no database: none of the collected tests uses one
    with django_db_blocker.unblock():
        for slug in CLUSTER_SPECS:
            ensure_cluster(slug)


def _flushes_database(item: pytest.Item) -> bool:
    """Whether pytest-django empties every table after this test (a transactional test)."""
    marker = item.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server", "django_db_reset_sequences"}
        & set(getattr(item, "fixturenames", ()))
        or (marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a transactional test's flush (its fixtures are torn down inside this wrapper), put
    back what the migrations seeded and later tests read without asking: the published report
    forms. In one process pytest-django runs transactional tests last; under xdist a worker's
    files mix them."""
    yield
    if not _flushes_database(item) or not connection.settings_dict["NAME"].startswith("test_"):
        return
    with item.config.stash[blocking_manager_key].unblock():
        tenant_connection.set_schema_to_public()
        ensure_report_forms()


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    for name in ("default", "platform"):
        caches[name].clear()
    forget_hosts_in_this_process()
    forget_pages_in_this_process()
    forget_grants_in_this_process()
    forget_lists_in_this_process()
    # a streaming response read only in part never sends request_finished, which would reset the
    # thread's URLconf; the next test's reverse() must not resolve against the public host's
    set_urlconf(None)
    yield
    set_urlconf(None)
    translation.activate(settings.LANGUAGE_CODE)  # a test that switched to English leaves Russian behind
    tenant_connection.set_schema_to_public()
    for name in ("default", "platform"):
        caches[name].clear()
    forget_hosts_in_this_process()
    forget_pages_in_this_process()
    forget_grants_in_this_process()
    forget_lists_in_this_process()


@pytest.fixture
def cluster_a(db: None) -> Cluster:
    return ensure_cluster("alpha")


@pytest.fixture
def cluster_b(db: None) -> Cluster:
    return ensure_cluster("beta")


InCluster = Callable[[Cluster], schema_context]


class MakeUser(Protocol):
    """The type of the `make_user` fixture: a user, granted `role` in `cluster` when given."""

    def __call__(
        self,
        role: str | None = None,
        cluster: Cluster | None = None,
        *,
        email: str | None = None,
        region_codes: list[str] | None = None,
        company_id: int | None = None,
    ) -> User: ...


@pytest.fixture
def in_cluster() -> InCluster:
    """Use as `with in_cluster(cluster_a): ...` to act inside a cluster's schema."""
    return lambda cluster: schema_context(cluster.schema_name)


@pytest.fixture
def make_user(db: None) -> MakeUser:
    counter = {"n": 0}

    def make(
        role: str | None = None,
        cluster: Cluster | None = None,
        *,
        email: str | None = None,
        region_codes: list[str] | None = None,
        company_id: int | None = None,
    ) -> User:
        counter["n"] += 1
        user = user_create(
            email=email or f"user{counter['n']}-{role or 'none'}@example.test",
            password=PASSWORD,
            full_name=f"Тестовый Пользователь {counter['n']}",
        )
        if role:
            grant_role(
                user=user, role=role, cluster=cluster, region_codes=region_codes, company_id=company_id
            )
        return user

    return make


def host_of(cluster: Cluster | None) -> str:
    return f"{cluster.schema_name}.localhost" if cluster else "localhost"


def client_for(cluster: Cluster | None) -> Client:
    """A browser-like client on the cluster's host (None: the public host)."""
    return Client(HTTP_HOST=host_of(cluster))


def signed_in(user: User, cluster: Cluster | None, password: str = PASSWORD) -> Client:
    """A client that signed in through the real login form on that host."""
    client = client_for(cluster)
    response = client.post("/login/", {"email": user.email, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def token_for(user: User, cluster: Cluster | None, password: str = PASSWORD) -> str:
    response = client_for(cluster).post("/api/v1/auth/token/", {"email": user.email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def api_client(token: str, cluster: Cluster | None) -> Client:
    return Client(HTTP_HOST=host_of(cluster), HTTP_AUTHORIZATION=f"Token {token}")


def streamed(response: ClientResponse) -> bytes:
    """The whole body of a streaming response (a FileResponse download) the test client got."""
    content = cast(StreamingHttpResponse, response).streaming_content
    assert isinstance(content, Iterator), "the test client's WSGI responses stream synchronously"
    return b"".join(content)


ROLE = Grant.Role


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """The Stripe API base: STRIPE_API_BASE if set, else a localstripe we start (and stop) on
    TESTS_LOCALSTRIPE_PORT (8421) plus the xdist worker's number: a worker never uses (or stops)
    another's."""
    from clusterhub.localstripe import ensure_localstripe

    base, process = ensure_localstripe(
        port=int(os.environ.get("TESTS_LOCALSTRIPE_PORT", "8421")) + WORKER_INDEX
    )
    yield base
    if process is not None:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def yookassa_local() -> Iterator[str]:
    """The YooKassa API root: YOOKASSA_API_BASE if set, else a local YooKassa-compatible server
    (billing/gateways/yookassa_local.py) we start on a free port (and stop)."""
    from billing.gateways.yookassa_local import ensure_server
    from clusterhub.env import LOCAL_DIR

    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    base, process = ensure_server(0, log_path=str(LOCAL_DIR / "yookassa_local-tests.log"))
    yield base
    if process is not None:
        process.terminate()
        process.wait(timeout=10)
