"""Bulk import of objects from CSV (documented column mapping, docs/heritage.md) and LIDO XML.

The imports run as import jobs of the core (``rathaus.core.jobs.imports``, ADR 0022): the upload
view calls :func:`start_job`, which checks what is cheap and queues a job of kind ``heritage.csv``
or ``heritage.lido``; the worker runs :func:`run_import_job`. The job page is the shared one.

Each row (record) is checked on its own: good rows are saved, bad rows are reported with their
line number and nothing of them is stored; a re-import updates objects by inventory number. These
importers are therefore the declared exception to the core's all-or-nothing rule
(``all_or_nothing=False``, ADR 0022). In dry-run mode (``job.params["dry_run"]``) everything is
checked and reported and nothing is saved.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from lxml import etree

from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports
from rathaus.core.jobs.models import ImportJob

from . import lido, services
from .models import (
    RIGHTS,
    Collection,
    HeritageObject,
    ObjectType,
    Status,
)

CSV_KIND = "heritage.csv"
LIDO_KIND = "heritage.lido"
KINDS = {"csv": CSV_KIND, "lido": LIDO_KIND}  # the upload form's format → the job kind

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


class ImportFileError(imports.ImportFailed):
    """The file as a whole cannot be imported (no rows were looked at); the job fails with it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


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
    # No entities, no network, no DTD: a LIDO file needs none (it is described by an XML schema),
    # and a document type with entities is how XML attacks come (billion laughs, external files).
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise ImportFileError(_("Die Datei ist kein wohlgeformtes XML: %(e)s") % {"e": exc}) from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise ImportFileError(
            _(
                "Die Datei enthält eine Dokumenttyp-Deklaration (DOCTYPE). LIDO-Dateien brauchen "
                "keine; aus Sicherheitsgründen werden solche Dateien nicht gelesen. Bitte entfernen "
                "Sie die DOCTYPE-Zeile."
            )
        )
    records = lido.parse_records(root)
    if not records:
        raise ImportFileError(
            _("Die Datei enthält keine LIDO-Datensätze (Namensraum http://www.lido-schema.org).")
        )
    for rec in records:
        data, warnings = lido.record_to_data(rec)
        yield Row(rec.sourceline or 0, data, None, None, warnings)


def run_import_job(
    ctx: ServiceContext, job: ImportJob, content: bytes, progress: imports.Progress
) -> tuple[str, dict[str, Any]]:
    """The importer of ``heritage.csv`` / ``heritage.lido`` jobs (registered in apps.py).

    Every row on its own: good rows are saved (each in its own transaction), bad rows are reported
    with ``progress.reject`` and counted as failed. A file that cannot be read at all raises
    :class:`ImportFileError` before any row is saved.
    """
    muni = ctx.municipality
    assert muni is not None  # an import job belongs to a municipality
    dry_run = job.dry_run
    rows = list(csv_rows(content) if job.kind == CSV_KIND else lido_rows(content))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("Zu viele Zeilen (höchstens %(n)d).") % {"n": MAX_ROWS})
    progress.start(len(rows))
    for key in ("created", "updated", "failed"):
        progress.count(key, 0)
    existing = {o.inventory_number: o for o in HeritageObject.objects.for_tenant(muni)}
    by_spec = {c.set_spec: c for c in Collection.objects.for_tenant(muni)}
    seen: dict[str, int] = {}
    for row in rows:
        _import_row(ctx, job, row, progress, existing, by_spec, seen, dry_run=dry_run)
        progress.advance()
    counts = {key: progress.counts[key] for key in ("created", "updated", "failed")}
    if dry_run:
        message = _(
            "Probelauf abgeschlossen: %(c)s würden neu angelegt, %(u)s aktualisiert, %(f)s Zeilen "
            "sind fehlerhaft. Es wurde nichts gespeichert."
        )
    else:
        message = _(
            "Import abgeschlossen: %(c)s Objekte neu angelegt, %(u)s aktualisiert, %(f)s fehlerhafte "
            "Zeilen nicht übernommen."
        )
    return message % {"c": counts["created"], "u": counts["updated"], "f": counts["failed"]}, counts


def _import_row(
    ctx: ServiceContext,
    job: ImportJob,
    row: Row,
    progress: imports.Progress,
    existing: dict[str, HeritageObject],
    by_spec: dict[str, Collection],
    seen: dict[str, int],
    *,
    dry_run: bool,
) -> None:
    muni = ctx.municipality
    assert muni is not None
    for w in row.warnings:
        progress.warn(w, row.line)
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
            progress.warn(_("Unbekannte Sammlung(en) ignoriert: %(s)s") % {"s": ", ".join(unknown)}, row.line)
        collections = [by_spec[s] for s in row.collections if s in by_spec]
    if error is None:
        try:
            services.clean_metadata(row.data)
        except services.ObjectError as exc:
            error = "; ".join(exc.errors.values())
    if error is not None:
        progress.count("failed")
        progress.reject(error, row.line)
        return
    seen[inv] = row.line
    obj = existing.get(inv)
    is_update = obj is not None
    if not dry_run:
        try:
            with transaction.atomic():
                obj = services.save_object(
                    muni,
                    row.data,
                    obj=obj,
                    collections=collections,
                    actor=ctx.actor,
                    audited=False,
                    reason=_("Import %(f)s") % {"f": job.file_name},
                )
                if row.status and row.status != obj.status:
                    _walk_status(obj, row.status, ctx.actor)
                existing[inv] = obj
        except services.ObjectError as exc:
            progress.count("failed")
            progress.reject("; ".join(exc.errors.values()), row.line)
            return
    progress.count("updated" if is_update else "created")


def _walk_status(obj: HeritageObject, target: str, actor: Any) -> None:
    """Move an imported object along the workflow to the status the file asks for."""
    path: dict[str, list[str]] = {
        Status.DRAFT: [],
        Status.REVIEW: [Status.REVIEW],
        Status.PUBLISHED: [Status.REVIEW, Status.PUBLISHED],
    }
    if obj.status == Status.PUBLISHED and target != Status.PUBLISHED:
        services.transition(obj, Status.DRAFT, actor=actor)
        obj.refresh_from_db()
    for step in path[target]:
        if obj.status != step and step in services.TRANSITIONS.get(obj.status, set()):
            services.transition(obj, step, actor=actor)
            obj.refresh_from_db()


def check_upload(fmt: str, content: bytes) -> None:
    """What the upload view checks at once (the form shows it, no job is queued): the size, the
    encoding of a CSV file, that a LIDO file looks like XML. Raises :class:`ImportFileError`."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFileError(_("Die Datei ist zu groß (höchstens 20 MB)."))
    if fmt == "lido" and not content.lstrip().startswith(b"<"):
        raise ImportFileError(_("Die Datei ist keine XML-Datei."))
    if fmt == "csv":
        try:
            imports.decode_csv(content)  # the platform's one rule: UTF-8, with or without BOM
        except imports.ImportFailed as exc:
            raise ImportFileError(exc.message) from None


def start_job(
    ctx: ServiceContext, fmt: str, file_name: str, content: bytes, *, dry_run: bool, queue: bool = True
) -> tuple[ImportJob, bool]:
    """Check the upload and queue its import job (``imports.start_import``): ``(job, started)``.

    ``fmt`` is ``csv`` or ``lido``; ``started`` is False for a double submit (the same file with
    the same options is running or was imported a moment ago: that job is returned).
    """
    if fmt not in KINDS:
        raise ImportFileError(_("Unbekanntes Format."))
    check_upload(fmt, content)
    return imports.start_import(
        ctx, KINDS[fmt], file_name, content, params={"dry_run": bool(dry_run)}, queue=queue
    )


def recent_jobs_queryset(municipality: Any) -> QuerySet[ImportJob]:
    """The collection's import jobs of one municipality, newest first."""
    return ImportJob.objects.for_tenant(municipality).filter(kind__in=KINDS.values())


def recent_jobs(municipality: Any, limit: int = 5) -> list[ImportJob]:
    """The last import jobs of the collection (for its management page)."""
    return list(
        recent_jobs_queryset(municipality).only("pk", "kind", "file_name", "status", "params", "created_at")[
            :limit
        ]
    )


def _importer(kind: str) -> imports.Importer:
    return imports.Importer(
        kind=kind,
        module="heritage",
        run=run_import_job,
        back_url_name="heritage:manage",
        start_url_name="heritage:import_start",
        max_bytes=MAX_IMPORT_BYTES,
        all_or_nothing=False,  # good rows are saved, bad rows reported (ADR 0022)
    )


# Declared in apps.py (ADR 0014): the collection's imports run as core import jobs.
CSV_IMPORTER = _importer(CSV_KIND)
LIDO_IMPORTER = _importer(LIDO_KIND)


__all__ = [
    "COLUMNS",
    "CSV_IMPORTER",
    "LIDO_IMPORTER",
    "ImportFileError",
    "ObjectType",
    "run_import_job",
    "start_job",
]
