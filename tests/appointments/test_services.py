"""Terminvergabe services: slot computation, guest request/confirm, booking, cancel, rebook, rules."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from rathaus.appointments import queries, services
from rathaus.appointments.models import Appointment, BlockedDay, Status
from rathaus.appointments.queries import Choice
from rathaus.core import appointments as engine
from tests.appointments.conftest import at, ctx_for
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def guest(office, start, email="gast@example.org", choices=None, **kw):
    choices = choices or [Choice(office["ausweis"])]
    location = office["location"]
    return services.request_appointment(
        location, choices, start, name="Gabi Gast", email=email, ctx=ctx_for(location.municipality), **kw
    )


def booked(office, start, email="gast@example.org", choices=None):
    appt, _token = guest(office, start, email, choices)
    return appt, services.confirm(appt, ctx=ctx_for(appt.municipality))


def starts_on(office, days, choices=None):
    day = timezone.localdate() + timedelta(days=days)
    return queries.available(office["location"], choices or [Choice(office["ausweis"])], day, day)


def test_a_day_offers_both_counters_on_the_grid(office):
    avail = starts_on(office, 3)
    assert len(avail.starts[at(3, 8)]) == 2  # two counters, two staff members
    assert at(3, 11, 40) in avail.starts  # 20 min fit before 12:00
    assert at(3, 11, 50) not in avail.starts
    assert at(3, 8, 5) not in avail.starts  # 10-minute grid


def test_durations_add_up(office):
    choices = [Choice(office["ausweis"], 2), Choice(office["melde"])]
    assert queries.total_duration(choices) == timedelta(minutes=50)
    avail = starts_on(office, 3, choices)
    assert at(3, 11, 10) in avail.starts and at(3, 11, 20) not in avail.starts


def test_a_booking_takes_one_counter_and_the_buffer(office):
    booked(office, at(3, 9))
    avail = starts_on(office, 3)
    assert len(avail.starts[at(3, 9)]) == 1
    booked(office, at(3, 9), email="zweite@example.org")
    avail = starts_on(office, 3)
    assert at(3, 9) not in avail.starts
    assert at(3, 9, 20) not in avail.starts  # 9:00–9:20 + 5 min buffer
    assert at(3, 9, 30) in avail.starts
    assert at(3, 8, 30) in avail.starts and at(3, 8, 40) not in avail.starts  # 8:40+20+5 > 9:00


def test_blocked_day_and_lead_time_and_horizon(office):
    BlockedDay.objects.create(
        municipality=office["location"].municipality, location=office["location"], day=at(3, 8).date()
    )
    assert starts_on(office, 3).starts == {}
    now = timezone.now()
    today = queries.available(
        office["location"], [Choice(office["ausweis"])], timezone.localdate(), timezone.localdate()
    )
    assert all(s >= now + timedelta(hours=2) for s in today.starts)
    office["location"].horizon_days = 2
    assert starts_on(office, 3).starts == {}


def test_staff_who_do_not_serve_a_service_are_not_offered(office):
    first = office["staff"][0]
    for a in first.appointment_availabilities.all():
        a.services.set([office["melde"]])
    avail = starts_on(office, 3)
    assert [staff for _c, staff in avail.starts[at(3, 8)]] == [office["staff"][1].pk]


def test_guest_request_holds_nothing_until_confirmed(office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appt, token = guest(office, at(3, 9))
    assert appt.status == Status.PENDING and appt.counter_id is None
    assert len(starts_on(office, 3).starts[at(3, 9)]) == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["gast@example.org"]
    assert f"/termine/bestaetigen/{token}/" in mail.outbox[0].body
    assert token not in appt.confirm_hash  # only the hash is stored
    with django_capture_on_commit_callbacks(execute=True):
        manage = services.confirm(appt, ctx=ctx_for(appt.municipality))
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED and appt.counter_id and appt.staff_id
    assert appt.manage_hash == engine.token_hash(manage)
    assert f"/termine/verwalten/{manage}/" in mail.outbox[1].body
    assert "biometrisches Passfoto" in mail.outbox[1].body  # what to bring, from the catalogue
    with pytest.raises(services.AppointmentError) as exc:
        services.confirm(appt, ctx=ctx_for(appt.municipality))  # double submit of the confirm link
    assert exc.value.code == "already"


def test_expired_request_cannot_be_confirmed_and_is_cleaned_up(office):
    appt, _token = guest(office, at(3, 9))
    Appointment.objects.filter(pk=appt.pk).update(confirm_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.AppointmentError) as exc:
        services.confirm(appt, ctx=ctx_for(appt.municipality))
    assert exc.value.code == "expired"
    assert services.expire_pending(office["location"].municipality) == 1
    appt.refresh_from_db()
    assert appt.status == Status.EXPIRED and appt.email == "expired@invalid"


def test_confirm_when_meanwhile_taken_is_refused(office):
    location = office["location"]
    one, _ = guest(office, at(3, 9), email="a@example.org")
    two, _ = guest(office, at(3, 9), email="b@example.org")
    three, _ = guest(office, at(3, 9), email="c@example.org")
    services.confirm(one, ctx=ctx_for(one.municipality))
    services.confirm(two, ctx=ctx_for(two.municipality))
    with pytest.raises(services.AppointmentError) as exc:
        services.confirm(three, ctx=ctx_for(three.municipality))
    assert exc.value.code == "taken"
    assert Appointment.objects.filter(location=location, status=Status.BOOKED).count() == 2


def test_one_person_cannot_hold_two_overlapping_appointments(office):
    booked(office, at(3, 9))
    with pytest.raises(services.AppointmentError) as exc:
        booked(office, at(3, 9, 10), email="GAST@example.org")  # same address, other case
    assert exc.value.code == "person_overlap"


def test_pending_requests_per_address_are_limited(office):
    for minute in range(services.MAX_PENDING_PER_EMAIL):
        guest(office, at(3, 8, 10 * minute))
    with pytest.raises(services.AppointmentError) as exc:
        guest(office, at(3, 10))
    assert exc.value.code == "pending_limit"


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (lambda: at(-1, 9), "past"),
        (lambda: timezone.now() + timedelta(minutes=30), "lead"),
        (lambda: at(3, 9, 5), "taken"),  # not on the grid: a forged time
        (lambda: at(3, 13), "taken"),  # closed
    ],
)
def test_bad_times_are_refused(office, start, code):
    with pytest.raises(services.AppointmentError) as exc:
        guest(office, start())
    assert exc.value.code == code
    assert not Appointment.objects.exists()


def test_other_municipality_and_quantity_are_refused(office, office_b):
    with pytest.raises(services.AppointmentError) as exc:
        guest(office, at(3, 9), choices=[Choice(office_b["ausweis"])])
    assert exc.value.code == "service"
    with pytest.raises(services.AppointmentError) as exc:
        guest(office, at(3, 9), choices=[Choice(office["ausweis"], 4)])
    assert exc.value.code == "quantity"
    with pytest.raises(services.AppointmentError) as exc:
        services.request_appointment(
            office["location"],
            [],
            at(3, 9),
            name="X",
            email="x@example.org",
            ctx=ctx_for(office["location"].municipality),
        )
    assert exc.value.code == "no_service"


def test_bad_contact_is_refused(office):
    with pytest.raises(services.AppointmentError) as exc:
        services.request_appointment(
            office["location"],
            [Choice(office["ausweis"])],
            at(3, 9),
            name="",
            email="x@example.org",
            ctx=ctx_for(office["location"].municipality),
        )
    assert exc.value.code == "name"
    with pytest.raises(services.AppointmentError) as exc:
        services.request_appointment(
            office["location"],
            [Choice(office["ausweis"])],
            at(3, 9),
            name="X",
            email="kein-at",
            ctx=ctx_for(office["location"].municipality),
        )
    assert exc.value.code == "email"


def test_verified_account_books_at_once(office):
    from allauth.account.models import EmailAddress

    user = make_user("konto@example.org")
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    appt, token = services.request_appointment(
        office["location"],
        [Choice(office["ausweis"])],
        at(3, 9),
        ctx=ctx_for(office["location"].municipality, user),
    )
    assert appt.status == Status.BOOKED and appt.user == user and appt.person_key == f"u:{user.pk}"
    assert queries.appointment_by_manage_token(office["location"].municipality, token) == appt


def test_cancel_frees_the_time_and_rebook_moves_it(office):
    appt, token = booked(office, at(3, 9))
    new, new_token = services.rebook(appt, at(3, 10), ctx=ctx_for(appt.municipality))
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED and new.status == Status.BOOKED and new.rebooked_from == appt
    assert new_token != token
    assert len(starts_on(office, 3).starts[at(3, 9)]) == 2
    # rebooking to an overlapping time of the same person works (the old one is released first)
    newer, _t = services.rebook(new, at(3, 10, 10), ctx=ctx_for(new.municipality))
    assert newer.status == Status.BOOKED
    services.cancel(newer, ctx=ctx_for(newer.municipality))
    newer.refresh_from_db()
    assert newer.status == Status.CANCELLED
    with pytest.raises(services.AppointmentError):
        services.cancel(newer, ctx=ctx_for(newer.municipality))


def test_rebook_to_a_taken_time_changes_nothing(office):
    appt, _ = booked(office, at(3, 9))
    booked(office, at(3, 10), email="x@example.org")
    booked(office, at(3, 10), email="y@example.org")
    with pytest.raises(services.AppointmentError) as exc:
        services.rebook(appt, at(3, 10), ctx=ctx_for(appt.municipality))
    assert exc.value.code == "taken"
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED


def test_cancel_deadline(office):
    appt, _ = booked(office, at(3, 9))
    Appointment.objects.filter(pk=appt.pk).update(starts_at=timezone.now() + timedelta(hours=1))
    appt.refresh_from_db()
    with pytest.raises(services.AppointmentError) as exc:
        services.cancel(appt, ctx=ctx_for(appt.municipality))
    assert exc.value.code == "deadline"
    staff = office["staff"][0]
    services.cancel(appt, ctx=ctx_for(appt.municipality, staff), by_staff=True)  # staff may cancel any time


def test_no_show_only_after_the_start(office):
    appt, _ = booked(office, at(3, 9))
    staff = office["staff"][0]
    with pytest.raises(services.AppointmentError) as exc:
        services.mark_no_show(appt, ctx=ctx_for(appt.municipality, staff))
    assert exc.value.code == "future"
    Appointment.objects.filter(pk=appt.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    services.mark_no_show(appt, ctx=ctx_for(appt.municipality, staff))
    assert appt.status == Status.NO_SHOW and appt.no_show_marked_by == staff


def test_reminder_goes_out_once(office, django_capture_on_commit_callbacks):
    appt, _ = booked(office, at(3, 9))
    muni = office["location"].municipality
    Appointment.objects.filter(pk=appt.pk).update(
        starts_at=timezone.now() + timedelta(hours=5),
        ends_at=timezone.now() + timedelta(hours=6),
        blocked_until=timezone.now() + timedelta(hours=6),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(muni) == 1
        assert services.send_reminders(muni) == 0
    assert len(mail.outbox) == 1 and "Erinnerung" in mail.outbox[0].subject


def test_ics_of_an_appointment(office):
    appt, _ = booked(office, at(3, 9), choices=[Choice(office["ausweis"], 2), Choice(office["melde"])])
    ics = services.appointment_ics(appt, "zeitz.test").decode()
    assert "2 × Personalausweis" in ics.replace("\r\n ", "")
    assert "STATUS:CONFIRMED" in ics
    assert re.search(r"DTSTART;TZID=Europe/Berlin:\d{8}T090000", ics)
