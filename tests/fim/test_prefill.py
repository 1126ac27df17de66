"""Prefill (issue 14): what the account knows fills the applicant's fields of a new draft, through a
registry of sources keyed by field meaning; the schema's own default (``inhalt``) presets a field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rathaus.fim import prefill, services
from rathaus.fim.models import Draft
from tests.conftest import HOST_A, client_for

from .conftest import bewohnerparken_path

pytestmark = pytest.mark.django_db

APPLICANT = "G05000496"
HOLDER = "G05000499"


def applicant_answers(draft: Draft) -> dict:
    return draft.answers[APPLICANT][0]


def test_account_fills_name_and_email_of_the_applicant_only(parken, citizen):
    citizen.first_name, citizen.last_name = "Erika", "Mustermann"
    citizen.save()
    draft, _token = services.start_draft(parken, user=citizen)
    person = applicant_answers(draft)
    assert person["F05000059"] == "Mustermann" and person["F05000060"] == "Erika"
    assert person["F05001354"] == "buerger@example.org"
    assert HOLDER not in draft.answers  # the vehicle holder is another person


def test_guest_gets_no_personal_prefill(parken):
    draft, _token = services.start_draft(parken, user=None)
    assert APPLICANT not in draft.answers


def test_previous_application_fills_the_address_and_country(parken, citizen):
    services.store_submission(
        form=parken,
        version=parken.active_version,
        payload={
            "answers": {
                APPLICANT: [
                    {
                        "F05000059": "Mustermann",
                        "G05000428": [{"F00000053": "Schützenplatz", "F00000016": "1"}],
                        "G00000113": [{"F00000054": "06712", "F00000035": "Zeitz"}],
                        "F05000523": "000",
                    }
                ],
                HOLDER: [{"F05001245": "Fremdstraße"}],
            }
        },
        reference="R1",
        user=citizen,
    )
    draft, _token = services.start_draft(parken, user=citizen)
    person = applicant_answers(draft)
    assert person["G05000428"] == [{"F00000053": "Schützenplatz", "F00000016": "1"}]
    assert person["G00000113"] == [{"F00000054": "06712", "F00000035": "Zeitz"}]
    assert person["F05000523"] == "000"  # Deutschland, as the code of the Staat code list
    assert person["F05000059"] == "Mustermann"


def test_prefilled_values_are_shown_on_the_step(parken, citizen):
    citizen.first_name, citizen.last_name = "Erika", "Mustermann"
    citizen.save()
    c = client_for(HOST_A, citizen)
    c.post(reverse("fim:form", kwargs={"pk": parken.pk}))
    page = c.get(reverse("fim:step", kwargs={"pk": parken.pk, "step": 1})).content.decode()
    assert 'value="Mustermann"' in page and 'value="buerger@example.org"' in page


def test_a_later_source_such_as_bundid_wins(parken, citizen):
    def bundid(user, municipality):
        return {"family_name": "Musterfrau", "street": "Amtsweg", "country": "Deutschland"}

    prefill.register_prefill_source(bundid)
    try:
        draft, _token = services.start_draft(parken, user=citizen)
    finally:
        prefill._sources.remove(bundid)
    person = applicant_answers(draft)
    assert person["F05000059"] == "Musterfrau"
    assert person["G05000428"][0]["F00000053"] == "Amtsweg"
    assert person["F05000523"] == "000"


def test_schema_default_presets_the_field_for_everybody(muni_a):
    data = bewohnerparken_path().read_bytes()
    marker = b"<xdf:id>F05000523</xdf:id>"
    head, rest = data.split(marker, 1)
    rest = rest.replace(b"<xdf:inhalt></xdf:inhalt>", b"<xdf:inhalt>Deutschland</xdf:inhalt>", 1)
    outcome = services.import_schema(
        muni_a,
        head + marker + rest,
        codelists=services.codelists_from_dir(bewohnerparken_path().parent, bewohnerparken_path()),
    )
    draft, _token = services.start_draft(outcome.form, user=None)
    assert draft.answers[APPLICANT] == [{"F05000523": "000"}]


def test_field_meaning():
    assert prefill.field_meaning({"id": "F00000054", "name": "PLZ", "label": "PLZ"}) == "postcode"
    assert prefill.field_meaning({"id": "F1", "name": "Vorname", "label": "Vorname"}) == "given_name"
    assert prefill.field_meaning({"id": "F2", "name": "Geburtsort", "label": "Geburtsort"}) is None
