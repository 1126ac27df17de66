"""Consulting figures for the Digitalbarometer / strategy (issue 9)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core import figures
from rathaus.core.tenancy.models import Municipality

from .models import Booking, BookingStatus


def appointments_held_12m(municipality: Municipality) -> int:
    """Booked (not cancelled) appointments whose slot ended within the last 365 days."""
    now = timezone.now()
    return (
        Booking.objects.for_tenant(municipality)
        .filter(
            status=BookingStatus.ACTIVE, slot__ends_at__lte=now, slot__ends_at__gte=now - timedelta(days=365)
        )
        .count()
    )


def declarations() -> list[figures.Indicator | figures.DatasetSource]:
    """Declared in apps.py (ADR 0014)."""
    return [
        figures.Indicator(
            key="consulting.appointments_12m",
            module="consulting",
            label=_("Beratungstermine (12 Monate)"),
            unit="",
            method=_(
                "Zahl der gebuchten, nicht abgesagten Beratungstermine, die "
                "in den letzten 365 Tagen stattgefunden haben"
            ),
            compute=appointments_held_12m,
            source_url_name="consulting:slot_list",
            order=50,
        ),
    ]
