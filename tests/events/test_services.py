"""Rules of registration: capacity, waiting list, double opt-in, cancellation, promotion, reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from rathaus.core.audit.models import AuditEvent
from rathaus.events import queries, services
from rathaus.events.models import Event, EventStatus, Registration, RegistrationStatus
from tests.conftest import make_user

from .conftest import make_event

pytestmark = pytest.mark.django_db

R = RegistrationStatus


def guest(event, n: int, **kw):
    return services.register(event, name=f"Gast {n}", email=f"Gast{n}@Example.org", **kw)


def confirm_guest(event, n: int):
    reg = guest(event, n).registration
    return services.confirm(event.municipality, services.link_token(reg, "confirm"))


def account(event, n: int):
    user = make_user(f"konto{n}@example.org")
    return services.register(event, name=f"Konto {n}", email=user.email, user=user)


def test_guest_registration_holds_no_seat_until_confirmed(event_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = guest(event_a, 1)
    reg = outcome.registration
    assert outcome.kind == "pending" and reg.status == R.PENDING
    assert reg.email == "gast1@example.org"  # normalised
    assert services.seats_taken(event_a) == 0
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    confirm_url = services.link_token(reg, "confirm")
    assert confirm_url in body
    assert "Bitte bestätigen Sie" in body and "English version" in body and "Please confirm" in body
    # only the hash is stored
    assert confirm_url not in str(Registration.objects.filter(pk=reg.pk).values().first())
    assert reg.confirm_token_hash == services.hash_token(confirm_url)

    with django_capture_on_commit_callbacks(execute=True):
        done = services.confirm(event_a.municipality, confirm_url)
    assert done.kind == "registered"
    assert services.seats_taken(event_a) == 1
    assert "Anmeldung bestätigt" in mail.outbox[-1].subject
    assert services.link_token(reg, "cancel") in mail.outbox[-1].body
    # confirming twice is harmless
    assert services.confirm(event_a.municipality, confirm_url).kind == "already"
    assert services.seats_taken(event_a) == 1


def test_account_is_placed_at_once_and_full_event_goes_to_waiting_list_in_order(event_a):
    kinds = [account(event_a, n).kind for n in range(5)]
    assert kinds == ["registered"] * 3 + ["waitlist"] * 2
    waiting = list(Registration.objects.filter(event=event_a, status=R.WAITLIST).order_by("queue_number"))
    assert [services.waitlist_position(r) for r in waiting] == [1, 2]
    assert [r.email for r in waiting] == ["konto3@example.org", "konto4@example.org"]


def test_cancel_promotes_next_in_order_and_mails_them(event_a, django_capture_on_commit_callbacks):
    regs = [account(event_a, n).registration for n in range(5)]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.cancel(regs[1])
    assert outcome.kind == "cancelled"
    assert [p.email for p in outcome.promoted] == ["konto3@example.org"]
    statuses = {r.email: r.status for r in Registration.objects.filter(event=event_a)}
    assert statuses["konto1@example.org"] == R.CANCELLED
    assert statuses["konto3@example.org"] == R.REGISTERED
    assert statuses["konto4@example.org"] == R.WAITLIST
    assert services.seats_taken(event_a) == 3
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "storniert" in subjects["konto1@example.org"]
    promoted_mail = next(m for m in mail.outbox if m.to == ["konto3@example.org"])
    assert "Ein Platz ist frei geworden" in promoted_mail.subject
    assert "nachgerückt" in promoted_mail.body and "moved up from the waiting list" in promoted_mail.body
    assert AuditEvent.objects.filter(action="registration.promoted").count() == 1
    # cancelling a waiting-list entry promotes nobody
    assert services.cancel(Registration.objects.get(email="konto4@example.org")).promoted == ()
    # cancelling twice is harmless
    assert services.cancel(regs[1]).kind == "already"


def test_guest_confirmation_order_decides_the_waiting_list(muni_a):
    event = make_event(muni_a, capacity=1)
    first = guest(event, 1).registration
    second = guest(event, 2).registration
    # the second guest confirms first and gets the seat
    assert services.confirm(muni_a, services.link_token(second, "confirm")).kind == "registered"
    assert services.confirm(muni_a, services.link_token(first, "confirm")).kind == "waitlist"


def test_double_registration_creates_one_row(event_a, django_capture_on_commit_callbacks):
    user = make_user("doppelt@example.org")
    one = services.register(event_a, name="A", email=user.email, user=user)
    two = services.register(event_a, name="A", email=" DOPPELT@example.org ", user=user)
    assert one.registration.pk == two.registration.pk and two.kind == "already"
    # a guest using the same address gets a mail, not a second row, and learns nothing on screen
    with django_capture_on_commit_callbacks(execute=True):
        three = services.register(event_a, name="Jemand", email="doppelt@example.org")
    assert three.kind == "already"
    assert "bereits angemeldet" in mail.outbox[-1].subject
    assert Registration.objects.filter(event=event_a).count() == 1


def test_database_refuses_a_second_row_for_the_same_email(event_a):
    reg = guest(event_a, 1).registration
    clone = Registration(
        municipality=event_a.municipality,
        event=event_a,
        name="x",
        email=reg.email,
        requested_at=timezone.now(),
    )
    services.renew_tokens(clone)
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_pending_guest_re_registering_gets_a_new_link_and_old_one_dies(event_a):
    old = guest(event_a, 1).registration
    old_token = services.link_token(old, "confirm")
    new = guest(event_a, 1).registration
    assert new.pk == old.pk
    with pytest.raises(services.RegistrationError) as exc:
        services.confirm(event_a.municipality, old_token)
    assert exc.value.code == "invalid_token"
    assert services.confirm(event_a.municipality, services.link_token(new, "confirm")).kind == "registered"


def test_cancelled_person_can_register_again(event_a):
    reg = account(event_a, 1).registration
    services.cancel(reg)
    again = services.register(event_a, name="Konto 1", email="konto1@example.org", user=reg.user)
    assert again.kind == "registered" and again.registration.pk == reg.pk


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"status": EventStatus.DRAFT}, "draft"),
        ({"status": EventStatus.CANCELLED}, "cancelled"),
        ({"registration_opens_at": timezone.now() + timedelta(days=1)}, "not_open"),
        ({"registration_closes_at": timezone.now() - timedelta(minutes=1)}, "closed"),
    ],
)
def test_registration_refused_when_not_open(muni_a, fields, code):
    event = make_event(muni_a, **fields)
    with pytest.raises(services.RegistrationError) as exc:
        guest(event, 1)
    assert exc.value.code == code
    assert not Registration.objects.exists()


def test_registration_closes_at_start_and_past_events_refuse(muni_a):
    event = make_event(muni_a, days=-1)
    with pytest.raises(services.RegistrationError) as exc:
        account(event, 1)
    assert exc.value.code == "closed"


def test_expired_confirmation_link(event_a):
    reg = guest(event_a, 1).registration
    Registration.objects.filter(pk=reg.pk).update(
        requested_at=timezone.now() - services.PENDING_TTL - timedelta(minutes=1)
    )
    with pytest.raises(services.RegistrationError) as exc:
        services.confirm(event_a.municipality, services.link_token(reg, "confirm"))
    assert exc.value.code == "expired"
    assert Registration.objects.get(pk=reg.pk).status == R.PENDING


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "a" * 500])
def test_bad_tokens(event_a, token):
    guest(event_a, 1)
    with pytest.raises(services.RegistrationError):
        services.confirm(event_a.municipality, token)
    assert services.registration_for_token(event_a.municipality, "cancel", token) is None


def test_token_of_other_municipality_is_invalid(event_a, event_b):
    reg = guest(event_b, 1).registration
    token = services.link_token(reg, "confirm")
    with pytest.raises(services.RegistrationError):
        services.confirm(event_a.municipality, token)
    assert (
        services.registration_for_token(event_a.municipality, "cancel", services.link_token(reg, "cancel"))
        is None
    )


def test_capacity_increase_promotes_waiting_list(muni_a):
    event = make_event(muni_a, capacity=1)
    for n in range(3):
        account(event, n)
    event = Event.objects.get(pk=event.pk)
    event.capacity = 2
    dates = [(d.starts_at, d.ends_at) for d in event.dates.all()]
    services.save_event(event, dates=dates, tag_names=[])
    assert services.seats_taken(event) == 2
    assert Registration.objects.get(email="konto1@example.org").status == R.REGISTERED
    assert Registration.objects.get(email="konto2@example.org").status == R.WAITLIST


def test_event_cancellation_mails_everyone_active(muni_a, django_capture_on_commit_callbacks):
    event = make_event(muni_a, capacity=1)
    account(event, 1)
    account(event, 2)
    services.cancel(account(event, 3).registration)
    mail.outbox.clear()
    event = Event.objects.get(pk=event.pk)
    event.status = EventStatus.CANCELLED
    with django_capture_on_commit_callbacks(execute=True):
        services.save_event(event, dates=[(event.starts_at, event.ends_at)], tag_names=[])
    assert sorted(m.to[0] for m in mail.outbox) == ["konto1@example.org", "konto2@example.org"]
    assert all("abgesagt" in m.subject for m in mail.outbox)


def test_check_in_only_for_seat_holders(muni_a):
    event = make_event(muni_a, capacity=1)
    seat = account(event, 1).registration
    waiting = account(event, 2).registration
    services.set_attended(seat, True)
    assert Registration.objects.get(pk=seat.pk).attended_at is not None
    services.set_attended(seat, False)
    assert Registration.objects.get(pk=seat.pk).attended_at is None
    with pytest.raises(services.RegistrationError):
        services.set_attended(waiting, True)


def test_reminders_once_per_person(muni_a, django_capture_on_commit_callbacks):
    start = timezone.now() + timedelta(hours=5)
    soon = make_event(muni_a, title="In fünf Stunden", dates=[(start, start + timedelta(hours=1))])
    later = make_event(muni_a, title="Nächste Woche", days=7)
    account(soon, 1)
    account(soon, 2)
    services.cancel(account(soon, 3).registration)
    account(later, 4)
    guest(soon, 5)  # pending: no reminder
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(muni_a) == 2
        assert services.send_reminders(muni_a) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["konto1@example.org", "konto2@example.org"]
    assert all("Erinnerung" in m.subject and "Reminder" in m.subject for m in mail.outbox)
    assert "English version" in mail.outbox[0].body


def test_upcoming_events_for_other_modules(muni_a, muni_b):
    make_event(muni_a, title="Mit Tag", tags=("Open Data",))
    make_event(muni_a, title="Ohne Tag", tags=())
    make_event(muni_a, title="Entwurf", tags=("Open Data",), status=EventStatus.DRAFT)
    make_event(muni_a, title="Intern", tags=("Open Data",), is_public=False)
    make_event(muni_a, title="Vorbei", tags=("Open Data",), days=-3)
    make_event(muni_b, title="Andere Stadt", tags=("Open Data",))
    assert [e.title for e in queries.upcoming_events(muni_a, tag="open-data")] == ["Mit Tag"]
    assert len(queries.upcoming_events(muni_a)) == 2


def test_dashboard_queries(muni_a, muni_b):
    event = make_event(muni_a, capacity=2)
    other = make_event(muni_b, capacity=2)
    regs = [account(event, n).registration for n in range(3)]
    account(other, 9)
    services.set_attended(regs[0], True)
    per_event = queries.stats_per_event(muni_a)
    assert len(per_event) == 1
    row = per_event[0]
    assert (row["registered"], row["waitlist"], row["attended"], row["capacity"]) == (2, 1, 1, 2)
    assert row["utilisation"] == 1.0
    per_month = queries.stats_per_month(muni_a)
    assert len(per_month) == 1
    assert (per_month[0]["registered"], per_month[0]["waitlist"], per_month[0]["attended"]) == (2, 1, 1)
    assert per_month[0]["month"] == timezone.localtime(event.starts_at).date().replace(day=1)


def test_search_index_follows_publication(muni_a):
    from rathaus.core.search import services as search

    event = make_event(muni_a, title="Tabellenkalkulation für Einsteiger", status=EventStatus.DRAFT)
    assert search.search(muni_a, "Tabellenkalkulation") == []
    event.status = EventStatus.PUBLISHED
    services.save_event(event, dates=[(event.starts_at, event.ends_at)], tag_names=["Office"])
    hits = search.search(muni_a, "Tabellenkalkulation")
    assert [h.kind for h in hits] == ["event"]
    event.is_public = False
    services.save_event(event, dates=[(event.starts_at, event.ends_at)], tag_names=[])
    assert search.search(muni_a, "Tabellenkalkulation") == []


def test_account_deletion_frees_the_seat(muni_a):
    from rathaus.core.accounts.services import delete_account, export_user_data

    event = make_event(muni_a, capacity=1)
    holder = account(event, 1).registration
    account(event, 2)
    data = export_user_data(holder.user)
    assert data["event_registrations"][0]["event"] == event.title
    delete_account(holder.user)
    assert not Registration.objects.filter(email="konto1@example.org").exists()
    assert Registration.objects.get(email="konto2@example.org").status == R.REGISTERED
