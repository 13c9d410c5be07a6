"""migrate_schemas that also keeps the template schema migrated and skips archived clusters."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.migration_executors import get_executor
from django_tenants.utils import get_public_schema_name, schema_exists
from psycopg2 import sql

from tenants import schemas
from tenants.models import Cluster


class Command(MigrateSchemasCommand):
    help = (
        "Migrates the public schema, the cluster template schema (and snapshots its DDL for "
        "provisioning) and every live cluster schema (archived clusters have none)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        SyncCommon.handle(self, *args, **options)
        self.schema_name: str | None = options.get("schema_name")
        public = get_public_schema_name()
        if self.sync_public and not self.schema_name:
            self.schema_name = public
        executor = get_executor(codename=self.executor)(self.args, self.options)

        if self.sync_public:
            executor.run_migrations(tenants=[public])
        if not self.sync_tenant:
            return
        if self.schema_name and self.schema_name != public:
            if not schema_exists(self.schema_name):
                raise RuntimeError(f'Schema "{self.schema_name}" does not exist')
            executor.run_migrations(tenants=[self.schema_name])
            return
        template = schemas.template_schema()
        with connection.cursor() as cur:
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(template)))
        live = list(
            Cluster.objects.exclude(status=Cluster.Status.ARCHIVED).values_list("schema_name", flat=True)
        )
        executor.run_migrations(tenants=[template])
        schemas.template_snapshot_take()
        schemas.spare_schemas_refresh()
        executor.run_migrations(tenants=live)
