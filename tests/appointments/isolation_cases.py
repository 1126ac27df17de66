"""Terminvergabe entries for the tenant-isolation test (see tests/isolation.py)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from rathaus.appointments import queries
from rathaus.appointments.models import (
    Appointment,
    AppointmentItem,
    Availability,
    Counter,
    Location,
    OpeningHours,
    ServiceSetting,
    Status,
)
from rathaus.catalog.models import Service, Themenfeld
from rathaus.core import appointments as engine
from tests import isolation
from tests.conftest import make_user
from tests.isolation import Tenant


@isolation.seeder
def seed_appointments(t: Tenant) -> None:
    muni = t.municipality
    key = t.key.lower()
    location = Location.objects.create(
        municipality=muni,
        name=t.marker("APPT-LOCATION"),
        slug=f"buero-{key}",
        address=t.marker("APPT-ADDRESS"),
    )
    for day in range(7):
        OpeningHours.objects.create(
            municipality=muni, location=location, weekday=day, opens=time(8), closes=time(12)
        )
    counter = Counter.objects.create(municipality=muni, location=location, name=t.marker("APPT-COUNTER"))
    service = Service.objects.create(
        municipality=muni, name=t.marker("APPT-SERVICE"), summary="Termin", themenfeld=Themenfeld.ARBEIT
    )
    setting = ServiceSetting.objects.create(
        municipality=muni, service=service, location=location, lead_time_hours=0
    )
    staff = make_user(t.remember(f"schalter-{key}@example.org"))
    avail = Availability.objects.create(
        municipality=muni, staff=staff, counter=counter, weekday=0, starts=time(8), ends=time(12)
    )
    avail.services.set([setting])
    for day in range(1, 7):
        a = Availability.objects.create(
            municipality=muni, staff=staff, counter=counter, weekday=day, starts=time(8), ends=time(12)
        )
        a.services.set([setting])
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=4), time(9)), tz)
    manage, confirm = engine.new_token(), engine.new_token()
    booked = Appointment.objects.create(
        municipality=muni,
        location=location,
        counter=counter,
        staff=staff,
        starts_at=start,
        ends_at=start + timedelta(minutes=15),
        blocked_until=start + timedelta(minutes=20),
        status=Status.BOOKED,
        name=t.marker("APPT-NAME"),
        email=t.remember(f"termin-{key}@example.org"),
        person_key=f"e:termin-{key}@example.org",
        manage_hash=engine.token_hash(manage),
    )
    pending = Appointment.objects.create(
        municipality=muni,
        location=location,
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, minutes=15),
        blocked_until=start + timedelta(days=1, minutes=20),
        status=Status.PENDING,
        name=t.marker("APPT-GUEST"),
        email=t.remember(f"gast-{key}@example.org"),
        person_key=f"e:gast-{key}@example.org",
        confirm_hash=engine.token_hash(confirm),
        confirm_expires_at=timezone.now() + timedelta(days=3),
    )
    holder = t.add_user("appt_holder", make_user(t.remember(f"termin-konto-{key}@example.org")))
    own = Appointment.objects.create(
        municipality=muni,
        location=location,
        counter=counter,
        staff=staff,
        starts_at=start + timedelta(days=2),
        ends_at=start + timedelta(days=2, minutes=15),
        blocked_until=start + timedelta(days=2, minutes=20),
        status=Status.BOOKED,
        user=holder,
        name=t.marker("APPT-HOLDER"),
        email=holder.email,
        person_key=f"u:{holder.pk}",
    )
    for appt in (booked, pending, own):
        AppointmentItem.objects.create(appointment=appt, setting=setting)
    t.add("appointments.own", own)
    booked.raw_token = manage  # type: ignore[attr-defined]
    pending.raw_token = confirm  # type: ignore[attr-defined]
    t.add("appointments.location", location)
    t.add("appointments.setting", setting)
    t.add("appointments.booked", booked)
    t.add("appointments.pending", pending)


def _free_start(t: Tenant) -> str:
    location = t["appointments.location"]
    choices = [queries.Choice(t["appointments.setting"])]
    day = timezone.localdate() + timedelta(days=2)
    return min(queries.available(location, choices, day, day + timedelta(days=6)).starts).isoformat()


def request_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        f"anzahl-{t['appointments.setting'].pk}": "1",
        "start": _free_start(t),
        "name": "Gabi Gast",
        "email": "gabi@example.org",
    }


def rebook_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"start": _free_start(t)}


def nothing(t: Tenant, obj: Any) -> dict[str, Any]:
    return {}


def token(a: Any) -> dict[str, Any]:
    return {"token": a.raw_token}


isolation.object_url(
    "appointments:times",
    "appointments.location",
    kwargs=lambda loc: {"slug": loc.slug},
    post=request_form,
    shows=["APPT-LOCATION"],
)
isolation.object_url(
    "appointments:confirm", "appointments.pending", kwargs=token, post=nothing, shows=["APPT-GUEST"]
)
isolation.object_url("appointments:manage", "appointments.booked", kwargs=token, shows=["APPT-NAME"])
isolation.object_url("appointments:ics", "appointments.booked", kwargs=token, shows=["APPT-SERVICE"])
isolation.object_url("appointments:cancel", "appointments.booked", kwargs=token, get=False, post=nothing)
isolation.object_url(
    "appointments:rebook", "appointments.booked", kwargs=token, post=rebook_form, shows=["APPT-NAME"]
)
isolation.object_url("appointments:no_show", "appointments.booked", get=False, post=nothing, post_ok={302})
isolation.object_url("appointments:staff_cancel", "appointments.booked", get=False, post=nothing)

isolation.page("appointments:start", shows=["APPT-LOCATION", "APPT-SERVICE"])
isolation.page(
    "appointments:day_list",
    query="tag=" + (timezone.localdate() + timedelta(days=4)).isoformat(),
    shows=["APPT-NAME", "APPT-COUNTER"],
)


# --- Staff setup pages (Einrichtung) ----------------------------------------------------------


def location_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "name": "Bürgerbüro umbenannt",
        "slug": obj.slug,
        "buffer_minutes": "5",
        "step_minutes": "15",
        "horizon_days": "30",
        "is_active": "on",
    }


def counter_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"location": t["appointments.location"].pk, "name": "Neuer Schalter", "is_active": "on"}


isolation.page("appointments:setup", shows=["APPT-LOCATION", "APPT-COUNTER", "APPT-SERVICE"])
isolation.value_url("appointments:setup_new", {"kind": "schalter"}, post=counter_form)
isolation.object_url(
    "appointments:setup_edit",
    "appointments.location",
    kwargs=lambda loc: {"kind": "standort", "pk": loc.pk},
    post=location_form,
    shows=["APPT-LOCATION"],
)
isolation.object_url(
    "appointments:setup_delete",
    "appointments.location",
    kwargs=lambda loc: {"kind": "standort", "pk": loc.pk},
    get=False,
    post=nothing,
)


# --- Meine Termine ----------------------------------------------------------------------------

isolation.object_url("appointments:my_ics", "appointments.own", user="appt_holder", shows=["APPT-SERVICE"])
isolation.object_url(
    "appointments:my_cancel", "appointments.own", user="appt_holder", get=False, post=nothing
)
isolation.page("appointments:mine")
