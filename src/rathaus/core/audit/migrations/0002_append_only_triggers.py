"""The database itself refuses to change audit events, and on PostgreSQL to delete them.

Only ``actor_label`` may be rewritten (pseudonymisation when an account is deleted, DSGVO Art. 17).
Whole-table maintenance stays possible for the database owner (PostgreSQL TRUNCATE, which Django's
test flush also uses). On SQLite, deletes are refused by the model layer only: SQLite has no
statement-level triggers, and a row trigger would also block Django's test flush.
"""

from django.db import migrations

GUARDED = (
    "created_at, municipality_id, actor_id, action, object_type, object_id, object_repr, changes, ip_address"
)


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER audit_no_update BEFORE UPDATE OF {GUARDED} ON audit_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
        )
    elif conn.vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;"
        )
        schema_editor.execute(
            f"CREATE TRIGGER audit_no_update BEFORE UPDATE OF {GUARDED} ON audit_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only();"
        )
        schema_editor.execute(
            "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only();"
        )


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_no_update")
    elif conn.vendor == "postgresql":
        for name in ("audit_no_update", "audit_no_delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON audit_auditevent")
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
