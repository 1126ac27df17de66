"""Append-only audit events. The database refuses UPDATE and DELETE (see migration 0002)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only")


class AuditEvent(models.Model):
    created_at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    # Nullable: platform-wide events (a sign-up) have no municipality; deleted municipalities keep
    # their trail until an operator prunes it with the database's own tools.
    municipality = models.ForeignKey(
        "tenancy.Municipality",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Kept when the account is deleted, pseudonymised (e.g. "Konto #12").
    actor_label = models.CharField(_("Handelnde Person"), max_length=200, blank=True)
    action = models.CharField(_("Aktion"), max_length=60)
    object_type = models.CharField(_("Objekttyp"), max_length=100, blank=True)
    object_id = models.CharField(_("Objekt-ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("Objekt"), max_length=200, blank=True)
    changes = models.JSONField(_("Geänderte Felder"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokolleinträge")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["municipality", "-created_at"]),
            models.Index(fields=["municipality", "action"]),
            models.Index(fields=["municipality", "object_type", "object_id"]),
            models.Index(fields=["actor"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only")
