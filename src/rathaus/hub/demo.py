"""Demo data: the Digital Hub Zeitz at the Altmarkt with desks, two rooms and the event space."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django.utils import timezone

from rathaus.core.accounts.models import Organisation, User
from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step

from . import services
from .models import (
    Booking,
    BookingUnit,
    ClosingDay,
    Location,
    OpeningHours,
    Resource,
    ResourceGroup,
    ResourceKind,
)

PARTNER_ORG = "IT-Partner des Digital Hubs"

# Public holidays in Sachsen-Anhalt (the hub is closed).
HOLIDAYS = {
    date(2026, 1, 1): "Neujahr",
    date(2026, 1, 6): "Heilige Drei Könige",
    date(2026, 4, 3): "Karfreitag",
    date(2026, 4, 6): "Ostermontag",
    date(2026, 5, 1): "Tag der Arbeit",
    date(2026, 5, 14): "Christi Himmelfahrt",
    date(2026, 5, 25): "Pfingstmontag",
    date(2026, 10, 3): "Tag der Deutschen Einheit",
    date(2026, 10, 31): "Reformationstag",
    date(2026, 12, 24): "Heiligabend (Hub geschlossen)",
    date(2026, 12, 25): "1. Weihnachtstag",
    date(2026, 12, 26): "2. Weihnachtstag",
    date(2026, 12, 31): "Silvester (Hub geschlossen)",
    date(2027, 1, 1): "Neujahr",
    date(2027, 1, 6): "Heilige Drei Könige",
    date(2027, 3, 26): "Karfreitag",
    date(2027, 3, 29): "Ostermontag",
    date(2027, 5, 1): "Tag der Arbeit",
    date(2027, 5, 6): "Christi Himmelfahrt",
    date(2027, 5, 17): "Pfingstmontag",
}

DESK_EQUIPMENT = "27-Zoll-Monitor, USB-C-Dockingstation, höhenverstellbarer Tisch, WLAN"


@demo_step(40)
def digital_hub(cmd: Any) -> None:
    muni = Municipality.objects.get(slug="zeitz")
    location = _hub_location(muni)
    desks, elster = _hub_resources(muni, *_hub_groups(muni, location))
    _demo_bookings(desks, elster)


def _hub_location(muni: Municipality) -> Location:
    """The Digital Hub with its opening hours and closing days."""
    location, _ = Location.objects.get_or_create(
        municipality=muni,
        name="Digital Hub Zeitz",
        defaults={
            "address": "Altmarkt 16\n06712 Zeitz",
            "floor": "Erdgeschoss und 1. Obergeschoss (Aufzug vorhanden)",
            "step_free": True,
            "accessibility": (
                "Stufenloser Eingang vom Altmarkt mit automatischer Tür. Aufzug ins 1. Obergeschoss. "
                "Barrierefreies WC im Erdgeschoss. Ein Behindertenparkplatz direkt vor dem Haus. "
                "Im Veranstaltungsraum gibt es eine induktive Höranlage."
            ),
            "description": (
                "Co-Working mitten in der Altstadt: offene Arbeitsplätze für alle, Besprechungsräume "
                "und ein Veranstaltungsraum für Workshops, Kurse und Sprechstunden zur Digitalisierung."
            ),
        },
    )
    for wd in range(5):
        OpeningHours.objects.get_or_create(
            location=location, weekday=wd, defaults={"opens": time(8), "closes": time(18)}
        )
    for day, reason in HOLIDAYS.items():
        ClosingDay.objects.get_or_create(
            municipality=muni, location=location, date=day, defaults={"reason": reason}
        )
    return location


def _hub_groups(
    muni: Municipality, location: Location
) -> tuple[ResourceGroup, ResourceGroup, ResourceGroup, ResourceGroup]:
    """Open desks, the IT partner's desks, meeting rooms and the event space, each with its rules."""
    partner = Organisation.objects.get(name=PARTNER_ORG)
    open_group, _ = ResourceGroup.objects.get_or_create(
        municipality=muni,
        location=location,
        name="Offene Arbeitsplätze",
        defaults={
            "max_days_ahead": 28,
            "max_active_bookings": 5,
            "min_notice_minutes": 0,
            "cancellation_deadline_hours": 2,
            "no_show_grace_minutes": 30,
        },
    )
    partner_group, _ = ResourceGroup.objects.get_or_create(
        municipality=muni,
        location=location,
        name="Arbeitsplätze des IT-Partners",
        defaults={
            "max_days_ahead": 56,
            "max_active_bookings": 20,
            "cancellation_deadline_hours": 0,
            "no_show_grace_minutes": 60,
            "organisation": partner,
        },
    )
    rooms, _ = ResourceGroup.objects.get_or_create(
        municipality=muni,
        location=location,
        name="Besprechungsräume",
        defaults={
            "max_days_ahead": 42,
            "max_active_bookings": 4,
            "min_notice_minutes": 60,
            "cancellation_deadline_hours": 24,
            "no_show_grace_minutes": 20,
        },
    )
    events, _ = ResourceGroup.objects.get_or_create(
        municipality=muni,
        location=location,
        name="Veranstaltungsraum",
        defaults={
            "max_days_ahead": 120,
            "max_active_bookings": 3,
            "min_notice_minutes": 60 * 48,
            "cancellation_deadline_hours": 72,
            "no_show_grace_minutes": 60,
        },
    )
    return open_group, partner_group, rooms, events


def _hub_resources(
    muni: Municipality,
    open_group: ResourceGroup,
    partner_group: ResourceGroup,
    rooms: ResourceGroup,
    events: ResourceGroup,
) -> tuple[list[Resource], Resource]:
    """The desks, rooms and the event space; returns the open desks and room Elster (for bookings)."""

    def resource(group: ResourceGroup, name: str, **kw: Any) -> Resource:
        obj, _ = Resource.objects.get_or_create(municipality=muni, group=group, name=name, defaults=kw)
        return obj

    desks = []
    for i in range(1, 8):
        desks.append(
            resource(
                open_group,
                f"Arbeitsplatz {i:02d}",
                kind=ResourceKind.DESK,
                booking_unit=BookingUnit.HALF_DAY,
                equipment=DESK_EQUIPMENT + (", am Fenster zum Altmarkt" if i <= 3 else ""),
            )
        )
    for i in range(8, 13):
        resource(
            partner_group,
            f"Arbeitsplatz {i:02d} (IT-Partner)",
            kind=ResourceKind.DESK,
            booking_unit=BookingUnit.DAY,
            equipment=DESK_EQUIPMENT + ", zwei Monitore, abschließbarer Rollcontainer",
        )
    elster = resource(
        rooms,
        "Besprechungsraum Elster",
        kind=ResourceKind.MEETING_ROOM,
        capacity=8,
        booking_unit=BookingUnit.SLOT,
        slot_minutes=60,
        equipment="Bildschirm 65 Zoll mit HDMI und USB-C, Videokonferenz-Kamera, Whiteboard",
    )
    resource(
        rooms,
        "Besprechungsraum Weiße Elster",
        kind=ResourceKind.MEETING_ROOM,
        capacity=4,
        booking_unit=BookingUnit.SLOT,
        slot_minutes=30,
        equipment="Bildschirm 43 Zoll, Freisprechtelefon",
    )
    resource(
        events,
        "Veranstaltungsraum Altmarkt",
        kind=ResourceKind.EVENT_SPACE,
        capacity=60,
        booking_unit=BookingUnit.HALF_DAY,
        equipment="Beamer, Beschallung mit zwei Funkmikrofonen, induktive Höranlage, 60 Stühle, 15 Tische",
    )
    return desks, elster


def _next_weekdays(count: int) -> list[date]:
    day = services.local(timezone.now()).date() + timedelta(days=1)
    out: list[date] = []
    while len(out) < count:
        if day.weekday() < 5 and day not in HOLIDAYS:
            out.append(day)
        day += timedelta(days=1)
    return out


def _demo_bookings(desks: list[Resource], room: Resource) -> None:
    citizen = User.objects.filter(email="buerger@zeitz.example").first()
    business = User.objects.filter(email="unternehmen@zeitz.example").first()
    if citizen is None or business is None:
        return
    # Idempotent: only the first run books (a second run on another day would add new bookings).
    if Booking.objects.filter(user__in=[citizen, business]).exists():
        return
    days = _next_weekdays(4)
    plan: list[tuple[Resource, Any, date, time, time]] = [
        (desks[0], citizen, days[0], time(8), time(13)),
        (desks[1], citizen, days[1], time(13), time(18)),
        (desks[2], business, days[0], time(8), time(13)),
        (desks[2], business, days[0], time(13), time(18)),
        (desks[3], business, days[2], time(8), time(13)),
        (room, business, days[1], time(10), time(12)),
        (room, citizen, days[3], time(14), time(15)),
    ]
    for res, user, day, start, end in plan:
        try:
            services.book(res, user, services.at(day, start), services.at(day, end), notify=False)
        except services.BookingError:
            continue  # e.g. a rule changed by an operator; the demo stays loadable
