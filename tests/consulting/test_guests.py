"""Consulting bookings for guests (issue 18): request, confirm by mail link, manage by link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from rathaus.consulting import services
from rathaus.consulting.models import Booking, BookingStatus
from tests.conftest import HOST_A, client_for
from tests.consulting.conftest import make_slot

pytestmark = pytest.mark.django_db
NEED = "Ich möchte meine BundID einrichten."


def _post(client, slot, topic, **extra):
    data = {"topic": topic.pk, "need": NEED, "guest_name": "Gabi Gast", "guest_email": "gabi@example.org"}
    data.update(extra)
    return client.post(reverse("consulting:book", args=[slot.pk]), data)


def test_guest_requests_confirms_sees_and_cancels(slot, topic, django_capture_on_commit_callbacks):
    client = client_for(HOST_A)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, slot, topic)
    assert response.status_code == 200 and "Bitte bestätigen Sie Ihren Termin" in response.content.decode()
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.PENDING and booking.user is None
    # nothing held: the slot is still listed as free
    assert slot in services_free(slot)
    link = re.search(r"https?://[^/]+(/beratung/bestaetigen/[^/\s]+/)", mail.outbox[-1].body).group(1)
    assert client.get(link).status_code == 200
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING  # GET books nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 302
    manage = response["Location"]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE
    assert any(m.to == ["wendler@zeitz.example"] for m in mail.outbox)  # the advisor learns it
    assert any(manage in m.body for m in mail.outbox if m.to == ["gabi@example.org"])
    assert client.post(link).status_code == 409  # double submit
    page = client.get(manage)
    assert page.status_code == 200 and NEED in page.content.decode()
    ics = client.get(manage + "termin.ics")
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.content
    assert client.post(manage + "absagen/").status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def services_free(slot):
    from rathaus.consulting import queries

    return list(queries.free_slots(slot.municipality))


def test_a_slot_taken_meanwhile_cannot_be_confirmed(slot, topic, citizen):
    booking, _token = services.request_as_guest(slot, topic, NEED, name="G", email="g@example.org")
    services.book(slot, citizen, topic, NEED)
    with pytest.raises(services.ConsultingError) as exc:
        services.confirm_guest(booking)
    assert exc.value.code == "taken"


def test_expired_requests_cannot_be_confirmed_and_are_deleted(slot, topic):
    booking, _token = services.request_as_guest(slot, topic, NEED, name="G", email="g@example.org")
    Booking.objects.filter(pk=booking.pk).update(confirm_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.ConsultingError) as exc:
        services.confirm_guest(booking)
    assert exc.value.code == "expired"
    assert services.expire_guest_requests(slot.municipality) == 1
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"guest_email": "kaputt"}, 400),
        ({"guest_name": ""}, 400),
        ({"need": ""}, 400),
        ({"website": "x"}, 400),
    ],
)
def test_bad_guest_input(slot, topic, change, status):
    assert _post(client_for(HOST_A), slot, topic, **change).status_code == status
    assert not Booking.objects.exists()


def test_guest_requests_are_limited(slot, topic):
    cache.clear()
    for _n in range(services.MAX_PENDING_PER_GUEST):
        services.request_as_guest(slot, topic, NEED, name="G", email="g@example.org")
    with pytest.raises(services.ConsultingError) as exc:
        services.request_as_guest(slot, topic, NEED, name="G", email="G@example.org")
    assert exc.value.code == "pending_limit"
    client = client_for(HOST_A)
    for n in range(10):
        _post(client, slot, topic, guest_email=f"bot{n}@example.org", guest_name="")
    assert _post(client, slot, topic, guest_email="x@example.org").status_code == 429


def test_unknown_tokens_are_404(muni_a):
    client = client_for(HOST_A)
    for name in ("guest_confirm", "guest_booking", "guest_ics"):
        assert client.get(reverse(f"consulting:{name}", args=["x" * 43])).status_code == 404
    assert client.post(reverse("consulting:guest_cancel", args=["x" * 43])).status_code == 404


def test_guest_link_does_not_open_an_account_holders_booking(slot, topic, citizen):
    booking = services.book(slot, citizen, topic, NEED)
    assert booking.manage_hash == ""  # account bookings have no guest link
    other = make_slot(slot.advisor, [topic], in_hours=100)
    _b, token = services.request_as_guest(other, topic, NEED, name="G", email="g@example.org")
    assert (
        client_for(HOST_A).get(reverse("consulting:guest_booking", args=[token])).status_code == 404
    )  # confirm token is no manage token
