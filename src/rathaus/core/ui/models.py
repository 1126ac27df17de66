"""Portal content per municipality: legal pages and notices (Aktuelles)."""

from __future__ import annotations

from typing import Self, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rathaus.core.tenancy.models import TenantOwned, TenantQuerySet


class LegalPageKind(models.TextChoices):
    IMPRESSUM = "impressum", _("Impressum")
    DATENSCHUTZ = "datenschutz", _("Datenschutzerklärung")
    BARRIEREFREIHEIT = "barrierefreiheit", _("Erklärung zur Barrierefreiheit")
    LEICHTE_SPRACHE = "leichte-sprache", _("Leichte Sprache")
    GEBAERDENSPRACHE = "gebaerdensprache", _("Gebärdensprache")


class LegalPage(TenantOwned):
    """Editable per municipality; Markdown without raw HTML (rendered safely)."""

    kind = models.CharField(_("Seite"), max_length=30, choices=LegalPageKind.choices)
    body_de = models.TextField(_("Text (Deutsch)"))
    body_en = models.TextField(_("Text (Englisch)"), blank=True)
    video_url = models.URLField(
        _("Video in Deutscher Gebärdensprache"),
        blank=True,
        help_text=_("Nur für die Seite Gebärdensprache; der Text bleibt als Alternative sichtbar."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Rechtstext")
        verbose_name_plural = _("Rechtstexte")
        constraints = [models.UniqueConstraint(fields=["municipality", "kind"], name="legalpage_unique_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()


_N = TypeVar("_N", bound=TenantOwned, covariant=True)


class NoticeQuerySet(TenantQuerySet[_N]):
    """Generic like TenantQuerySet, so ``values()`` and ``annotate()`` rows keep their types."""

    def published(self) -> Self:
        return self.filter(published_at__lte=timezone.now())


class Notice(TenantOwned):
    """A news item or public notice (Aktuelles / Bekanntmachung) on the portal home page."""

    title = models.CharField(_("Titel"), max_length=200)
    title_en = models.CharField(_("Titel (Englisch)"), max_length=200, blank=True)
    teaser = models.TextField(_("Kurztext"), max_length=600)
    teaser_en = models.TextField(_("Kurztext (Englisch)"), max_length=600, blank=True)
    body = models.TextField(_("Text"), blank=True)
    is_official = models.BooleanField(_("Amtliche Bekanntmachung"), default=False)
    published_at = models.DateTimeField(_("Veröffentlicht ab"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    objects = NoticeQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("Meldung")
        verbose_name_plural = _("Meldungen")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["municipality", "-published_at"])]

    def __str__(self) -> str:
        return self.title


class AccessibilityFeedback(TenantOwned):
    """Feedback on barriers (Feedback-Mechanismus nach BITV 2.0 § 7)."""

    page_url = models.CharField(_("Betroffene Seite"), max_length=500, blank=True)
    message = models.TextField(_("Ihre Nachricht"), max_length=5000)
    email = models.EmailField(_("E-Mail für Rückfragen"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Feedback zur Barrierefreiheit")
        verbose_name_plural = _("Feedback zur Barrierefreiheit")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.page_url}"
