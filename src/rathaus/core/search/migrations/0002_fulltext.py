"""Full-text structures per database: an FTS5 table on SQLite, a German GIN index on PostgreSQL."""

from django.db import migrations

PG_VECTOR = (
    "to_tsvector('german', coalesce(title, '') || ' ' || coalesce(body, '') || ' ' || coalesce(keywords, ''))"
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        # Standalone FTS5 table keyed by SearchDocument.id; it holds Snowball-stemmed text
        # (SQLite has no German stemmer of its own). unicode61 folds case and diacritics.
        schema_editor.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, content, tokenize = 'unicode61 remove_diacritics 2')"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX search_doc_fts_german ON search_searchdocument USING gin ({PG_VECTOR})"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_doc_fts_german")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
