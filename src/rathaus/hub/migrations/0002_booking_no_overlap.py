"""PostgreSQL only: no two confirmed bookings of one resource may overlap (exclusion constraint).

SQLite has no exclusion constraints; there the booking service re-checks overlaps inside a
transaction that holds the database write lock (BEGIN IMMEDIATE, see settings).
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE hub_booking ADD CONSTRAINT hub_booking_no_overlap
    EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'confirmed');
"""
DROP = "ALTER TABLE hub_booking DROP CONSTRAINT IF EXISTS hub_booking_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("hub", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
