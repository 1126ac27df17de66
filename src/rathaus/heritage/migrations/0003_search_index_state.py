"""The search version per municipality (in-memory facet index); facet indexes for its build.

Facet counts no longer join the filtered objects to their facet rows in SQL (see search_index), so
the PostgreSQL covering index on ``heritage_facetvalue(object_id)`` of 0002 only cost writes. The
value index gains the object id: the index build reads counts and ids from it alone.
"""

import django.db.models.deletion
from django.db import migrations, models

CREATE = """
CREATE INDEX IF NOT EXISTS heritage_facet_cover_idx ON heritage_facetvalue (object_id)
    INCLUDE (municipality_id, published, facet, value, label);
"""
DROP = "DROP INDEX IF EXISTS heritage_facet_cover_idx;"


def drop_covering_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def recreate_covering_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


class Migration(migrations.Migration):
    dependencies = [
        ("heritage", "0002_facet_covering_index"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchIndexState",
            fields=[
                (
                    "municipality",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="tenancy.municipality",
                    ),
                ),
                ("version", models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(drop_covering_index, recreate_covering_index),
        migrations.RemoveIndex(model_name="facetvalue", name="heritage_facet_idx"),
        migrations.AddIndex(
            model_name="facetvalue",
            index=models.Index(
                fields=["municipality", "published", "facet", "value", "object"],
                name="heritage_facet_ids_idx",
            ),
        ),
    ]
