"""Consulting appointments in a real browser: find, book, see and manage slots; axe-core on every page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rathaus.consulting.models import Advisor, Booking, Slot, Topic
from tests.conftest import make_user
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page, login

pytestmark = pytest.mark.e2e

NEED = "Ich möchte die Online-Ausweisfunktion einrichten und habe meine PIN vergessen."


def _seed(site: Site) -> tuple[Slot, Slot, Topic]:
    muni = site.muni_a
    ausweis = Topic.objects.create(municipality=muni, slug="online-ausweis", name="Online-Ausweis und BundID")
    web = Topic.objects.create(municipality=muni, slug="website", name="Website und Social Media")
    lotsin = Advisor.objects.create(
        municipality=muni, display_name="Sandra Köhler", organisation="Stadt Zeitz – Digitallotsin"
    )
    partner = Advisor.objects.create(
        municipality=muni, display_name="Julia Brandt", organisation="IT-Partner"
    )
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=3)
    first = Slot.objects.create(
        municipality=muni,
        advisor=lotsin,
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        location="Digital Hub Zeitz, Beratungsraum",
    )
    first.topics.set([ausweis])
    second = Slot.objects.create(
        municipality=muni,
        advisor=partner,
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, minutes=30),
        mode="phone",
    )
    second.topics.set([web])
    return first, second, ausweis


def test_citizen_books_a_slot_in_the_browser(page, site: Site):
    first, _second, ausweis = _seed(site)
    user = make_user("kim@example.org")
    login(page, site, user)

    page.goto(site.a("/beratung/"))
    assert_not_error_page(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Beratung zur Digitalisierung"
    table = page.locator("table")
    assert "Sandra Köhler" in table.inner_text() and "Julia Brandt" in table.inner_text()
    assert_accessible(page)

    # Filter by topic (plain GET form, works without JavaScript).
    page.get_by_label("Thema").select_option(label="Online-Ausweis und BundID")
    page.get_by_role("button", name="Filter anwenden").click()
    page.wait_for_load_state()
    assert "Julia Brandt" not in page.locator("main").inner_text()
    assert_accessible(page)

    page.locator("main table a", has_text="Buchen").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Beratungstermin buchen"
    assert_accessible(page)

    # Submitting without a description shows the error summary.
    page.get_by_role("button", name="Verbindlich buchen").click()
    page.wait_for_load_state()
    assert "Bitte beschreiben Sie kurz Ihr Anliegen." in page.locator("main").inner_text()
    assert_accessible(page)

    page.get_by_label("Ihr Anliegen").fill(NEED)
    page.get_by_role("button", name="Verbindlich buchen").click()
    page.wait_for_load_state()
    assert "Ihr Termin ist gebucht." in page.locator("main").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Ihr Beratungstermin"
    assert NEED in page.locator("main").inner_text()
    assert_accessible(page)

    booking = Booking.objects.get()
    assert booking.slot == first and booking.user == user and booking.topic == ausweis

    page.goto(site.a("/beratung/meine-termine/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Meine Beratungstermine"
    assert "Sandra Köhler" in page.locator("table").inner_text()
    assert_accessible(page)

    # The booked slot is gone from the public list.
    page.goto(site.a("/beratung/"))
    assert "Sandra Köhler" not in page.locator("main").inner_text()

    # Cancel again from the detail page.
    page.goto(site.a(f"/beratung/meine-termine/{booking.pk}/"))
    page.get_by_role("button", name="Termin absagen").click()
    page.wait_for_load_state()
    assert "Ihr Termin ist abgesagt." in page.locator("main").inner_text()
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert_accessible(page)


def test_advisor_manages_slots_in_the_browser(page, site: Site):
    first, _second, ausweis = _seed(site)
    user = make_user("lotsin@example.org", mfa=True)
    Advisor.objects.filter(pk=first.advisor_id).update(user=user)
    booker = make_user("kim2@example.org")
    Booking.objects.create(municipality=site.muni_a, slot=first, user=booker, topic=ausweis, need=NEED)
    login(page, site, user)

    page.goto(site.a("/beratung/verwaltung/"))
    assert_not_error_page(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Beratungstermine verwalten"
    assert NEED in page.locator("table").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Termine veröffentlichen").click()
    page.wait_for_load_state()
    assert_accessible(page)
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    page.get_by_label("Datum").fill(day)
    page.get_by_label("Beginn").fill("14:00")
    page.get_by_label("Online-Ausweis und BundID").check()
    page.get_by_label("Wöchentlich wiederholen (Anzahl Wochen)").fill("3")
    page.get_by_role("button", name="Veröffentlichen").click()
    page.wait_for_load_state()
    assert "3 Termin(e) veröffentlicht." in page.locator("main").inner_text()
    assert Slot.objects.filter(advisor=first.advisor).count() == 4
    assert_accessible(page)


def test_phone_consultation_asks_for_a_number_in_the_browser(page, site: Site):
    """Issue 14: a telephone consultation asks for the number to call, accessibly."""
    _first, second, _ausweis = _seed(site)
    user = make_user("rueckruf@example.org")
    login(page, site, user)
    page.goto(site.a(f"/beratung/termin/{second.pk}/buchen/"))
    assert_not_error_page(page)
    page.get_by_label("Ihr Anliegen").fill(NEED)
    page.get_by_role("button", name="Verbindlich buchen").click()
    page.wait_for_load_state()
    assert "Bitte geben Sie eine Telefonnummer an" in page.locator("main").inner_text()
    assert not Booking.objects.exists()
    assert_accessible(page)
    page.get_by_label("Telefonnummer").fill("03441 123456")
    page.get_by_role("button", name="Verbindlich buchen").click()
    page.wait_for_load_state()
    assert "Ihr Termin ist gebucht." in page.locator("main").inner_text()
    assert "03441 123456" in page.locator("main").inner_text()
    assert Booking.objects.get().contact_phone == "03441 123456"
    assert_accessible(page)
