"""A version number of the PROКЛАСТЕРЫ calls: every cluster's home page lists the open and published
ones, and its cached anonymous copy (frontend.home_cache) is keyed by this version too.

One sequence in the public schema, bumped by a statement-level trigger after every INSERT, UPDATE,
DELETE or TRUNCATE of selection_call (as federal.0008 does for the warehouse). The function keeps
the search path of its creation (public), so a trigger fired from a cluster's request finds it.
"""

from django.db import migrations

FORWARD = [
    "CREATE SEQUENCE selection_call_version",
    """
    CREATE FUNCTION selection_call_version_bump() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
    BEGIN
        PERFORM nextval('selection_call_version'::regclass);
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER selection_call_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON selection_call "
    "FOR EACH STATEMENT EXECUTE FUNCTION selection_call_version_bump()",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS selection_call_version_bump ON selection_call",
    "DROP FUNCTION IF EXISTS selection_call_version_bump()",
    "DROP SEQUENCE IF EXISTS selection_call_version",
]


class Migration(migrations.Migration):
    dependencies = [("selection", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
