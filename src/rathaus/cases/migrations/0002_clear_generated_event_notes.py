"""Earlier versions wrote the event's own label into its note ("Rückfrage", "Antwort", "Rücknahme
erfasst", in the language of the request), so timelines read "Rückfrage (Rückfrage)". The labels
now come from the event itself; these generated notes are removed."""

from django.db import migrations

GENERATED = [
    "Rückfrage",
    "query",
    "Query",
    "Antwort",
    "Reply",
    "Answer",
    "Rücknahme erfasst",
    "Withdrawal recorded",
]


def clear(apps, schema_editor):
    StatusEvent = apps.get_model("cases", "StatusEvent")
    StatusEvent.objects.filter(note__in=GENERATED).update(note="")


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
