"""Digital Hub operator dashboard in a real browser: reach it from the staff dashboard, choose a
period, see an error message for a bad one, download a CSV; axe-core on every page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from rathaus.consulting.models import Advisor
from rathaus.consulting.models import Booking as ConsultingBooking
from rathaus.core.accounts.models import Role
from rathaus.events import services as event_services
from rathaus.hub import services
from rathaus.hub.models import Booking, BookingStatus
from tests.conftest import make_user
from tests.consulting.conftest import make_slot, make_topic
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page, login, staff_user
from tests.events.conftest import make_event
from tests.hub.conftest import at, make_hub, weekday_ahead

pytestmark = pytest.mark.e2e


def _data(site: Site) -> None:
    hub = make_hub(site.muni_a)
    guest = make_user("gast@example.org")
    day = weekday_ahead()
    services.book(hub.desk2, guest, at(day, 8), at(day, 18))
    past = services.local(timezone.now()).date() - timedelta(days=7)
    while past.weekday() >= 5:
        past -= timedelta(days=1)
    Booking.objects.create(
        municipality=site.muni_a,
        resource=hub.desk,
        user=guest,
        starts_at=at(past, 8),
        ends_at=at(past, 13),
        status=BookingStatus.RELEASED,
    )
    event = make_event(site.muni_a, capacity=5, days=3)
    for i in range(3):
        event_services.register(
            event,
            name=f"Person {i}",
            email=f"person{i}@example.org",
            user=make_user(f"person{i}@example.org"),
        )
    topic = make_topic(site.muni_a)
    advisor = Advisor.objects.create(
        municipality=site.muni_a, display_name="Beraterin", email="b@example.org"
    )
    slot = make_slot(advisor, [topic], in_hours=50)
    ConsultingBooking.objects.create(
        municipality=site.muni_a, slot=slot, user=guest, topic=topic, need="BundID einrichten"
    )


def test_dashboard_is_accessible_and_exports_csv(page, site: Site, tmp_path: Path):
    _data(site)
    operator = staff_user(site, "hub-dashboard-e2e@example.org", Role.MODULE_MANAGER, ["hub"])
    login(page, site, operator)

    page.goto(site.a("/verwaltung/"))
    page.get_by_role("link", name="Digital Hub: Dashboard mit Kennzahlen").click()
    assert_not_error_page(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard des Digital Hubs"
    assert page.locator("svg[role=img]").count() == 4
    assert page.locator("table caption").count() == 6
    assert "Online-Ausweis und BundID" in page.inner_text("main")
    assert_accessible(page)

    # Weeks instead of months.
    page.get_by_label("Einteilung").select_option("woche")
    page.get_by_role("button", name="Anzeigen").click()
    assert "einteilung=woche" in page.url
    assert "KW " in page.locator("#caption-auslastung").locator("xpath=..").inner_text()
    assert_accessible(page)

    # The CSV of a table downloads with German headers.
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"^Als CSV herunterladen\s*: Nicht erschienen")).click()
    target = tmp_path / "export.csv"
    info.value.save_as(target)
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Zeitraum;Begonnene Buchungen;Eingecheckt;")

    # A bad period: a message, no error page.
    page.get_by_role("textbox", name=re.compile("^Von")).fill("2026-05-10")
    page.get_by_role("textbox", name=re.compile("^Bis")).fill("2026-05-01")
    page.get_by_role("button", name="Anzeigen").click()
    assert_not_error_page(page)
    assert "Das Ende darf nicht vor dem Beginn liegen." in page.inner_text("main")
    assert_accessible(page)


def test_dashboard_works_without_javascript(new_page, site: Site):
    _data(site)
    operator = staff_user(site, "hub-dashboard-nojs@example.org", Role.MODULE_MANAGER, ["hub"])
    page = new_page(java_script_enabled=False)
    login(page, site, operator)
    page.goto(site.a("/digital-hub/verwaltung/dashboard/?einteilung=woche"))
    assert page.locator("table caption").count() == 6
    assert page.locator("svg[role=img] title").count() == 4
