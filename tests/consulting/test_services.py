"""Rules of consulting appointments, tested at the service layer (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from rathaus.consulting import services
from rathaus.consulting.models import NEED_MAX_LENGTH, Booking, BookingStatus, Mode, Slot
from rathaus.core.audit.models import AuditEvent
from tests.consulting.conftest import make_slot, make_topic

pytestmark = pytest.mark.django_db


def book(slot, user, topic, need="Ich brauche Hilfe mit der AusweisApp."):
    return services.book(slot, user, topic, need)


# --- Booking --------------------------------------------------------------------------------------


def test_booking_a_free_slot_sends_mails_and_audits(slot, citizen, topic, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(slot, citizen, topic)
    assert booking.status == BookingStatus.ACTIVE
    assert booking.municipality_id == slot.municipality_id
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["buerger@example.org", "wendler@zeitz.example"]
    person = next(m for m in mail.outbox if m.to == ["buerger@example.org"])
    assert "bestätigt" in person.subject and "confirmed" in person.subject
    assert "Ihr Beratungstermin ist gebucht." in person.body
    assert "Your consulting appointment is booked." in person.body
    assert "Online-Ausweis und BundID" in person.body and "Online ID card" in person.body
    advisor_mail = next(m for m in mail.outbox if m.to == ["wendler@zeitz.example"])
    assert "Ich brauche Hilfe mit der AusweisApp." in advisor_mail.body
    assert AuditEvent.objects.filter(action="consulting.booking.created", object_id=str(booking.pk)).exists()


def test_no_mail_when_the_transaction_rolls_back(slot, citizen, topic, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        book(slot, citizen, topic)
        raise RuntimeError
    assert mail.outbox == []
    assert not Booking.objects.exists()


def test_booked_slot_is_refused(slot, citizen, citizen2, topic):
    book(slot, citizen, topic)
    with pytest.raises(services.ConsultingError) as exc:
        book(slot, citizen2, topic)
    assert exc.value.code == "taken"
    assert Booking.objects.filter(slot=slot, status="active").count() == 1


def test_past_slot_is_refused(advisor, topic, citizen):
    slot = make_slot(advisor, [topic], in_hours=-2)
    with pytest.raises(services.ConsultingError) as exc:
        book(slot, citizen, topic)
    assert exc.value.code == "past"


def test_withdrawn_slot_is_refused(slot, topic, citizen, hub_manager):
    services.withdraw_slot(slot, hub_manager)
    with pytest.raises(services.ConsultingError) as exc:
        book(slot, citizen, topic)
    assert exc.value.code == "withdrawn"


def test_unverified_account_is_refused(slot, topic, unverified):
    with pytest.raises(services.ConsultingError) as exc:
        book(slot, unverified, topic)
    assert exc.value.code == "unverified"
    assert not Booking.objects.exists()


@pytest.mark.parametrize(("need", "code"), [("", "need_missing"), ("   ", "need_missing")])
def test_need_is_required(slot, topic, citizen, need, code):
    with pytest.raises(services.ConsultingError) as exc:
        book(slot, citizen, topic, need)
    assert exc.value.code == code


def test_need_too_long_is_refused_and_max_is_accepted(slot, topic, citizen, advisor):
    with pytest.raises(services.ConsultingError) as exc:
        book(slot, citizen, topic, "x" * (NEED_MAX_LENGTH + 1))
    assert exc.value.code == "need_too_long"
    assert book(slot, citizen, topic, "x" * NEED_MAX_LENGTH).need == "x" * NEED_MAX_LENGTH


def test_database_refuses_too_long_need(slot, topic, citizen):
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            municipality=slot.municipality,
            slot=slot,
            user=citizen,
            topic=topic,
            need="x" * (NEED_MAX_LENGTH + 1),
        )


def test_topic_not_offered_in_slot_is_refused(slot, citizen, topic2):
    with pytest.raises(services.ConsultingError) as exc:
        book(slot, citizen, topic2)
    assert exc.value.code == "topic"


def test_topic_of_other_municipality_is_refused(slot, citizen, muni_b):
    foreign = make_topic(muni_b)
    with pytest.raises(services.ConsultingError) as exc:
        book(slot, citizen, foreign)
    assert exc.value.code == "topic"


def test_advisor_cannot_book_own_slot(own_advisor, advisor_user, topic):
    slot = make_slot(own_advisor, [topic])
    with pytest.raises(services.ConsultingError) as exc:
        book(slot, advisor_user, topic)
    assert exc.value.code == "own_slot"


def test_limit_of_active_bookings_per_person(advisor, topic, citizen):
    slots = [make_slot(advisor, [topic], in_hours=48 + i) for i in range(services.MAX_ACTIVE_BOOKINGS + 1)]
    for s in slots[:-1]:
        book(s, citizen, topic)
    with pytest.raises(services.ConsultingError) as exc:
        book(slots[-1], citizen, topic)
    assert exc.value.code == "limit"


# --- The double-booking guard ------------------------------------------------------------------------


def test_database_refuses_a_second_active_booking(slot, topic, citizen, citizen2):
    Booking.objects.create(municipality=slot.municipality, slot=slot, user=citizen, topic=topic, need="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            municipality=slot.municipality, slot=slot, user=citizen2, topic=topic, need="b"
        )


def test_cancelled_bookings_do_not_block_the_slot(slot, topic, citizen, citizen2):
    first = book(slot, citizen, topic)
    services.cancel_by_person(first, citizen)
    second = book(slot, citizen2, topic)
    assert second.status == "active"
    assert Booking.objects.filter(slot=slot).count() == 2


def test_locked_recheck_refuses_when_slot_was_taken_after_the_page_was_shown(slot, topic, citizen, citizen2):
    """The re-check inside the lock sees a booking committed after the caller's own checks."""
    stale = Slot.objects.get(pk=slot.pk)  # what the form saw: free
    Booking.objects.create(
        municipality=slot.municipality, slot=slot, user=citizen2, topic=topic, need="zuerst"
    )
    with pytest.raises(services.ConsultingError) as exc:
        services.book(stale, citizen, topic, "danach")
    assert exc.value.code == "taken"
    assert Booking.objects.filter(slot=slot).count() == 1


def test_unique_index_is_turned_into_a_clean_refusal(slot, topic, citizen, citizen2):
    """If the re-check were ever bypassed, the index still refuses and the caller gets 'taken'."""
    Booking.objects.create(
        municipality=slot.municipality, slot=slot, user=citizen2, topic=topic, need="zuerst"
    )
    real_filter = Booking.objects.filter

    def blind_filter(*args, **kwargs):  # makes the pre-insert check see no active booking
        qs = real_filter(*args, **kwargs)
        return qs.none() if kwargs.get("status") == BookingStatus.ACTIVE and "slot" in kwargs else qs

    with (
        mock.patch.object(Booking.objects, "filter", side_effect=blind_filter),
        pytest.raises(services.ConsultingError) as exc,
    ):
        services.book(slot, citizen, topic, "danach")
    assert exc.value.code == "taken"
    assert Booking.objects.filter(slot=slot).count() == 1


# --- Cancel and rebook ------------------------------------------------------------------------------


def test_person_cancels_before_deadline(slot, topic, citizen, django_capture_on_commit_callbacks):
    booking = book(slot, citizen, topic)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_by_person(booking, citizen)
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancelled_by == citizen
    subjects = sorted(m.subject for m in mail.outbox)
    assert any("abgesagt" in s for s in subjects)
    assert any("Buchung abgesagt" in s for s in subjects)  # advisor is told
    assert AuditEvent.objects.filter(action="consulting.booking.cancelled").exists()


def test_cancel_after_deadline_is_refused(advisor, topic, citizen):
    slot = make_slot(advisor, [topic], in_hours=5)
    booking = book(slot, citizen, topic)
    with pytest.raises(services.ConsultingError) as exc:
        services.cancel_by_person(booking, citizen)
    assert exc.value.code == "deadline"
    booking.refresh_from_db()
    assert booking.status == "active"


def test_cancel_twice_is_refused(slot, topic, citizen):
    booking = book(slot, citizen, topic)
    services.cancel_by_person(booking, citizen)
    with pytest.raises(services.ConsultingError) as exc:
        services.cancel_by_person(booking, citizen)
    assert exc.value.code == "cancelled"


def test_someone_else_cannot_cancel(slot, topic, citizen, citizen2):
    booking = book(slot, citizen, topic)
    with pytest.raises(services.ConsultingError) as exc:
        services.cancel_by_person(booking, citizen2)
    assert exc.value.code == "not_yours"


def test_rebook_moves_the_booking_atomically(
    advisor, own_advisor, topic, citizen, django_capture_on_commit_callbacks
):
    old_slot = make_slot(advisor, [topic], in_hours=72)
    new_slot = make_slot(own_advisor, [topic], in_hours=96)
    booking = book(old_slot, citizen, topic)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.rebook(booking, new_slot, citizen)
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert new.slot == new_slot and new.status == "active" and new.rebooked_from == booking
    assert new.need == booking.need
    person = [m for m in mail.outbox if m.to == ["buerger@example.org"]]
    assert len(person) == 1 and "umgebucht" in person[0].subject
    assert any(m.to == ["wendler@zeitz.example"] and "abgesagt" in m.subject for m in mail.outbox)
    # The old slot is free again.
    assert book(old_slot, make_user_verified("dritte@example.org"), topic).status == "active"


def make_user_verified(email):
    from tests.conftest import make_user

    return make_user(email)


def test_rebook_to_a_taken_slot_keeps_the_old_booking(advisor, topic, citizen, citizen2):
    old_slot = make_slot(advisor, [topic], in_hours=72)
    taken = make_slot(advisor, [topic], in_hours=96)
    booking = book(old_slot, citizen, topic)
    book(taken, citizen2, topic)
    with pytest.raises(services.ConsultingError) as exc:
        services.rebook(booking, taken, citizen)
    assert exc.value.code == "taken"
    booking.refresh_from_db()
    assert booking.status == "active"


def test_rebook_after_deadline_is_refused(advisor, topic, citizen):
    booking = book(make_slot(advisor, [topic], in_hours=3), citizen, topic)
    with pytest.raises(services.ConsultingError) as exc:
        services.rebook(booking, make_slot(advisor, [topic], in_hours=100), citizen)
    assert exc.value.code == "deadline"


def test_rebook_at_the_limit_counts_the_moved_booking_once(advisor, topic, citizen):
    bookings = [
        book(make_slot(advisor, [topic], in_hours=48 + i), citizen, topic)
        for i in range(services.MAX_ACTIVE_BOOKINGS)
    ]
    new = services.rebook(bookings[0], make_slot(advisor, [topic], in_hours=200), citizen)
    assert new.status == "active"


def test_advisor_cancels_and_person_is_told(
    slot, topic, citizen, hub_manager, django_capture_on_commit_callbacks
):
    booking = book(slot, citizen, topic)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_by_advisor(booking, hub_manager)
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    person = [m for m in mail.outbox if m.to == ["buerger@example.org"]]
    assert len(person) == 1 and "musste leider abgesagt werden" in person[0].body


def test_withdrawing_a_booked_slot_cancels_the_booking(slot, topic, citizen, hub_manager):
    booking = book(slot, citizen, topic)
    services.withdraw_slot(slot, hub_manager)
    booking.refresh_from_db()
    slot.refresh_from_db()
    assert booking.status == "cancelled" and slot.withdrawn_at is not None


# --- Publishing slots ------------------------------------------------------------------------------


def _start(days: int = 7, hour: int = 10):
    local = timezone.localtime() + timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_publish_weekly_series_keeps_local_time(advisor, topic, hub_manager):
    result = services.publish_slots(
        advisor,
        starts_at=_start(),
        duration=timedelta(minutes=45),
        mode=Mode.ONLINE,
        location="Video",
        topics=[topic],
        weeks=10,  # crosses a daylight saving change in spring or autumn for most start dates
        actor=hub_manager,
    )
    assert len(result.created) == 10 and result.conflicts == []
    series = {s.series for s in result.created}
    assert len(series) == 1 and None not in series
    for i, s in enumerate(result.created):
        local = timezone.localtime(s.starts_at)
        assert (local.hour, local.minute) == (10, 0)
        assert local.date() == (_start() + timedelta(weeks=i)).date()
        assert list(s.topics.all()) == [topic]
    assert AuditEvent.objects.filter(action="consulting.slots.published").count() == 1


def test_publish_skips_and_reports_overlaps(advisor, topic, hub_manager):
    existing = services.publish_slots(
        advisor,
        starts_at=_start(14),
        duration=timedelta(hours=1),
        mode=Mode.ON_SITE,
        location="",
        topics=[topic],
        actor=hub_manager,
    ).created[0]
    result = services.publish_slots(
        advisor,
        starts_at=_start(7) + timedelta(minutes=30),
        duration=timedelta(hours=1),
        mode=Mode.ON_SITE,
        location="",
        topics=[topic],
        weeks=3,
        actor=hub_manager,
    )
    assert len(result.created) == 2
    assert result.conflicts == [existing.starts_at + timedelta(minutes=30)]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "past"),
        ({"duration": timedelta(minutes=5)}, "duration"),
        ({"duration": timedelta(hours=5)}, "duration"),
        ({"weeks": 0}, "series_length"),
        ({"weeks": 13}, "series_length"),
        ({"topics": []}, "topics"),
        ({"mode": "carrier-pigeon"}, "mode"),
        ({"starts_at": timezone.now() + timedelta(days=200)}, "horizon"),
    ],
)
def test_publish_bad_input(advisor, topic, hub_manager, kwargs, code):
    args = {
        "starts_at": _start(),
        "duration": timedelta(minutes=30),
        "mode": Mode.ON_SITE,
        "location": "",
        "topics": [topic],
        "weeks": 1,
    }
    args.update(kwargs)
    with pytest.raises(services.ConsultingError) as exc:
        services.publish_slots(advisor, actor=hub_manager, **args)
    assert exc.value.code == code
    assert not Slot.objects.exists()


def test_publish_refuses_topic_of_other_municipality(advisor, hub_manager, muni_b):
    with pytest.raises(services.ConsultingError) as exc:
        services.publish_slots(
            advisor,
            starts_at=_start(),
            duration=timedelta(minutes=30),
            mode=Mode.ON_SITE,
            location="",
            topics=[make_topic(muni_b)],
            actor=hub_manager,
        )
    assert exc.value.code == "topics"


def test_database_refuses_slot_ending_before_start(advisor):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(municipality=advisor.municipality, advisor=advisor, starts_at=now, ends_at=now)


# --- DSGVO --------------------------------------------------------------------------------------------


def test_export_and_deletion_of_a_persons_bookings(slot, topic, citizen):
    from rathaus.core.accounts import services as accounts

    # Registered with the platform's export and deletion (called by export_user_data/delete_account).
    assert services.export_user_bookings in accounts._exporters
    assert services.erase_user_bookings in accounts._erasers
    book(slot, citizen, topic)
    section, data = services.export_user_bookings(citizen)
    assert section == "consulting_bookings"
    assert data[0]["need"] == "Ich brauche Hilfe mit der AusweisApp."
    services.erase_user_bookings(citizen)
    assert not Booking.objects.exists()
    assert Slot.objects.filter(pk=slot.pk).exists()


# --- The contact the form of consultation needs (issue 14) -----------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("03441 123456", "03441 123456"),
        ("  +49 (3441) 12-34/56 ", "+49 (3441) 12-34/56"),
        ("0151.2345678", "0151.2345678"),
        ("", "phone_missing"),
        ("   ", "phone_missing"),
        ("bitte anrufen", "phone_invalid"),
        ("12345", "phone_invalid"),  # too few digits
        ("+49 1234 5678 9012 3456", "phone_invalid"),  # more digits than E.164 allows
        ("0344112345x", "phone_invalid"),
        ("++49 3441 123456", "phone_invalid"),
    ],
)
def test_clean_phone(value, expected):
    if expected.startswith("phone_"):
        with pytest.raises(services.ConsultingError) as info:
            services.clean_phone(value)
        assert info.value.code == expected and "Telefonnummer" in info.value.message
    else:
        assert services.clean_phone(value) == expected


def test_contact_follows_the_form_of_consultation(advisor, topic, citizen, citizen2):
    phone_slot = make_slot(advisor, [topic], mode=Mode.PHONE, location="")
    online_slot = make_slot(advisor, [topic], in_hours=80, mode=Mode.ONLINE)
    on_site = make_slot(advisor, [topic], in_hours=90)
    need = "Ich brauche Hilfe mit der AusweisApp."
    for kwargs, code in (({}, "phone_missing"), ({"phone": "keine"}, "phone_invalid")):
        with pytest.raises(services.ConsultingError) as info:
            services.book(phone_slot, citizen, topic, need, **kwargs)
        assert info.value.code == code
    with pytest.raises(services.ConsultingError) as info:
        services.book(online_slot, citizen, topic, need, email="kein-at")
    assert info.value.code == "email_invalid"
    assert not Booking.objects.exists()  # nothing half-written

    by_phone = services.book(phone_slot, citizen, topic, need, phone=" 03441  123456 ", email="x@example.org")
    assert (by_phone.contact_phone, by_phone.contact_email) == ("03441 123456", "")
    online = services.book(online_slot, citizen2, topic, need, email="video@example.org", phone="0301234567")
    assert (online.contact_phone, online.contact_email) == ("", "video@example.org")
    here = services.book(on_site, citizen, topic, need, phone="03441 123456", email="x@example.org")
    assert (here.contact_phone, here.contact_email) == ("", "")


def test_rebook_asks_for_the_contact_the_new_slot_needs(advisor, topic, citizen):
    old = make_slot(advisor, [topic], in_hours=72)
    phone_slot = make_slot(advisor, [topic], in_hours=100, mode=Mode.PHONE)
    online_slot = make_slot(advisor, [topic], in_hours=120, mode=Mode.ONLINE)
    booking = book(old, citizen, topic)
    with pytest.raises(services.ConsultingError) as info:
        services.rebook(booking, phone_slot, citizen)
    assert info.value.code == "phone_missing"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE  # both or neither
    moved = services.rebook(booking, phone_slot, citizen, phone="03441 654321")
    assert moved.contact_phone == "03441 654321"
    # To a video consultation: the link goes to the account's address unless another is given.
    again = services.rebook(moved, online_slot, citizen)
    assert (again.contact_phone, again.contact_email) == ("", citizen.email)


def test_export_contains_the_contact(advisor, topic, citizen):
    slot = make_slot(advisor, [topic], mode=Mode.PHONE)
    services.book(slot, citizen, topic, "Rückruf bitte.", phone="03441 123456")
    _section, data = services.export_user_bookings(citizen)
    assert data[0]["contact_phone"] == "03441 123456" and data[0]["contact_email"] == ""
    services.erase_user_bookings(citizen)
    assert not Booking.objects.filter(contact_phone="03441 123456").exists()
