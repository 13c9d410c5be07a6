"""A version of each user's access: their grants can be cached under it (core.accounts.selectors).

A row per user in accounts_access_version, written by a trigger on every INSERT, UPDATE or DELETE
of a grant (whoever writes: services, the admin, bulk updates, cascades from a deleted user or
cluster) and for every grant holder before a TRUNCATE. The new version is the next value of one
sequence, so a number is never used twice, even after a rolled-back change.

It is a row, not a bare sequence, on purpose: the change becomes visible with the grant's own
commit. A reader that sees the new version therefore also sees the new grants; one that read the
old version just before the commit can at most store the new grants under the old number, which
nobody asks for after the commit (a sequence, bumped before the commit, would let a reader store
the old grants under the new number: a revoked role kept alive in the cache).

The function keeps the search path of its creation (public), so a grant changed from a cluster's
request finds the table.
"""

from django.db import migrations

FORWARD = [
    "CREATE SEQUENCE accounts_access_version_seq",
    "CREATE TABLE accounts_access_version (user_id bigint PRIMARY KEY, version bigint NOT NULL)",
    """
    CREATE FUNCTION accounts_access_version_bump() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            INSERT INTO accounts_access_version AS v (user_id, version)
            SELECT g.user_id, nextval('accounts_access_version_seq') FROM (SELECT DISTINCT user_id FROM accounts_grant) g
            ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version;
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO accounts_access_version AS v (user_id, version)
            VALUES (OLD.user_id, nextval('accounts_access_version_seq'))
            ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO accounts_access_version AS v (user_id, version)
            VALUES (NEW.user_id, nextval('accounts_access_version_seq'))
            ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER accounts_access_version_bump AFTER INSERT OR UPDATE OR DELETE ON accounts_grant "
    "FOR EACH ROW EXECUTE FUNCTION accounts_access_version_bump()",
    "CREATE TRIGGER accounts_access_version_truncate BEFORE TRUNCATE ON accounts_grant "
    "FOR EACH STATEMENT EXECUTE FUNCTION accounts_access_version_bump()",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_access_version_truncate ON accounts_grant",
    "DROP TRIGGER IF EXISTS accounts_access_version_bump ON accounts_grant",
    "DROP FUNCTION IF EXISTS accounts_access_version_bump()",
    "DROP TABLE IF EXISTS accounts_access_version",
    "DROP SEQUENCE IF EXISTS accounts_access_version_seq",
]


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_two_factor_and_sessions")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
