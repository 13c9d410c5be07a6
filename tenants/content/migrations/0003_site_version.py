"""A version number of the cluster's public site: the home page's anonymous copy is cached under it.

One sequence per cluster schema, bumped by a statement-level trigger after every INSERT, UPDATE,
DELETE or TRUNCATE of a table the home page shows (news, events), whoever writes (services, bulk
updates, imports, restores). The function names the sequence by the schema of the table that fired
it (TG_TABLE_SCHEMA), so it needs no search path and a clone of the template (tenants.schemas)
works as it is. nextval() takes no lock and never waits; the page reads it with one SELECT
(frontend.home_cache.site_version).
"""

from django.db import migrations

TABLES = ("content_news", "events_event")

FORWARD = [
    "CREATE SEQUENCE site_version",
    """
    CREATE FUNCTION site_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM nextval((quote_ident(TG_TABLE_SCHEMA) || '.site_version')::regclass);
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER site_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION site_version_bump()"
        for table in TABLES
    ),
]
BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS site_version_bump ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS site_version_bump()",
    "DROP SEQUENCE IF EXISTS site_version",
]


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0002_article_document_job"),
        ("events", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
