"""Open data: datasets with DCAT-AP.de metadata and their distributions (files or URLs)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rathaus.core import uploads
from rathaus.core.tenancy.models import Municipality, TenantOwned

from . import vocab


class DatasetStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    PUBLISHED = "published", _("veröffentlicht")


MANUAL = "manual"


class Dataset(TenantOwned):
    title = models.CharField(_("Titel"), max_length=250)
    title_en = models.CharField(_("Titel (Englisch)"), max_length=250, blank=True)
    description = models.TextField(_("Beschreibung"))
    description_en = models.TextField(_("Beschreibung (Englisch)"), blank=True)
    contact_name = models.CharField(
        _("Ansprechstelle"), max_length=200, blank=True, help_text=_("Leer: die Kommune selbst.")
    )
    contact_email = models.EmailField(_("E-Mail der Ansprechstelle"), blank=True)
    licence = models.CharField(
        _("Lizenz"),
        max_length=120,
        choices=vocab.LICENCES,
        blank=True,
        db_index=True,
        help_text=_(
            "Aus der offiziellen Liste von dcat-ap.de. Ohne Lizenz ist der Datensatz nicht nachnutzbar."
        ),
    )
    accrual_periodicity = models.CharField(
        _("Aktualisierung"), max_length=12, choices=vocab.FREQUENCIES, default="IRREG"
    )
    temporal_start = models.DateField(_("Zeitraum von"), null=True, blank=True)
    temporal_end = models.DateField(_("Zeitraum bis"), null=True, blank=True)
    status = models.CharField(
        _("Status"), max_length=10, choices=DatasetStatus.choices, default=DatasetStatus.DRAFT, db_index=True
    )
    # "manual" for datasets staff maintain, "module:<key>" for those synced from a figures dataset source.
    source = models.CharField(_("Herkunft"), max_length=120, default=MANUAL)
    landing_path = models.CharField(max_length=300, blank=True)
    issued = models.DateTimeField(_("veröffentlicht am"), null=True, blank=True)
    modified = models.DateTimeField(_("geändert am"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Datensatz")
        verbose_name_plural = _("Datensätze")
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "source"],
                condition=~models.Q(source=MANUAL),
                name="opendata_one_dataset_per_module_source",
            ),
            models.CheckConstraint(
                condition=models.Q(temporal_end__isnull=True)
                | models.Q(temporal_start__isnull=True)
                | models.Q(temporal_end__gte=models.F("temporal_start")),
                name="opendata_temporal_order",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "status", "title"], name="opendata_ds_public")]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the page language (the German one where no English title exists)."""
        english = (get_language() or "de").startswith("en")
        return (self.title_en or self.title) if english else self.title

    @property
    def display_description(self) -> str:
        english = (get_language() or "de").startswith("en")
        return (self.description_en or self.description) if english else self.description

    def get_absolute_url(self) -> str:
        return reverse("opendata:dataset", args=[self.pk])

    @property
    def is_module(self) -> bool:
        return self.source != MANUAL

    @property
    def licence_name(self) -> str:
        return vocab.licence_name(self.licence) if self.licence else ""

    @property
    def licence_url(self) -> str:
        return vocab.licence_url(self.licence) if self.licence else ""


class DatasetTheme(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="theme_rows")
    code = models.CharField(_("Kategorie"), max_length=4, choices=vocab.THEMES, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "code"], name="opendata_theme_unique")]

    def __str__(self) -> str:
        return self.code


class DatasetKeyword(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="keyword_rows")
    keyword = models.CharField(_("Schlagwort"), max_length=80, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "keyword"], name="opendata_keyword_unique")]
        ordering = ["keyword"]

    def __str__(self) -> str:
        return self.keyword


def _upload_to(instance: Distribution, filename: str) -> str:
    return uploads.storage_name("opendata", instance.municipality_id, filename)


class Distribution(TenantOwned):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="distributions")
    title = models.CharField(_("Titel"), max_length=250)
    file = models.FileField(_("Datei"), upload_to=_upload_to, blank=True, max_length=300)
    url = models.CharField(
        _("Adresse (URL)"),
        max_length=500,
        blank=True,
        help_text=_("Statt einer Datei: die Adresse einer Datei oder Schnittstelle."),
    )
    format = models.CharField(_("Format"), max_length=20, choices=vocab.FORMAT_CHOICES, db_index=True)
    media_type = models.CharField(_("Medientyp"), max_length=120, blank=True)
    byte_size = models.PositiveBigIntegerField(_("Größe (Bytes)"), null=True, blank=True)
    checksum_sha256 = models.CharField(_("Prüfsumme (SHA-256)"), max_length=64, blank=True)
    licence = models.CharField(
        _("Lizenz"),
        max_length=120,
        choices=vocab.LICENCES,
        blank=True,
        help_text=_("Leer: die Lizenz des Datensatzes."),
    )
    source_key = models.CharField(max_length=120, blank=True)  # distribution key of a module source
    modified = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Distribution")
        verbose_name_plural = _("Distributionen")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(url=""), name="opendata_distribution_file_or_url"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def licence_label(self) -> str:
        return vocab.licence_name(self.licence) if self.licence else ""

    @property
    def effective_licence(self) -> str:
        return self.licence or self.dataset.licence

    def download_path(self) -> str:
        if self.file:
            return reverse("opendata:download", args=[self.dataset_id, self.pk])
        return self.url


class CatalogSettings(TenantOwned):
    """Per-municipality settings of the DCAT-AP.de catalog (one row per municipality)."""

    contributor_id = models.URLField(
        _("Bereitsteller-ID (GovData)"),
        max_length=200,
        blank=True,
        help_text=_(
            "dcatde:contributorID aus der Liste von dcat-ap.de, z. B. "
            "http://dcat-ap.de/def/contributors/landSachsenAnhalt, wenn die Daten über das "
            "Landesportal an GovData geliefert werden."
        ),
    )

    class Meta:
        verbose_name = _("Katalog-Einstellungen")
        verbose_name_plural = _("Katalog-Einstellungen")
        constraints = [models.UniqueConstraint(fields=["municipality"], name="opendata_one_settings_row")]

    def __str__(self) -> str:
        return self.contributor_id or "–"

    @classmethod
    def of(cls, municipality: Municipality) -> CatalogSettings:
        found = cls.objects.filter(municipality=municipality).first()
        return found or cls(municipality=municipality)
