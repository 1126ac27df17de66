"""Digital Hub entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from rathaus.hub import services
from rathaus.hub.models import (
    Booking,
    BookingUnit,
    ClosingDay,
    Location,
    OpeningHours,
    Resource,
    ResourceGroup,
)
from tests import isolation
from tests.conftest import make_user
from tests.isolation import Tenant


def _weekday(days: int) -> Any:
    day = services.local(timezone.now()).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@isolation.seeder
def seed_hub(t: Tenant) -> None:
    muni = t.municipality
    location = Location.objects.create(
        municipality=muni,
        name=t.marker("HUB-LOCATION"),
        address=t.marker("HUB-ADDRESS"),
        accessibility=t.marker("HUB-ACCESS"),
    )
    for wd in range(7):
        OpeningHours.objects.create(location=location, weekday=wd, opens=time(8), closes=time(18))
    group = ResourceGroup.objects.create(municipality=muni, location=location, name=t.marker("HUB-GROUP"))
    resource = Resource.objects.create(
        municipality=muni,
        group=group,
        name=t.marker("HUB-RESOURCE"),
        equipment=t.marker("HUB-EQUIPMENT"),
        booking_unit=BookingUnit.DAY,
    )
    closing = ClosingDay.objects.create(
        municipality=muni, location=location, date=_weekday(60), reason=t.marker("HUB-CLOSED")
    )
    booker = t.add_user("hub_booker", make_user(t.remember(f"hub-nutzer-{t.key.lower()}@example.org")))
    day = _weekday(5)
    booking = Booking.objects.create(
        municipality=muni,
        resource=resource,
        user=booker,
        starts_at=services.at(day, time(8)),
        ends_at=services.at(day, time(18)),
    )
    feed = services.feed_for(muni, booker)
    t.add("hub.location", location)
    t.add("hub.group", group)
    t.add("hub.resource", resource)
    t.add("hub.closing_day", closing)
    t.add("hub.booking", booking)
    t.add("hub.feed", feed)


def nothing(t: Tenant, obj: Any) -> dict[str, Any]:
    return {}


def booking_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"day": _weekday(12).isoformat(), "start": "08:00", "end": "18:00", "weeks": "1"}


def location_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "name": "Geänderter Standort",
        "address": "Markt 1",
        "floor": "",
        "accessibility": "",
        "description": "",
        "is_active": "on",
        "opens_0": "09:00",
        "closes_0": "17:00",
    }


def group_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "location": t["hub.location"].pk,
        "name": "Geänderte Gruppe",
        "max_days_ahead": "10",
        "max_active_bookings": "2",
        "min_notice_minutes": "0",
        "cancellation_deadline_hours": "0",
        "no_show_grace_minutes": "30",
        "organisation": "",
    }


def resource_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "group": t["hub.group"].pk,
        "name": "Geänderter Platz",
        "kind": "desk",
        "capacity": "1",
        "equipment": "",
        "booking_unit": "day",
        "slot_minutes": "60",
        "is_active": "on",
    }


isolation.object_url("hub:location", "hub.location", shows=["HUB-LOCATION", "HUB-RESOURCE", "HUB-ACCESS"])
isolation.object_url("hub:book", "hub.resource", post=booking_form, shows=["HUB-RESOURCE", "HUB-EQUIPMENT"])
isolation.object_url(
    "hub:qr_check_in", "hub.resource", kwargs=lambda r: {"token": r.checkin_token}, shows=["HUB-RESOURCE"]
)
booker = "hub_booker"
isolation.object_url("hub:cancel", "hub.booking", user=booker, get=False, post=nothing)
isolation.object_url("hub:check_in", "hub.booking", user=booker, get=False, post=nothing)
isolation.object_url("hub:booking_ics", "hub.booking", user=booker, shows=["HUB-RESOURCE"])
isolation.object_url("hub:feed", "hub.feed", kwargs=lambda f: {"token": f.token}, shows=["HUB-RESOURCE"])
# Operators (A's admin manages every module of A).
isolation.object_url("hub:location_edit", "hub.location", post=location_form, shows=["HUB-LOCATION"])
isolation.object_url("hub:group_edit", "hub.group", post=group_form, shows=["HUB-GROUP"])
isolation.object_url("hub:resource_edit", "hub.resource", post=resource_form, shows=["HUB-RESOURCE"])
isolation.object_url("hub:resource_qr", "hub.resource")
isolation.object_url("hub:resource_sign", "hub.resource", shows=["HUB-RESOURCE"])
isolation.object_url("hub:closing_day_delete", "hub.closing_day", get=False, post=nothing)

isolation.page("hub:index", shows=["HUB-LOCATION", "HUB-ACCESS"])
isolation.page("hub:manage", shows=["HUB-LOCATION", "HUB-GROUP", "HUB-RESOURCE", "HUB-CLOSED"])
isolation.page("hub:occupancy", shows=["HUB-RESOURCE"])
# Operator dashboard: figures only; the one name it shows is the consulting topic (seeded by
# tests/consulting/isolation_cases.py with a booking five days ahead, inside the default period).
isolation.page("hub:dashboard", shows=["TOPIC"])
isolation.value_url("hub:dashboard_csv", {"table": "beratung-themen"}, shows=["TOPIC"])
