"""Public form pages cached for anonymous visitors (rathaus.core.pagecache.private.form_page, ADR 0017):
the consulting booking page and the Terminvergabe's times page. Every committed change they show
appears at once (one test per kind of change), the CSRF token is never stored and a hit carries the
visitor's own valid one, signed-in visitors and sessions never touch the copy, keys hold the
municipality and the language, and a hit costs one query (the counters)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from rathaus.consulting import services as consulting
from rathaus.consulting.models import Advisor, Slot
from rathaus.core.pagecache.private import FORM_HEADER, _placeholder
from tests.appointments.conftest import at, make_office
from tests.conftest import HOST_A, HOST_B, client_for
from tests.consulting.conftest import make_slot, make_topic

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NEED = "Ich möchte meine BundID einrichten."


def hit(client: Any, path: str, data: dict[str, str] | None = None) -> str:
    """Fill the cache and prove the next answer comes from it; the page's text."""
    first = client.get(path, data)
    assert first.status_code == 200, (path, first.status_code)
    second = client.get(path, data)
    assert second.get(FORM_HEADER) == "hit", (path, first.get(FORM_HEADER), second.get(FORM_HEADER))
    return str(second.content.decode())


@pytest.fixture
def slot(muni_a: Any) -> Slot:
    advisor = Advisor.objects.create(municipality=muni_a, display_name="Thomas Wendler")
    return make_slot(advisor, [make_topic(muni_a)])


def book_url(slot: Slot) -> str:
    return reverse("consulting:book", args=[slot.pk])


# --- consulting: the booking page of a slot --------------------------------------------------------


def test_the_token_is_never_stored_and_a_hit_carries_a_valid_one(slot: Slot) -> None:
    visitor = client_for(HOST_A)
    visitor.handler.enforce_csrf_checks = True
    page = hit(visitor, book_url(slot))
    stored = [cache.get(k.split(":", 2)[2]) for k in cache._cache if "fp:" in k]  # type: ignore[attr-defined]
    assert stored and all(_placeholder() in entry[2] for entry in stored)
    token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    assert token != _placeholder().decode() and len(token) == 64
    other = client_for(HOST_A)  # another visitor, without a CSRF cookie: the same page, their own token
    other.handler.enforce_csrf_checks = True
    other_page = other.get(book_url(slot))
    assert other_page.get(FORM_HEADER) == "hit"
    other_token = TOKEN.search(other_page.content.decode()).group(1)  # type: ignore[union-attr]
    assert other_token != token
    assert other_page.cookies["csrftoken"].value  # the hit set this visitor's new secret …
    data = {
        "topic": str(slot.topics.get().pk),
        "need": NEED,
        "guest_name": "Gabi",
        "guest_email": "g@example.org",
    }
    response = visitor.post(book_url(slot), {"csrfmiddlewaretoken": token, **data})
    assert response.status_code == 200 and "Bitte bestätigen Sie Ihren Termin" in response.content.decode()
    # … which the token on their page matches: their booking goes through too
    response = other.post(book_url(slot), {"csrfmiddlewaretoken": other_token, **data})
    assert response.status_code == 200 and "Bitte bestätigen Sie Ihren Termin" in response.content.decode()
    # and a token of another visitor's page does not fit their secret
    forged = other.post(book_url(slot), {"csrfmiddlewaretoken": token, **data})
    assert forged.status_code == 403


def test_a_booking_shows_at_once(slot: Slot, citizen: Any) -> None:
    assert "Termin anfragen" in hit(client_for(HOST_A), book_url(slot))
    consulting.book(slot, citizen, slot.topics.get(), NEED)
    page = client_for(HOST_A).get(book_url(slot))
    assert page.get(FORM_HEADER) == "miss" and "schon vergeben" in page.content.decode()


def test_a_withdrawn_slot_shows_at_once(slot: Slot) -> None:
    hit(client_for(HOST_A), book_url(slot))
    Slot.objects.filter(pk=slot.pk).update(withdrawn_at=timezone.now())
    assert "nicht mehr angeboten" in client_for(HOST_A).get(book_url(slot)).content.decode()


def test_an_advisors_new_name_and_a_new_topic_show_at_once(slot: Slot, muni_a: Any) -> None:
    hit(client_for(HOST_A), book_url(slot))
    Advisor.objects.filter(pk=slot.advisor_id).update(display_name="Dr. Thomas Wendler")
    assert "Dr. Thomas Wendler" in client_for(HOST_A).get(book_url(slot)).content.decode()
    hit(client_for(HOST_A), book_url(slot))
    slot.topics.add(make_topic(muni_a, "sicherheit", "Sicherheit im Netz"))
    assert "Sicherheit im Netz" in client_for(HOST_A).get(book_url(slot)).content.decode()


def test_a_municipality_edit_shows_at_once(slot: Slot, muni_a: Any) -> None:
    hit(client_for(HOST_A), book_url(slot))
    muni_a.name = "Zeitz (Elster)"
    muni_a.save()
    assert "Zeitz (Elster)" in client_for(HOST_A).get(book_url(slot)).content.decode()


def test_keys_hold_the_municipality_and_the_language(slot: Slot, muni_b: Any) -> None:
    hit(client_for(HOST_A), book_url(slot))
    assert client_for(HOST_B).get(book_url(slot)).status_code == 404  # another municipality's slot
    english = client_for(HOST_A)
    english.cookies["django_language"] = "en"
    first = english.get(book_url(slot))
    assert first.get(FORM_HEADER) == "miss" and 'lang="en"' in first.content.decode()
    assert 'lang="de"' in client_for(HOST_A).get(book_url(slot)).content.decode()


def test_signed_in_visitors_and_sessions_never_touch_the_copy(slot: Slot, citizen: Any) -> None:
    hit(client_for(HOST_A), book_url(slot))
    me = client_for(HOST_A, citizen)
    page = me.get(book_url(slot))
    assert FORM_HEADER not in page and "Verbindlich buchen" in page.content.decode()
    assert FORM_HEADER not in me.get(book_url(slot))
    with_session = client_for(HOST_A)
    with_session.cookies["sessionid"] = "whatever"
    assert FORM_HEADER not in with_session.get(book_url(slot))
    # a POST is never answered from the copy (a bad one shows its errors)
    bad = client_for(HOST_A).post(book_url(slot), {"need": ""})
    assert bad.status_code == 400 and FORM_HEADER not in bad


def test_a_hit_costs_one_query(slot: Slot, django_assert_num_queries: Any) -> None:
    visitor = client_for(HOST_A)
    hit(visitor, book_url(slot))
    for _ in range(3):
        with django_assert_num_queries(1):  # the generation counters
            assert visitor.get(book_url(slot)).get(FORM_HEADER) == "hit"


def test_off_when_the_page_cache_is_off(slot: Slot, settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    visitor = client_for(HOST_A)
    visitor.get(book_url(slot))
    assert FORM_HEADER not in visitor.get(book_url(slot))


# --- Terminvergabe: free times of a location ---------------------------------------------------------


def test_times_page_a_booking_and_a_cancellation_show_at_once(muni_a: Any, citizen: Any) -> None:
    from rathaus.appointments import services as appointments
    from rathaus.appointments.queries import Choice
    from tests.appointments.conftest import ctx_for

    office = make_office(muni_a, counters=1)
    url = reverse("appointments:times", args=[office["location"].slug])
    query = {f"anzahl-{office['ausweis'].pk}": "1", "ab": at(3, 8).date().isoformat()}
    nine = at(3, 9).isoformat()
    assert nine in hit(client_for(HOST_A), url, query)
    appt, _token = appointments.request_appointment(
        office["location"], [Choice(office["ausweis"], 1)], at(3, 9), ctx=ctx_for(muni_a, citizen)
    )
    page = client_for(HOST_A).get(url, query)
    assert page.get(FORM_HEADER) == "miss" and nine not in page.content.decode()
    hit(client_for(HOST_A), url, query)
    appointments.cancel(appt, ctx=ctx_for(muni_a, citizen))
    assert nine in client_for(HOST_A).get(url, query).content.decode()


def test_times_page_opening_hours_and_a_blocked_day_show_at_once(muni_a: Any) -> None:
    from rathaus.appointments.models import BlockedDay

    office = make_office(muni_a, counters=1)
    url = reverse("appointments:times", args=[office["location"].slug])
    query = {f"anzahl-{office['ausweis'].pk}": "1", "ab": at(3, 8).date().isoformat()}
    assert at(3, 9).isoformat() in hit(client_for(HOST_A), url, query)
    BlockedDay.objects.create(municipality=muni_a, location=office["location"], day=at(3, 8).date())
    assert at(3, 9).isoformat() not in client_for(HOST_A).get(url, query).content.decode()


def test_times_page_a_services_new_name_shows_at_once(muni_a: Any) -> None:
    office = make_office(muni_a, counters=1)
    url = reverse("appointments:times", args=[office["location"].slug])
    hit(client_for(HOST_A), url)
    service = office["ausweis"].service
    service.name = "Personalausweis (neu)"
    service.save()
    assert "Personalausweis (neu)" in client_for(HOST_A).get(url).content.decode()


def test_times_page_hit_costs_one_query_and_keys_hold_the_query(
    muni_a: Any, django_assert_num_queries: Any
) -> None:
    office = make_office(muni_a, counters=1)
    url = reverse("appointments:times", args=[office["location"].slug])
    visitor = client_for(HOST_A)
    hit(visitor, url)
    query = {f"anzahl-{office['ausweis'].pk}": "1", "ab": at(3, 8).date().isoformat()}
    first = visitor.get(url, query)
    assert first.get(FORM_HEADER) == "miss" and at(3, 9).isoformat() in first.content.decode()
    for data in (None, query):
        with django_assert_num_queries(1):  # the generation counters
            assert visitor.get(url, data).get(FORM_HEADER) == "hit"
