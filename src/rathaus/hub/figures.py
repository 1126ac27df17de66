"""Digital Hub figures for the Digitalbarometer / strategy and its open dataset (issue 9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core import exports, figures
from rathaus.core.accounts.permissions import public
from rathaus.core.tenancy.models import Municipality
from rathaus.core.tenancy.types import RathausRequest

from . import dashboard
from .models import Booking, BookingStatus, ResourceKind


def _usage(municipality: Municipality, period: dashboard.Period) -> dashboard.HubFigures:
    return dashboard.hub_figures(municipality, period, now=timezone.now())


def desk_utilisation_4w(municipality: Municipality) -> Decimal | None:
    """Booked desk hours of the last four full weeks / bookable desk hours (the hub dashboard's rule)."""
    today = timezone.localdate()
    last_sunday = today - timedelta(days=today.weekday() + 1)
    period = dashboard.aligned(dashboard.WEEK, last_sunday - timedelta(days=27), last_sunday)
    for row in _usage(municipality, period).usage:
        if row.bucket is None and row.kind == ResourceKind.DESK:
            return None if row.rate is None else (Decimal(str(row.rate)) * 100).quantize(Decimal("0.1"))
    return None


def _bookings_30d_qs(municipality: Municipality) -> QuerySet[Booking]:
    now = timezone.now()
    return Booking.objects.for_tenant(municipality).filter(
        status__in=[BookingStatus.CONFIRMED, BookingStatus.RELEASED],
        starts_at__gte=now - timedelta(days=30),
        starts_at__lt=now,
    )


def bookings_30d(municipality: Municipality) -> int:
    return _bookings_30d_qs(municipality).count()


def _modified(municipality: Municipality) -> datetime | None:
    latest: datetime | None = Booking.objects.for_tenant(municipality).aggregate(m=Max("created_at"))["m"]
    return latest


@public
def utilisation_csv(request: RathausRequest) -> StreamingHttpResponse:
    """Monthly utilisation per resource kind, the last 12 full months and the current month."""
    muni = request.municipality
    today = timezone.localdate()
    first = dashboard._add_months(today.replace(day=1), -12)
    period = dashboard.aligned(dashboard.MONTH, first, today)
    rows: list[list[Any]] = [["monat", "art", "buchbare_stunden", "gebuchte_stunden", "auslastung_prozent"]]
    for row in _usage(muni, period).usage:
        if row.bucket is None:
            continue
        rows.append(
            [
                row.bucket.first.strftime("%Y-%m"),
                row.kind,
                round(row.bookable_hours, 1),
                round(row.booked_hours, 1),
                None if row.rate is None else round(row.rate * 100, 1),
            ]
        )
    return exports.csv_response(rows, "digital-hub-auslastung.csv", inline=True)


def declarations() -> list[figures.Indicator | figures.DatasetSource]:
    """Declared in apps.py (ADR 0014)."""
    return [
        figures.Indicator(
            key="hub.desk_utilisation",
            module="hub",
            label=_("Auslastung der Arbeitsplätze (letzte 4 Wochen)"),
            unit="%",
            method=_(
                "Gebuchte Stunden an Arbeitsplätzen der letzten vier vollen Kalenderwochen "
                "geteilt durch die buchbaren Stunden (Öffnungszeiten ohne Schließtage)"
            ),
            compute=desk_utilisation_4w,
            source_url_name="hub:index",
            order=30,
        ),
        figures.Indicator(
            key="hub.bookings_30d",
            module="hub",
            label=_("Buchungen im Digital Hub (30 Tage)"),
            unit="",
            method=_("Zahl der begonnenen, nicht stornierten Buchungen der letzten 30 Tage"),
            compute=bookings_30d,
            source_url_name="hub:index",
            order=31,
        ),
        figures.DatasetSource(
            key="hub.utilisation",
            module="hub",
            title=_("Digital Hub: Auslastung je Monat"),
            description=_(
                "Buchbare und gebuchte Stunden sowie die Auslastung je Monat und Art "
                "(Arbeitsplatz, Besprechungsraum, Veranstaltungsraum)."
            ),
            themes=("ECON", "TECH"),
            keywords=("Digital Hub", "Coworking", "Auslastung"),
            distributions=(
                figures.Distribution(
                    "csv", _("Auslastung je Monat (CSV)"), "hub:utilisation_csv", "text/csv", "CSV"
                ),
            ),
            modified=_modified,
            update_frequency="DAILY",
            landing_url_name="hub:index",
        ),
    ]
