"""Issue 14: what the catalogue and the OZG dashboard say about online access follows from what exists.

A Reifegrad from 2 up and „online verfügbar“ need an online offer (a published FIM form with the
service's LeiKa key, or a link to an external online service) on every write path; the detail page
and the dashboard count what exists, even when a form disappears after the service was saved.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rathaus.cases import queries as cases_queries
from rathaus.catalog import services
from rathaus.catalog.models import Service, Themenfeld
from rathaus.core.accounts import services as accounts
from rathaus.fim import services as fim_services
from rathaus.fim.demo import DEMO_SCHEMAS
from rathaus.fim.models import FormDefinition
from tests.conftest import HOST_A, client_for

from .conftest import make_service
from .test_csv import csv_bytes
from .test_staff_views import form_data

pytestmark = pytest.mark.django_db

HUND = "99102013104000"  # the demo schema S15990002 names this key


@pytest.fixture
def hund_form(muni_a) -> FormDefinition:
    """The demo's own Hundesteuer form (ships with the code, no test data needed)."""
    return fim_services.import_file(DEMO_SCHEMAS / "S15990002V1.0_xdf2.xml", muni_a).form


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"reifegrad": 3}, {"reifegrad"}),
        ({"reifegrad": 4}, {"reifegrad"}),
        ({"reifegrad": 2}, {"reifegrad"}),
        ({"reifegrad": 1, "online_available": True}, {"online_available"}),
        ({"reifegrad": 3, "online_available": True}, {"reifegrad", "online_available"}),
    ],
)
def test_online_claim_without_offer_is_refused(muni_a, fields, errors):
    with pytest.raises(ValidationError) as exc:
        make_service(muni_a, leika=HUND, **fields)
    assert set(exc.value.message_dict) == errors
    assert "Online-Formular" in " ".join(exc.value.messages)
    assert not Service.objects.exists()


def test_offline_levels_need_no_offer_and_are_not_online(muni_a):
    service = make_service(muni_a, reifegrad=1)
    assert service.reifegrad == 1 and not service.online_available


def test_external_link_is_an_offer_and_sets_online_available(muni_a):
    service = make_service(muni_a, reifegrad=4, online_url="https://www.fuehrungszeugnis.bund.de/")
    assert service.online_available  # derived, although not claimed


def test_form_of_the_service_is_an_offer(muni_a, hund_form):
    service = make_service(muni_a, leika=HUND, reifegrad=3)
    assert service.online_available
    # without the key the form is not the service's form
    with pytest.raises(ValidationError):
        make_service(muni_a, "Hundesteuer – Abmeldung", leika="99102013070000", reifegrad=3)


def test_form_of_another_municipality_is_no_offer(muni_a, muni_b):
    fim_services.import_file(DEMO_SCHEMAS / "S15990002V1.0_xdf2.xml", muni_b)
    with pytest.raises(ValidationError):
        make_service(muni_a, leika=HUND, reifegrad=3)


def test_removing_the_link_lowers_nothing_silently(muni_a):
    service = make_service(muni_a, reifegrad=3, online_url="https://example.org/antrag")
    service.online_url = ""
    with pytest.raises(ValidationError) as exc:
        services.save_service(service)
    assert "reifegrad" in exc.value.message_dict
    service.refresh_from_db()
    assert service.online_url == "https://example.org/antrag"


def test_csv_row_claiming_online_without_offer_is_an_error_and_nothing_is_imported(muni_a):
    data = csv_bytes(
        ";Fundsachen;Fundbüro.;recht-ordnung;;;;;nein;1;",
        f"{HUND};Hundesteuer – Anmeldung;Hund anmelden.;steuern-zoll;;;;;ja;3;",
    )
    with pytest.raises(services.CsvImportError) as exc:
        services.import_csv(muni_a, data)
    assert {(e.row, e.column) for e in exc.value.errors} == {(3, "reifegrad"), (3, "online_available")}
    assert not Service.objects.exists()


def test_csv_row_with_the_form_of_its_key_is_imported(muni_a, hund_form):
    data = csv_bytes(f"{HUND};Hundesteuer – Anmeldung;Hund anmelden.;steuern-zoll;;;;;nein;3;")
    services.import_csv(muni_a, data)
    service = Service.objects.get(leika=HUND)
    assert service.reifegrad == 3 and service.online_available


def test_api_refuses_online_claim_without_offer(muni_a):
    token = accounts.create_api_token(muni_a, "Portalverbund", None)[1]
    body = {
        "leika": HUND,
        "name": "Hundesteuer – Anmeldung",
        "summary": "Hund anmelden.",
        "themenfeld": "steuern-zoll",
        "reifegrad": 3,
    }
    response = client_for(HOST_A).post(
        "/api/v1/services",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert "reifegrad" in response.content.decode()
    assert not Service.objects.exists()


def test_staff_form_refuses_online_claim_without_offer(muni_a, manager_a):
    response = client_for(HOST_A, manager_a).post(reverse("catalog:manage_create"), form_data(reifegrad="3"))
    assert response.status_code == 400
    assert "setzt ein Online-Angebot voraus" in response.content.decode()
    assert not Service.objects.exists()


def test_detail_page_states_only_what_exists(muni_a, hund_form):
    service = make_service(muni_a, leika=HUND, reifegrad=3, kosten="Keine.")
    c = client_for(HOST_A)
    page = c.get(reverse("catalog:detail", args=[service.pk])).content.decode()
    assert "Antrag vollständig online" in page and reverse("fim:form", kwargs={"pk": hund_form.pk}) in page
    # the form is withdrawn after the service was saved: the page no longer claims it
    FormDefinition.objects.filter(pk=hund_form.pk).update(active_version=None)
    page = c.get(reverse("catalog:detail", args=[service.pk])).content.decode()
    assert "Antrag vollständig online" not in page
    assert "1 – Information online" in page
    assert "Bringen Sie die Gebühr mit" not in page


def test_dashboard_counts_real_online_services(muni_a, hund_form):
    make_service(muni_a, "Hundesteuer – Anmeldung", leika=HUND, reifegrad=3)
    make_service(muni_a, "Führungszeugnis", reifegrad=4, online_url="https://www.fuehrungszeugnis.bund.de/")
    make_service(muni_a, "Fundsachen", reifegrad=1)
    # old data saved before the rule (or a form withdrawn later): claims much, offers nothing
    Service.objects.create(
        municipality=muni_a,
        name="Wohngeld",
        summary="x",
        themenfeld=Themenfeld.BAUEN,
        reifegrad=3,
        online_available=True,
    )
    figures = cases_queries.catalog_figures(muni_a)
    assert (figures["total"], figures["online"], figures["fully_online"]) == (4, 2, 2)
    levels = dict(figures["levels"])
    assert levels["1 – Information online"] == 2 and levels["3 – Antrag vollständig online"] == 1
    page = client_for(HOST_A).get(reverse("ozg_dashboard")).content.decode()
    assert "davon vollständig online" in page
    # the query count does not grow with the catalogue
    with CaptureQueriesContext(connection) as few:
        cases_queries.catalog_figures(muni_a)
    for i in range(5):
        make_service(muni_a, f"Leistung {i}", reifegrad=2, online_url=f"https://example.org/{i}")
    with CaptureQueriesContext(connection) as many:
        assert cases_queries.catalog_figures(muni_a)["online"] == 7
    assert len(many) == len(few)
