"""Property-based API run (schemathesis) over the documented API of a cluster host and the public host.

Every operation of `/api/schema/` is called a few times with generated input, as a cluster admin with
a token, through the WSGI app in this test's transaction; all of schemathesis' checks are on: no 5xx,
status codes and response bodies as documented, invalid input refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis.errors import Unsatisfiable
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode

from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, host_of, token_for

pytestmark = pytest.mark.django_db

EXAMPLES = 5  # per operation: keeps both hosts' runs within a few minutes on two cores
# All checks on. A schema-valid request may still break a business rule the schema cannot state
# (an INN's check digit, a year whose report form is not published, a company already admitted):
# the service refuses it with 400 and its field errors, which positive_data_acceptance accepts.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
            }
        }
    }
)


@dataclass
class Run:
    operations: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)


@pytest.fixture
def wsgi_app() -> WSGIHandler:
    return get_wsgi_application()


@contextmanager
def connection_kept() -> Iterator[None]:
    """Like Django's test client: requests don't close the connection that holds this test's
    transaction. (The test client reconnects the handlers after each of its own requests.)"""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Operations that end the credential the run signs in with (their own tests: tests/accounts).
ENDS_OWN_TOKEN = frozenset({"DELETE /api/v1/auth/token/", "DELETE /api/v1/auth/tokens/{id}/"})


def _run(app: WSGIHandler, cluster: Cluster | None, token: str) -> Run:
    host = host_of(cluster)
    with connection_kept():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", app, config=CONFIG, headers={"Host": host})
    headers = {"Host": host, "Authorization": f"Token {token}"}
    run = Run()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the schema itself is valid OpenAPI
        operation = result.ok()
        if operation.label in ENDS_OWN_TOKEN:
            continue
        run.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            )
            @hypothesis.given(case=operation.as_strategy(mode))
            def check(case: schemathesis.Case) -> None:
                run.requests += 1
                case.call_and_validate(headers=headers, base_url=f"http://{host}")

            try:
                with connection_kept():
                    check()
            except Unsatisfiable:
                continue  # nothing of this operation can be made invalid (no parameters, no body)
            except FailureGroup as failures:
                run.failures.append(f"{operation.label} ({mode}): {failures}")
            except Exception as error:  # a 500 surfaces as the app's exception through the WSGI transport
                run.failures.append(f"{operation.label} ({mode}): {type(error).__name__}: {error}")
    return run


def test_cluster_host_api_holds_its_schema(
    cluster_a: Cluster, make_user: MakeUser, wsgi_app: WSGIHandler
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    run = _run(wsgi_app, cluster_a, token_for(admin, cluster_a))
    print(f"cluster host: {run.operations} operations, {run.requests} requests")
    assert run.operations > 100
    assert not run.failures, "\n\n".join(run.failures)


def test_public_host_api_holds_its_schema(make_user: MakeUser, wsgi_app: WSGIHandler) -> None:
    operator = make_user(ROLE.PLATFORM_ADMIN)
    run = _run(wsgi_app, None, token_for(operator, None))
    print(f"public host: {run.operations} operations, {run.requests} requests")
    assert run.operations > 10
    assert not run.failures, "\n\n".join(run.failures)
