"""The Celery app. Tasks run in the schema of the cluster that queued them.

tenant-schemas-celery's CeleryApp stamps every message with the current schema
name and switches the worker's connection to it before the task body runs.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from celery.signals import task_postrun, task_prerun
from django.db import connection as _connection
from django.db import transaction
from tenant_schemas_celery.app import CeleryApp
from tenant_schemas_celery.task import TenantTask, headers_with_schema

from clusterhub.entry import configure
from clusterhub.sentry import tag_cluster

configure()  # fails closed in production without an explicit settings module

# django-tenants' DatabaseWrapper (schema_name, tenant, set_tenant) behind the default alias.
connection: Any = _connection


class ClusterTask(TenantTask):
    """TenantTask whose *_on_commit variants remember the schema at the time of the call.

    Plain DjangoTask.delay_on_commit reads the schema when the transaction commits;
    with `atomic(): schema_context(slug): task.delay_on_commit()` that is after
    the schema_context has exited, and the task would run in the public schema.
    """

    abstract = True

    def apply_async_on_commit(self, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        options["headers"] = headers_with_schema(options.get("headers"))
        transaction.on_commit(functools.partial(self.apply_async, args, kwargs, **options))

    def delay_on_commit(self, *args: Any, **kwargs: Any) -> None:
        self.apply_async_on_commit(args, kwargs)


class ClusterCeleryApp(CeleryApp):
    task_cls = ClusterTask


app = ClusterCeleryApp("clusterhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect(dispatch_uid="clusterhub_sentry_tag_cluster")
def _tag_task_with_cluster(**_: Any) -> None:
    """Tag Sentry events of a task with the cluster it runs in.

    Connected after tenant-schemas-celery's switch_schema (imported above), so the
    connection already points at the task's schema.
    """
    tag_cluster(connection.schema_name)


_zones = threading.local()  # eager tasks run inside a request: give its zone back after


@task_prerun.connect(dispatch_uid="clusterhub_cluster_time_zone")
def _activate_cluster_time_zone(**_: Any) -> None:
    """A task in a cluster's schema works in the cluster's time zone, like its pages."""
    from django.utils import timezone

    from tenants.models import Cluster

    _zones.__dict__.setdefault("stack", []).append(timezone.get_current_timezone())
    tenant = getattr(connection, "tenant", None)
    schema = getattr(connection, "schema_name", "public")
    if schema != "public" and not isinstance(tenant, Cluster):
        # Queued eagerly inside schema_context (a command, the demo, a loop over clusters): the
        # schema is the task's already, so nothing switched, and the connection knows only the
        # schema's name. Give it the cluster, so its zone and core.clock's "today" are right.
        cluster = Cluster.objects.filter(schema_name=schema).first()
        if cluster is not None:
            connection.set_tenant(cluster)
            tenant = cluster
    tzinfo = getattr(tenant, "tzinfo", None)
    if tzinfo is not None and getattr(tenant, "schema_name", "public") != "public":
        timezone.activate(tzinfo)
    else:
        timezone.deactivate()


@task_postrun.connect(dispatch_uid="clusterhub_cluster_time_zone_reset")
def _restore_time_zone(**_: Any) -> None:
    from django.utils import timezone

    stack = _zones.__dict__.get("stack")
    if stack:
        timezone.activate(stack.pop())
    else:
        timezone.deactivate()
