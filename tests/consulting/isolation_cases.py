"""Consulting entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from rathaus.consulting.models import Advisor, Booking, Slot, Topic
from tests import isolation
from tests.conftest import make_user
from tests.isolation import Tenant


@isolation.seeder
def seed_consulting(t: Tenant) -> None:
    muni = t.municipality
    topic = Topic.objects.create(
        municipality=muni,
        slug=f"thema-{t.key.lower()}",
        name=t.marker("TOPIC"),
        description=t.marker("TOPIC-DESC"),
    )
    advisor = Advisor.objects.create(
        municipality=muni,
        display_name=t.marker("ADVISOR"),
        organisation=t.marker("ADVISOR-ORG"),
        bio=t.marker("ADVISOR-BIO"),
        email=t.remember(f"beratung-{t.key.lower()}@example.org"),
    )
    start = timezone.now().replace(microsecond=0) + timedelta(days=5)
    free = Slot.objects.create(
        municipality=muni,
        advisor=advisor,
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        location=t.marker("SLOT-LOCATION"),
    )
    free.topics.set([topic])
    booked = Slot.objects.create(
        municipality=muni,
        advisor=advisor,
        starts_at=start + timedelta(hours=2),
        ends_at=start + timedelta(hours=3),
        location=t.marker("BOOKED-LOCATION"),
    )
    booked.topics.set([topic])
    booker = t.add_user(
        "consulting_booker", make_user(t.remember(f"ratsuchende-{t.key.lower()}@example.org"))
    )
    booking = Booking.objects.create(
        municipality=muni, slot=booked, user=booker, topic=topic, need=t.marker("NEED")
    )
    t.add("consulting.topic", topic)
    t.add("consulting.advisor", advisor)
    t.add("consulting.slot", free)
    t.add("consulting.booked_slot", booked)
    t.add("consulting.booking", booking)


def nothing(t: Tenant, obj: Any) -> dict[str, Any]:
    return {}


def booking_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"topic": t["consulting.topic"].pk, "need": "Ich brauche Hilfe mit der BundID."}


def rebook_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"slot": t["consulting.slot"].pk}


def advisor_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "display_name": "Geänderte Beraterin",
        "organisation": "",
        "bio": "",
        "email": "",
        "is_active": "on",
    }


def topic_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"name": "Geändertes Thema", "name_en": "", "slug": obj.slug, "description": "", "is_active": "on"}


# Public booking page of a slot; the POST books A's free slot as A's admin (a verified account).
isolation.object_url(
    "consulting:book", "consulting.slot", post=booking_form, shows=["ADVISOR", "SLOT-LOCATION"]
)
# The person's own booking ("Meine Beratungstermine").
booker = "consulting_booker"
isolation.object_url("consulting:booking", "consulting.booking", user=booker, shows=["NEED", "TOPIC"])
isolation.object_url("consulting:booking_ics", "consulting.booking", user=booker, shows=["TOPIC"])
isolation.object_url("consulting:booking_cancel", "consulting.booking", user=booker, get=False, post=nothing)
isolation.object_url(
    "consulting:booking_rebook", "consulting.booking", user=booker, post=rebook_form, shows=["TOPIC"]
)
# Advisor / Digital Hub manager pages (A's admin manages every module of A).
isolation.object_url("consulting:slot_withdraw", "consulting.slot", get=False, post=nothing)
isolation.object_url("consulting:advisor_booking_cancel", "consulting.booking", get=False, post=nothing)
isolation.object_url("consulting:advisor_edit", "consulting.advisor", post=advisor_form, shows=["ADVISOR"])
isolation.object_url("consulting:topic_edit", "consulting.topic", post=topic_form, shows=["TOPIC"])

isolation.page("consulting:slot_list", shows=["ADVISOR", "TOPIC", "SLOT-LOCATION"])
isolation.page("consulting:manage", shows=["ADVISOR", "NEED", "BOOKED-LOCATION"])
isolation.page("consulting:advisors", shows=["ADVISOR"])
isolation.page("consulting:topics", shows=["TOPIC"])
isolation.page("consulting:report", shows=["TOPIC"])


@isolation.seeder
def seed_consulting_guest(t: Tenant) -> None:
    from rathaus.consulting import services as consulting_services

    slot = t["consulting.slot"]
    topic = t["consulting.topic"]
    pending, confirm = consulting_services.request_as_guest(
        slot,
        topic,
        t.marker("GUEST-NEED"),
        name=t.marker("GUEST-NAME"),
        email=t.remember(f"gast-{t.key.lower()}@example.org"),
    )
    pending.raw_token = confirm  # type: ignore[attr-defined]
    other = Slot.objects.create(
        municipality=t.municipality,
        advisor=t["consulting.advisor"],
        starts_at=slot.starts_at + timedelta(days=1),
        ends_at=slot.starts_at + timedelta(days=1, minutes=45),
        location=t.marker("GUEST-LOCATION"),
    )
    other.topics.set([topic])
    booked, _confirm2 = consulting_services.request_as_guest(
        other,
        topic,
        t.marker("GUEST-NEED2"),
        name=t.marker("GUEST-NAME2"),
        email=t.remember(f"gast2-{t.key.lower()}@example.org"),
    )
    booked.raw_token = consulting_services.confirm_guest(booked)  # type: ignore[attr-defined]
    t.add("consulting.guest_pending", pending)
    t.add("consulting.guest_booked", booked)


def _token(b: Any) -> dict[str, Any]:
    return {"token": b.raw_token}


isolation.object_url(
    "consulting:guest_confirm", "consulting.guest_pending", kwargs=_token, post=nothing, shows=["GUEST-NAME"]
)
isolation.object_url(
    "consulting:guest_booking", "consulting.guest_booked", kwargs=_token, shows=["GUEST-NAME2"]
)
isolation.object_url("consulting:guest_ics", "consulting.guest_booked", kwargs=_token)
isolation.object_url(
    "consulting:guest_cancel", "consulting.guest_booked", kwargs=_token, get=False, post=nothing
)
