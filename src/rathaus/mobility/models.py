"""Mobility: imported timetable versions, population grids and districts.

The timetable itself is not in the database: it is stored as Parquet files in the private
directory settings.MOBILITY_DATA_DIR (docs/mobility.md, "Storage"). The rows here name and describe
those files.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import TenantOwned


class FeedState(models.TextChoices):
    """Draft after the import (only staff see it), published (the public default, at most one per
    municipality), archived (published before, replaced by a newer one; still selectable publicly)."""

    DRAFT = "draft", _("Entwurf")
    PUBLISHED = "published", _("Veröffentlicht")
    ARCHIVED = "archived", _("Archiviert")


PUBLIC_STATES = (FeedState.PUBLISHED, FeedState.ARCHIVED)


class FeedVersion(TenantOwned):
    """One imported GTFS feed (Fahrplanstand), named and dated."""

    name = models.CharField(_("Name"), max_length=100)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source_name = models.CharField(_("Quelldatei"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("Importiert am"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start_date = models.DateField(_("Gültig ab"), null=True, blank=True)
    end_date = models.DateField(_("Gültig bis"), null=True, blank=True)
    stop_count = models.PositiveIntegerField(default=0)
    route_count = models.PositiveIntegerField(default=0)
    trip_count = models.PositiveIntegerField(default=0)
    stop_time_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    state = models.CharField(_("Status"), max_length=10, choices=FeedState.choices, default=FeedState.DRAFT)
    published_at = models.DateTimeField(_("Veröffentlicht am"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Fahrplanstand")
        verbose_name_plural = _("Fahrplanstände")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="mobility_feed_unique_name"),
            models.UniqueConstraint(
                fields=["municipality"],
                condition=models.Q(state="published"),
                name="mobility_feed_one_published",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "-imported_at"], name="mobility_feed_recent")]

    def __str__(self) -> str:
        return self.name


class PopulationGrid(TenantOwned):
    """Residents on a grid of points (cell centres), stored as Parquet in EPSG:3035."""

    name = models.CharField(_("Name"), max_length=100)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("Quelle"), max_length=500, blank=True)
    imported_at = models.DateTimeField(_("Importiert am"), default=timezone.now)
    cell_count = models.PositiveIntegerField(default=0)
    population = models.PositiveBigIntegerField(_("Einwohner"), default=0)
    is_synthetic = models.BooleanField(_("Synthetisch"), default=False)

    class Meta:
        verbose_name = _("Bevölkerungsraster")
        verbose_name_plural = _("Bevölkerungsraster")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="mobility_grid_unique_name")
        ]
        indexes = [models.Index(fields=["municipality", "-imported_at"], name="mobility_grid_recent")]

    def __str__(self) -> str:
        return self.name


class MunicipalityArea(TenantOwned):
    """The outline of the municipality (Gemeindegebiet) in WGS84 ([lon, lat] pairs): the offline
    base map and the plausibility check of uploaded feeds (are the stops inside?)."""

    polygon = models.JSONField(_("Umring"), default=list)
    source = models.CharField(_("Quelle"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("Gemeindegebiet")
        verbose_name_plural = _("Gemeindegebiete")
        constraints = [models.UniqueConstraint(fields=["municipality"], name="mobility_area_one")]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class District(TenantOwned):
    """A named part of the municipality (Ortsteil), as a polygon in WGS84 ([lon, lat] pairs)."""

    name = models.CharField(_("Name"), max_length=100)
    polygon = models.JSONField(_("Umring"), default=list)

    class Meta:
        verbose_name = _("Ortsteil")
        verbose_name_plural = _("Ortsteile")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="mobility_district_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
