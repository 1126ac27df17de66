from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rathaus.catalog import queries
from rathaus.catalog.models import Themenfeld
from rathaus.core.search import services as search
from tests.catalog.conftest import make_service
from tests.conftest import HOST_A, HOST_B, client_for


def names(muni, **flt):
    return [s.name for s in queries.public_services(muni, queries.ServiceFilter(**flt))]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Hund", "Hundesteuer – Anmeldung"),  # prefix of a compound
        ("Hunde", "Hundesteuer – Anmeldung"),
        ("hundesteuern", "Hundesteuer – Anmeldung"),  # inflected form, stemmed
        ("Anwohnerparken", "Bewohnerparkausweis"),  # synonym only
        ("anwohnerparkausweises", "Bewohnerparkausweis"),  # synonym, genitive
        ("Wohnsitzbescheinigung", "Meldebescheinigung"),
        ("99108001001000", "Bewohnerparkausweis"),  # LeiKa key
    ],
)
def test_search_with_stemming_and_synonyms(catalog_a, muni_a, q, expected):
    assert names(muni_a, q=q)[:1] == [expected]


def test_search_finds_nothing_for_unknown_word(catalog_a, muni_a):
    assert names(muni_a, q="Raumfahrt") == []


def test_search_is_tenant_separated(catalog_a, service_b, muni_a, muni_b):
    assert names(muni_b, q="Anwohnerparken") == ["Hundesteuer Musterstadt"]
    assert "Hundesteuer Musterstadt" not in names(muni_a, q="Hund")
    hits = search.search(muni_a, "Hundesteuer", kinds=["service"])
    assert [h.title for h in hits] == ["Hundesteuer – Anmeldung"]


def test_unpublished_service_leaves_search_and_list(catalog_a, muni_a):
    from rathaus.catalog import services

    hund = catalog_a["hund"]
    hund.is_published = False
    services.save_service(hund)
    assert names(muni_a, q="Hund") == []
    assert "Hundesteuer – Anmeldung" not in names(muni_a)


def test_rebuild_provider_documents(catalog_a, muni_a):
    assert search.rebuild(muni_a, kinds=["service"]) == 3


def test_filters(catalog_a, muni_a):
    assert names(muni_a, themenfeld=Themenfeld.MOBILITAET) == ["Bewohnerparkausweis"]
    assert names(muni_a, lebenslage="haustier") == ["Hundesteuer – Anmeldung"]
    assert names(muni_a, lebenslage="umzug") == [
        "Bewohnerparkausweis",
        "Hundesteuer – Anmeldung",
        "Meldebescheinigung",
    ]
    assert names(muni_a, lebenslage="umzug", themenfeld=Themenfeld.QUERSCHNITT) == ["Meldebescheinigung"]
    assert names(muni_a, q="Hund", lebenslage="umzug") == ["Hundesteuer – Anmeldung"]


def test_a_to_z(catalog_a, muni_a):
    assert names(muni_a, letter="M") == ["Meldebescheinigung"]
    assert queries.letters_in_use(muni_a) == {"B", "H", "M"}


def test_list_page_filters_and_letters(catalog_a, muni_a):
    client = client_for(HOST_A)
    page = client.get(reverse("catalog:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bewohnerparkausweis" in html and "Meldebescheinigung" in html
    assert 'href="?buchstabe=M"' in html
    filtered = client.get(reverse("catalog:list"), {"themenfeld": Themenfeld.MOBILITAET}).content.decode()
    assert "Bewohnerparkausweis" in filtered and "Meldebescheinigung" not in filtered
    by_letter = client.get(reverse("catalog:list"), {"buchstabe": "m"}).content.decode()
    assert "Meldebescheinigung" in by_letter and "Bewohnerparkausweis" not in by_letter
    searched = client.get(reverse("catalog:list"), {"q": "Anwohnerparken"}).content.decode()
    assert "Bewohnerparkausweis" in searched and "Hundesteuer" not in searched


def test_list_page_bad_input_is_no_error(catalog_a):
    client = client_for(HOST_A)
    for params in (
        {"themenfeld": "mond"},
        {"lebenslage": "<x>"},
        {"buchstabe": "ÄÖ"},
        {"seite": "abc"},
        {"q": "x" * 500},
    ):
        assert client.get(reverse("catalog:list"), params).status_code == 200


def test_list_pagination(muni_a):
    for n in range(queries.PAGE_SIZE + 5):
        make_service(muni_a, f"Leistung {n:02d}")
    client = client_for(HOST_A)
    first = client.get(reverse("catalog:list")).content.decode()
    second = client.get(reverse("catalog:list"), {"seite": 2}).content.decode()
    assert "Leistung 00" in first and "Leistung 24" not in first
    assert "Leistung 24" in second and "Seite 2 von 2" in second


def _count(client, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("catalog:list"), params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "params", [{}, {"q": "Leistung"}, {"lebenslage": "umzug", "themenfeld": "steuern-zoll"}]
)
def test_list_query_count_is_constant(muni_a, umzug_a, params, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the queries of rendering, not of the shared page cache
    for n in range(3):
        make_service(muni_a, f"Leistung {n}", life=[umzug_a])
    client = client_for(HOST_A)
    client.get(reverse("catalog:list"))  # warm caches (host lookup)
    small = _count(client, params)
    for n in range(3, 18):
        make_service(muni_a, f"Leistung {n}", life=[umzug_a])
    assert _count(client, params) == small
    assert small <= 8


def test_detail_page_jsonld_and_paths(catalog_a, muni_a):
    client = client_for(HOST_A)
    hund = catalog_a["hund"]
    html = client.get(reverse("catalog:detail", args=[hund.pk])).content.decode()
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match
    data = json.loads(match.group(1))
    assert data["@type"] == "GovernmentService"
    assert data["@context"] == "https://schema.org"
    assert data["name"] == "Hundesteuer – Anmeldung"
    assert data["identifier"]["value"] == "99102013104000"
    assert data["provider"]["department"]["name"] == "Kämmerei und Steuern"
    assert data["areaServed"]["name"] == muni_a.name
    # No form and no URL: the offline path with department contact, documents and costs.
    assert "So beantragen Sie es" in html and "Online beantragen" not in html
    assert "03441 83-200" in html and "Dienstag 9–12 Uhr" in html
    park = client.get(reverse("catalog:detail", args=[catalog_a["park"].pk])).content.decode()
    assert "Online beantragen" in park and 'href="https://example.org/antrag"' in park


def test_detail_markdown_is_rendered_safely(muni_a):
    service = make_service(muni_a, "Fundsachen", unterlagen="- **Ausweis**\n- <script>alert(1)</script>")
    html = client_for(HOST_A).get(reverse("catalog:detail", args=[service.pk])).content.decode()
    assert "<strong>Ausweis</strong>" in html
    assert "<script>alert(1)</script>" not in html


def test_detail_links_fim_form_when_available(catalog_a, muni_a, monkeypatch):
    import importlib
    import sys
    import types

    def finder(muni, leika, service_id=None):
        return "/formulare/x/" if leika == "99102013104000" and muni == muni_a else None

    try:
        fim_queries = importlib.import_module("rathaus.fim.queries")
    except ImportError:  # the form engine is built in parallel: stand in for its query module
        fim_queries = types.ModuleType("rathaus.fim.queries")
        monkeypatch.setitem(sys.modules, "rathaus.fim.queries", fim_queries)
    monkeypatch.setattr(fim_queries, "form_for_service", finder, raising=False)
    html = client_for(HOST_A).get(reverse("catalog:detail", args=[catalog_a["hund"].pk])).content.decode()
    assert 'href="/formulare/x/"' in html and "Online beantragen" in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["availableChannel"]["serviceUrl"] == "http://zeitz.testserver/formulare/x/"
    other = client_for(HOST_A).get(reverse("catalog:detail", args=[catalog_a["melde"].pk])).content.decode()
    assert "So beantragen Sie es" in other


def test_online_form_url_tolerates_missing_fim(muni_a, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "rathaus.fim.queries", None)  # import fails
    assert queries.online_form_url(muni_a, "99102013104000") is None
    assert queries.online_form_url(muni_a, "") is None


def test_detail_of_other_municipality_or_unpublished_is_404(catalog_a, service_b, muni_a):
    from rathaus.catalog import services

    client = client_for(HOST_A)
    assert client.get(reverse("catalog:detail", args=[service_b.pk])).status_code == 404
    melde = catalog_a["melde"]
    melde.is_published = False
    services.save_service(melde)
    assert client.get(reverse("catalog:detail", args=[melde.pk])).status_code == 404
    assert client_for(HOST_B).get(reverse("catalog:detail", args=[catalog_a["hund"].pk])).status_code == 404


def test_home_page_has_portal_entry(muni_a):
    html = client_for(HOST_A).get("/").content.decode()
    assert "Verwaltungsleistungen A–Z" in html
    assert reverse("catalog:list") in html
