"""A version number of the warehouse: the ministry dashboards cache their figures under it.

One sequence, bumped by a statement-level trigger after every INSERT, UPDATE, DELETE or TRUNCATE
of a table the dashboards read (reports, facts, checks, live snapshots, projects, the cluster
registry). The function keeps the search path of its creation (the public schema), so a trigger
fired from a cluster's request finds the sequence. nextval() takes no lock and never waits, so writers do not queue behind each other;
the dashboards read it with one `SELECT last_value` (core.federal.dashboard.warehouse_version).
"""

from django.db import migrations

TABLES = (
    "federal_annualreport",
    "federal_reportfact",
    "federal_registrycheckresult",
    "federal_clustersnapshot",
    "federal_federalproject",
    "tenants_cluster",
)

FORWARD = [
    "CREATE SEQUENCE federal_warehouse_version",
    """
    CREATE FUNCTION federal_warehouse_bump() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        PERFORM nextval('federal_warehouse_version'::regclass);
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER federal_warehouse_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION federal_warehouse_bump()"
        for table in TABLES
    ),
]
BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS federal_warehouse_bump ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS federal_warehouse_bump()",
    "DROP SEQUENCE IF EXISTS federal_warehouse_version",
]


class Migration(migrations.Migration):
    dependencies = [
        ("federal", "0007_project_shortfall_order"),
        ("tenants", "0002_template_snapshot"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
