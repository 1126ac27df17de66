"""One search index for every module. Full-text lookup is done in SQL by services.py:
SQLite FTS5 over Snowball-stemmed text, PostgreSQL to_tsvector('german', ...) with a GIN index."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import TenantOwned


class SearchDocument(TenantOwned):
    kind = models.CharField(_("Art"), max_length=40)
    object_id = models.CharField(max_length=64)
    title = models.CharField(_("Titel"), max_length=300)
    body = models.TextField(_("Text"), blank=True)
    keywords = models.TextField(
        _("Suchbegriffe"), blank=True, help_text=_("Synonyme, durch Leerzeichen getrennt")
    )
    url = models.CharField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Suchdokument")
        verbose_name_plural = _("Suchdokumente")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "object_id"], name="searchdoc_unique_object"
            )
        ]
        indexes = [models.Index(fields=["municipality", "kind"])]

    def __str__(self) -> str:
        return self.title
