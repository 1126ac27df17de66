"""Event figures for the Digitalbarometer / strategy and its open dataset (issue 9)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core import figures
from rathaus.core.tenancy.models import Municipality

from .models import Event, EventStatus, Registration, RegistrationStatus


def _last_12_months(municipality: Municipality) -> QuerySet[Event]:
    now = timezone.now()
    return Event.objects.for_tenant(municipality).filter(
        status=EventStatus.PUBLISHED,
        is_public=True,
        starts_at__gte=now - timedelta(days=365),
        starts_at__lt=now,
    )


def events_12m(municipality: Municipality) -> int:
    return _last_12_months(municipality).count()


def participants_12m(municipality: Municipality) -> int:
    """Registrations holding a seat (not waiting list, not cancelled) for the events above."""
    return Registration.objects.filter(
        event__in=_last_12_months(municipality), status=RegistrationStatus.REGISTERED
    ).count()


def _modified(municipality: Municipality) -> datetime | None:
    latest: datetime | None = (
        Event.objects.for_tenant(municipality).listed().aggregate(m=Max("updated_at"))["m"]
    )
    return latest


def declarations() -> list[figures.Indicator | figures.DatasetSource]:
    """Declared in apps.py (ADR 0014)."""
    return [
        figures.Indicator(
            key="events.events_12m",
            module="events",
            label=_("Veranstaltungen in den letzten 12 Monaten"),
            unit="",
            method=_(
                "Zahl der veröffentlichten, öffentlichen Veranstaltungen, "
                "die in den letzten 365 Tagen begonnen haben"
            ),
            compute=events_12m,
            source_url_name="events:list",
            order=40,
        ),
        figures.Indicator(
            key="events.participants_12m",
            module="events",
            label=_("Anmeldungen zu Veranstaltungen (12 Monate)"),
            unit="",
            method=_(
                "Zahl der Anmeldungen mit Platz (ohne Warteliste und Stornierungen) zu diesen Veranstaltungen"
            ),
            compute=participants_12m,
            source_url_name="events:list",
            order=41,
        ),
        figures.DatasetSource(
            key="events.calendar",
            module="events",
            title=_("Veranstaltungskalender"),
            description=_(
                "Alle kommenden öffentlichen Veranstaltungen, Kurse und Workshops als iCalendar-Datei."
            ),
            themes=("EDUC", "SOCI"),
            keywords=("Veranstaltungen", "Kurse", "Kalender"),
            distributions=(
                figures.Distribution(
                    "ics", _("Veranstaltungen (iCalendar)"), "events_feed", "text/calendar", "ICS"
                ),
            ),
            modified=_modified,
            update_frequency="DAILY",
            landing_url_name="events:list",
        ),
    ]
