"""The REST API: OpenAPI, public read endpoints, token authentication, validation errors."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from rathaus.core.accounts import services as accounts
from rathaus.core.search import services as search
from rathaus.core.ui.models import Notice
from tests.conftest import HOST_A, HOST_B, client_for


def test_openapi_is_valid_json_with_our_paths(client_a):
    response = client_a.get("/api/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.content)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Rathaus API"
    for path in ("/api/v1/municipality", "/api/v1/notices", "/api/v1/search", "/api/v1/me"):
        assert path in spec["paths"], path
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"], "the token endpoint declares its authentication"
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_api_docs_render(client_a):
    response = client_a.get("/api/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_municipality_of_the_host(muni_a, muni_b):
    data = client_for(HOST_A).get("/api/v1/municipality").json()
    assert data["slug"] == "zeitz"
    assert data["ags"] == "15084590"
    assert data["ars"] == "150840590590"
    assert data["state"] == "15"
    assert client_for(HOST_B).get("/api/v1/municipality").json()["slug"] == "musterstadt"


def test_api_on_unknown_host_is_404(muni_a):
    assert Client(HTTP_HOST="unbekannt.example").get("/api/v1/municipality").status_code == 404


def test_notices_paginated_and_own_published_only(muni_a, muni_b):
    now = timezone.now()
    for i in range(7):
        Notice.objects.create(
            municipality=muni_a, title=f"A{i}", teaser="t", published_at=now - timedelta(hours=i)
        )
    Notice.objects.create(
        municipality=muni_a, title="Zukunft", teaser="t", published_at=now + timedelta(days=1)
    )
    Notice.objects.create(municipality=muni_b, title="B0", teaser="t")
    c = client_for(HOST_A)
    data = c.get("/api/v1/notices", {"limit": 3}).json()
    assert data["count"] == 7
    assert [n["title"] for n in data["items"]] == ["A0", "A1", "A2"]
    assert set(data["items"][0]) == {"id", "title", "teaser", "is_official", "published_at"}
    data = c.get("/api/v1/notices", {"limit": 3, "offset": 6}).json()
    assert [n["title"] for n in data["items"]] == ["A6"]
    everything = c.get("/api/v1/notices").json()
    titles = [n["title"] for n in everything["items"]]
    assert "Zukunft" not in titles and "B0" not in titles


@pytest.mark.parametrize(
    "params",
    [{"limit": "viele"}, {"offset": "-1"}, {"limit": "0"}, {"limit": "100000"}],
)
def test_notices_invalid_params_422(muni_a, params):
    response = client_for(HOST_A).get("/api/v1/notices", params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert body["errors"]


def test_search_endpoint(muni_a, muni_b):
    search.index(
        muni_a, search.Doc("notice", "1", "Hundesteuer 2027", "Bis Februar zahlen.", "/aktuelles/1/")
    )
    search.index(muni_a, search.Doc("legal", "impressum", "Impressum", "Hunde willkommen", "/rechtliches/i/"))
    search.index(muni_b, search.Doc("notice", "1", "Hundeschule", "B", "/aktuelles/1/"))
    c = client_for(HOST_A)
    hits = c.get("/api/v1/search", {"q": "Hunde"}).json()
    assert {h["title"] for h in hits} == {"Hundesteuer 2027", "Impressum"}
    assert set(hits[0]) == {"kind", "title", "url", "snippet"}
    hits = c.get("/api/v1/search", {"q": "Hunde", "kind": "notice"}).json()
    assert [h["title"] for h in hits] == ["Hundesteuer 2027"]
    assert c.get("/api/v1/search", {"q": "Hundeschule"}).json() == []


def test_search_without_q_is_422(muni_a):
    response = client_for(HOST_A).get("/api/v1/search")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert any("q" in json.dumps(e) for e in body["errors"])


# --- Token authentication -----------------------------------------------------------------------


@pytest.fixture
def token_a(muni_a, admin_a):
    return accounts.create_api_token(muni_a, "Fachverfahren A", admin_a)


def test_me_without_token_401(token_a):
    response = client_for(HOST_A).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer falsch", "Bearer ", "Basic dXNlcjpwdw==", "rh_nur-das-token", "Bearer rh_" + "x" * 43],
)
def test_me_with_bad_token_401(token_a, header):
    assert client_for(HOST_A).get("/api/v1/me", HTTP_AUTHORIZATION=header).status_code == 401


def test_me_with_valid_token(token_a):
    _token, raw = token_a
    response = client_for(HOST_A).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json() == {"token_name": "Fachverfahren A", "municipality": "zeitz"}


def test_me_with_revoked_token_401(token_a, admin_a):
    token, raw = token_a
    accounts.revoke_api_token(token, admin_a)
    assert client_for(HOST_A).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_token_of_b_on_host_of_a_401(muni_a, muni_b, admin_b):
    _token, raw_b = accounts.create_api_token(muni_b, "B", admin_b)
    assert client_for(HOST_A).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw_b}").status_code == 401
    assert client_for(HOST_B).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw_b}").status_code == 200


def test_session_login_is_not_a_token(token_a, admin_a):
    assert client_for(HOST_A, admin_a).get("/api/v1/me").status_code == 401


# --- exact contract: ranges, NUL characters, component names, the docs page (issue 14, probe 5 and 8) ----


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/notices?offset=9223372036854775808",
        "/api/v1/notices?offset=-1",
        "/api/v1/notices?limit=0",
        "/api/v1/services?offset=9223372036854775808",
        "/api/v1/services/9223372036854775808",
        "/api/v1/services/0",
        "/api/v1/search?q=%00",
    ],
)
def test_out_of_range_or_nul_input_is_422_not_500(muni_a, path):
    response = client_for(HOST_A).get(path)
    assert response.status_code == 422, response.content
    assert "detail" in response.json()


def test_nul_in_a_json_body_is_422(muni_a):
    token = accounts.create_api_token(muni_a, "t", None)[1]
    response = client_for(HOST_A).post(
        "/api/v1/services",
        data=json.dumps({"name": "Hund\u0000", "summary": "x", "themenfeld": "bildung"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert "NUL" in response.json()["errors"][0]["msg"]


def test_a_body_that_is_not_json_is_a_documented_400(muni_a):
    token = accounts.create_api_token(muni_a, "t", None)[1]
    response = client_for(HOST_A).post(
        "/api/v1/services",
        data=b"{kaputt",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Inhalt ist kein gültiges JSON / malformed body"}


def test_every_component_name_means_one_schema(client_a):
    spec = client_a.get("/api/openapi.json").json()
    events = spec["paths"]["/api/v1/events"]["get"]["responses"]["200"]["content"]["application/json"]
    ref = events["schema"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert "starts_at" in spec["components"]["schemas"][ref]["properties"]
    status = spec["paths"]["/api/v1/submissions/{submission_id}/events"]["get"]["responses"]["200"]
    ref = status["content"]["application/json"]["schema"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert "timestamp" in spec["components"]["schemas"][ref]["properties"]
    assert set(spec["components"]["schemas"]["ErrorOut"]["properties"]) == {"detail", "errors"}


def test_documented_error_answers(client_a):
    paths = client_a.get("/api/openapi.json").json()["paths"]
    assert {"401", "422", "400"} <= set(paths["/api/v1/services"]["post"]["responses"])
    assert {"404", "422"} <= set(paths["/api/v1/services/{pk}"]["get"]["responses"])
    assert "401" in paths["/api/v1/me"]["get"]["responses"]
    # The blank name that the service refuses is refused by the schema too.
    service_in = client_a.get("/api/openapi.json").json()["components"]["schemas"]["ServiceIn"]
    assert service_in["properties"]["name"]["minLength"] == 1


def test_api_docs_page_is_the_portals_own(client_a):
    response = client_a.get("/api/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="de"' in html
    assert "<h1" in html and "API-Dokumentation" in html
    assert "GET /api/v1/events" in html
    assert "swagger" not in html.lower()
