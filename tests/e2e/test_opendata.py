"""Open-data portal in a real browser: list with facets, dataset page with preview; staff pages.
Every page is checked with axe-core (WCAG 2.1 A/AA)."""

from __future__ import annotations

import pytest

from rathaus.core.accounts.models import Role
from rathaus.opendata.demo import demo_datasets
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page, login, staff_user

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_dataset_page_with_preview(page, site: Site):
    demo_datasets(site.muni_a)
    page.goto(site.a("/"))
    page.get_by_role("link", name="Offene Daten").first.click()
    assert_not_error_page(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Offene Daten"
    assert_accessible(page)

    page.get_by_role("link", name="Haushalt (1)").click()  # keyword facet
    assert "Haushaltsplan 2026" in page.inner_text("main")
    assert "Einwohner nach Ortsteilen" not in page.inner_text("main")
    page.get_by_role("link", name="Haushaltsplan 2026 – Übersicht nach Produktbereichen").click()
    main = page.inner_text("main")
    assert "Datenlizenz Deutschland Namensnennung 2.0" in main
    assert "Vorschau" in main and "Innere Verwaltung" in main and "Ganzzahl" in main
    assert_accessible(page)


def test_staff_pages_are_accessible(page, site: Site):
    datasets = demo_datasets(site.muni_a)
    manager = staff_user(site, "daten-e2e@example.org", Role.MODULE_MANAGER, ["opendata"])
    login(page, site, manager)
    for path in ("/daten/verwaltung/", f"/daten/verwaltung/{datasets[0].pk}/", "/daten/verwaltung/neu/"):
        page.goto(site.a(path))
        assert_not_error_page(page)
        assert_accessible(page)
