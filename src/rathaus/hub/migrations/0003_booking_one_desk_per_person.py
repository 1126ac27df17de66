"""One desk per person at a time: Booking.resource_kind (copied from the resource) and, on
PostgreSQL, an exclusion constraint over (user, time range) of confirmed desk bookings.

SQLite has no exclusion constraints; there the booking service re-checks inside the transaction that
holds the database write lock (BEGIN IMMEDIATE, see settings).

Should existing data already hold a person at two desks at once, the migration stops and names the
bookings: cancel one of each pair (status 'cancelled'), then migrate again.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

CONFLICTS = """
SELECT a.id, b.id FROM hub_booking a JOIN hub_booking b
  ON a.user_id = b.user_id AND a.id < b.id
 AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
WHERE a.status = 'confirmed' AND b.status = 'confirmed'
  AND a.resource_kind = 'desk' AND b.resource_kind = 'desk'
ORDER BY a.id, b.id
"""
CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE hub_booking ADD CONSTRAINT hub_booking_one_desk_per_person
    EXCLUDE USING gist (user_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'confirmed' AND resource_kind = 'desk');
"""
DROP = "ALTER TABLE hub_booking DROP CONSTRAINT IF EXISTS hub_booking_one_desk_per_person;"


def backfill(apps, schema_editor):
    Booking = apps.get_model("hub", "Booking")
    Resource = apps.get_model("hub", "Resource")
    Booking.objects.update(
        resource_kind=Subquery(Resource.objects.filter(pk=OuterRef("resource_id")).values("kind")[:1])
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(CONFLICTS)
        pairs = cursor.fetchall()
    if pairs:
        listed = ", ".join(f"{a}/{b}" for a, b in pairs[:50])
        raise RuntimeError(
            "hub.0003: these confirmed desk bookings hold one person at two desks at the same time "
            f"(booking ids): {listed}. Cancel one of each pair, then run migrate again."
        )
    schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("hub", "0002_booking_no_overlap")]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="resource_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("desk", "Arbeitsplatz"),
                    ("meeting_room", "Besprechungsraum"),
                    ("event_space", "Veranstaltungsraum"),
                ],
                editable=False,
                max_length=20,
                verbose_name="Art der Ressource",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(forwards, backwards),
    ]
