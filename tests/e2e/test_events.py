"""Events in a real browser: guest registration with double opt-in, waiting list, cancellation by
link and automatic promotion; axe-core on the list, detail and registration pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from rathaus.events import services
from rathaus.events.models import Event, EventStatus, EventType, Registration, RegistrationStatus
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page

pytestmark = pytest.mark.e2e


def make_event(site: Site, capacity: int = 1) -> Event:
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=5)
    return services.save_event(
        Event(
            municipality=site.muni_a,
            title="Workshop: Online-Ausweisfunktion nutzen",
            summary="AusweisApp einrichten und Anträge online stellen.",
            description="Bitte Personalausweis und PIN-Brief mitbringen.",
            event_type=EventType.WORKSHOP,
            organiser="Digital Hub Zeitz",
            venue="Digital Hub Zeitz",
            address="Altmarkt 16, 06712 Zeitz",
            accessibility="Stufenloser Zugang, induktive Höranlage",
            capacity=capacity,
            status=EventStatus.PUBLISHED,
        ),
        dates=[(start, start + timedelta(hours=2))],
        tag_names=["Online-Ausweis"],
    )


def link_in_last_mail(to: str, kind: str) -> str:
    body = next(m.body for m in reversed(mail.outbox) if m.to == [to])
    match = re.search(rf"http://\S+/{kind}/\S+/", body)
    assert match, body
    return match.group(0)


def register_as_guest(page: Any, site: Site, event: Event, name: str, email: str) -> None:
    page.goto(site.a(f"/veranstaltungen/{event.pk}/"))
    page.get_by_role("link", name=re.compile("Jetzt anmelden|Auf die Warteliste")).click()
    page.wait_for_load_state()
    assert_accessible(page)  # the registration page
    page.get_by_label("Ihr Name").fill(name)
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert_not_error_page(page)
    assert "Bitte bestätigen Sie Ihre Anmeldung" in page.inner_text("main")


def confirm_by_link(page: Any, email: str) -> None:
    page.goto(link_in_last_mail(email, "bestaetigen"))
    assert_accessible(page)
    page.get_by_role("button", name="Anmeldung bestätigen").click()
    page.wait_for_load_state()


def test_guest_registration_waiting_list_and_promotion(page, site: Site):
    event = make_event(site, capacity=1)

    page.goto(site.a("/veranstaltungen/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Veranstaltungen und Kurse"
    assert_accessible(page)
    page.get_by_role("link", name=event.title).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == event.title
    assert_accessible(page)

    # Erika registers, confirms, and holds the only seat.
    register_as_guest(page, site, event, "Erika Mustermann", "erika@example.org")
    assert Registration.objects.get(email="erika@example.org").status == RegistrationStatus.PENDING
    confirm_by_link(page, "erika@example.org")
    assert "Sie sind angemeldet" in page.inner_text("main")
    assert Registration.objects.get(email="erika@example.org").status == RegistrationStatus.REGISTERED

    # Max registers too: the event is full, he goes on the waiting list.
    register_as_guest(page, site, event, "Max Muster", "max@example.org")
    confirm_by_link(page, "max@example.org")
    assert "Warteliste (Platz 1)" in page.inner_text("main")
    assert Registration.objects.get(email="max@example.org").status == RegistrationStatus.WAITLIST

    # Erika cancels with the link from her confirmation mail; Max moves up and gets an e-mail.
    page.goto(link_in_last_mail("erika@example.org", "stornieren"))
    assert_accessible(page)
    page.get_by_role("button", name="Jetzt stornieren").click()
    page.wait_for_load_state()
    assert "Ihre Anmeldung wurde storniert" in page.inner_text("main")
    assert Registration.objects.get(email="erika@example.org").status == RegistrationStatus.CANCELLED
    assert Registration.objects.get(email="max@example.org").status == RegistrationStatus.REGISTERED
    promoted = [m for m in mail.outbox if m.to == ["max@example.org"] and "Ein Platz ist frei" in m.subject]
    assert len(promoted) == 1

    # The detail page shows the seat as taken again and stays accessible.
    page.goto(site.a(f"/veranstaltungen/{event.pk}/"))
    assert "0 von 1 frei" in page.inner_text("main")
    assert_accessible(page)


def test_filters_work_without_javascript(new_page, site: Site):
    make_event(site)
    page = new_page(java_script_enabled=False)
    page.goto(site.a("/veranstaltungen/"))
    page.get_by_label("Art").select_option("kurs")
    page.get_by_role("button", name="Anzeigen").click()
    page.wait_for_load_state()
    assert "art=kurs" in page.url
    assert "Keine Veranstaltungen gefunden." in page.inner_text("main")  # (axe needs JavaScript)


def test_organiser_pages_are_accessible(page, site: Site):
    from tests.e2e.conftest import login, staff_user

    event = make_event(site, capacity=2)
    services.register(event, name="Gisela Richter", email="gisela@example.org")
    manager = staff_user(site, "veranstaltungen-e2e@example.org", role="module_manager", modules=["events"])
    login(page, site, manager)
    for path in (
        "/veranstaltungen/verwaltung/",
        "/veranstaltungen/verwaltung/neu/",
        f"/veranstaltungen/verwaltung/{event.pk}/",
        f"/veranstaltungen/verwaltung/{event.pk}/anmeldungen/",
        "/veranstaltungen/verwaltung/auswertung/",
    ):
        response = page.goto(site.a(path))
        assert response is not None and response.status == 200, path
        assert_accessible(page)
    # the form's error summary is accessible too
    page.goto(site.a("/veranstaltungen/verwaltung/neu/"))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "Bitte korrigieren Sie" in page.inner_text("main")
    assert_accessible(page)
