"""Provisioning clones the template schema; the clone equals a migrated schema."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django_tenants.utils import schema_context, schema_exists
from psycopg2 import sql
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from tenants import schemas
from tenants.content.models import News
from tenants.models import Cluster, Domain
from tenants.services import cluster_provision
from tests.conftest import client_for, tenant_connection

pytestmark = pytest.mark.django_db


def _structure(schema: str) -> dict[str, list[tuple]]:
    """Tables, columns, indexes, constraints and sequences of a schema, schema name masked."""
    queries = {
        "columns": """SELECT table_name, column_name, data_type, is_nullable, character_maximum_length,
                             numeric_precision, is_identity,
                             regexp_replace(coalesce(column_default, ''), %(s)s, 'S', 'g')
                      FROM information_schema.columns WHERE table_schema = %(s)s""",
        "indexes": """SELECT tablename, indexname, replace(indexdef, %(s)s || '.', 'S.')
                      FROM pg_indexes WHERE schemaname = %(s)s""",
        "constraints": """SELECT cl.relname, con.conname, con.contype,
                                 replace(pg_get_constraintdef(con.oid), %(s)s || '.', 'S.')
                          FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
                          JOIN pg_namespace n ON n.oid = con.connamespace WHERE n.nspname = %(s)s""",
        "sequences": """SELECT sequence_name, data_type, start_value, increment
                        FROM information_schema.sequences WHERE sequence_schema = %(s)s""",
        "migrations": "SELECT app, name FROM {}.django_migrations",
    }
    out: dict[str, list[tuple]] = {}
    with connection.cursor() as cur:
        for key, query in queries.items():
            if key == "migrations":
                cur.execute(sql.SQL(query).format(sql.Identifier(schema)))
            else:
                cur.execute(query, {"s": schema})
            out[key] = sorted(tuple(str(v) for v in row) for row in cur.fetchall())
    return out


def test_cloned_schema_equals_a_migrated_one() -> None:
    cluster_provision(slug="clonecheck", name="Клон", region_codes=["RU-MOS"])
    with connection.cursor() as cur:
        cur.execute("CREATE SCHEMA migratedcheck")
    call_command("migrate_schemas", schema_name="migratedcheck", tenant=True, interactive=False, verbosity=0)
    tenant_connection.set_schema_to_public()

    cloned, migrated = _structure("clonecheck"), _structure("migratedcheck")

    tenant_tables = {row[0] for row in cloned["columns"]}
    assert {"content_news", "django_migrations", "django_content_type"} <= tenant_tables
    for key in ("columns", "indexes", "constraints", "sequences", "migrations"):
        assert cloned[key] == migrated[key], key
    assert len(cloned["migrations"]) > 5


# Values a table's check constraints need beyond the generic ones (by model label).
OVERRIDES: dict[str, dict[str, object]] = {
    "projects.supportapplication": {"amount_granted_kopecks": 0},  # granted only when decided so
    "governance.proxy": {"holder_id": 1000},  # a company never holds its own proxy
}


def _value_for(field: models.Field, n: int) -> object:
    """A value for row n that satisfies the field (FKs are DEFERRABLE INITIALLY DEFERRED;
    the test rolls back before they are checked)."""
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey):
        return n
    mapping: list[tuple[type, object]] = [
        (models.BooleanField, False),
        (models.DateTimeField, dt.datetime(2025, 1, n, tzinfo=dt.UTC)),
        (models.DateField, dt.date(2025, 1, n)),
        (models.DecimalField, decimal.Decimal(n)),
        (models.UUIDField, uuid.uuid4()),
        (models.JSONField, {}),
        (models.IntegerField, n),
        (models.FloatField, float(n)),
        (models.BinaryField, b""),
        (models.FileField, f"f/{n}.pdf"),
        (models.CharField, f"x{n}"),
        (models.TextField, f"x{n}"),
    ]
    if field.get_internal_type() == "ArrayField":
        return []
    for field_type, value in mapping:
        if isinstance(field, field_type):
            return value
    raise AssertionError(f"no sample value for {field!r}")


def test_every_table_of_a_fresh_clone_takes_a_row_without_sequence_collisions() -> None:
    tenant_models = [
        m
        for m in apps.get_models()
        if m._meta.app_config.name in settings.TENANT_APPS
        or f"{m._meta.app_config.name}.apps.{type(m._meta.app_config).__name__}" in settings.TENANT_APPS
    ]
    assert News in tenant_models
    # Advance the template's sequences first: a clone must not inherit them.
    with schema_context(settings.CLUSTER_TEMPLATE_SCHEMA):
        News.objects.create(title="в шаблоне", is_published=False)
    cluster = cluster_provision(slug="rowcheck", name="Строки", region_codes=["RU-MOS"])
    inserted = 0
    with schema_context(cluster.schema_name), transaction.atomic():
        for model in tenant_models:
            # Every required field, and nullable foreign keys (conditional constraints need them).
            fields = [
                f
                for f in model._meta.concrete_fields
                if not f.primary_key
                and (not f.null or isinstance(f, models.ForeignKey))
                and not getattr(f, "auto_now_add", False)
                and not getattr(f, "auto_now", False)
            ]
            extra = OVERRIDES.get(model._meta.label_lower, {})
            first = model._default_manager.create(**{f.attname: _value_for(f, 1) for f in fields} | extra)
            second = model._default_manager.create(**{f.attname: _value_for(f, 2) for f in fields} | extra)
            assert second.pk != first.pk
            inserted += 2
        transaction.set_rollback(True)
    assert inserted >= 2 * len(tenant_models)


def test_no_template_data_is_copied() -> None:
    with schema_context(settings.CLUSTER_TEMPLATE_SCHEMA):
        News.objects.create(title="Строка в шаблоне", is_published=False)
    cluster = cluster_provision(slug="datacheck", name="Данные", region_codes=["RU-MOS"])
    with schema_context(cluster.schema_name):
        assert News.objects.count() == 0
        first = News.objects.create(title="Первая", is_published=False)
    assert first.pk == 1


def test_new_cluster_answers_on_its_subdomain_right_after_provisioning() -> None:
    cluster_provision(slug="fresh", name="Свежий кластер", region_codes=["RU-TA"])
    response = client_for(Cluster.objects.get(schema_name="fresh")).get("/")
    assert response.status_code == 200
    assert "Свежий кластер" in response.content.decode()


def test_interregional_cluster_takes_several_regions_and_regional_only_one() -> None:
    inter = cluster_provision(slug="inter", name="Меж", region_codes=["RU-BA", "RU-TA"])
    assert inter.kind == Cluster.Kind.INTERREGIONAL
    with pytest.raises(ValidationError):
        cluster_provision(slug="onlyone", name="Один", region_codes=["RU-BA", "RU-TA"], kind="regional")


@pytest.mark.parametrize(
    ("slug", "domain", "field", "fragment"),
    [
        ("Bad-Slug", None, "slug", "строчных латинских букв"),
        ("x", None, "slug", "от 2 до 30"),
        ("1abc", None, "slug", "начиная с буквы"),
        ("public", None, "slug", "зарезервирован"),
        ("www", None, "slug", "зарезервирован"),
        ("api", None, "slug", "зарезервирован"),
        ("admin", None, "slug", "зарезервирован"),
        ("alpha", None, "slug", "уже существует"),
        ("newone", "alpha.localhost", "domain", "уже занят"),
        ("newtwo", "localhost", "domain", "принадлежит самой платформе"),
        ("newthree", "bad_host!.localhost", "domain", "не является корректным"),
    ],
)
def test_bad_slug_or_domain_is_refused_and_nothing_is_created(
    cluster_a: Cluster, slug: str, domain: str | None, field: str, fragment: str
) -> None:
    clusters, domains = Cluster.objects.count(), Domain.objects.count()
    with pytest.raises(ValidationError) as exc:
        cluster_provision(slug=slug, name="Кластер", region_codes=["RU-MOS"], domain=domain)
    assert fragment in " ".join(exc.value.message_dict[field])
    assert (Cluster.objects.count(), Domain.objects.count()) == (clusters, domains)
    if slug not in {"alpha", "public"}:
        assert not schema_exists(slug)


def test_unknown_region_is_refused_in_russian() -> None:
    with pytest.raises(ValidationError) as exc:
        cluster_provision(slug="noregion", name="Кластер", region_codes=["RU-XXX"])
    assert "Неизвестный код региона: RU-XXX" in " ".join(exc.value.message_dict["region_codes"])
    assert not schema_exists("noregion")


def test_failed_clone_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_clone(*, target: str) -> None:
        with connection.cursor() as cur:
            cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(target)))
        raise RuntimeError("clone failed half-way")

    monkeypatch.setattr(schemas, "schema_clone_from_template", broken_clone)
    with pytest.raises(RuntimeError):
        cluster_provision(slug="halfway", name="Наполовину", region_codes=["RU-MOS"])
    assert not Cluster.objects.filter(schema_name="halfway").exists()
    assert not Domain.objects.filter(domain="halfway.localhost").exists()
    assert not schema_exists("halfway")


def test_create_cluster_command_creates_and_reports(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("create_cluster", "--slug", "cmdnso", "--name", "Кластер из команды", "--region", "RU-NVS")
    out = capsys.readouterr().out
    assert "cmdnso.localhost" in out
    assert Cluster.objects.get(schema_name="cmdnso").region_codes == ["RU-NVS"]
    assert schema_exists("cmdnso")


def test_create_cluster_command_refuses_bad_input_with_russian_errors() -> None:
    with pytest.raises(CommandError) as exc:
        call_command("create_cluster", "--slug", "admin", "--name", "Кластер", "--region", "RU-NVS")
    assert "Кластер не создан" in str(exc.value)
    assert "зарезервирован" in str(exc.value)


def test_provisioning_takes_a_spare_schema_when_one_matches_the_template() -> None:
    spares = schemas.spare_schemas()
    assert len(spares) == settings.CLUSTER_SPARE_SCHEMAS
    cluster_provision(slug="fromspare", name="Из запасной схемы", region_codes=["RU-MOS"])
    assert schemas.spare_schemas() == spares[1:]
    assert _structure("fromspare") == _structure(settings.CLUSTER_TEMPLATE_SCHEMA)


def test_without_spares_the_template_ddl_is_replayed(settings: Settings) -> None:
    settings.CLUSTER_SPARE_SCHEMAS = 0
    spares = schemas.spare_schemas()
    cluster_provision(slug="fromddl", name="Из снимка", region_codes=["RU-MOS"])
    assert schemas.spare_schemas() == spares
    assert _structure("fromddl") == _structure(settings.CLUSTER_TEMPLATE_SCHEMA)


def test_a_spare_that_no_longer_matches_the_template_is_never_used_and_gets_replaced() -> None:
    stale = schemas.spare_schemas()[0]
    with connection.cursor() as cur:
        cur.execute(
            sql.SQL(
                "INSERT INTO {}.django_migrations (app, name, applied) VALUES ('content', '9999_gone', now())"
            ).format(sql.Identifier(stale))
        )
    for slug in ("spareone", "sparetwo"):
        cluster_provision(slug=slug, name=slug, region_codes=["RU-MOS"])
    assert stale in schemas.spare_schemas()  # not renamed into a cluster
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM sparetwo.django_migrations WHERE name = '9999_gone'")
        assert cur.fetchone()[0] == 0
    created = schemas.spare_schemas_refresh()
    assert stale not in schemas.spare_schemas()
    assert created == settings.CLUSTER_SPARE_SCHEMAS
    assert len(schemas.spare_schemas()) == settings.CLUSTER_SPARE_SCHEMAS


def test_the_refill_task_tops_the_pool_up(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        cluster_provision(slug="refilled", name="Пополнение", region_codes=["RU-MOS"])
    assert len(schemas.spare_schemas()) == settings.CLUSTER_SPARE_SCHEMAS
