"""The change log: admins of a cluster see its entries, by object and by person; nobody else."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.test import RequestFactory
from pytest_django import DjangoAssertNumQueries

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.audit.services import Actor, audit_record, diff
from tenants.content.models import News
from tenants.http import ClusterHttpRequest
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, signed_in, token_for

pytestmark = pytest.mark.django_db


def _entry(cluster: Cluster, user: User | None, title: str) -> AuditEntry:
    actor = Actor(user=user, host=f"{cluster.schema_name}.localhost", cluster=cluster)
    news = News(pk=7, title=title)
    return audit_record(
        actor=actor, action="news.update", obj=news, changes=diff({"title": "было"}, {"title": title})
    )


def test_actor_from_request_keeps_user_host_and_cluster(cluster_a: Cluster, make_user: MakeUser) -> None:
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    request = cast(ClusterHttpRequest, RequestFactory().get("/", HTTP_HOST="alpha.localhost"))
    request.user = user
    request.cluster = cluster_a
    actor = Actor.from_request(request)
    assert (actor.user, actor.host, actor.cluster) == (user, "alpha.localhost", cluster_a)


def test_admin_sees_the_clusters_log_by_object_and_by_person(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    _entry(cluster_a, staff, "Новость Альфы")
    _entry(cluster_b, make_user(ROLE.CLUSTER_STAFF, cluster_b), "Новость Беты")
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)

    page = signed_in(admin, cluster_a).get("/audit/").content.decode()
    assert "Новость Альфы" in page and "Новость Беты" not in page
    assert "<b>Заголовок</b>: было → Новость Альфы" in page
    assert staff.full_name in page and staff.email not in page  # people by name

    api = api_client(token_for(admin, cluster_a), cluster_a)
    by_person = api.get(f"/api/v1/audit/?actor_id={staff.pk}").json()
    assert [e["object_repr"] for e in by_person["results"]] == ["Новость Альфы"]
    assert by_person["results"][0]["host"] == "alpha.localhost"
    by_object = api.get("/api/v1/audit/?object_type=content.news&object_id=7").json()
    assert by_object["count"] == 1
    assert by_object["results"][0]["changes"] == {"title": ["было", "Новость Альфы"]}


def test_log_is_for_admins_of_that_cluster_only(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    _entry(cluster_a, None, "Секрет Альфы")
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    assert signed_in(staff, cluster_a).get("/audit/").status_code == 403
    assert api_client(token_for(staff, cluster_a), cluster_a).get("/api/v1/audit/").status_code == 403
    admin_b = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    assert api_client(token_for(admin_b, cluster_b), cluster_a).get("/api/v1/audit/").status_code == 403
    beta_log = api_client(token_for(admin_b, cluster_b), cluster_b).get("/api/v1/audit/").json()
    assert all(e["object_repr"] != "Секрет Альфы" for e in beta_log["results"])
    assert client_for(cluster_a).get("/api/v1/audit/").status_code == 401
    assert client_for(cluster_a).get("/audit/").status_code == 302


def test_log_list_runs_a_bounded_number_of_queries(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    client = signed_in(admin, cluster_a)
    for i in range(30):
        _entry(cluster_a, admin, f"Новость {i}")
    with django_assert_max_num_queries(8):
        assert client.get("/audit/").status_code == 200


def test_an_anonymous_request_never_becomes_the_system_actor(cluster_a: Cluster) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    from core.audit.services import Actor

    request = cast(ClusterHttpRequest, RequestFactory().post("/", HTTP_HOST="alpha.localhost"))
    request.user = AnonymousUser()
    request.cluster = cluster_a
    with pytest.raises(PermissionDenied, match="Войдите"):
        Actor.from_request(request)
    visitor = Actor.from_request(request, allow_anonymous=True)  # an invitation link, say
    assert visitor.user is None and visitor.cluster == cluster_a


def test_saved_with_audit_writes_the_rows_and_their_audit_in_one_statement(
    cluster_a: Cluster, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    from billing.models import Invoice
    from core.audit.services import audit_entry, saved_with_audit
    from tests.billing.conftest import issue

    invoice = issue(cluster_a, amount=1_500_000)
    stamped = Invoice.objects.get(pk=invoice.pk).updated_at
    invoice.paid_kopecks, invoice.status = 1_500_000, Invoice.Status.PAID
    actor = Actor.system(cluster_a)
    entries = [
        audit_entry(
            actor=actor, action="billing.invoice_paid", obj=invoice, changes={"paid_kopecks": [0, 1]}
        ),
        audit_entry(actor=actor, action="billing.note", obj=invoice),
    ]
    with django_assert_num_queries(1):
        saved_with_audit([(invoice, ["paid_kopecks", "status", "updated_at"])], entries)
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.paid_kopecks, stored.status) == (1_500_000, Invoice.Status.PAID)
    assert stored.updated_at > stamped  # auto_now, as save() sets it
    rows = AuditEntry.objects.filter(
        object_id=str(invoice.pk), action__in=["billing.invoice_paid", "billing.note"]
    ).order_by("action")
    assert [(e.action, e.changes, e.cluster_id) for e in rows] == [
        ("billing.invoice_paid", {"paid_kopecks": [0, 1]}, cluster_a.pk),
        ("billing.note", {}, cluster_a.pk),
    ]
    assert all(e.at is not None for e in rows)
    with pytest.raises(TypeError):
        saved_with_audit([(invoice, ["lines"])], entries)  # not a column


def _companies(prefix: str, count: int) -> list[Any]:
    from tenants.members.models import Company

    return [
        Company(full_name=f"ООО «{prefix} {i}»", short_name=f"{prefix} {i}", region_code="RU-MOS")
        for i in range(1, count + 1)
    ]


def test_model_create_many_writes_the_audit_rows_model_create_writes_one_insert_per_batch(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from core.audit.services import model_create, model_create_many
    from tenants.members.models import Company

    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    actor = Actor(user=staff, host="alpha.localhost", cluster=cluster_a)
    with schema_context(cluster_a.schema_name):
        one = model_create(obj=_companies("Одна", 1)[0], actor=actor, action="company.create")
        with CaptureQueriesContext(connection) as queries:
            many = model_create_many(
                objs=_companies("Пачка", 2500), actor=actor, action="company.create", batch_size=1000
            )
        assert Company.objects.filter(short_name__startswith="Пачка").count() == 2500
    inserts = [
        q["sql"].split("(")[0].strip() for q in queries.captured_queries if q["sql"].startswith("INSERT")
    ]
    # 2,500 rows in batches of 1,000: each batch of companies, then its audit rows
    assert inserts == [f'INSERT INTO "{Company._meta.db_table}"', 'INSERT INTO "audit_auditentry"'] * 3
    rows = AuditEntry.objects.filter(cluster=cluster_a, action="company.create", actor=staff)
    by_object = {r.object_id: r for r in rows}
    assert set(by_object) == {str(one.pk), *(str(c.pk) for c in many)}
    single, bulk = by_object[str(one.pk)], by_object[str(many[0].pk)]
    assert (bulk.host, bulk.actor_email, bulk.object_type, bulk.object_repr) == (
        single.host,
        single.actor_email,
        single.object_type,
        "Пачка 1",
    )
    assert set(bulk.changes) == set(single.changes)
    names = {"full_name", "short_name"}  # the only fields the two companies differ in
    assert {k: v for k, v in bulk.changes.items() if k not in names} == {
        k: v for k, v in single.changes.items() if k not in names
    }
    assert bulk.changes["full_name"] == [None, "ООО «Пачка 1»"]
    assert bulk.changes["region_code"] == single.changes["region_code"] == [None, "RU-MOS"]

    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    page = signed_in(admin, cluster_a).get("/audit/").content.decode()
    assert "Пачка 2500" in page and staff.get_full_name() in page  # people by name


def test_model_create_many_validates_and_saves_all_or_nothing(
    cluster_a: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.exceptions import ValidationError
    from django.db import DatabaseError
    from django_tenants.utils import schema_context

    from core import bulk
    from core.audit import services
    from tenants.members.models import Company

    actor = Actor(user=None, host="alpha.localhost", cluster=cluster_a)
    bad = _companies("Плохая", 3)
    bad[2].full_name = ""
    with schema_context(cluster_a.schema_name):
        with pytest.raises(ValidationError):
            services.model_create_many(objs=bad, actor=actor, action="company.create")
        assert not Company.objects.filter(short_name__startswith="Плохая").exists()

        inserted = {"n": 0}
        real = bulk.insert_many

        def companies_in(objs: Any, **kwargs: Any) -> Any:
            inserted["n"] += len(objs)
            return real(objs, **kwargs)

        def audit_fails(*args: Any, **kwargs: Any) -> Any:
            assert inserted["n"] == 5  # the companies are in; their audit rows fail
            raise DatabaseError("audit insert failed")

        monkeypatch.setattr(services, "insert_many", companies_in)
        monkeypatch.setattr(services, "insert_rows", audit_fails)
        with pytest.raises(DatabaseError):
            services.model_create_many(objs=_companies("Откат", 5), actor=actor, action="company.create")
        assert not Company.objects.filter(short_name__startswith="Откат").exists()
    assert not AuditEntry.objects.filter(cluster=cluster_a, object_repr__startswith="Откат").exists()
