"""Throttling: the public API per client address, signed-in calls per account, token requests
per address, the invitation link per address; Russian 429 answers with Retry-After."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from tenants.models import Cluster
from tests.conftest import PASSWORD, ROLE, MakeUser, api_client, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    for scope in ("anon", "user", "signin"):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "3/minute")


def test_public_api_is_throttled_per_address_on_every_host(
    cluster_a: Cluster, cluster_b: Cluster, low_rates: None
) -> None:
    visitor_a = Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="203.0.113.30")
    assert [visitor_a.get("/api/v1/public/directory/").status_code for _ in range(3)] == [200, 200, 200]
    refused = Client(HTTP_HOST="beta.localhost", REMOTE_ADDR="203.0.113.30").get("/api/v1/public/directory/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert refused.json()["detail"].startswith("Слишком много запросов. Повторите через ")
    assert int(refused["Retry-After"]) > 0
    assert (
        Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="198.51.100.30")
        .get("/api/v1/public/directory/")
        .status_code
        == 200
    )


def test_signed_in_calls_are_throttled_per_account(
    cluster_a: Cluster, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    token = token_for(admin, cluster_a)
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "3/minute")
    api = api_client(token, cluster_a)
    assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    other_address = Client(
        HTTP_HOST="alpha.localhost", REMOTE_ADDR="198.51.100.31", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert other_address.get("/api/v1/me/").status_code == 429


def test_token_requests_are_throttled_per_address(
    cluster_a: Cluster, make_user: MakeUser, low_rates: None
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    client = Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="203.0.113.32")
    codes = [
        client.post("/api/v1/auth/token/", {"email": admin.email, "password": PASSWORD}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_invitation_links_are_limited_per_address(cluster_a: Cluster) -> None:
    guesser = Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="203.0.113.33")
    codes = [guesser.get(f"/members/invitations/guess-{n}/").status_code for n in range(31)]
    assert codes[:30] == [404] * 30
    assert codes[30] == 429
    assert "Слишком много запросов" in guesser.get("/members/invitations/guess-x/").content.decode()
    assert (
        Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="198.51.100.33")
        .get("/members/invitations/guess-y/")
        .status_code
        == 404
    )
