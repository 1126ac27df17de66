"""Digital Hub in a real browser: book a desk, see it under "Meine Buchungen", cancel; operator pages.

Every page is checked with axe-core (WCAG 2.1 A/AA).
"""

from __future__ import annotations

import pytest

from rathaus.core.accounts.models import Role
from rathaus.hub.models import Booking, BookingStatus
from tests.conftest import make_user
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page, login, staff_user
from tests.hub.conftest import at, make_hub, weekday_ahead

pytestmark = pytest.mark.e2e


def test_book_a_desk_and_cancel_it(page, site: Site):
    hub = make_hub(site.muni_a)
    user = make_user("buchende@example.org")
    day = weekday_ahead()
    login(page, site, user)

    page.goto(site.a("/"))
    page.get_by_role("link", name="Digital Hub").click()
    assert_not_error_page(page)
    assert_accessible(page)
    page.get_by_role("link", name="Freie Plätze und Räume ansehen").first.click()
    assert page.locator("table caption").count() == 1
    assert_accessible(page)

    page.goto(site.a(f"/digital-hub/standort/{hub.location.pk}/?ansicht=tag&datum={day.isoformat()}"))
    assert_accessible(page)
    page.locator(f'a[href*="/digital-hub/buchen/{hub.desk.pk}/"]').first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Arbeitsplatz 01 buchen"
    assert page.get_by_label("Beginn").input_value() == "08:00"
    assert_accessible(page)
    page.get_by_role("button", name="Verbindlich buchen").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Meine Buchungen"
    assert "Ihre Buchung ist bestätigt." in page.inner_text("main")
    assert_accessible(page)
    booking = Booking.objects.get(user=user)
    assert booking.starts_at == at(day, 8) and booking.ends_at == at(day, 13)

    # The same unit once more through the form: a clear German refusal, no error page.
    page.goto(site.a(f"/digital-hub/buchen/{hub.desk.pk}/?datum={day.isoformat()}&beginn=08:00&ende=13:00"))
    page.get_by_role("button", name="Verbindlich buchen").click()
    assert "Sie haben diesen Zeitraum bereits gebucht." in page.inner_text("main")
    assert_accessible(page)

    page.goto(site.a("/digital-hub/meine-buchungen/"))
    page.get_by_role("button", name="Stornieren").first.click()
    assert "Die Buchung wurde storniert." in page.inner_text("main")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_availability_works_without_javascript(new_page, site: Site):
    hub = make_hub(site.muni_a)
    page = new_page(java_script_enabled=False)
    page.goto(site.a(f"/digital-hub/standort/{hub.location.pk}/"))
    page.get_by_label("Ansicht").select_option("tag")
    page.get_by_role("button", name="Anzeigen").click()
    assert "ansicht=tag" in page.url
    assert page.locator("tbody th[scope=row]").count() == 4


def test_operator_pages_are_accessible(page, site: Site):
    hub = make_hub(site.muni_a)
    operator = staff_user(site, "hub-e2e@example.org", Role.MODULE_MANAGER, ["hub"])
    day = weekday_ahead()
    from rathaus.hub import services

    services.book(hub.desk2, make_user("kunde@example.org"), at(day, 8), at(day, 18))
    login(page, site, operator)
    for path in (
        f"/digital-hub/verwaltung/auslastung/?woche={day.isoformat()}",
        "/digital-hub/verwaltung/",
        f"/digital-hub/verwaltung/ressourcen/{hub.desk.pk}/",
        f"/digital-hub/verwaltung/standorte/{hub.location.pk}/",
        f"/digital-hub/verwaltung/ressourcen/{hub.desk.pk}/aushang/",
    ):
        response = page.goto(site.a(path))
        assert response is not None and response.status == 200, path
        assert_accessible(page)
    page.goto(site.a(f"/digital-hub/verwaltung/auslastung/?woche={day.isoformat()}"))
    assert "20 %" in page.inner_text("main")


@pytest.mark.parametrize("view", ["tag", "woche", "monat"])
def test_availability_fits_a_phone(new_page, site: Site, view):
    """Issue 14: on a 390 px phone the day grid made the page 730 px wide. The page must fit;
    the grid becomes one block per resource (or scrolls inside its own region)."""
    hub = make_hub(site.muni_a)
    user = make_user("handy@example.org")
    day = weekday_ahead()
    from rathaus.hub import services

    services.book(hub.room, user, at(day, 10), at(day, 11))
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(page, site, user)
    page.goto(site.a(f"/digital-hub/standort/{hub.location.pk}/?ansicht={view}&datum={day.isoformat()}"))
    assert_not_error_page(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.hub-grid-wrap table'))
            .slice(0, 8)
            .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""
    )
    assert width <= 390, f"{view}: page is {width} px wide; too wide: {wide}"
    # Every free unit is still reachable and readable.
    link = page.locator(f'a[href*="/digital-hub/buchen/{hub.desk.pk}/"]').first
    assert link.is_visible()
    assert_accessible(page)
