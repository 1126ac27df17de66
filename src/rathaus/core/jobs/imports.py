"""Import jobs: one mechanism for every module that imports an uploaded file (docs/architecture.md).

A module defines an importer for a *kind* and declares it in its ``apps.py`` (ADR 0014)::

    IMPORTER = imports.Importer(
        kind="catalog.csv", module="services", run=run_import_job,
        back_url_name="catalog:manage", start_url_name="catalog:manage_import",
    )
    # apps.py: RathausModule(..., importers=("rathaus.catalog.services.IMPORTER",))

The upload view calls :func:`start_import` (the file goes to the private storage, a job row is
created and a task is queued after commit) and redirects to :func:`job_url`, the one job page every
module shares. ``start_import`` takes the bytes of a small file or the ``UploadedFile`` of a large
one, which is hashed and stored in blocks, never read whole into memory. A worker runs the importer
as ``run(ctx, job, data, progress)``, or with ``Importer(wants_path=True)`` as
``run(ctx, job, path, progress)`` with a local file (:func:`local_file`); it reports
``progress.start(total)`` / ``progress.advance()`` (throttled writes that double as the job's
heartbeat) and returns a summary, or raises :class:`ImportFailed` with the messages for the page.
An importer writes everything in one transaction or nothing: a failed job has imported nothing.
The one declared exception is an importer with ``all_or_nothing=False`` (the digital collection,
ADR 0022): it saves every good row on its own, reports the bad ones with ``progress.reject()`` and
its counts with ``progress.count()``; a re-import of the same file must be safe (it updates by a
key). Any importer may report ``progress.warn()`` (imported, but worth a look); an upload option
such as a dry run goes into ``params`` (``job.params``), which the job page shows.

CSV files are decoded by :func:`decode_csv`, the one rule: UTF-8, with or without byte order mark;
anything else is refused with a message that says how to save the file as UTF-8.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.core import uploads
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.storage import is_local, open_stream, private_storage

from .models import ImportJob

logger = logging.getLogger(__name__)

MAX_ERRORS = 500  # messages kept on a failed job; the page says how many more there were
DUPLICATE_WINDOW = timedelta(minutes=10)  # the same file again within this time is not re-imported
PROGRESS_SECONDS = 1.0  # a progress write at most this often (and on start and end)
CHUNK = 1024 * 1024  # uploads are hashed and copied in blocks of this size


def problem(message: str, line: int | None = None, column: str = "") -> dict[str, Any]:
    """One message of a failed job: the text, and where known the line and column of the file."""
    return {"line": line, "column": column, "message": str(message)}


class ImportFailed(Exception):
    """Raised by an importer: the file cannot be imported; ``errors`` (see :func:`problem`) go on
    the job page below ``message``."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.errors = list(errors or [])


@dataclass(frozen=True)
class Importer:
    """A module's importer for one kind of file.

    ``run(ctx, job, data, progress)`` returns ``(message, result)``: a sentence for the job page
    and a small JSON-able dict (counts; the job page names ``created``, ``updated`` and ``failed``).
    ``data`` is the file's bytes; with ``wants_path=True`` it is a local ``Path`` of the file
    instead (large files such as a GTFS zip: the file is never read whole into memory). The path
    is for reading only and exists while ``run`` runs.
    ``module`` is the role module whose managers may start and see such jobs; ``back_url_name`` the
    module page the job page links back to.

    ``all_or_nothing`` (the rule, ADR 0022): the importer writes in one transaction, a failed job
    has imported nothing. ``False`` declares the exception: good rows are saved one by one, bad rows
    are reported with ``progress.reject()`` and the job still ends ``done``; a failed or lost job
    may have saved the rows before it stopped (the page says so, and shows ``progress.count()``).
    """

    kind: str
    module: str
    # (ctx, job, bytes, progress), or (ctx, job, Path, progress) with wants_path=True
    run: Callable[[ServiceContext, ImportJob, Any, Progress], tuple[str, dict[str, Any]]]
    back_url_name: str
    start_url_name: str = ""
    max_bytes: int = 20 * 1024 * 1024
    all_or_nothing: bool = True
    wants_path: bool = False


_IMPORTERS: dict[str, Importer] = {}


def register_importer(importer: Importer) -> None:
    _IMPORTERS[importer.kind] = importer


def importer(kind: str) -> Importer:
    try:
        return _IMPORTERS[kind]
    except KeyError:
        raise LookupError(f"no importer registered for {kind!r}") from None


def registered_kinds() -> list[str]:
    return sorted(_IMPORTERS)


# --- the one CSV decoding rule -----------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """The bytes of a CSV file as text: UTF-8 with or without BOM; else :class:`ImportFailed`.

    Binary files (NUL or other control characters) are refused too. No second encoding is guessed:
    Windows-1252 would decode almost any bytes and turn a wrongly saved file into wrong data.
    """
    if b"\x00" in data:
        raise ImportFailed(_("Die Datei ist keine Textdatei (CSV)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            _(
                "Die Datei ist nicht UTF-8-kodiert (Byte %(pos)s). Bitte speichern Sie sie als "
                "„CSV UTF-8“ (in Excel: Speichern unter, Dateityp „CSV UTF-8 (durch Trennzeichen "
                "getrennt)“)."
            )
            % {"pos": exc.start}
        ) from None
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        raise ImportFailed(_("Die Datei ist keine Textdatei (CSV)."))
    return text


# --- progress ----------------------------------------------------------------------------------


class Progress:
    """What an importer reports; writes at most every ``interval`` seconds (plus start and end).

    Every write also sets ``heartbeat_at``, so a job that reports is never taken for lost. An
    importer with a long step that reports nothing calls :meth:`beat`. Warnings, rejected rows and
    counts (:meth:`warn`, :meth:`reject`, :meth:`count`) go out with the next write, so the job page
    shows them while the job runs and a lost job keeps what it had reported.
    """

    def __init__(self, job: ImportJob, *, interval: float = PROGRESS_SECONDS) -> None:
        self.job_pk = job.pk
        self.interval = interval
        self.total = job.total
        self.done = job.done
        self.writes = 0
        self.errors: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self._reported = False  # messages or counts not yet written
        self._last = time.monotonic()

    def warn(self, message: str, line: int | None = None, column: str = "") -> None:
        """Imported, but worth a look (an ignored column, a guessed value)."""
        self.warnings.append(problem(message, line, column))
        self._reported = True

    def reject(self, message: str, line: int | None = None, column: str = "") -> None:
        """A row that is not imported (importers with ``all_or_nothing=False``)."""
        self.errors.append(problem(message, line, column))
        self._reported = True

    def count(self, key: str, n: int = 1) -> None:
        """Add to a count of the result (``created``, ``updated``, ``failed`` …)."""
        self.counts[key] = self.counts.get(key, 0) + n
        self._reported = True

    def start(self, total: int) -> None:
        self.total, self.done = max(0, total), 0
        self._write()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.done >= self.total or time.monotonic() - self._last >= self.interval:
            self._write()

    def beat(self) -> None:
        if time.monotonic() - self._last >= self.interval:
            self._write()

    def _write(self) -> None:
        self._last = time.monotonic()
        self.writes += 1
        fields: dict[str, Any] = {}
        if self._reported:
            self._reported = False
            fields = {
                "errors": capped(self.errors),
                "warnings": capped(self.warnings),
                "result": dict(self.counts),
            }
        ImportJob.objects.filter(pk=self.job_pk, status=ImportJob.RUNNING).update(
            total=self.total,
            done=min(self.done, self.total or self.done),
            heartbeat_at=timezone.now(),
            **fields,
        )


def capped(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most ``MAX_ERRORS`` messages, and a last one that says how many more there were."""
    kept = messages[:MAX_ERRORS]
    if len(messages) > MAX_ERRORS:
        kept.append(problem(_("… und %(n)s weitere Meldungen.") % {"n": len(messages) - MAX_ERRORS}))
    return kept


# --- starting a job ----------------------------------------------------------------------------


def checksum(data: bytes, params: dict[str, Any] | None = None) -> str:
    """SHA-256 of the file, and of its ``params`` where there are any: the same file with other
    options (a dry run, then the real import) is another import, not a double submit."""
    return _with_params(hashlib.sha256(data), params)


def _with_params(digest: Any, params: dict[str, Any] | None) -> str:
    if params:
        digest.update(b"\0" + json.dumps(params, sort_keys=True, default=str).encode())
    return str(digest.hexdigest())


def recent_duplicate(ctx: ServiceContext, kind: str, digest: str) -> ImportJob | None:
    """A job of the same file that is still running or finished a moment ago (a double submit)."""
    since = timezone.now() - DUPLICATE_WINDOW
    return (
        ImportJob.objects.filter(municipality=ctx.municipality)
        .filter(kind=kind, checksum=digest)
        .filter(Q(status__in=ImportJob.ACTIVE) | Q(status=ImportJob.DONE, created_at__gte=since))
        .order_by("-created_at", "-pk")
        .first()
    )


def _check(size: int, head: bytes, max_bytes: int) -> None:
    try:
        uploads.check(size=size, head=head, max_bytes=max_bytes)
    except uploads.UploadRejected as exc:
        raise ImportFailed(exc.message) from exc


def _measure(upload: File[bytes], max_bytes: int, params: dict[str, Any] | None) -> tuple[int, str]:
    """Size and checksum of an uploaded file, read once in blocks of :data:`CHUNK` (never whole).

    The size the upload declares is checked first (an oversized or empty upload is refused before
    it is read), then the size actually read: reading stops, and the file is refused, as soon as it
    passes ``max_bytes``. The file is left at its start."""
    upload.seek(0)
    head = upload.read(uploads.HEAD_BYTES)
    declared = getattr(upload, "size", None)
    if isinstance(declared, int):
        _check(declared, head, max_bytes)
    digest, size = hashlib.sha256(head), len(head)
    while chunk := upload.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if size > max_bytes:
            break
    upload.seek(0)
    _check(size, head, max_bytes)
    return size, _with_params(digest, params)


def start_import(
    ctx: ServiceContext,
    kind: str,
    file_name: str,
    data: bytes | File[bytes],
    *,
    params: dict[str, Any] | None = None,
    queue: bool = True,
) -> tuple[ImportJob, bool]:
    """Store the file and queue its import; returns ``(job, started)``.

    ``data`` is the file's bytes (small files the view has read anyway) or an open file, e.g. the
    request's ``UploadedFile`` (Django spools an upload over 2 MiB to a temporary file): that one is
    hashed in one pass of 1 MB blocks and then handed to the private storage, which copies it in
    blocks (a local storage moves Django's temporary file into place) — a 200 MB GTFS zip is never
    held in memory. Size and emptiness are checked (:func:`rathaus.core.uploads.check`) on the
    declared and on the read size before anything is stored.

    ``started`` is False when the same file (same checksum and kind) is being imported or was
    imported within ``DUPLICATE_WINDOW``: then that job is returned and nothing is queued or stored.
    Raises :class:`ImportFailed` for a file over the importer's size limit or an empty file.
    ``queue=False`` (management commands) creates the job without a task: the caller runs it with
    :func:`run` in its own process.
    """
    spec = importer(kind)
    if ctx.municipality is None:
        raise ValueError("an import job belongs to a municipality")
    key_params = dict(params or {})  # all options count: the same file with other options is another import
    content: File[bytes]
    if isinstance(data, bytes):
        _check(len(data), data[: uploads.HEAD_BYTES], spec.max_bytes)
        size, digest, content = len(data), checksum(data, key_params), ContentFile(data)
    else:
        size, digest = _measure(data, spec.max_bytes, key_params)
        content = data
    found = recent_duplicate(ctx, kind, digest)
    if found is not None:
        return found, False
    name = uploads.storage_name("imports", ctx.municipality.pk)
    stored = private_storage().save(name, content)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                municipality=ctx.municipality,
                kind=kind,
                file_name=(file_name or "upload")[:255],
                file_path=stored,
                size=size,
                checksum=digest,
                params=params or {},
                created_by=ctx.actor,
            )
            audit.record(
                "jobs.import.started", ctx=ctx, obj=job, changes={"kind": kind, "file": job.file_name}
            )
            if queue:
                transaction.on_commit(lambda: _enqueue(job.pk))
    except IntegrityError:  # a concurrent submit of the same file won the race
        private_storage().delete(stored)
        found = recent_duplicate(ctx, kind, digest)
        if found is None:
            raise
        return found, False
    return job, True


def _enqueue(job_pk: int) -> None:
    from .tasks import run_import_job

    run_import_job.enqueue(job_pk)


def file_paths() -> Iterator[str]:
    """Storage names of every stored import file (all municipalities): the file migration
    (``move_private_files``, ``migrate_files``) checks that each exists at the target. A job whose
    file was purged (:func:`purge_files`) has an empty ``file_path`` and names no file."""
    return (
        ImportJob.objects.exclude(file_path="").values_list("file_path", flat=True).iterator(chunk_size=2000)
    )


# --- purging old import files ------------------------------------------------------------------

FINISHED = (ImportJob.DONE, ImportJob.FAILED)
PURGE_BATCH = 200


def file_days() -> int:
    """Days an import file is kept after its job finished (``RATHAUS_IMPORT_FILE_DAYS``)."""
    return max(1, int(getattr(settings, "RATHAUS_IMPORT_FILE_DAYS", 30)))


def purgeable(cutoff: datetime) -> QuerySet[ImportJob]:
    """Finished jobs that still have a file and ended before ``cutoff`` (a job without
    ``finished_at``, e.g. one failed by an old release, counts from its creation)."""
    return (
        ImportJob.objects.filter(status__in=FINISHED)
        .exclude(file_path="")
        .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
    )


def purge_files(*, days: int | None = None, now: datetime | None = None, batch: int = PURGE_BATCH) -> int:
    """Delete the stored files of jobs that finished more than ``days`` (default
    :func:`file_days`) ago; the job rows stay (their page says the file is no longer kept).

    Never a queued or running job's file. In batches of ``batch`` rows. Each row is claimed first by
    a conditional UPDATE (still finished, still this path → empty path), and only the node whose
    UPDATE changed the row deletes the file: two nodes running at once delete each file once, and a
    node that dies between the UPDATE and the delete leaves an unreferenced file, never a row that
    names a missing one. Returns the number of files deleted.
    """
    cutoff = (now or timezone.now()) - timedelta(days=file_days() if days is None else days)
    storage = private_storage()
    deleted, last_pk = 0, 0
    while True:
        rows = list(
            purgeable(cutoff).filter(pk__gt=last_pk).order_by("pk").values_list("pk", "file_path")[:batch]
        )
        if not rows:
            return deleted
        for pk, path in rows:
            last_pk = pk
            mine = ImportJob.objects.filter(pk=pk, file_path=path, status__in=FINISHED)
            if not mine.update(file_path=""):  # another node took it, or the row changed
                continue
            with contextlib.suppress(FileNotFoundError):
                storage.delete(path)
            deleted += 1


def job_url(job: ImportJob) -> str:
    return reverse("jobs:import_job", args=[job.pk])


# --- running a job (in the worker) -------------------------------------------------------------


def run(job_pk: int) -> str:
    """Run one queued job; never raises for bad content (the job ends ``failed`` with a message)."""
    claimed = ImportJob.objects.filter(pk=job_pk, status=ImportJob.QUEUED).update(
        status=ImportJob.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    if not claimed:  # gone, or already run (a task that ran twice)
        return "skipped"
    job = ImportJob.objects.select_related("municipality", "created_by").get(pk=job_pk)
    ctx = ServiceContext.for_task(job.municipality, actor=job.created_by)
    progress = Progress(job)
    partial = False  # an importer that saves good rows one by one (all_or_nothing=False)
    try:
        spec = importer(job.kind)
        partial = not spec.all_or_nothing
        if spec.wants_path:
            with local_file(job.file_path) as path:
                message, result = spec.run(ctx, job, path, progress)
        else:
            with private_storage().open(job.file_path, "rb") as fh:
                data = fh.read()
            message, result = spec.run(ctx, job, data, progress)
    except ImportFailed as exc:
        kept = dict(progress.counts) if partial else {}
        return _finish(job, ImportJob.FAILED, exc.message, [*progress.errors, *exc.errors], kept, progress)
    except Exception:  # a bug or a lost storage: the job says so, the log has the traceback
        logger.exception("Import job %s (%s) failed", job.pk, job.kind)
        if partial:
            message = _(
                "Der Import ist an einem unerwarteten Fehler gescheitert; die Zeilen davor sind "
                "gespeichert, ein erneuter Import derselben Datei aktualisiert sie."
            )
        else:
            message = _(
                "Der Import ist an einem unerwarteten Fehler gescheitert; es wurde nichts importiert."
            )
        return _finish(
            job,
            ImportJob.FAILED,
            message,
            progress.errors,
            dict(progress.counts) if partial else {},
            progress,
        )
    return _finish(job, ImportJob.DONE, message, progress.errors, result, progress)


@contextlib.contextmanager
def local_file(name: str) -> Iterator[Path]:
    """A local path of the stored import file ``name``, for reading (``Importer(wants_path=True)``).

    With a local private storage it is the stored file itself. With object storage the file is
    streamed (:func:`rathaus.core.storage.open_stream`, blocks of :data:`CHUNK`) into a temporary
    file in ``FILE_UPLOAD_TEMP_DIR`` (the system's temporary folder when unset), which is removed
    afterwards, also when the importer fails. Not the per-node file cache (``rathaus.core.filecache``):
    an import file is read once, and a 200 MB entry would only push the feeds' Parquet files out.
    """
    storage = private_storage()
    if is_local(storage):
        yield Path(storage.path(name))
        return
    fd, tmp = tempfile.mkstemp(
        prefix="rathaus-import-", suffix=".tmp", dir=getattr(settings, "FILE_UPLOAD_TEMP_DIR", None) or None
    )
    try:
        with os.fdopen(fd, "wb") as out:
            source = open_stream(storage, name)
            try:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
            finally:
                source.close()
        yield Path(tmp)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _finish(
    job: ImportJob,
    status: str,
    message: str,
    errors: list[dict[str, Any]],
    result: dict[str, Any],
    progress: Progress,
) -> str:
    fields: dict[str, Any] = {
        "status": status,
        "message": message,
        "errors": capped(errors),
        "warnings": capped(progress.warnings),
        "result": result,
        "finished_at": timezone.now(),
        "heartbeat_at": timezone.now(),
    }
    if status == ImportJob.DONE:
        fields["done"] = progress.done
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.RUNNING).update(**fields)
    changes: dict[str, Any] = {"kind": job.kind, "errors": len(errors), **result}
    if progress.warnings:
        changes["warnings"] = len(progress.warnings)
    if job.params:
        changes["params"] = job.params
    audit.record(
        f"jobs.import.{status}",
        ctx=ServiceContext.for_task(job.municipality, actor=job.created_by),
        obj=job,
        changes=changes,
    )
    return status


# --- jobs of dead workers ----------------------------------------------------------------------


def stale_jobs(cutoff: datetime) -> QuerySet[ImportJob]:
    """Running jobs whose worker has not reported since ``cutoff``."""
    return ImportJob.objects.filter(status=ImportJob.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )


def fail_stale_jobs(cutoff: datetime, message: str) -> int:
    return stale_jobs(cutoff).update(status=ImportJob.FAILED, message=message, finished_at=timezone.now())
