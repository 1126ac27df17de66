"""ÖV-Güteklassen on hand-made feeds where the expected category and class are known by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from rathaus.mobility import analysis, queries, services
from tests.mobility.feeds import FeedBuilder

DAY = date(2026, 3, 10)  # a Tuesday
WINDOW = analysis.Window(DAY, 6 * 3600, 20 * 3600)  # 840 minutes


def stations(muni, tmp_path, builder: FeedBuilder) -> dict[str, dict]:
    feed = services.import_feed(muni, builder.write(tmp_path / "f"), "F")
    df = analysis.station_categories(queries.open_feed(feed), WINDOW)
    return df.rows_by_key("station_id", named=True, unique=True)


def every(minutes: int) -> list[int]:
    return list(range(6 * 60, 20 * 60, minutes))


@pytest.mark.parametrize(
    ("route_type", "headway", "category"),
    [
        # S1 is a terminus: 84 departures in one direction → 840 / 84 = 10 min. The ARE bands begin
        # at their lower bound ("10–19" holds 10): bus every 10 min → IV (tests/mobility/
        # test_gueteklassen.py has every edge).
        (3, 10, 4),
        (3, 20, 5),  # bus every 20 min → "20–39" → V
        (3, 5, 3),  # bus every 5 min → "5–9" → III
        (3, 60, 6),  # bus hourly → "40–60" → VI
        (3, 120, 7),  # bus two-hourly → "61–120" → VII
        (2, 60, 4),  # rail hourly → IV
        (2, 30, 3),  # rail half-hourly → III
        (2, 5, 1),  # rail every 5 min → I
        (2, 4, 1),  # rail every 4 min → "< 5" → I
        (0, 4, 1),  # tram every 4 min → I
        (0, 5, 2),  # tram every 5 min → II
        (0, 10, 3),  # tram every 10 min → III
        (0, 15, 3),  # tram every 15 min ("10–19") → III
    ],
)
def test_category_from_mode_and_interval(muni_a, tmp_path, route_type, headway, category):
    b = FeedBuilder().stop("S1", 51.05, 12.14).stop("S2", 51.06, 12.14)
    b.line("L", route_type, ["S1", "S2"], every(headway))
    row = stations(muni_a, tmp_path, b)["S1"]
    assert row["interval_min"] == pytest.approx(headway, abs=0.05)
    assert row["category"] == category


def test_interval_above_120_minutes_gives_no_category(muni_a, tmp_path):
    b = FeedBuilder().stop("S1", 51.05, 12.14).stop("S2", 51.06, 12.14)
    b.line("L", 3, ["S1", "S2"], [6 * 60, 9 * 60, 12 * 60, 15 * 60, 18 * 60])  # 5 + 5 → 840/5 = 168 min
    row = stations(muni_a, tmp_path, b)["S1"]
    assert row["interval_min"] == 168.0 and row["category"] is None


def test_one_direction_only_keeps_its_headway(muni_a, tmp_path):
    """A line leaving S1 in one direction every 10 minutes: 84 departures in one direction → interval
    10 (not 20: only a line departing in two directions is halved) → bus IV."""
    b = FeedBuilder().stop("S1", 51.05, 12.14).stop("S2", 51.06, 12.14)
    b.line("L", 3, ["S1", "S2"], every(10), both_directions=False)
    row = stations(muni_a, tmp_path, b)["S1"]
    assert (row["interval_min"], row["category"]) == (10, 4)


def test_platforms_are_merged_into_their_station(muni_a, tmp_path):
    b = FeedBuilder().stop("P", 51.05, 12.14, "Bahnhof", location_type=1)
    b.stop("P1", 51.0501, 12.1401, "Bahnhof Steig 1", parent="P").stop(
        "P2", 51.0499, 12.1399, "Bahnhof Steig 2", parent="P"
    )
    b.stop("X", 51.06, 12.14)
    b.line("A", 3, ["P1", "X"], every(10), both_directions=False)
    b.line("B", 3, ["X", "P2"], every(10), both_directions=False)
    rows = stations(muni_a, tmp_path, b)
    # P1 is left by line A (84); P2 only sees line B end (no departure) → 84, 10 min → IV.
    assert rows["P"]["departures"] == 84 and rows["P"]["category"] == 4
    assert rows["P"]["station_name"] == "Bahnhof"
    assert "P1" not in rows


def test_best_mode_group_wins_at_a_stop(muni_a, tmp_path):
    b = FeedBuilder().stop("S1", 51.05, 12.14).stop("S2", 51.06, 12.14)
    b.line("BUS", 3, ["S1", "S2"], every(10))  # IV
    b.line("RB", 2, ["S1", "S2"], every(20))  # III
    row = stations(muni_a, tmp_path, b)["S1"]
    assert row["category"] == 3 and row["best_group"] == "rail" and row["groups"] == "bus;rail"


def test_on_demand_is_served_without_category(muni_a, tmp_path):
    b = FeedBuilder().stop("S1", 51.05, 12.14).stop("S2", 51.06, 12.14)
    b.line("TAXI", 1501, ["S1", "S2"], every(5))  # on demand (taxi); 715 is a bus now
    row = stations(muni_a, tmp_path, b)["S1"]
    assert row["category"] is None and row["departures"] > 0


@pytest.mark.parametrize(
    ("category", "distance", "expected"),
    [
        (1, 300, "A"),
        (1, 301, "A"),
        (1, 500, "A"),
        (1, 750, "B"),
        (1, 1000, "C"),
        (1, 1001, None),
        (2, 300, "A"),
        (2, 500, "B"),
        (2, 750, "C"),
        (2, 1000, "D"),
        (3, 299, "B"),
        (3, 501, "D"),
        (3, 999, "E"),
        (4, 100, "C"),
        (4, 1000, "F"),
        (5, 300, "D"),
        (5, 750, "F"),
        (5, 800, None),
        (6, 300, "E"),
        (6, 500, "F"),
        (6, 501, None),
        (7, 300, "F"),
        (7, 301, None),
    ],
)
def test_class_table(category, distance, expected):
    idx = analysis.quality_class(category, distance)
    assert (analysis.CLASSES[idx] if idx is not None else None) == expected


def offset(lat: float, lon: float, dx: float, dy: float = 0.0) -> tuple[float, float]:
    x, y = analysis.to_laea(np.array([lon]), np.array([lat]))
    return float(x[0]) + dx, float(y[0]) + dy


def test_coverage_on_a_tiny_grid(muni_a, tmp_path):
    """Stop A: rail every 5 min (I); stop B 1,200 m east: bus hourly (VI). Cells at known distances."""
    b = FeedBuilder().stop("A", 51.05, 12.14)
    ax, ay = offset(51.05, 12.14, 0)
    # B 1,200 m east of A (through the inverse projection).
    from pyproj import Transformer

    back = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)
    blon, blat = back.transform(ax + 1200, ay)
    b.stop("B", blat, blon).stop("Z", 51.2, 12.5)
    b.line("T", 2, ["A", "Z"], every(5))
    b.line("BUS", 3, ["B", "Z"], every(60))
    rows = stations(muni_a, tmp_path, b)
    assert rows["A"]["category"] == 1 and rows["B"]["category"] == 6
    df = pl.DataFrame([rows["A"], rows["B"]])
    cells_x = np.array([ax + 100, ax + 450, ax + 700, ax + 900, ax + 1100, ax - 1500, ax + 1200 + 400])
    cells_y = np.full(len(cells_x), ay)
    counts = np.array([100, 200, 300, 400, 500, 600, 700], dtype=float)
    cov = analysis.coverage(df, cells_x, cells_y, counts)
    # 100 m from A → A; 450 → A; 700 → B; 900 → C; 1,100 m from A but 100 m from B: VI gives E,
    # A gives nothing (>1,000 m) → E; 1,500 m west → none and beyond; 400 m east of B → F (VI, 300–500).
    assert list(cov.cell_class) == [0, 0, 1, 2, 4, 6, 5]
    assert cov.by_class == {"A": 300, "B": 300, "C": 400, "D": 0, "E": 500, "F": 700, "none": 600}
    assert cov.beyond_1000 == 600
    assert cov.share("ABCD") == pytest.approx(1000 / 2800)


def test_best_class_wins_where_rings_overlap():
    st = pl.DataFrame(
        {"stop_lat": [51.05, 51.05], "stop_lon": [12.14, 12.14], "category": [7, 2]},
        schema_overrides={"category": pl.Int8},
    )
    x, y = offset(51.05, 12.14, 200)
    cov = analysis.coverage(st, np.array([x]), np.array([y]), np.array([10.0]))
    assert list(cov.cell_class) == [0]  # II gives A at 200 m, VII only F


def test_coverage_is_vectorised_on_many_cells():
    rng = np.random.default_rng(1)
    n = 200_000
    cx = rng.uniform(4_400_000, 4_500_000, n)
    cy = rng.uniform(3_000_000, 3_100_000, n)
    lon, lat = analysis._FROM_LAEA.transform(
        rng.uniform(4_400_000, 4_500_000, 3000), rng.uniform(3_000_000, 3_100_000, 3000)
    )
    st = pl.DataFrame({"stop_lat": lat, "stop_lon": lon, "category": rng.integers(1, 8, 3000)})
    cov = analysis.coverage(st, cx, cy, np.ones(n))
    # brute force on a sample of cells
    sx, sy = analysis.to_laea(np.asarray(lon), np.asarray(lat))
    for i in rng.integers(0, n, 50):
        d = np.hypot(sx - cx[i], sy - cy[i])
        best = min(
            (
                analysis.quality_class(int(c), float(dd))
                for c, dd in zip(st["category"], d, strict=True)
                if dd <= 1000
            ),
            key=lambda v: 6 if v is None else v,
            default=None,
        )
        assert cov.cell_class[i] == (6 if best is None else best)
        assert cov.cell_within[i] == bool((d <= 1000).any())


def test_points_in_polygon():
    ring = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    inside = analysis.points_in_polygon(
        np.array([5.0, 11.0, -1.0, 9.9]), np.array([5.0, 5.0, 5.0, 0.1]), ring
    )
    assert list(inside) == [True, False, False, True]


def test_class_polygons_are_ordered_worst_first(muni_a, tmp_path):
    b = FeedBuilder().stop("S1", 51.05, 12.14).stop("S2", 51.06, 12.14)
    b.line("L", 3, ["S1", "S2"], every(10))
    feed = services.import_feed(muni_a, b.write(tmp_path / "f"), "F")
    df = analysis.station_categories(queries.open_feed(feed), WINDOW)
    feats = analysis.class_polygons(df)
    classes = [f["properties"]["class"] for f in feats]
    assert classes == sorted(classes, reverse=True)
    # bus every 10 min → IV: C ≤ 300 m, D, E, F
    first = next(
        f for f in feats if f["properties"]["class"] == "C" and f["properties"]["station_id"] == "S1"
    )
    assert first["properties"]["outer_m"] == 300 and len(first["geometry"]["coordinates"]) == 1
    ring_e = next(
        f for f in feats if f["properties"]["class"] == "E" and f["properties"]["station_id"] == "S1"
    )
    assert len(ring_e["geometry"]["coordinates"]) == 2  # 500–750 m ring with a hole
    # geodesic circles: every outer vertex is 300 m from the station on the ellipsoid
    lon, lat = np.array(first["geometry"]["coordinates"][0]).T
    from pyproj import Geod

    _, _, dist = Geod(ellps="WGS84").inv(np.full(len(lon), 12.14), np.full(len(lat), 51.05), lon, lat)
    assert np.allclose(dist, 300, atol=0.1)
