"""PostgreSQL only: a covering index for the facet counts of a filtered search.

The facet GROUP BY joins the filtered objects to their facet rows by ``object_id``; with the facet
columns in the index PostgreSQL answers it with an index-only scan instead of one heap fetch per
facet row. SQLite has no INCLUDE columns (and its searches are small).
"""

from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS heritage_facet_cover_idx ON heritage_facetvalue (object_id)
    INCLUDE (municipality_id, published, facet, value, label);
"""
DROP = "DROP INDEX IF EXISTS heritage_facet_cover_idx;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("heritage", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
