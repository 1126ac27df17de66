"""Terminvergabe in a real browser: a guest books a Bürgerbüro appointment with two services,
confirms it by the link in the e-mail and cancels it; axe-core on every page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from rathaus.appointments.models import Appointment, Status
from tests.appointments.conftest import at, ctx_for, make_office
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
        ctx=ctx_for(site.muni_a),
    )
    services.confirm(appt, ctx=ctx_for(site.muni_a))
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


def test_staff_sets_up_a_buergerbuero_in_the_browser(page, site: Site):
    """From nothing to a bookable service through the setup pages only; axe on every page."""
    from rathaus.appointments.models import Availability, Location
    from rathaus.core.accounts.models import Role
    from tests.appointments.conftest import make_service
    from tests.e2e.conftest import login, staff_user

    service = make_service(site.muni_a, "Reisepass")
    clerk = staff_user(site, "einrichtung-e2e@example.org", Role.MODULE_MANAGER, ["services"])
    login(page, site, clerk)

    def save() -> None:
        page.get_by_role("button", name="Speichern").click()
        page.wait_for_load_state()

    page.goto(site.a("/termine/verwaltung/einrichtung/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Terminvergabe einrichten"
    _checked(page)
    page.get_by_role("link", name="Neuer Standort").click()
    page.wait_for_load_state()
    _checked(page)
    page.get_by_label("Name", exact=True).fill("Bürgerbüro Neu")
    page.get_by_label("Kurzname", exact=True).fill("neu")
    page.get_by_label("Raster der Startzeiten (Minuten)", exact=True).fill("30")
    save()
    _checked(page)
    location = Location.objects.get(slug="neu")

    page.get_by_role("link", name="Schalter hinzufügen").click()
    page.wait_for_load_state()
    page.get_by_label("Bezeichnung", exact=True).fill("Schalter A")
    save()

    for weekday in ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"):
        page.get_by_role("link", name="Öffnungszeit hinzufügen").click()
        page.wait_for_load_state()
        page.get_by_label("Wochentag", exact=True).select_option(label=weekday)
        page.locator("#id_opens").fill("08:00")
        page.locator("#id_closes").fill("12:00")
        save()
    # Overlapping hours: a clear message in the error summary, axe-clean.
    page.get_by_role("link", name="Öffnungszeit hinzufügen").click()
    page.wait_for_load_state()
    _checked(page)
    page.get_by_label("Wochentag", exact=True).select_option(label="Montag")
    page.locator("#id_opens").fill("11:00")
    page.locator("#id_closes").fill("13:00")
    save()
    assert "überschneidet sich" in page.locator("[data-error-summary]").inner_text()
    _checked(page)
    page.get_by_role("link", name="Abbrechen").click()
    page.wait_for_load_state()

    page.get_by_role("link", name="Leistung buchbar machen").click()
    page.wait_for_load_state()
    page.get_by_label("Leistung", exact=True).select_option(label="Reisepass")
    page.get_by_label("Standort", exact=True).select_option(label="Bürgerbüro Neu")
    page.get_by_label("Vorlaufzeit (Stunden)", exact=True).fill("0")
    save()
    assert "Gespeichert." in page.locator("main").inner_text(), page.locator("main").inner_text()

    for weekday in ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"):
        page.get_by_role("link", name="Neue Dienstzeit").click()
        page.wait_for_load_state()
        page.get_by_label("Mitarbeiter/in", exact=True).select_option(label=str(clerk))
        page.get_by_label("Schalter", exact=True).select_option(label="Bürgerbüro Neu – Schalter A")
        page.get_by_label("Wochentag", exact=True).select_option(label=weekday)
        page.locator("#id_starts").fill("08:00")
        page.locator("#id_ends").fill("12:00")
        page.get_by_label("Reisepass", exact=True).check()
        save()
        assert "Gespeichert." in page.locator("main").inner_text(), page.locator("main").inner_text()
    assert Availability.objects.filter(counter__location=location).count() == 7
    assert "Reisepass" in page.locator("main").inner_text()
    _checked(page)

    page.goto(site.a("/termine/"))
    assert "Reisepass" in page.locator("main").inner_text()
    page.goto(site.a(f"/termine/neu/?anzahl-{service.appointment_setting.pk}=1"))
    assert page.locator("input[type=radio][name=start]").count() > 0
    _checked(page)


def test_citizen_sees_and_cancels_own_appointment_in_the_browser(page, site: Site):
    from rathaus.appointments import services
    from rathaus.appointments.queries import Choice
    from tests.conftest import make_user
    from tests.e2e.conftest import login

    office = make_office(site.muni_a)
    citizen = make_user("meine-termine-e2e@example.org")
    appt, _ = services.request_appointment(
        office["location"],
        [Choice(office["melde"])],
        at(3, 9),
        name="Bea",
        email=citizen.email,
        ctx=ctx_for(site.muni_a, citizen),
    )
    login(page, site, citizen)
    page.goto(site.a("/termine/meine/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Meine Termine"
    assert "Meldebescheinigung" in page.locator("table").inner_text()
    _checked(page)
    page.get_by_role("button", name="Absagen").click()
    page.wait_for_load_state()
    assert "keine anstehenden Termine" in page.locator("main").inner_text()
    _checked(page)
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED
