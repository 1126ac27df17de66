"""Digital strategy in a real browser: roadmap → Handlungsfeld → Maßnahme, indicator, Digitalbarometer,
and the staff overview. Every page is checked with axe-core (WCAG 2.1 A/AA)."""

from __future__ import annotations

import pytest

from rathaus.core.accounts.models import Role
from rathaus.strategy.demo import zeitz_strategy
from rathaus.strategy.models import Indicator, Measure
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page, login, staff_user

pytestmark = pytest.mark.e2e


def test_navigate_the_roadmap(page, site: Site):
    zeitz_strategy(site.muni_a)
    page.goto(site.a("/"))
    page.get_by_role("link", name="Digitalstrategie").first.click()
    assert_not_error_page(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Digitalstrategie Zeitz 2030"
    assert_accessible(page)

    page.get_by_role("link", name="Digitale Verwaltung").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Digitale Verwaltung"
    assert_accessible(page)

    page.get_by_role("link", name="M 1.4 Open-Data-Portal nach DCAT-AP.de").click()
    assert "Open-Data-Portal nach DCAT-AP.de" in page.get_by_role("heading", level=1).inner_text()
    assert "Steckbrief" in page.inner_text("main")
    assert_accessible(page)
    page.get_by_role("link", name="Offene Daten").last.click()
    assert_not_error_page(page)

    ind = Indicator.objects.get(municipality=site.muni_a, title="Haushalte mit Gigabit-Anschluss")
    page.goto(site.a(ind.get_absolute_url()))
    assert "Zeitreihe" in page.inner_text("main")
    assert_accessible(page)

    page.goto(site.a("/digitalbarometer/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Digitalbarometer"
    assert_accessible(page)


def test_staff_pages_are_accessible(page, site: Site):
    zeitz_strategy(site.muni_a)
    manager = staff_user(site, "strategie-e2e@example.org", Role.MODULE_MANAGER, ["strategy"])
    measure_pk = Measure.objects.filter(municipality=site.muni_a).values_list("pk", flat=True).first()
    login(page, site, manager)
    for path in (
        "/digitalstrategie/verwaltung/",
        f"/digitalstrategie/verwaltung/massnahme/{measure_pk}/",
        "/digitalstrategie/verwaltung/indikator/neu/",
    ):
        page.goto(site.a(path))
        assert_not_error_page(page)
        assert_accessible(page)
