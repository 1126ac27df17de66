"""Field types of the real Bewohnerparkausweis schema (issue 14): consent is a checkbox, error messages
match the field's data type, answers are shown in the reader's locale (review page, PDF receipt)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.utils import translation

from rathaus.fim import engine, queries
from rathaus.fim.importers.xdf import codelists_from_dir, parse_xdf

from .conftest import bewohnerparken_path

CONSENT = "F00-4cb0dd14-629c-4661-9435-4e9eadc43e07"


@pytest.fixture(scope="module")
def defn() -> dict[str, Any]:
    path = bewohnerparken_path()
    return parse_xdf(path.read_bytes(), codelists=codelists_from_dir(path.parent, path)).definition


def node(defn: dict[str, Any], field_id: str) -> dict[str, Any]:
    return engine.nodes_by_id(defn)[field_id]


def messages(field: forms.Field, value: str) -> str:
    with pytest.raises(forms.ValidationError) as exc:
        field.clean(value)
    return " ".join(exc.value.messages)


# --- 4. consent: a checkbox ------------------------------------------------------------------------


def test_consent_with_one_code_is_a_required_checkbox(defn):
    field = engine.make_field(node(defn, CONSENT), defn, True)
    assert isinstance(field.widget, forms.CheckboxInput) and not isinstance(field, forms.ChoiceField)
    html = field.widget.render("c", "")
    assert 'type="checkbox"' in html and 'value="01"' in html and "checked" not in html
    assert "checked" in field.widget.render("c", "01")
    assert field.clean("01") == "01"
    assert "Häkchen" in messages(field, "")
    assert "Ich stimme zu." in str(field.label)


def test_consent_step_renders_checkboxes_not_selects(defn):
    form = engine.StepForm(defn, 0, {})
    for name in form.fields:
        assert form[name].widget_type == "checkbox"
    bound = engine.StepForm(defn, 0, {}, data={f"_allgemein0__0__{CONSENT}": "01"})
    assert not bound.is_valid()  # the second confirmation is missing
    assert list(bound.errors) == ["_allgemein0__0__F05001344"]


def test_bool_is_a_checkbox_and_only_consent_must_be_checked():
    plain = {"id": "F1", "name": "Elektrofahrzeug", "label": "Elektrofahrzeug", "feldart": "input"}
    plain.update(datentyp="bool", min=1, max=1, help="")
    field = engine.make_field(plain, {"codelists": {}}, True)
    assert isinstance(field.widget, forms.CheckboxInput) and not field.required
    assert field.clean("") == "false" and field.clean("true") == "true"
    consent = {**plain, "name": "Einwilligung", "label": "Einwilligung in die Datenverarbeitung"}
    required = engine.make_field(consent, {"codelists": {}}, True)
    assert required.required and required.clean("true") == "true"
    with pytest.raises(forms.ValidationError):
        required.clean("")
    # a question that merely contains a consent-like word is no consent (BlaueKarte F00001027)
    question = {
        **plain,
        "name": "Krankenversicherung vorhanden",
        "label": "Besteht Krankenversicherungsschutz?",
    }
    assert not engine.make_field(question, {"codelists": {}}, True).required


# --- 5. error messages match the data type ---------------------------------------------------------


def test_vehicle_identification_number_is_text_and_its_error_is_no_number_error(defn):
    fin = engine.make_field(node(defn, "F05001062"), defn, True)  # declared "num" in the schema
    assert fin.clean("WVWZZZ1JZXW000001") == "WVWZZZ1JZXW000001"
    assert fin.clean("0815") == "0815"  # leading zero kept
    text = messages(fin, "WVW#1?")
    assert "Zahl" not in text and "12,50" not in text and "Buchstaben" in text
    plate = engine.make_field(node(defn, "F05000627"), defn, True)
    assert plate.clean("ZZ-AB 123") == "ZZ-AB 123"


def test_number_messages_per_type():
    def number(dt: str) -> engine.NumberField:
        return engine.NumberField(datentyp=dt, min_value=None, max_value=None, required=True, label="x")

    assert "12,50" not in messages(number("num"), "abc") and "Zahl" in messages(number("num"), "abc")
    assert "ganze Zahl" in messages(number("num_int"), "7,5") and "12,50" not in messages(
        number("num_int"), "x"
    )
    assert "Betrag" in messages(number("num_currency"), "abc")


def test_text_length_message_names_the_length(defn):
    postcode = engine.make_field(node(defn, "F00000054"), defn, True)
    assert "5" in messages(postcode, "067")


# --- 3. dates and numbers in the reader's format ---------------------------------------------------


def rows(defn: dict[str, Any], answers: dict[str, Any]) -> dict[str, str]:
    return {label: value for s in queries.answer_rows(defn, answers) for label, value in s["rows"]}


ANSWERS = {
    "G05000496": [{"F05000059": "Mustermann", "F05000351": "1980-02-03"}],
    "G05000493": [
        {
            "F05001347": "02",
            "F05001348": "2026-01-15",
            "G05000599": [{"F05001346": "4711", "F05001345": "2025-12-31"}],
        }
    ],
}


def test_review_rows_show_german_dates(defn):
    with translation.override("de"):
        shown = rows(defn, ANSWERS)
    assert shown["Geburtsdatum"] == "03.02.1980"
    assert shown["Startdatum"] == "15.01.2026"
    assert shown["Angaben zur bestehenden Parkgenehmigung: Ausstelldatum"] == "31.12.2025"
    assert shown["Angaben zur bestehenden Parkgenehmigung: Parkausweisnummer"] == "4711"


def test_review_rows_show_english_dates_in_english(defn):
    with translation.override("en"):
        shown = rows(defn, ANSWERS)
    # the project's English formats (rathaus/formats/en): unambiguous day-month-year, 24-hour clock
    assert shown["Geburtsdatum"] == "3 Feb 1980"


@pytest.mark.parametrize(
    ("datentyp", "stored", "de", "en"),
    [
        ("num", "1234.5", "1.234,5", "1,234.5"),
        ("num_int", "12000", "12.000", "12,000"),
        ("num_currency", "12.50", "12,50 €", "12.50 €"),
        ("date", "2026-03-01", "01.03.2026", "1 Mar 2026"),
        ("time", "08:30", "08:30", "08:30"),
        ("bool", "true", "Ja", "Yes"),
        ("num", "keine Zahl", "keine Zahl", "keine Zahl"),
    ],
)
def test_display_value_is_locale_aware(datentyp, stored, de, en):
    field = {"id": "F1", "name": "Wert", "label": "Wert", "feldart": "input", "datentyp": datentyp}
    with translation.override("de"):
        assert queries.display_value(field, stored, {}) == de
    with translation.override("en"):
        assert queries.display_value(field, stored, {}) == en
