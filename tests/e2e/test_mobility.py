"""Mobility in a real browser: the map page with table and filters (with and without JavaScript),
the staff page. Every page is checked with axe-core (WCAG 2.1 A/AA)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest

from rathaus.core.accounts.models import Role
from rathaus.mobility import demo, services
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page, login, staff_user

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_feed(site: Site, settings, tmp_path):
    settings.MOBILITY_DATA_DIR = tmp_path / "mobility"
    with tempfile.TemporaryDirectory() as tmp:
        demo.write_feed(Path(tmp), date(2026, 1, 1), date(2027, 12, 31))
        return services.import_feed(site.muni_a, Path(tmp), demo.FEED_NAME, is_demo=True, publish=True)


def test_map_page_with_table_and_filters(page, site: Site, demo_feed):
    page.goto(site.a("/mobilitaet/"))
    assert_not_error_page(page)
    assert "Demodaten" in page.inner_text("main")
    table = page.locator("#stations-table")
    assert table.locator("caption").count() == 1
    assert table.locator("tbody tr", has_text="Zeitz, Bahnhof").count() == 1
    # Leaflet drew the stops and the class areas on the plain background (no tile URL configured).
    page.wait_for_selector("#mobility-map.mobility-map--active path.leaflet-interactive")
    assert page.locator("#mobility-map path").count() > 20
    assert_accessible(page)

    page.get_by_label("Tagestyp", exact=True).select_option("samstag")
    page.get_by_label("Von", exact=True).fill("08:00")
    page.get_by_label("Bis", exact=True).fill("12:00")
    page.get_by_role("button", name="Anzeigen").click()
    assert "tagestyp=samstag" in page.url and "von=08%3A00" in page.url
    assert "Samstag" in page.inner_text("#mobility-summary")
    assert page.locator("#stations-table tbody tr", has_text="Tröglitz, Werk").count() == 1
    assert_accessible(page)


def test_map_page_without_javascript(new_page, site: Site, demo_feed):
    page = new_page(java_script_enabled=False)
    page.goto(site.a(f"/mobilitaet/?tagestyp=sonntag&von=06:00&bis=20:00&fahrplan={demo_feed.pk}"))
    text = page.inner_text("main")
    assert "Sonntag" in page.inner_text("#mobility-summary")
    assert "Leipzig Hbf" in text and "Zeitz, Bahnhof" in text
    assert page.locator("#stations-table tbody tr").count() >= 5


def test_staff_page_is_accessible(page, site: Site, demo_feed):
    user = staff_user(site, "mobil-e2e@example.org", Role.MODULE_MANAGER, ["mobility"])
    login(page, site, user)
    page.goto(site.a("/mobilitaet/verwaltung/"))
    assert_not_error_page(page)
    assert page.locator("#feeds-table tbody tr", has_text=demo.FEED_NAME).count() == 1
    assert_accessible(page)
    page.get_by_role("link", name=demo.FEED_NAME).click()
    assert demo.FEED_NAME in page.get_by_role("heading", level=1).inner_text()
    assert_accessible(page)


def test_window_form_errors_span_the_whole_form(page, site: Site, demo_feed):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site.a(f"/mobilitaet/?tagestyp=werktag&von=20:00&bis=06:00&fahrplan={demo_feed.pk}"))
    assert_not_error_page(page)
    summary = page.locator("form.rh-filter [data-error-summary]")
    assert "Das Ende muss nach dem Beginn liegen." in summary.inner_text()
    form_box = page.locator("form.rh-filter").bounding_box()
    box = summary.bounding_box()
    assert form_box and box
    # Before the fix the summary was squeezed into one grid column (about a quarter of the width).
    assert box["width"] > 0.9 * form_box["width"]
    assert_accessible(page)


def test_map_draws_the_offline_base_layer(page, site: Site, demo_feed):
    from rathaus.mobility.models import District, MunicipalityArea

    MunicipalityArea.objects.create(municipality=site.muni_a, polygon=demo.ZEITZ_OUTLINE)
    for name, ring in demo.DISTRICTS.items():
        District.objects.create(municipality=site.muni_a, name=name, polygon=ring)
    page.goto(site.a("/mobilitaet/"))
    page.wait_for_selector("#mobility-map .mobility-district-label")
    labels = page.locator("#mobility-map .mobility-district-label").all_inner_texts()
    assert sorted(labels) == sorted(demo.DISTRICTS)
    assert page.locator("#mobility-map.mobility-map--plain").count() == 1
    assert_accessible(page)
