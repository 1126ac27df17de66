"""The collection's import jobs move to the core's import jobs (ADR 0022, issue 21 "One house").

Every ``heritage.ImportJob`` row becomes a ``jobs.ImportJob``: the file goes from the
``BinaryField`` to the private storage (``imports/<municipality id>/<random>.bin``, the core's
scheme), status, counts and messages are carried over, the old number is kept in
``params["heritage_job"]`` (the old address ``/sammlung/verwaltung/import/<id>/`` redirects by it).
A job that was still queued or running has no task any more: it is carried over as failed, with a
message to start it again (rows it had saved stay; a re-import updates them by inventory number).

Expand/contract (docs/operations.md): the model leaves the migration state here, but its table stays
in the database, so the previous release keeps working during a rolling upgrade. A later release
drops the table with a contract migration (after copying rows the old code may still have written;
the copy skips rows already copied, so it can simply run again).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.db import migrations

KINDS = {"csv": "heritage.csv", "lido": "heritage.lido"}
INTERRUPTED = (
    "Der Import wurde durch ein Update der Plattform unterbrochen. Bitte starten Sie ihn erneut; "
    "bereits übernommene Zeilen bleiben gespeichert und werden dabei aktualisiert."
)


def _checksum(content: bytes, params: dict[str, Any]) -> str:
    # rathaus.core.jobs.imports.checksum as of this migration: the file and its params.
    digest = hashlib.sha256(content)
    digest.update(b"\0" + json.dumps(params, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _problems(messages: list[dict[str, Any]], level: str) -> list[dict[str, Any]]:
    return [
        {"line": m.get("line") or None, "column": "", "message": str(m.get("message", ""))}
        for m in messages
        if isinstance(m, dict) and m.get("level") == level
    ]


def copy_jobs(apps: Any, schema_editor: Any) -> None:
    from django.core.files.base import ContentFile

    from rathaus.core.storage import private_storage

    Old = apps.get_model("heritage", "ImportJob")
    New = apps.get_model("jobs", "ImportJob")
    copied = set(
        New.objects.filter(kind__in=KINDS.values(), params__has_key="heritage_job").values_list(
            "params__heritage_job", flat=True
        )
    )
    for pk in Old.objects.order_by("pk").values_list("pk", flat=True):
        if pk in copied:
            continue
        old = Old.objects.get(pk=pk)  # one file in memory at a time
        content = bytes(old.content or b"")
        messages = old.messages if isinstance(old.messages, list) else []
        errors = _problems(messages, "error")
        warnings = _problems(messages, "warning")
        counts = {"created": old.created, "updated": old.updated, "failed": old.failed}
        status, message = old.status, ""
        if status in ("queued", "running"):
            status, message = "failed", INTERRUPTED
        elif status == "failed":
            # the file-level error (line 0) or the recovery's message is the job's message
            general = [e["message"] for e in errors if not e["line"]]
            errors = [e for e in errors if e["line"]]
            message = " ".join(general)
        else:
            message = (
                "Import abgeschlossen: %(c)s Objekte neu angelegt, %(u)s aktualisiert, %(f)s fehlerhafte "
                "Zeilen nicht übernommen."
                if not old.dry_run
                else "Probelauf abgeschlossen: %(c)s würden neu angelegt, %(u)s aktualisiert, %(f)s Zeilen "
                "sind fehlerhaft. Es wurde nichts gespeichert."
            ) % {"c": old.created, "u": old.updated, "f": old.failed}
        params = {"dry_run": bool(old.dry_run)}
        path = private_storage().save(
            f"imports/{old.municipality_id}/{uuid.uuid4().hex}.bin", ContentFile(content)
        )
        new = New.objects.create(
            municipality_id=old.municipality_id,
            kind=KINDS.get(old.kind, "heritage.csv"),
            status=status,
            file_name=(old.file_name or "upload")[:255],
            file_path=path,
            size=len(content),
            checksum=_checksum(content, params),
            params={**params, "heritage_job": old.pk},
            total=old.total,
            done=old.processed,
            message=message,
            errors=errors,
            warnings=warnings,
            result=counts,
            created_by_id=old.created_by_id,
            finished_at=old.finished_at,
            heartbeat_at=old.heartbeat_at,
        )
        # created_at is auto_now_add: the original time is set afterwards
        New.objects.filter(pk=new.pk).update(created_at=old.created_at, started_at=old.created_at)


def remove_copies(apps: Any, schema_editor: Any) -> None:
    """Backwards: the old rows are still in their table; only the copies (and their files) go."""
    from rathaus.core.storage import private_storage

    New = apps.get_model("jobs", "ImportJob")
    copies = New.objects.filter(kind__in=KINDS.values(), params__has_key="heritage_job")
    for path in copies.exclude(file_path="").values_list("file_path", flat=True):
        private_storage().delete(path)
    copies.delete()


def drop_legacy_foreign_keys(apps: Any, schema_editor: Any) -> None:
    """The kept table must not hold other tables: its foreign keys (to the municipality and the
    creator) go, or PostgreSQL refuses to TRUNCATE/delete what they point to (a flush, a deleted
    municipality). The previous release still writes correct ids into it; nothing reads them but the
    contract migration's copy. (SQLite: a table's foreign keys cannot be dropped without rebuilding
    it; its rows are few and the copy above moved them.)"""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        DO $$
        DECLARE r record;
        BEGIN
            IF to_regclass('heritage_importjob') IS NOT NULL THEN
                FOR r IN SELECT conname FROM pg_constraint
                         WHERE conrelid = 'heritage_importjob'::regclass AND contype = 'f' LOOP
                    EXECUTE format('ALTER TABLE heritage_importjob DROP CONSTRAINT %%I', r.conname);
                END LOOP;
            END IF;
        END $$;
        """
    )


class Migration(migrations.Migration):
    dependencies = [
        ("heritage", "0004_importjob_heartbeat"),
        ("jobs", "0005_importjob_warnings"),
    ]

    operations = [
        migrations.RunPython(copy_jobs, remove_copies),
        # The model leaves the state; its table stays until a later release's contract migration.
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="ImportJob")]),
        migrations.RunPython(drop_legacy_foreign_keys, migrations.RunPython.noop),
    ]
