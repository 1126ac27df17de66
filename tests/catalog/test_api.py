from __future__ import annotations

import json

import pytest

from rathaus.catalog.models import Service
from rathaus.core.accounts import services as accounts
from tests.conftest import HOST_A, HOST_B, client_for

URL = "/api/v1/services"

PAYLOAD = {
    "leika": "99050012104000",
    "name": "Gewerbeanmeldung",
    "summary": "Wer ein Gewerbe beginnt, zeigt es an.",
    "themenfeld": "unternehmensfuehrung",
    "lebenslagen": ["Umzug"],
    "synonyms": ["Gewerbeschein", "Gewerbe anmelden"],
    "kosten": "26 €",
    "department": "Kämmerei und Steuern",
    "online_available": True,
    "reifegrad": 3,
    "online_url": "https://example.org/gewerbe",
}


@pytest.fixture
def token_a(muni_a):
    return accounts.create_api_token(muni_a, "Portalverbund", None)[1]


@pytest.fixture
def token_b(muni_b):
    return accounts.create_api_token(muni_b, "Musterstadt", None)[1]


def send(method, path, token=None, host=HOST_A, body=None):
    client = client_for(host)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return getattr(client, method)(
        path, data=json.dumps(body or {}), content_type="application/json", **headers
    )


def test_public_list_and_detail(catalog_a, service_b):
    client = client_for(HOST_A)
    data = client.get(URL).json()
    assert data["count"] == 3
    names = [i["name"] for i in data["items"]]
    assert names == ["Bewohnerparkausweis", "Hundesteuer – Anmeldung", "Meldebescheinigung"]
    hund = next(i for i in data["items"] if i["leika"] == "99102013104000")
    assert hund["lebenslagen"] == ["Haustier", "Umzug"]
    assert hund["department"] == "Kämmerei und Steuern"
    assert hund["synonyms"] == ["Hund anmelden", "Hundemarke"]
    detail = client.get(f"{URL}/{hund['id']}").json()
    assert detail["name"] == "Hundesteuer – Anmeldung"
    assert detail["url"].endswith(f"/leistungen/{hund['id']}/")
    assert client.get(URL, {"themenfeld": "mobilitaet-reisen"}).json()["count"] == 1
    assert client.get(f"{URL}/{service_b.pk}").status_code == 404


def test_create_and_update_with_token(muni_a, dept_a, umzug_a, token_a):
    response = send("post", URL, token_a, body=PAYLOAD)
    assert response.status_code == 201, response.content
    created = Service.objects.get(municipality=muni_a, leika="99050012104000")
    assert created.department == dept_a
    assert [ls.name for ls in created.life_situations.all()] == ["Umzug"]
    assert created.synonyms == "Gewerbeschein, Gewerbe anmelden"
    assert created.history.first().history_change_reason == "API (Portalverbund)"
    changed = {**PAYLOAD, "kosten": "30 €", "lebenslagen": []}
    response = send("put", f"{URL}/{created.pk}", token_a, body=changed)
    assert response.status_code == 200, response.content
    created.refresh_from_db()
    assert created.kosten == "30 €" and not created.life_situations.exists()
    assert created.history.count() >= 2


def test_write_without_or_with_bad_token_is_401(muni_a, catalog_a):
    assert send("post", URL, body=PAYLOAD).status_code == 401
    assert send("post", URL, "rh_falsch", body=PAYLOAD).status_code == 401
    assert send("put", f"{URL}/{catalog_a['hund'].pk}", body=PAYLOAD).status_code == 401
    assert not Service.objects.filter(name="Gewerbeanmeldung").exists()


def test_token_of_b_refused_on_a(muni_a, catalog_a, token_b):
    assert send("post", URL, token_b, body=PAYLOAD).status_code == 401
    assert send("put", f"{URL}/{catalog_a['hund'].pk}", token_b, body=PAYLOAD).status_code == 401
    assert not Service.objects.filter(name="Gewerbeanmeldung").exists()


def test_token_of_a_cannot_touch_b_service(muni_a, service_b, token_a):
    assert (
        send(
            "put", f"{URL}/{service_b.pk}", token_a, body={**PAYLOAD, "department": None, "lebenslagen": []}
        ).status_code
        == 404
    )
    service_b.refresh_from_db()
    assert service_b.name == "Hundesteuer Musterstadt"


@pytest.mark.parametrize(
    "change",
    [
        {"leika": "12345"},
        {"themenfeld": "mond"},
        {"reifegrad": 9},
        {"department": "Raumfahrtamt"},
        {"lebenslagen": ["Mondlandung"]},
        {"online_url": "javascript:alert(1)"},
        {"name": ""},
    ],
)
def test_invalid_payload_is_422(muni_a, dept_a, umzug_a, token_a, change):
    response = send("post", URL, token_a, body={**PAYLOAD, **change})
    assert response.status_code == 422, response.content
    assert not Service.objects.for_tenant(muni_a).exists()


def test_duplicate_key_is_422(muni_a, dept_a, umzug_a, token_a):
    assert send("post", URL, token_a, body=PAYLOAD).status_code == 201
    assert send("post", URL, token_a, body={**PAYLOAD, "name": "Anders"}).status_code == 422


def test_list_is_tenant_scoped(catalog_a, service_b):
    items = client_for(HOST_B).get(URL).json()["items"]
    assert [i["name"] for i in items] == ["Hundesteuer Musterstadt"]
