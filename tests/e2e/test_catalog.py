"""The service catalog in a real browser: search with a synonym, open a service, the A–Z list,
staff editing with history and the import page; axe-core on every page."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.catalog import services
from rathaus.catalog.models import Service, Themenfeld
from rathaus.core.accounts.models import Department
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page, login, staff_user

pytestmark = pytest.mark.e2e


def make_catalog(site: Site) -> dict[str, Service]:
    muni = site.muni_a
    dept = Department.objects.create(
        municipality=muni,
        name="Ordnungsamt",
        email="ordnungsamt@stadt-zeitz.example",
        phone="03441 83-300",
        address="Altmarkt 1, 06712 Zeitz",
        opening_hours="Dienstag 9–12 und 13–18 Uhr",
    )
    umzug = services.get_or_create_life_situation(muni, "Umzug")
    haustier = services.get_or_create_life_situation(muni, "Haustier")
    park = services.save_service(
        Service(
            municipality=muni,
            leika="99108001001000",
            name="Bewohnerparkausweis",
            summary="Mit dem Bewohnerparkausweis parken Sie in der Bewohnerparkzone Ihrer Wohnung.",
            themenfeld=Themenfeld.MOBILITAET,
            synonyms="Anwohnerparken, Anwohnerparkausweis",
            unterlagen="- Personalausweis\n- Fahrzeugschein",
            kosten="30,70 € für ein Jahr.",
            department=dept,
            online_available=True,
            reifegrad=3,
            online_url="https://example.org/bewohnerparken",
        ),
        life_situations=[umzug],
    )
    hund = services.save_service(
        Service(
            municipality=muni,
            name="Hundesteuer – Anmeldung",
            summary="Wer in Zeitz einen Hund hält, meldet ihn zur Hundesteuer an.",
            themenfeld=Themenfeld.STEUERN,
            synonyms="Hundemarke",
            unterlagen="- Angaben zum Hund",
            kosten="Die Anmeldung ist kostenlos.",
            department=dept,
        ),
        life_situations=[haustier],
    )
    return {"park": park, "hund": hund}


def test_search_and_open_a_service(page: Any, site: Site):
    make_catalog(site)
    page.goto(site.a("/"))
    page.get_by_role("link", name="Verwaltungsleistungen A–Z").first.click()
    page.wait_for_load_state()
    assert_accessible(page)  # the list
    page.get_by_label("Suchbegriff").fill("Anwohnerparken")
    page.locator("main form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    assert_not_error_page(page)
    main = page.inner_text("main")
    assert "Bewohnerparkausweis" in main and "Hundesteuer" not in main
    page.get_by_role("link", name="Bewohnerparkausweis").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Bewohnerparkausweis"
    assert page.get_by_role("link", name="Online beantragen").get_attribute("href") == (
        "https://example.org/bewohnerparken"
    )
    assert_accessible(page)  # the detail page
    # The A–Z list and a filter by life situation.
    page.goto(site.a("/leistungen/"))
    page.get_by_role("link", name="H", exact=True).click()
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "Hundesteuer – Anmeldung" in main and "Bewohnerparkausweis" not in main
    page.get_by_role("link", name="Hundesteuer – Anmeldung").click()
    page.wait_for_load_state()
    assert "So beantragen Sie es" in page.inner_text("main")
    assert "03441 83-300" in page.inner_text("main")
    assert_accessible(page)


def test_staff_edit_history_and_import(page: Any, site: Site):
    catalog = make_catalog(site)
    manager = staff_user(site, "leistungen-e2e@example.org", role="module_manager", modules=["services"])
    login(page, site, manager)
    page.goto(site.a("/leistungen/verwaltung/"))
    assert_accessible(page)
    page.goto(site.a(f"/leistungen/verwaltung/{catalog['hund'].pk}/"))
    assert_accessible(page)
    page.locator("#id_kosten").fill("Die Anmeldung ist kostenlos. Steuer nach Satzung.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert_not_error_page(page)
    assert "Die Leistung wurde gespeichert." in page.inner_text("main")
    # An invalid key shows the error summary.
    page.locator("#id_leika").fill("12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "14 Ziffern" in page.inner_text("main")
    assert_accessible(page)
    page.goto(site.a(f"/leistungen/verwaltung/{catalog['hund'].pk}/verlauf/"))
    assert "Steuer nach Satzung" in page.inner_text("main")
    assert_accessible(page)
    page.goto(site.a("/leistungen/verwaltung/import/"))
    assert_accessible(page)
    page.goto(site.a("/leistungen/verwaltung/lebenslagen/"))
    assert_accessible(page)
    page.get_by_role("button", name="Anlegen").click()  # empty name: error summary
    assert "Bitte geben Sie einen Namen an." in page.inner_text("main")
    assert_accessible(page)
    page.get_by_label("Name").fill("Pflege von Angehörigen")
    page.get_by_role("button", name="Anlegen").click()
    assert "Pflege von Angehörigen" in page.locator("table").inner_text()
    assert_accessible(page)
