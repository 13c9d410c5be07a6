"""Finding 8: seating a committee member by e-mail (page) or user id (API) answers the same for
«no such account» and «an account with no role in this cluster» — staff cannot probe which
accounts exist elsewhere on the platform."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tenants.governance import services
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, signed_in, token_for
from tests.governance import factories as f

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_api_answers_alike_for_missing_and_foreign_accounts(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    elsewhere = make_user(ROLE.CLUSTER_ADMIN, cluster_b)  # exists, but has no role in alpha
    with schema_context(cluster_a.schema_name):
        committee = services.committee_create(actor=f.system(cluster_a), name="Комитет по качеству")
    api = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    url = f"/api/v1/committees/{committee.pk}/members/"

    missing = api.post(url, {"user": elsewhere.pk + 1000}, content_type=JSON)
    foreign = api.post(url, {"user": elsewhere.pk}, content_type=JSON)

    assert missing.status_code == foreign.status_code == 400
    assert missing.json() == foreign.json()
    assert foreign.json()["errors"]["user"] == [
        "Нет учётной записи с ролью в этом кластере с такими данными."
    ]


def test_page_answers_alike_for_missing_and_foreign_accounts(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    elsewhere = make_user(ROLE.CLUSTER_STAFF, cluster_b, email="someone@beta.test")
    no_role = make_user(None, email="lonely@example.test")
    with schema_context(cluster_a.schema_name):
        committee = services.committee_create(actor=f.system(cluster_a), name="Комитет по качеству")
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    url = f"/governance/committees/{committee.pk}/members/"

    pages = {
        email: staff.post(url, {"role": "member", "user_email": email}).content.decode()
        for email in ("nobody@nowhere.test", elsewhere.email, no_role.email)
    }

    message = "Нет учётной записи с ролью в этом кластере с такими данными."
    assert all(message in page for page in pages.values())
    assert not any("нет роли" in page or "с таким e-mail нет" in page for page in pages.values())
    with schema_context(cluster_a.schema_name):
        assert not committee.people.exists()
