"""The map page: tile server origin in the CSP, the offline base layer (outline and Ortsteile)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from rathaus.mobility import services
from rathaus.mobility.demo import DISTRICTS, ZEITZ_OUTLINE
from rathaus.mobility.models import District, MunicipalityArea
from rathaus.mobility.views import tile_origin
from tests.mobility.feeds import simple_feed

pytestmark = pytest.mark.django_db


def img_src(response) -> list[str]:
    header = response["Content-Security-Policy"]
    for directive in header.split(";"):
        parts = directive.split()
        if parts and parts[0] == "img-src":
            return parts[1:]
    raise AssertionError(header)


@pytest.fixture
def feed(muni_a, tmp_path):
    return services.import_feed(muni_a, simple_feed().write(tmp_path / "f"), "F", publish=True)


def test_csp_allows_the_configured_tile_server(client_a, feed, settings):
    settings.MOBILITY_TILE_URL = ""
    r = client_a.get(reverse("mobility:index"))
    assert r.status_code == 200 and img_src(r) == ["'self'", "data:"]
    settings.MOBILITY_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    r = client_a.get(reverse("mobility:index"))
    assert "https://tile.openstreetmap.org" in img_src(r)
    assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in r.content.decode()
    # Only the map page loads tiles: other pages keep the strict policy.
    assert "https://tile.openstreetmap.org" not in img_src(client_a.get(reverse("mobility:indicators")))


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org:8443/{z}/{x}/{y}.png", "https://*.tile.example.org:8443"),
        ("http://tiles.local/{z}/{x}/{y}.png", "http://tiles.local"),
        ("", ""),
        ("/static/tiles/{z}/{x}/{y}.png", ""),  # same origin: 'self' covers it
        ("javascript:alert(1)", ""),
        ("https://evil.example;script-src *", ""),
    ],
)
def test_tile_origin(url, origin):
    assert tile_origin(url) == origin


def test_base_layer_has_outline_and_districts(client_a, muni_a, muni_b):
    MunicipalityArea.objects.create(municipality=muni_a, polygon=ZEITZ_OUTLINE, source="Demo")
    for name, ring in DISTRICTS.items():
        District.objects.create(municipality=muni_a, name=name, polygon=ring)
    District.objects.create(municipality=muni_b, name="Fremder Ortsteil", polygon=[[1, 1], [2, 1], [2, 2]])
    r = client_a.get(reverse("mobility:base_geojson"))
    assert r.status_code == 200 and r["Content-Type"] == "application/geo+json"
    data = json.loads(r.content)
    kinds = [(f["properties"]["kind"], f["properties"]["name"]) for f in data["features"]]
    assert kinds[0] == ("gemeinde", muni_a.name)
    assert sorted(n for k, n in kinds if k == "ortsteil") == sorted(DISTRICTS)
    for f in data["features"]:
        ring = f["geometry"]["coordinates"][0]
        assert f["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) >= 4


def test_base_layer_without_data_is_empty(client_a):
    data = json.loads(client_a.get(reverse("mobility:base_geojson")).content)
    assert data["type"] == "FeatureCollection" and data["features"] == []


def test_demo_outline_contains_the_town_and_not_the_neighbours():
    import numpy as np

    from rathaus.mobility.analysis import points_in_polygon
    from rathaus.mobility.demo import STOPS

    ring = [(p[0], p[1]) for p in ZEITZ_OUTLINE]
    ids = list(STOPS)
    inside = points_in_polygon(
        np.array([STOPS[i][2] for i in ids]), np.array([STOPS[i][1] for i in ids]), ring
    )
    got = {i for i, ok in zip(ids, inside, strict=True) if ok}
    assert {"ZBF", "ZAM", "ZOE", "ZAU", "THE", "GRO"} <= got
    assert not got & {"LEI", "GER", "PEG", "TRO", "DRO", "CRO"}
