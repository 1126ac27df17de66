"""The form designer in a real browser: staff with the module role build a form (step, code list,
fields of several types, a rule), see a refused input, preview and publish it; a guest then fills
in and submits the published form. axe-core on every designer page."""

from __future__ import annotations

import pytest

from rathaus.core.accounts.models import Role
from rathaus.fim.models import FormDesign, FormSubmission
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page, login, staff_user

pytestmark = pytest.mark.e2e


def check(page) -> None:
    assert_not_error_page(page)
    assert_accessible(page)


def submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_staff_design_and_publish_then_citizen_submits(page, new_page, site: Site):
    manager = staff_user(site, "e2e-designer@example.org", role=Role.MODULE_MANAGER, modules=["services"])
    login(page, site, manager)
    page.goto(site.a("/formulare/verwaltung/designer/"))
    check(page)
    page.locator("#id_new-title").fill("Anmietung Bürgerhaus")
    submit(page, "Formular anlegen")
    assert page.get_by_role("heading", level=1).inner_text() == "Anmietung Bürgerhaus"
    check(page)

    page.locator("#id_step-label").fill("Veranstaltung")
    submit(page, "Schritt hinzufügen")
    page.locator("#id_codelist-name").fill("Saal")
    page.locator("#id_codelist-items").fill("01;Großer Saal\n02;Kleiner Saal")
    submit(page, "Codeliste anlegen")

    def add_field(kind: str, label: str, *, required: bool = True, codelist: str | None = None) -> None:
        page.locator("#id_field-type").select_option(kind)
        page.locator("#id_field-label").fill(label)
        if required:
            page.locator("#id_field-required").check()
        if codelist:
            page.locator("#id_field-codelist").select_option(label=codelist)
        submit(page, "Feld hinzufügen")

    add_field("text", "Anlass")
    add_field("date", "Datum")
    add_field("select", "Saal", codelist="Saal")
    add_field("bool", "Nutzung der Küche", required=False)
    add_field("text", "Hinweise zur Küche")
    check(page)

    # Refused input: a select without a code list — the error summary names the problem.
    page.locator("#id_field-type").select_option("select")
    page.locator("#id_field-label").fill("Ohne Liste")
    submit(page, "Feld hinzufügen")
    summary = page.locator("[data-error-summary]")
    assert "braucht eine Codeliste" in summary.inner_text()
    check(page)

    design = FormDesign.objects.get(municipality=site.muni_a)
    labels = {n["label"]: n["id"] for n in _walk(design.definition["items"])}
    page.locator("#id_rule-action_1").check()  # only if a yes/no field is ticked
    page.locator("#id_rule-field").select_option(labels["Nutzung der Küche"])
    page.locator(f"input[name='rule-targets'][value='{labels['Hinweise zur Küche']}']").check()
    submit(page, "Regel anlegen")
    assert "nur dann zu befüllen" in page.locator("#regeln").locator("..").inner_text()

    edit = page.locator(f"a[href$='/feld/{labels['Anlass']}/']")
    assert "Bearbeiten" in edit.inner_text()
    edit.click()
    check(page)
    page.locator("#id_field-help").fill("z. B. Hochzeit oder Vereinsversammlung")
    submit(page, "Speichern")

    page.get_by_role("link", name="Vorschau", exact=True).click()
    check(page)
    assert "z. B. Hochzeit oder Vereinsversammlung" in page.content()
    submit(page, "Eingaben prüfen")
    assert page.locator("[data-error-summary]").is_visible()
    check(page)
    page.get_by_role("link", name="Zurück zum Formulardesigner").click()

    submit(page, "Als neue Version veröffentlichen")
    assert "Version 1.0 veröffentlicht" in page.content()
    check(page)
    assert "Änderungsprotokoll" in page.content() and "e2e-designer@example.org" in page.content()

    # A guest submits the published form.
    design.refresh_from_db()
    form = design.form
    step = design.definition["items"][0]["id"]
    citizen = new_page()
    citizen.goto(site.a(f"/formulare/{form.pk}/"))
    check(citizen)
    submit(citizen, "Antrag starten")
    check(citizen)

    def field(label: str):
        return citizen.locator(f"[id='id_{step}__0__{labels[label]}']")

    field("Anlass").fill("Hochzeit")
    field("Datum").fill("2027-06-12")
    field("Saal").select_option("02")
    field("Nutzung der Küche").check()
    submit(citizen, "Weiter zur Übersicht")
    assert "Hinweise zur Küche" in citizen.locator("[data-error-summary]").inner_text()
    check(citizen)
    field("Hinweise zur Küche").fill("Nur Kaffee und Kuchen")
    submit(citizen, "Weiter zur Übersicht")
    assert "Kleiner Saal" in citizen.content() and "12.06.2027" in citizen.content()
    check(citizen)
    submit(citizen, "Antrag verbindlich absenden")
    assert_not_error_page(citizen)
    assert FormSubmission.objects.filter(form=form).count() == 1
    answers = FormSubmission.objects.get(form=form).payload["answers"][step][0]
    assert answers[labels["Hinweise zur Küche"]] == "Nur Kaffee und Kuchen"


def _walk(nodes):
    for n in nodes:
        yield n
        if n["kind"] == "group":
            yield from _walk(n["children"])
