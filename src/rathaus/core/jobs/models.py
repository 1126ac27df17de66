"""Worker heartbeats: a running worker writes its row every few seconds (docs/operations.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Value
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import TenantOwned


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class ScheduledJobRun(models.Model):
    """One row per registered periodic job (``rathaus.core.jobs.scheduler``): its last run and its lease.

    A node runs a job only after it has set ``locked_by``/``locked_until`` with one conditional UPDATE
    (free or expired lease, job due); a node that dies leaves a lease that expires at ``locked_until``.
    """

    OK = "ok"
    FAILED = "failed"
    RUNNING = "running"
    OUTCOMES = [(OK, "erfolgreich"), (FAILED, "fehlgeschlagen"), (RUNNING, "läuft")]

    name = models.CharField(max_length=100, primary_key=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=10, choices=OUTCOMES, blank=True)
    last_message = models.TextField(blank=True)
    run_count = models.PositiveIntegerField(default=0)
    locked_by = models.CharField(max_length=100, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.last_outcome or '-'})"


class OutgoingMail(models.Model):
    """A queued mail's content and recipients, kept OUT of the task table (docs/operations.md).

    ``send_email_after_commit`` stores the row inside the caller's transaction and queues only its id;
    the worker sends it and deletes the row (also when sending fails). Rows a dead worker left behind
    are deleted by the scheduled job ``purge_outgoing_mails`` after ``KEEP_DAYS``.
    """

    KEEP_DAYS = 7

    subject = models.TextField()
    body = models.TextField()
    recipients = models.JSONField(default=list)
    reply_to = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"OutgoingMail {self.pk}"


class ImportJob(TenantOwned):
    """One uploaded file that a module's importer processes in the background (docs/architecture.md).

    The file lies in the private storage (``file_path``); the importer registered for ``kind``
    (``rathaus.core.jobs.imports``) reads it in a worker and reports ``done``/``total`` through a
    :class:`~rathaus.core.jobs.imports.Progress`, which also writes ``heartbeat_at``. A running job
    whose heartbeat is older than the stale time lost its worker and is failed by ``recover_jobs``.
    At most one job per municipality, kind and file checksum is queued or running at a time.
    """

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STATUSES = [
        (QUEUED, _("wartet")),
        (RUNNING, _("läuft")),
        (DONE, _("abgeschlossen")),
        (FAILED, _("fehlgeschlagen")),
    ]
    ACTIVE = (QUEUED, RUNNING)

    kind = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED)
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # SHA-256 of the file, and of the ``params`` with it when there are any (the same file with
    # other options, e.g. a dry run and then the real import, is another import).
    checksum = models.CharField(max_length=64)
    # Options of the upload the importer reads (e.g. ``{"dry_run": true}``, shown on the job page).
    params = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # [{"line": 3, "column": "name", "message": "Pflichtfeld ist leer."}, ...]; at most 500 are kept.
    # On a failed job: why nothing was imported; on a done job of an importer that saves good rows
    # (``Importer.all_or_nothing=False``): the rows it did not take over.
    errors = models.JSONField(default=list, blank=True)
    # Same shape: what was imported but deserves a look (an unknown column ignored, a value guessed).
    # db_default: the previous release's INSERTs, which do not name the column, still work.
    warnings = models.JSONField(
        default=list, blank=True, db_default=Value([], output_field=models.JSONField())
    )
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="jobs_import_stale_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "checksum"],
                condition=models.Q(status__in=["queued", "running"]),
                name="jobs_import_one_active_per_file",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def dry_run(self) -> bool:
        return bool((self.params or {}).get("dry_run"))

    @property
    def percent(self) -> int:
        if self.status == self.DONE:
            return 100
        return min(100, int(100 * self.done / self.total)) if self.total else 0
