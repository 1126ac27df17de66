"""Fixtures of the Digital Hub tests: a location in Zeitz (Mo–Fr 8–18) with desks, a room, a partner group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from rathaus.core.accounts.models import Organisation, OrganisationMembership, User
from rathaus.core.tenancy.models import Municipality
from rathaus.hub import services
from rathaus.hub.models import (
    BookingUnit,
    Location,
    OpeningHours,
    Resource,
    ResourceGroup,
    ResourceKind,
)
from tests.conftest import make_user


@dataclass
class Hub:
    municipality: Municipality
    location: Location
    group: ResourceGroup
    partner_group: ResourceGroup
    room_group: ResourceGroup
    desk: Resource
    desk2: Resource
    room: Resource
    partner_desk: Resource
    organisation: Organisation


def make_hub(muni: Municipality, prefix: str = "") -> Hub:
    location = Location.objects.create(
        municipality=muni, name=f"{prefix}Digital Hub", address="Altmarkt 16\n06712 Zeitz", step_free=True
    )
    for wd in range(5):
        OpeningHours.objects.create(location=location, weekday=wd, opens=time(8), closes=time(18))
    group = ResourceGroup.objects.create(
        municipality=muni,
        location=location,
        name=f"{prefix}Offene Arbeitsplätze",
        max_days_ahead=28,
        max_active_bookings=3,
        cancellation_deadline_hours=2,
        no_show_grace_minutes=30,
    )
    org = Organisation.objects.create(name=f"{prefix}IT-Partner des Digital Hubs", kind="business")
    partner_group = ResourceGroup.objects.create(
        municipality=muni, location=location, name=f"{prefix}Partner", organisation=org
    )
    room_group = ResourceGroup.objects.create(
        municipality=muni, location=location, name=f"{prefix}Räume", min_notice_minutes=60
    )
    desk = Resource.objects.create(
        municipality=muni, group=group, name=f"{prefix}Arbeitsplatz 01", booking_unit=BookingUnit.HALF_DAY
    )
    desk2 = Resource.objects.create(
        municipality=muni, group=group, name=f"{prefix}Arbeitsplatz 02", booking_unit=BookingUnit.DAY
    )
    room = Resource.objects.create(
        municipality=muni,
        group=room_group,
        name=f"{prefix}Besprechungsraum Elster",
        kind=ResourceKind.MEETING_ROOM,
        capacity=8,
        booking_unit=BookingUnit.SLOT,
        slot_minutes=30,
    )
    partner_desk = Resource.objects.create(
        municipality=muni, group=partner_group, name=f"{prefix}Partnerplatz", booking_unit=BookingUnit.DAY
    )
    return Hub(muni, location, group, partner_group, room_group, desk, desk2, room, partner_desk, org)


@pytest.fixture
def hub(muni_a) -> Hub:
    return make_hub(muni_a)


@pytest.fixture
def booker(db) -> User:
    return make_user("nutzerin@example.org")


@pytest.fixture
def partner(hub) -> User:
    user = make_user("partner@it-partner.example")
    OrganisationMembership.objects.create(organisation=hub.organisation, user=user)
    return user


def weekday_ahead(days: int = 2) -> date:
    """The first Monday–Friday at least ``days`` days from today (Berlin)."""
    day = services.local(timezone.now()).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return services.at(day, time(hour, minute))
