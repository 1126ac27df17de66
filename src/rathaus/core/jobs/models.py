"""Worker heartbeats: a running worker writes its row every few seconds (docs/operations.md)."""

from __future__ import annotations

from django.db import models


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
