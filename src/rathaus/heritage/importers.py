"""Bulk import of objects from CSV (documented column mapping, docs/heritage.md) and LIDO XML.

Each row (record) is checked on its own: good rows are saved, bad rows are reported with their
line number and nothing of them is stored; a re-import updates objects by inventory number. In
dry-run mode everything is checked and reported and nothing is saved. Progress is written to the
ImportJob every PROGRESS_EVERY rows, so the job page shows it while the background task runs.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from rathaus.core.audit import services as audit
from rathaus.core.jobs import imports
from rathaus.core.jobs.services import StaleSource

from . import lido, services
from .models import (
    RIGHTS,
    Collection,
    HeritageObject,
    ImportJob,
    ImportKind,
    ImportStatus,
    ObjectType,
    Status,
)

PROGRESS_EVERY = 25
HEARTBEAT_SECONDS = 20  # at least this often the running job writes heartbeat_at


def stale_jobs(cutoff: datetime) -> Any:
    """Running imports whose worker has not written a heartbeat since ``cutoff``."""
    return ImportJob.objects.filter(status=ImportStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )


def fail_stale_jobs(cutoff: datetime, message: str) -> int:
    """Fail every stale running import with ``message`` on its page (rathaus.core.jobs)."""
    count = 0
    for job in stale_jobs(cutoff).defer("content"):
        messages = [*job.messages, {"line": 0, "level": "error", "message": message}]
        count += (
            stale_jobs(cutoff)
            .filter(pk=job.pk)
            .update(status=ImportStatus.FAILED, messages=messages, finished_at=timezone.now())
        )
    return count


# Declared in apps.py (ADR 0014): ``manage.py recover_jobs`` fails imports of dead workers.
STALE_SOURCE = StaleSource(
    "heritage_imports", count=lambda cutoff: stale_jobs(cutoff).count(), fail=fail_stale_jobs
)


MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
SEP = "|"

# CSV column → object field (German headers; English aliases accepted).
COLUMNS: dict[str, str] = {
    "inventarnummer": "inventory_number",
    "inventory_number": "inventory_number",
    "objektart": "object_type",
    "object_type": "object_type",
    "titel": "title_de",
    "title": "title_de",
    "title_de": "title_de",
    "titel_en": "title_en",
    "title_en": "title_en",
    "beschreibung": "description",
    "description": "description",
    "personen": "actors",
    "actors": "actors",
    "datierung": "dating",
    "date": "dating",
    "dating": "dating",
    "orte": "places",
    "places": "places",
    "material": "materials",
    "materials": "materials",
    "technik": "techniques",
    "techniques": "techniques",
    "masse": "dimensions",
    "maße": "dimensions",
    "dimensions": "dimensions",
    "schlagworte": "subjects",
    "subjects": "subjects",
    "institution": "institution",
    "isil": "institution_isil",
    "provenienz": "provenance",
    "provenance": "provenance",
    "nachweis": "credit_line",
    "credit_line": "credit_line",
    "rechte_metadaten": "metadata_rights",
    "metadata_rights": "metadata_rights",
    "rechte_abbildungen": "image_rights",
    "image_rights": "image_rights",
    "sammlungen": "collections",
    "collections": "collections",
    "status": "status",
}
REQUIRED = ("inventory_number", "object_type", "title_de")
STATUS_WORDS = {
    "entwurf": Status.DRAFT,
    "draft": Status.DRAFT,
    "prüfung": Status.REVIEW,
    "pruefung": Status.REVIEW,
    "review": Status.REVIEW,
    "veröffentlicht": Status.PUBLISHED,
    "veroeffentlicht": Status.PUBLISHED,
    "published": Status.PUBLISHED,
}
_URI_IN = re.compile(r"<\s*(https?://[^>\s]+)\s*>")
_ROLE_IN = re.compile(r"\(([^)]*)\)")
_DIM = re.compile(r"^(?P<type>[^\d]*?)\s*(?P<value>[\d.,]+)\s*(?P<unit>\S*)$")


class ImportFileError(Exception):
    pass


def _split(cell: str) -> list[str]:
    return [p.strip() for p in (cell or "").split(SEP) if p.strip()]


def _term(part: str) -> dict[str, str]:
    m = _URI_IN.search(part)
    uri = m.group(1) if m else ""
    label = _URI_IN.sub("", part).strip()
    return {"label": label, "uri": uri} if uri else {"label": label}


def _actor(part: str) -> dict[str, str]:
    t = _term(part)
    label = t["label"]
    m = _ROLE_IN.search(label)
    role = m.group(1).strip() if m else ""
    name = _ROLE_IN.sub("", label).strip()
    out = {"name": name, "role": role}
    if t.get("uri"):
        out["gnd"] = t["uri"]
    return out


def _dimension(part: str) -> dict[str, str]:
    m = _DIM.match(part)
    if not m:
        return {"type": "", "value": part, "unit": ""}
    return {"type": m["type"].strip(), "value": m["value"], "unit": m["unit"]}


def _rights(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    for uri, de, en in RIGHTS:
        if (
            value.lower() in (uri.lower(), de.lower(), en.lower())
            or value.replace("https://", "http://") == uri
        ):
            return uri
    return value


def _object_type(value: str) -> str:
    value = (value or "").strip()
    return lido.guess_type([value]) or value


def row_to_data(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in (
        "inventory_number",
        "title_de",
        "title_en",
        "description",
        "dating",
        "institution",
        "institution_isil",
        "provenance",
        "credit_line",
    ):
        data[field] = row.get(field, "")
    data["object_type"] = _object_type(row.get("object_type", ""))
    data["actors"] = [_actor(p) for p in _split(row.get("actors", ""))]
    for field in ("places", "materials", "techniques", "subjects"):
        data[field] = [_term(p) for p in _split(row.get(field, ""))]
    data["dimensions"] = [_dimension(p) for p in _split(row.get("dimensions", ""))]
    data["metadata_rights"] = _rights(row.get("metadata_rights", ""))
    data["image_rights"] = _rights(row.get("image_rights", ""))
    return data


@dataclass
class Row:
    line: int
    data: dict[str, Any]
    collections: list[str] | None
    status: str | None
    warnings: list[str]
    error: str | None = None


def csv_rows(content: bytes) -> Iterator[Row]:
    try:
        text = imports.decode_csv(content)  # the platform's one rule: UTF-8, with or without BOM
    except imports.ImportFailed as exc:
        raise ImportFileError(exc.message) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(_("Die Datei ist leer.")) from None
    fields = [COLUMNS.get(h.strip().lower(), "") for h in header]
    unknown = [h for h, f in zip(header, fields, strict=True) if not f and h.strip()]
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise ImportFileError(
            _("Pflichtspalten fehlen: %(cols)s (Spalten siehe Dokumentation).") % {"cols": ", ".join(missing)}
        )
    for n, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        warnings = (
            [_("Unbekannte Spalte „%(c)s“ wird ignoriert.") % {"c": c} for c in unknown] if n == 2 else []
        )
        if len(values) != len(fields):
            yield Row(
                n,
                {},
                None,
                None,
                warnings,
                _("Die Zeile hat %(n)d statt %(m)d Spalten.") % {"n": len(values), "m": len(fields)},
            )
            continue
        raw = {f: v.strip() for f, v in zip(fields, values, strict=True) if f}
        status = None
        if raw.get("status"):
            status = STATUS_WORDS.get(raw["status"].lower())
            if status is None:
                warnings.append(_("Unbekannter Status „%(s)s“, Entwurf gesetzt.") % {"s": raw["status"]})
        collections = _split(raw["collections"]) if "collections" in raw else None
        yield Row(n, row_to_data(raw), collections, status, warnings)


def lido_rows(content: bytes) -> Iterator[Row]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise ImportFileError(_("Die Datei ist kein wohlgeformtes XML: %(e)s") % {"e": exc}) from None
    records = lido.parse_records(root)
    if not records:
        raise ImportFileError(
            _("Die Datei enthält keine LIDO-Datensätze (Namensraum http://www.lido-schema.org).")
        )
    for rec in records:
        data, warnings = lido.record_to_data(rec)
        yield Row(rec.sourceline or 0, data, None, None, warnings)


def _message(job_messages: list[dict[str, Any]], line: int, level: str, message: str) -> None:
    job_messages.append({"line": line, "level": level, "message": message})


def run(job: ImportJob) -> None:
    """Process the job (called by the background task); never raises for bad content."""
    muni = job.municipality
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, heartbeat_at=timezone.now())
    last_beat = time.monotonic()
    messages: list[dict[str, Any]] = []
    created = updated = failed = 0
    try:
        content = bytes(job.content)
        rows = list(csv_rows(content) if job.kind == ImportKind.CSV else lido_rows(content))
    except ImportFileError as exc:
        _message(messages, 0, "error", str(exc))
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, messages=messages, finished_at=timezone.now()
        )
        return
    if len(rows) > MAX_ROWS:
        _message(messages, 0, "error", _("Zu viele Zeilen (höchstens %(n)d).") % {"n": MAX_ROWS})
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, messages=messages, finished_at=timezone.now()
        )
        return
    ImportJob.objects.filter(pk=job.pk).update(total=len(rows))
    existing = {o.inventory_number: o for o in HeritageObject.objects.for_tenant(muni)}
    by_spec = {c.set_spec: c for c in Collection.objects.for_tenant(muni)}
    seen: dict[str, int] = {}
    for i, row in enumerate(rows, start=1):
        for w in row.warnings:
            _message(messages, row.line, "warning", w)
        error = row.error
        inv = (row.data.get("inventory_number") or "").strip()
        if error is None and inv in seen:
            error = _("Die Inventarnummer %(inv)s steht schon in Zeile %(line)d.") % {
                "inv": inv,
                "line": seen[inv],
            }
        collections = None
        if error is None and row.collections is not None:
            unknown = [s for s in row.collections if s not in by_spec]
            if unknown:
                _message(
                    messages,
                    row.line,
                    "warning",
                    _("Unbekannte Sammlung(en) ignoriert: %(s)s") % {"s": ", ".join(unknown)},
                )
            collections = [by_spec[s] for s in row.collections if s in by_spec]
        if error is None:
            try:
                services.clean_metadata(row.data)
            except services.ObjectError as exc:
                error = "; ".join(exc.errors.values())
        if error is not None:
            failed += 1
            _message(messages, row.line, "error", error)
        else:
            seen[inv] = row.line
            obj = existing.get(inv)
            is_update = obj is not None
            if not job.dry_run:
                try:
                    with transaction.atomic():
                        obj = services.save_object(
                            muni,
                            row.data,
                            obj=obj,
                            collections=collections,
                            actor=job.created_by,
                            audited=False,
                            reason=_("Import %(f)s") % {"f": job.file_name},
                        )
                        if row.status and row.status != obj.status:
                            _walk_status(obj, row.status, job)
                        existing[inv] = obj
                except services.ObjectError as exc:
                    failed += 1
                    _message(messages, row.line, "error", "; ".join(exc.errors.values()))
                    continue
            if is_update:
                updated += 1
            else:
                created += 1
        if i % PROGRESS_EVERY == 0 or time.monotonic() - last_beat > HEARTBEAT_SECONDS:
            last_beat = time.monotonic()
            ImportJob.objects.filter(pk=job.pk).update(
                processed=i,
                created=created,
                updated=updated,
                failed=failed,
                messages=messages,
                heartbeat_at=timezone.now(),
            )
    ImportJob.objects.filter(pk=job.pk).update(
        processed=len(rows),
        created=created,
        updated=updated,
        failed=failed,
        messages=messages,
        status=ImportStatus.DONE,
        finished_at=timezone.now(),
    )
    audit.record(
        "heritage.import.finished",
        actor=job.created_by,
        municipality=muni,
        obj=job,
        changes={"created": created, "updated": updated, "failed": failed, "dry_run": job.dry_run},
    )
    job.refresh_from_db()


def _walk_status(obj: HeritageObject, target: str, job: ImportJob) -> None:
    """Move an imported object along the workflow to the status the file asks for."""
    path: dict[str, list[str]] = {
        Status.DRAFT: [],
        Status.REVIEW: [Status.REVIEW],
        Status.PUBLISHED: [Status.REVIEW, Status.PUBLISHED],
    }
    if obj.status == Status.PUBLISHED and target != Status.PUBLISHED:
        services.transition(obj, Status.DRAFT, actor=job.created_by)
        obj.refresh_from_db()
    for step in path[target]:
        if obj.status != step and step in services.TRANSITIONS.get(obj.status, set()):
            services.transition(obj, step, actor=job.created_by)
            obj.refresh_from_db()


def create_job(
    municipality: Any, kind: str, file_name: str, content: bytes, *, dry_run: bool, user: Any = None
) -> ImportJob:
    """Store the upload as a job and queue it (after commit)."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFileError(_("Die Datei ist zu groß (höchstens 20 MB)."))
    if kind == ImportKind.LIDO and not content.lstrip().startswith(b"<"):
        raise ImportFileError(_("Die Datei ist keine XML-Datei."))
    if kind == ImportKind.CSV and b"\x00" in content[:4096]:
        raise ImportFileError(_("Die Datei ist keine CSV-Textdatei."))
    with transaction.atomic():
        job = ImportJob.objects.create(
            municipality=municipality,
            kind=kind,
            file_name=file_name[:300],
            content=content,
            dry_run=dry_run,
            created_by=user,
        )
        audit.record(
            "heritage.import.started",
            actor=user,
            municipality=municipality,
            obj=job,
            changes={"file": file_name, "dry_run": dry_run},
        )
        from .tasks import run_import

        transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


__all__ = ["COLUMNS", "ImportFileError", "ObjectType", "create_job", "run"]
