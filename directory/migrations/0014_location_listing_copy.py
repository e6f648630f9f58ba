import django.contrib.postgres.fields
from django.db import migrations, models

# Each place of work carries a copy of its practitioner's listing (the insurance
# expiry while approved, else NULL) and technique ids, so the radius search tests
# a place without reading its practitioner's row (directory/search.py,
# NearestFirst). The database keeps the copies, whatever code path writes: a
# location's are worked out on every insert and update of it; a practitioner's
# change of status or insurance, and any change to their techniques, updates
# theirs (the location's trigger then works them out again). The triggers on locations and techniques first lock the practitioner's
# row, so two transactions changing the same practitioner's techniques or places
# take turns, and the second reads what the first committed (under READ
# COMMITTED each statement of a PL/pgSQL function takes a new snapshot).
LISTING_COPY = """
CREATE FUNCTION directory_location_copy_listing() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM directory_practitioner
      WHERE id = NEW.practitioner_id FOR NO KEY UPDATE;
    NEW.listed_until := (
        SELECT CASE WHEN p.status = 'approved' THEN p.insurance_expires_on END
          FROM directory_practitioner p WHERE p.id = NEW.practitioner_id);
    NEW.technique_ids := ARRAY(
        SELECT t.technique_id FROM directory_practitioner_techniques t
         WHERE t.practitioner_id = NEW.practitioner_id ORDER BY t.technique_id);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER directory_location_copy_listing
BEFORE INSERT OR UPDATE ON directory_location
FOR EACH ROW EXECUTE FUNCTION directory_location_copy_listing();

CREATE FUNCTION directory_practitioner_copy_listing() RETURNS trigger AS $$
BEGIN
    -- directory_location_copy_listing works the copies out again.
    UPDATE directory_location SET id = id WHERE practitioner_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER directory_practitioner_copy_listing
AFTER UPDATE ON directory_practitioner
FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status
      OR OLD.insurance_expires_on IS DISTINCT FROM NEW.insurance_expires_on)
EXECUTE FUNCTION directory_practitioner_copy_listing();

CREATE FUNCTION directory_location_copy_techniques(practitioners bigint[])
RETURNS void AS $$
DECLARE
    changed bigint;
BEGIN
    FOR changed IN
        SELECT DISTINCT unnest(practitioners) ORDER BY 1
    LOOP
        -- The practitioner's row is locked before the copies are read.
        PERFORM 1 FROM directory_practitioner WHERE id = changed FOR NO KEY UPDATE;
        UPDATE directory_location SET id = id WHERE practitioner_id = changed;
    END LOOP;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION directory_techniques_added() RETURNS trigger AS $$
BEGIN
    PERFORM directory_location_copy_techniques(
        ARRAY(SELECT practitioner_id FROM new_links));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION directory_techniques_removed() RETURNS trigger AS $$
BEGIN
    PERFORM directory_location_copy_techniques(
        ARRAY(SELECT practitioner_id FROM old_links));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION directory_techniques_changed() RETURNS trigger AS $$
BEGIN
    PERFORM directory_location_copy_techniques(ARRAY(
        SELECT practitioner_id FROM old_links
        UNION SELECT practitioner_id FROM new_links));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER directory_techniques_added
AFTER INSERT ON directory_practitioner_techniques
REFERENCING NEW TABLE AS new_links
FOR EACH STATEMENT EXECUTE FUNCTION directory_techniques_added();

CREATE TRIGGER directory_techniques_removed
AFTER DELETE ON directory_practitioner_techniques
REFERENCING OLD TABLE AS old_links
FOR EACH STATEMENT EXECUTE FUNCTION directory_techniques_removed();

CREATE TRIGGER directory_techniques_changed
AFTER UPDATE ON directory_practitioner_techniques
REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
FOR EACH STATEMENT EXECUTE FUNCTION directory_techniques_changed();

-- The places of work already there.
UPDATE directory_location SET id = id;
"""

DROP_LISTING_COPY = """
DROP TRIGGER IF EXISTS directory_techniques_changed ON directory_practitioner_techniques;
DROP TRIGGER IF EXISTS directory_techniques_removed ON directory_practitioner_techniques;
DROP TRIGGER IF EXISTS directory_techniques_added ON directory_practitioner_techniques;
DROP FUNCTION IF EXISTS directory_techniques_changed();
DROP FUNCTION IF EXISTS directory_techniques_removed();
DROP FUNCTION IF EXISTS directory_techniques_added();
DROP FUNCTION IF EXISTS directory_location_copy_techniques(bigint[]);
DROP TRIGGER IF EXISTS directory_practitioner_copy_listing ON directory_practitioner;
DROP FUNCTION IF EXISTS directory_practitioner_copy_listing();
DROP TRIGGER IF EXISTS directory_location_copy_listing ON directory_location;
DROP FUNCTION IF EXISTS directory_location_copy_listing();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0013_application_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="location",
            name="listed_until",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="The practitioner's insurance expiry while approved, "
                "else empty: listed on a day no later than this.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="technique_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                blank=True,
                default=list,
                editable=False,
            ),
        ),
        migrations.RunSQL(LISTING_COPY, DROP_LISTING_COPY),
    ]
