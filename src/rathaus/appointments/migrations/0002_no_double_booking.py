"""No double booking, guaranteed by PostgreSQL (as the Digital Hub, hub.0002/0003):

- a counter holds at most one booked appointment at a time, including the buffer after it,
- a staff member serves at most one booked appointment at a time, including the buffer,
- one person (account or e-mail address) holds no two overlapping booked appointments.

SQLite has no exclusion constraints; there the booking service re-checks inside the transaction that
holds the database write lock (BEGIN IMMEDIATE, see settings).
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE appointments_appointment ADD CONSTRAINT appointments_counter_no_overlap
    EXCLUDE USING gist (counter_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&)
    WHERE (status = 'booked');
ALTER TABLE appointments_appointment ADD CONSTRAINT appointments_staff_no_overlap
    EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&)
    WHERE (status = 'booked' AND staff_id IS NOT NULL);
ALTER TABLE appointments_appointment ADD CONSTRAINT appointments_person_no_overlap
    EXCLUDE USING gist (person_key WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'booked');
"""
DROP = """
ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS appointments_counter_no_overlap;
ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS appointments_staff_no_overlap;
ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS appointments_person_no_overlap;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
