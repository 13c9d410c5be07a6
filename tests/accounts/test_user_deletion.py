"""Tenant rows point at users without database constraints: deleting a user works anywhere."""

import pytest
from django_tenants.utils import schema_context

from core.accounts.models import User
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser

pytestmark = pytest.mark.django_db


def test_a_user_referenced_from_cluster_schemas_can_be_deleted(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    from tenants.members.models import Company, MembershipEvent

    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    with schema_context(cluster_a.schema_name):
        company = Company.objects.create(full_name="ООО «Тест»", short_name="Тест")
        MembershipEvent.objects.create(
            company=company, to_status="applied", at="2025-01-01T00:00Z", actor=user
        )
    User.objects.filter(pk=user.pk).delete()  # from the public schema, as the platform does
    assert not User.objects.filter(pk=user.pk).exists()
    with schema_context(cluster_a.schema_name):
        assert MembershipEvent.objects.get(company=company).actor_id == user.pk  # kept as history
