"""Service catalog figures for the Digitalbarometer / strategy and its open dataset (issue 9)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rathaus.core import figures
from rathaus.core.tenancy.models import Municipality

from .models import Reifegrad, Service


def _published(municipality: Municipality) -> QuerySet[Service]:
    return Service.objects.for_tenant(municipality).filter(is_published=True)


def services_count(municipality: Municipality) -> int:
    return _published(municipality).count()


def online_share(municipality: Municipality) -> Decimal | None:
    """Share of published services with OZG maturity 3 or 4 (application fully online)."""
    row = _published(municipality).aggregate(
        n=Count("pk"), online=Count("pk", filter=Q(reifegrad__gte=Reifegrad.ONLINE))
    )
    total: int = row["n"]
    online: int = row["online"]
    if not total:
        return None
    return (Decimal(online) * 100 / total).quantize(Decimal("0.1"))


def maturity_average(municipality: Municipality) -> Decimal | None:
    from django.db.models import Avg

    avg = _published(municipality).aggregate(a=Avg("reifegrad"))["a"]
    return None if avg is None else Decimal(str(avg)).quantize(Decimal("0.01"))


def _modified(municipality: Municipality) -> datetime | None:
    modified: datetime | None = _published(municipality).aggregate(m=Max("updated_at"))["m"]
    return modified


def declarations() -> list[figures.Indicator | figures.DatasetSource]:
    """Declared in apps.py (ADR 0014)."""
    return [
        figures.Indicator(
            key="catalog.services",
            module="catalog",
            label=_("Veröffentlichte Verwaltungsleistungen"),
            unit="",
            method=_("Zahl der veröffentlichten Leistungen im Leistungskatalog"),
            compute=services_count,
            source_url_name="catalog:list",
            order=20,
        ),
        figures.Indicator(
            key="catalog.online_share",
            module="catalog",
            label=_("Leistungen vollständig online (OZG-Reifegrad 3 oder 4)"),
            unit="%",
            method=_(
                "Anteil der veröffentlichten Leistungen mit OZG-Reifegrad 3 "
                "(Antrag online) oder 4 (Bescheid und Nachweise online)"
            ),
            compute=online_share,
            source_url_name="catalog:list",
            order=21,
        ),
        figures.Indicator(
            key="catalog.maturity_average",
            module="catalog",
            label=_("Durchschnittlicher OZG-Reifegrad"),
            unit="",
            method=_("Mittelwert des OZG-Reifegrads (0–4) aller veröffentlichten Leistungen"),
            compute=maturity_average,
            source_url_name="catalog:list",
            order=22,
        ),
        figures.DatasetSource(
            key="catalog.services",
            module="catalog",
            title=_("Leistungskatalog: Verwaltungsleistungen"),
            description=_(
                "Alle veröffentlichten Verwaltungsleistungen mit LeiKa-Schlüssel, "
                "OZG-Themenfeld, OZG-Reifegrad und Link zum Online-Antrag."
            ),
            themes=("GOVE",),
            keywords=("Verwaltungsleistungen", "OZG", "LeiKa"),
            distributions=(
                figures.Distribution(
                    "api",
                    _("Leistungen (JSON-Schnittstelle)"),
                    "api:catalog_services",
                    "application/json",
                    "JSON",
                ),
            ),
            modified=_modified,
            update_frequency="DAILY",
            landing_url_name="catalog:list",
        ),
    ]
