"""Terminvergabe in a real browser: a guest books a Bürgerbüro appointment with two services,
confirms it by the link in the e-mail and cancels it; axe-core on every page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from rathaus.appointments.models import Appointment, Status
from tests.appointments.conftest import at, make_office
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page

pytestmark = pytest.mark.e2e


def _checked(page) -> None:
    assert_not_error_page(page)
    assert_accessible(page)


def test_guest_books_confirms_and_cancels_in_the_browser(page, site: Site):
    office = make_office(site.muni_a)
    mail.outbox.clear()

    page.goto(site.a("/termine/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Termin im Bürgerbüro"
    _checked(page)
    page.get_by_label(re.compile("^Personalausweis buergerbuero")).fill("1")
    page.get_by_label(re.compile("^Meldebescheinigung buergerbuero")).fill("1")
    page.get_by_role("button", name="Freie Zeiten anzeigen").click()
    page.wait_for_load_state()
    assert "Dauer: 30 Minuten." in page.locator("main").inner_text()
    assert "biometrisches Passfoto" in page.locator("main").inner_text()  # what to bring
    _checked(page)

    # Without a time and name: a clear message, nothing stored.
    page.get_by_role("button", name="Termin anfragen").click()
    page.wait_for_load_state()
    assert "Bitte wählen Sie eine Uhrzeit." in page.locator("main").inner_text()
    _checked(page)
    assert not Appointment.objects.exists()

    # Choose a time three days ahead (the page may start today; move on a week if needed).
    wanted = at(3, 9)
    radio = page.locator(f"input[type=radio][value='{wanted.isoformat()}']")
    if radio.count() == 0:
        page.get_by_role("link", name="Nächste Woche").click()
        page.wait_for_load_state()
    page.locator(f"input[type=radio][value='{wanted.isoformat()}']").check()
    page.get_by_label("Ihr Name").fill("Gabi Gast")
    page.get_by_label("Ihre E-Mail-Adresse").fill("gabi@example.org")
    page.get_by_role("button", name="Termin anfragen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Bitte bestätigen Sie Ihren Termin"
    _checked(page)
    appt = Appointment.objects.get()
    assert appt.status == Status.PENDING and appt.items.count() == 2

    body = next(m.body for m in reversed(mail.outbox) if m.to == ["gabi@example.org"])
    link = re.search(r"https?://\S+/termine/bestaetigen/\S+/", body).group(0)
    page.goto(site.a("/termine/" + link.split("/termine/", 1)[1]))
    assert page.get_by_role("heading", level=1).inner_text() == "Termin bestätigen"
    _checked(page)
    page.get_by_role("button", name="Termin verbindlich bestätigen").click()
    page.wait_for_load_state()
    assert "Ihr Termin ist gebucht." in page.locator("main").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Ihr Termin"
    _checked(page)
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED and appt.counter in office["counters"]
    assert appt.ends_at - appt.starts_at == at(0, 0, 30) - at(0, 0)

    page.get_by_role("link", name="Umbuchen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Termin umbuchen"
    _checked(page)
    page.get_by_role("link", name="Abbrechen").click()
    page.wait_for_load_state()

    page.get_by_role("button", name="Termin absagen").click()
    page.wait_for_load_state()
    assert "Ihr Termin ist abgesagt." in page.locator("main").inner_text()
    _checked(page)
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED


def test_staff_day_list_in_the_browser(page, site: Site):
    from rathaus.appointments import services
    from rathaus.appointments.queries import Choice
    from rathaus.core.accounts.models import Role
    from tests.e2e.conftest import login, staff_user

    office = make_office(site.muni_a)
    appt, _ = services.request_appointment(
        office["location"],
        [Choice(office["ausweis"], 2)],
        at(3, 9),
        name="Gabi Gast",
        email="gabi@example.org",
    )
    services.confirm(appt)
    clerk = staff_user(site, "buergerbuero-e2e@example.org", Role.MODULE_MANAGER, ["services"])
    login(page, site, clerk)
    page.goto(site.a(f"/termine/verwaltung/tagesliste/?tag={at(3, 9).date().isoformat()}"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Terminvergabe: Tagesliste")
    assert "Gabi Gast" in page.locator("table").inner_text()
    _checked(page)
    page.get_by_role("button", name="Absagen").click()
    page.wait_for_load_state()
    assert "Der Termin wurde abgesagt" in page.locator("main").inner_text()
    _checked(page)
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED
