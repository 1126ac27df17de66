"""The Bewohnerparkausweis form in a real browser: consent checkboxes, steps, error summary, the
schema's rules (renewal needs the existing permit, the holder step is skipped for one's own vehicle),
save and resume via the mailed link, review page with German dates, submission; axe-core on every
page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from rathaus.fim import services
from rathaus.fim.models import FormSubmission
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page
from tests.fim.conftest import bewohnerparken_path

pytestmark = pytest.mark.e2e


def field(page, name: str):
    return page.locator(f"[id='id_{name}']")


def choose_first(page, name: str) -> None:
    field(page, name).select_option(index=1)


def check_page(page, heading: str | None = None) -> None:
    assert_not_error_page(page)
    if heading:
        assert page.get_by_role("heading", level=1).inner_text() == heading
    assert_accessible(page)


def test_fill_bewohnerparkausweis_end_to_end(page, new_page, site: Site):
    form = services.import_file(bewohnerparken_path(), site.muni_a).form
    mail.outbox.clear()

    page.goto(site.a(f"/formulare/{form.pk}/"))
    check_page(page, form.name)
    page.get_by_role("button", name="Antrag starten").click()

    # Step 1: consent — two checkboxes, both must be ticked (the holder step is not counted yet)
    assert "Schritt 1 von 4" in page.content()
    check_page(page)
    consent = field(page, "_allgemein0__0__F00-4cb0dd14-629c-4661-9435-4e9eadc43e07")
    assert consent.get_attribute("type") == "checkbox"
    consent.check()
    page.get_by_role("button", name="Weiter", exact=True).click()
    assert "Häkchen" in page.locator("[data-error-summary]").inner_text()
    check_page(page)
    field(page, "_allgemein0__0__F05001344").check()
    page.get_by_role("button", name="Weiter", exact=True).click()

    # Step 2: person — an invalid postcode first
    assert "Schritt 2 von 4" in page.content()
    check_page(page, "Angaben zur antragstellenden Person")
    field(page, "G05000496__0__F05000059").fill("Mustermann")
    field(page, "G05000496__0__F05000060").fill("Erika")
    field(page, "G05000496__0__F05000351").fill("1980-02-03")
    field(page, "G05000496__0__F05001354").fill("erika@example.org")
    field(page, "G05000496__0__G05000428__0__F00000053").fill("Schützenplatz")
    field(page, "G05000496__0__G05000428__0__F00000016").fill("1")
    field(page, "G05000496__0__G00000113__0__F00000054").fill("6712")
    field(page, "G05000496__0__G00000113__0__F00000035").fill("Zeitz")
    choose_first(page, "G05000496__0__F05000523")
    page.get_by_role("button", name="Weiter", exact=True).click()
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    link = summary.get_by_role("link").first
    assert link.get_attribute("href") == "#id_G05000496__0__G00000113__0__F00000054"
    hrefs = {a.get_attribute("href") for a in summary.get_by_role("link").all()}
    assert hrefs == {"#id_G05000496__0__G00000113__0__F00000054"}  # length and pattern, same field
    check_page(page)
    link.click()
    field(page, "G05000496__0__G00000113__0__F00000054").fill("06712")
    page.get_by_role("button", name="Weiter", exact=True).click()

    # Step 3: application — a renewal (rule R05000334) requires the existing permit
    assert "Schritt 3 von 4" in page.content()
    check_page(page)
    choose_first(page, "G05000493__0__F05001064")
    field(page, "G05000493__0__F05001347").select_option(value="02")
    page.get_by_role("button", name="Weiter", exact=True).click()
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible() and "Parkausweisnummer" in summary.inner_text()
    check_page(page)
    field(page, "G05000493__0__G05000599__0__F05001346").fill("4711")
    field(page, "G05000493__0__G05000599__0__F05001345").fill("2025-12-31")
    check_page(page)
    page.get_by_role("button", name="Weiter", exact=True).click()

    # Step 4: vehicle — the identification number has letters; save as draft, resume elsewhere
    assert "Schritt 4 von 4" in page.content()
    check_page(page)
    field(page, "G05000477__0__F05000627").fill("ZZ-AB 123")
    field(page, "G05000477__0__F05001062").fill("WVWZZZ1JZXW000001")
    field(page, "G05000477__0__F05001047").select_option(value="01")
    page.get_by_role("button", name="Als Entwurf speichern").click()
    check_page(page, "Entwurf gespeichert")
    page.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    page.get_by_role("button", name="Link senden").click()
    assert_not_error_page(page)
    assert len(mail.outbox) == 1
    resume_url = re.search(r"https?://\S+/formulare/fortsetzen/\S+/", mail.outbox[0].body).group(0)

    other = new_page()
    other.goto(resume_url)
    check_page(other, "Entwurf fortsetzen")
    other.get_by_role("button", name="Entwurf fortsetzen").click()
    assert "Schritt 4 von 4" in other.content()
    assert field(other, "G05000477__0__F05000627").input_value() == "ZZ-AB 123"
    # Own vehicle: the holder step (rule R05000281) is skipped, straight to the review page
    other.get_by_role("button", name="Weiter zur Übersicht").click()

    # Review, then submit
    check_page(other, "Angaben prüfen")
    text = other.content()
    assert "Mustermann" in text and "06712" in text and "4711" in text and "ZZ-AB 123" in text
    assert "03.02.1980" in text and "31.12.2025" in text and "Fahrzeughalter" not in text
    other.get_by_role("button", name="Antrag verbindlich absenden").click()
    check_page(other, "Antrag eingereicht")
    submission = FormSubmission.objects.get()
    assert submission.reference in other.content()
    assert submission.payload["answers"]["G05000493"][0]["G05000599"][0]["F05001346"] == "4711"
