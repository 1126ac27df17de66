"""Fixtures of the Terminvergabe tests: a Bürgerbüro in Zeitz (A) with two counters, open every day
8–12 (so the tests do not depend on the weekday), and two services."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from rathaus.appointments.models import Availability, Counter, Location, OpeningHours, ServiceSetting
from rathaus.catalog.models import Service, Themenfeld
from rathaus.core.context import ServiceContext
from tests.conftest import make_user


def make_service(muni: Any, name: str, unterlagen: str = "") -> Service:
    return Service.objects.create(
        municipality=muni,
        name=name,
        summary=f"{name} – Kurzbeschreibung",
        themenfeld=Themenfeld.ARBEIT,
        unterlagen=unterlagen,
    )


def make_office(muni: Any, *, counters: int = 2, slug: str = "buergerbuero") -> dict[str, Any]:
    location = Location.objects.create(
        municipality=muni,
        name=f"Bürgerbüro {muni.name}",
        slug=slug,
        address="Altmarkt 1",
        buffer_minutes=5,
        step_minutes=10,
    )
    for day in range(7):
        OpeningHours.objects.create(
            municipality=muni, location=location, weekday=day, opens=time(8), closes=time(12)
        )
    ausweis = ServiceSetting.objects.create(
        municipality=muni,
        service=make_service(muni, f"Personalausweis {slug}", "- biometrisches Passfoto\n- alter Ausweis"),
        location=location,
        duration_minutes=20,
        max_quantity=3,
        lead_time_hours=2,
    )
    melde = ServiceSetting.objects.create(
        municipality=muni,
        service=make_service(muni, f"Meldebescheinigung {slug}"),
        location=location,
        duration_minutes=10,
        max_quantity=2,
        lead_time_hours=1,
    )
    staff, desks = [], []
    for n in range(1, counters + 1):
        counter = Counter.objects.create(municipality=muni, location=location, name=f"Schalter {n}")
        person = make_user(f"schalter{n}-{slug}-{muni.slug}@example.org")
        for day in range(7):
            a = Availability.objects.create(
                municipality=muni, staff=person, counter=counter, weekday=day, starts=time(8), ends=time(12)
            )
            a.services.set([ausweis, melde])
        staff.append(person)
        desks.append(counter)
    return {"location": location, "ausweis": ausweis, "melde": melde, "staff": staff, "counters": desks}


def ctx_for(muni: Any, user: Any = None) -> ServiceContext:
    """The context of a call into the services: a guest, or ``user`` signed in, at ``muni``."""
    return ServiceContext.for_user(user, muni)


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """Local wall-clock time ``days`` from today."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_current_timezone())


@pytest.fixture
def office(muni_a) -> dict[str, Any]:
    return make_office(muni_a)


@pytest.fixture
def office_b(muni_b) -> dict[str, Any]:
    return make_office(muni_b)
