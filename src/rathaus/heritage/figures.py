"""Indicators and the open-data source of the digital collection (declared in apps.py, ADR 0014)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from rathaus.core import figures
from rathaus.core.tenancy.models import Municipality

from .models import HeritageObject, Status, Tombstone


def published_objects(m: Municipality) -> int | None:
    n = HeritageObject.objects.for_tenant(m).filter(status=Status.PUBLISHED).count()
    return n if n or HeritageObject.objects.for_tenant(m).exists() else None


def objects_with_images(m: Municipality) -> int | None:
    qs = HeritageObject.objects.for_tenant(m).filter(status=Status.PUBLISHED)
    return qs.filter(has_image=True).count() if qs.exists() else None


def last_change(m: Municipality) -> datetime | None:
    a = (
        HeritageObject.objects.for_tenant(m)
        .filter(status=Status.PUBLISHED)
        .aggregate(d=Max("datestamp"))["d"]
    )
    b = Tombstone.objects.for_tenant(m).aggregate(d=Max("datestamp"))["d"]
    stamps = [d for d in (a, b) if d is not None]
    return max(stamps) if stamps else None


def figures_of(m: Municipality) -> dict[str, Any]:
    return {
        "published_objects": published_objects(m) or 0,
        "objects_with_images": objects_with_images(m) or 0,
    }


def declarations() -> list[figures.Indicator | figures.DatasetSource]:
    """Declared in apps.py (ADR 0014)."""
    return [
        figures.Indicator(
            key="heritage.published_objects",
            module="heritage",
            label=_("Veröffentlichte Objekte der Digitalen Sammlung"),
            unit="Objekte",
            method=_("Anzahl der veröffentlichten Objekte (Status „Veröffentlicht“)"),
            compute=published_objects,
            source_url_name="heritage:index",
            order=60,
        ),
        figures.Indicator(
            key="heritage.objects_with_images",
            module="heritage",
            label=_("Veröffentlichte Objekte mit Abbildung"),
            unit="Objekte",
            method=_("Veröffentlichte Objekte mit mindestens einer fertig gekachelten Abbildung"),
            compute=objects_with_images,
            source_url_name="heritage:index",
            order=61,
        ),
        figures.DatasetSource(
            key="heritage.objects",
            module="heritage",
            title=_("Digitale Sammlung: Metadaten der Objekte"),
            description=_(
                "Metadaten aller veröffentlichten Objekte der Digitalen Sammlung (Kulturgüter) als CSV "
                "und LIDO-XML; Ernte auch über OAI-PMH unter /oai."
            ),
            themes=("EDUC", "SOCI"),
            keywords=("Kulturerbe", "Museum", "Archiv", "LIDO", "IIIF"),
            distributions=(
                figures.Distribution("csv", _("Objekte (CSV)"), "heritage:export_csv", "text/csv", "CSV"),
                figures.Distribution(
                    "lido", _("Objekte (LIDO-XML)"), "heritage:export_lido", "application/xml", "XML"
                ),
            ),
            modified=last_change,
            licence="http://dcat-ap.de/def/licenses/cc-zero",
            landing_url_name="heritage:index",
        ),
    ]
