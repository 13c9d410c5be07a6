"""A submitted annual report never changes: only is_latest may go from true to false."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION federal_annualreport_immutable() RETURNS trigger AS $$
BEGIN
    IF (to_jsonb(NEW) - 'is_latest') IS DISTINCT FROM (to_jsonb(OLD) - 'is_latest')
       OR (NEW.is_latest AND NOT OLD.is_latest) THEN
        RAISE EXCEPTION 'annual report % is a submitted snapshot and cannot be changed', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER federal_annualreport_immutable
    BEFORE UPDATE ON federal_annualreport
    FOR EACH ROW EXECUTE FUNCTION federal_annualreport_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS federal_annualreport_immutable ON federal_annualreport;
DROP FUNCTION IF EXISTS federal_annualreport_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("federal", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
