"""Demo data: the invented Zeitz feed, the Zensus grid of the Zeitz area (or a synthetic one)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rathaus.mobility import demo, queries
from rathaus.mobility.models import District, FeedVersion, PopulationGrid
from tests.conftest import testdata_dir as data_dir

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_labelled(muni_a, client_a):
    demo.mobility_demo(None)
    counts = (FeedVersion.objects.count(), PopulationGrid.objects.count(), District.objects.count())
    demo.mobility_demo(None)
    assert (
        (FeedVersion.objects.count(), PopulationGrid.objects.count(), District.objects.count())
        == counts
        == (1, 1, 3)
    )
    feed = FeedVersion.objects.get()
    assert feed.is_demo and feed.report["error_count"] == 0 and feed.route_count == 7
    result = queries.default_result(muni_a)
    assert result is not None
    stations = result.stations.rows_by_key("station_id", named=True, unique=True)
    assert stations["ZBF"]["category"] is not None and stations["ZBF"]["category"] <= 3
    assert "rail" in stations["ZBF"]["groups"]
    # only the Rufbus (715, rated as a bus): 5 departures towards Zeitz 06–20 → 168 min → none
    assert stations["GRO"]["category"] is None
    html = client_a.get(reverse("mobility:index")).content.decode()
    assert "Demodaten" in html and "Zeitz, Bahnhof" in html


def test_demo_grid_is_the_zensus_zeitz_box(muni_a, settings):
    path = data_dir() / "population" / "zensus2011_1km" / "continuous_Einwohner.parquet"
    if not path.exists():
        pytest.skip(f"{path} missing (set RATHAUS_TESTDATA)")
    settings.RATHAUS_TESTDATA = data_dir()
    demo.mobility_demo(None)
    grid = PopulationGrid.objects.get()
    # SOURCES.md: the Zeitz box gives 199 populated cells with 49,846 inhabitants.
    assert (grid.cell_count, grid.population) == (199, 49_846)
    assert not grid.is_synthetic and "Zensus 2011" in grid.source


def test_synthetic_grid_without_test_data(muni_a, settings, tmp_path):
    settings.RATHAUS_TESTDATA = tmp_path / "nothing"
    demo.mobility_demo(None)
    grid = PopulationGrid.objects.get()
    assert grid.is_synthetic and "Synthetisch" in grid.name and grid.population > 10_000
