"""Every restore leaves a row: when, from which backup, and how far the counters were advanced."""

from __future__ import annotations

from django.db import models


class RestoreRecord(models.Model):
    restored_at = models.DateTimeField()
    backup_created_at = models.DateTimeField()
    backup_app_version = models.CharField(max_length=100, blank=True)
    reference_gap = models.PositiveIntegerField()
    # what was advanced: {"cases.ReferenceCounter": [...], "sequences": N}
    advanced = models.JSONField(default=dict)

    class Meta:
        ordering = ["-restored_at"]

    def __str__(self) -> str:
        return f"Restore {self.restored_at:%Y-%m-%d %H:%M} (backup {self.backup_created_at:%Y-%m-%d %H:%M})"
