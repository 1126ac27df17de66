"""Surveys in a real browser: staff build a survey with a condition, create an invitation code, a
citizen answers with the code, staff see the results. Every page is checked with axe-core."""

from __future__ import annotations

import re

import pytest

from rathaus.core.accounts.models import Role
from rathaus.surveys.models import Invitation, Response, Survey
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page, login, staff_user

pytestmark = pytest.mark.e2e


def test_build_invite_answer_and_see_results(browser, new_page, site: Site):
    staff = staff_user(site, "umfragen-e2e@example.org", Role.MODULE_MANAGER, ["participation"])
    page = new_page()
    login(page, site, staff)

    page.goto(site.a("/umfragen/verwaltung/"))
    assert_accessible(page)
    page.get_by_label("Titel", exact=True).fill("Radverkehr in Zeitz")
    page.get_by_label("nur mit Einladungscode (eine Teilnahme je Code)").check()
    page.get_by_label("veröffentlicht").check()
    page.get_by_role("button", name="Umfrage anlegen").click()
    assert_not_error_page(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Umfrage bearbeiten")
    assert_accessible(page)
    survey_url = page.url

    for title in ("Ihr Rad", "Details"):
        page.get_by_label("Überschrift der Seite").fill(title)
        page.get_by_role("button", name="Seite hinzufügen").click()
        assert_accessible(page)  # the page editor
        page.get_by_role("link", name="Frage hinzufügen").click()
        assert_accessible(page)
        # Step 1 asks for the kind, step 2 shows only that kind's settings (issue 14).
        page.get_by_label("Einfachauswahl" if title == "Ihr Rad" else "Freitext (kurz)").check()
        page.get_by_role("button", name="Weiter").click()
        assert_accessible(page)
        if title == "Ihr Rad":
            page.get_by_label("Frage", exact=True).fill("Besitzen Sie ein Fahrrad?")
            page.get_by_label("Antwortmöglichkeiten").fill("ja\nnein")
        else:
            assert page.locator("[name=options_text]").count() == 0
            page.get_by_label("Frage", exact=True).fill("Wo stellen Sie es ab?")
        page.get_by_role("button", name="Frage speichern").click()
        assert_not_error_page(page)
        page.goto(survey_url)

    # Condition: the second question only for people with a bike.
    page.get_by_role("link", name="Wo stellen Sie es ab?").click()
    page.get_by_label("wenn die Antwort auf die Frage").select_option(
        label="Ihr Rad: Besitzen Sie ein Fahrrad?"
    )
    page.get_by_label("Bedingung", exact=True).select_option("equals")
    page.locator("select[name=option]").select_option(label="Besitzen Sie ein Fahrrad? → ja")
    page.get_by_role("button", name="Bedingung hinzufügen").click()
    assert "Die Bedingung wurde hinzugefügt." in page.inner_text("main")
    assert_accessible(page)

    page.goto(survey_url)
    page.get_by_role("link", name="Einladungscodes").click()
    assert_accessible(page)
    page.get_by_label("Anzahl Codes zum Ausdrucken").fill("2")
    page.get_by_role("button", name="Codes erzeugen").click()
    assert_accessible(page)
    code = page.locator("code").first.inner_text()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code)

    # A citizen (no account) answers with the code (the pages use no JavaScript at all).
    citizen = new_page()
    citizen.goto(site.a("/"))
    citizen.get_by_role("link", name="Umfragen").first.click()
    assert_not_error_page(citizen)
    assert_accessible(citizen)
    citizen.get_by_role("link", name="Radverkehr in Zeitz").click()
    assert_accessible(citizen)
    citizen.get_by_label("Einladungscode").fill(code.lower())
    citizen.get_by_role("button", name="Umfrage starten").click()
    assert "Seite 1 von 2" in citizen.inner_text("main")
    # Required? No. Submit page 1 with "ja" → the conditional question appears.
    citizen.get_by_label("ja").check()
    assert_accessible(citizen)
    citizen.get_by_role("button", name="Weiter").click()
    citizen.get_by_label("Wo stellen Sie es ab?").fill("Am Bahnhof")
    assert_accessible(citizen)
    citizen.get_by_role("button", name="Antworten absenden").click()
    assert citizen.get_by_role("heading", level=1).inner_text() == "Vielen Dank für Ihre Teilnahme"
    assert_accessible(citizen)
    survey = Survey.objects.get(title="Radverkehr in Zeitz")
    assert Response.objects.filter(survey=survey).count() == 1
    assert Invitation.objects.filter(survey=survey, used=True).count() == 1

    page.goto(survey_url + "ergebnisse/")
    assert_not_error_page(page)
    text = page.inner_text("main")
    assert "1 Antwort" in text and "Am Bahnhof" in text
    assert_accessible(page)
    page.goto(survey_url)
    page.get_by_role("button", name="Vorschau als Teilnehmende").click()
    assert "Es wird nichts gespeichert." in page.inner_text("main")
    assert "Seite 1 von 2" in page.inner_text("main")
    assert_accessible(page)
