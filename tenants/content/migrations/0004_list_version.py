"""Versions of the cluster's lists: an API list's response is cached under the versions of the
tables it reads (api.list_cache), so any write to them makes the next request read the rows again.

A row per table in list_version (in the cluster's schema), written by a statement-level trigger
after every INSERT, UPDATE, DELETE or TRUNCATE of the table, whoever writes (services, bulk
updates, imports, restores). The new version is the next value of the schema's sequence: never
used twice, even after a rolled-back change. The function names the table by the schema of the
table that fired it (TG_TABLE_SCHEMA), so a clone of the template (tenants.schemas) works as it is,
and upserts its row, so a clone made from the DDL alone (no rows) starts at 0.

A row, not a bare sequence (as content.0003's site_version is), because the change must become
visible with the write's own commit: a reader that sees the new version then also sees the new
rows, so no one stores the old list under the new number. The price: two transactions writing the
same table of one cluster wait for each other's commit at the version row (content is written by
people's clicks, not a stream).
"""

from django.db import migrations

TABLES = ("content_news", "content_article", "content_document")

FORWARD = [
    "CREATE SEQUENCE list_version_seq",
    "CREATE TABLE list_version (name text PRIMARY KEY, version bigint NOT NULL)",
    """
    CREATE FUNCTION list_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        EXECUTE format(
            'INSERT INTO %1$I.list_version AS v (name, version) VALUES ($1, nextval(%2$L::regclass)) '
            'ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version',
            TG_TABLE_SCHEMA, quote_ident(TG_TABLE_SCHEMA) || '.list_version_seq'
        ) USING TG_TABLE_NAME;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER list_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION list_version_bump()"
        for table in TABLES
    ),
]
BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS list_version_bump ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS list_version_bump()",
    "DROP TABLE IF EXISTS list_version",
    "DROP SEQUENCE IF EXISTS list_version_seq",
]


class Migration(migrations.Migration):
    dependencies = [("content", "0003_site_version")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
