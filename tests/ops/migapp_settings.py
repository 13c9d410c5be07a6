"""Test settings plus tests.ops.migapp as a tenant app (for migrate_all_clusters in a subprocess).

OPS_MIGAPP_MIGRATIONS picks its migrations module: tests.ops.migapp.migrations (two
migrations, the default) or tests.ops.migapp.migrations_newfield (the same two plus one
AddField, used by bench/load.py). OPS_SPARE_SCHEMAS sets CLUSTER_SPARE_SCHEMAS.
"""

import os

from clusterhub.settings.test import *  # noqa: F403
from clusterhub.settings.test import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "tests.ops.migapp.apps.MigappConfig"]
INSTALLED_APPS = [*INSTALLED_APPS, "tests.ops.migapp.apps.MigappConfig"]
MIGRATION_MODULES = {"opsmig": os.environ.get("OPS_MIGAPP_MIGRATIONS", "tests.ops.migapp.migrations")}
CLUSTER_SPARE_SCHEMAS = int(os.environ.get("OPS_SPARE_SCHEMAS", "2"))
