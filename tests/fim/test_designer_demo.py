"""The three designed demo forms of Zeitz: built through the designer, published, valid
XDatenfelder 2.0 (official XSD), re-imported identically, offered by their catalogue services."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from lxml import etree

from rathaus.catalog.models import Service
from rathaus.catalog.services import online_offer
from rathaus.fim import designer, services
from rathaus.fim.demo import demo_designed_forms, design_ids
from rathaus.fim.demo_designs import DESIGNS
from rathaus.fim.importers.xdf import parse_xdf
from rathaus.fim.models import FormDesign

from .conftest import fim_dir, require

pytestmark = pytest.mark.django_db


class Cmd:
    stdout = io.StringIO()


def test_demo_designs_are_published_valid_and_linked(muni_a):
    for spec in DESIGNS:
        Service.objects.create(
            municipality=muni_a, name=spec["service"], summary="–", themenfeld="engagement-hobby"
        )
    demo_designed_forms(Cmd())
    demo_designed_forms(Cmd())  # idempotent
    designs = list(FormDesign.objects.filter(municipality=muni_a).select_related("form"))
    assert sorted(d.form.name for d in designs) == sorted(s["title"] for s in DESIGNS)
    schema = etree.XMLSchema(etree.parse(str(require(fim_dir() / "xsd" / "2.0" / "xdatenfelder.xsd"))))
    for d in designs:
        version = d.form.active_version
        assert version is not None and version.version_label == "1.0"
        xml, files = designer.export_xdf(version.definition)
        assert schema.validate(etree.fromstring(xml)), schema.error_log
        assert parse_xdf(xml, codelists=files).definition == version.definition
        service = Service.objects.get(municipality=muni_a, pk=d.catalog_service_id)
        assert online_offer(service) == reverse("fim:form", kwargs={"pk": d.form.pk})


def test_demo_hall_rental_rule_and_submission(muni_a):
    Service.objects.create(
        municipality=muni_a, name="Anmietung Bürgerhaus", summary="–", themenfeld="engagement-hobby"
    )
    demo_designed_forms(Cmd())
    d = FormDesign.objects.get(municipality=muni_a, form__name="Anmietung Bürgerhaus")
    i = design_ids(d)
    s1, s2, s3 = (n["id"] for n in d.definition["items"])
    answers = {
        s1: [
            {
                i["Anlass"]: "Jahreshauptversammlung",
                i["Art der Veranstaltung"]: "02",
                i["Saal"]: "02",
                i["Datum"]: "2027-03-01",
                i["Uhrzeit (von bis)"]: "18:00-22:00",
                i["Erwartete Personen"]: "40",
                i["Nutzung der Küche"]: "false",
                i["Angaben zum Verein"]: [{i["Name des Vereins"]: ""}],
            }
        ],
        s2: [
            {
                i["Familienname"]: "Muster",
                i["Vorname"]: "Erika",
                i["Straße"]: "Markt",
                i["Hausnummer"]: "1",
                i["Postleitzahl"]: "06712",
                i["Ort"]: "Zeitz",
                i["E-Mail-Adresse"]: "erika@example.org",
            }
        ],
        s3: [{i["Einwilligung in die Verarbeitung Ihrer Angaben"]: "true"}],
    }
    version = d.form.active_version
    # A club event requires the club's name (rule); a private party does not.
    with pytest.raises(services.SubmissionInvalid):
        services.validate_answers(version, answers)
    answers[s1][0][i["Angaben zum Verein"]] = [{i["Name des Vereins"]: "Heimatverein Zeitz"}]
    payload = services.validate_answers(version, answers)
    assert (
        payload["answers"][s1][0][i["Angaben zum Verein"]][0][i["Name des Vereins"]] == "Heimatverein Zeitz"
    )
    private = {
        **answers,
        s1: [{**answers[s1][0], i["Art der Veranstaltung"]: "01", i["Angaben zum Verein"]: []}],
    }
    assert i["Angaben zum Verein"] not in services.validate_answers(version, private)["answers"][s1][0]
