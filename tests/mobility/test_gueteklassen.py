"""ÖV-Güteklassen exactly by the ARE method (issue 20): band edges, boardable departures, termini,
frequency-based trips, mode groups, station coordinates and distances anywhere on Earth.

Every expected value here is worked out by hand (comments) or by an independent count written
with Python's csv module on the raw feed files; nothing is taken from the code under test.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
import zipfile
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from rathaus.mobility import analysis, gtfs
from tests.mobility.conftest import gtfs_file
from tests.mobility.feeds import FeedBuilder

DAY = date(2026, 3, 10)  # a Tuesday
WINDOW = analysis.Window(DAY, 6 * 3600, 20 * 3600)  # 840 minutes, the ARE reference window
GEOD = Geod(ellps="WGS84")
ZEITZ = (12.1378, 51.0486)  # lon, lat
NEW_YORK = (-73.9857, 40.7484)


def every(minutes: int) -> list[int]:
    """Trip starts from 06:00 every ``minutes`` while before 20:00."""
    return list(range(6 * 60, 20 * 60, minutes))


def write_extra(folder: Path, name: str, header: list[str], rows: list[list[object]]) -> None:
    with open(folder / name, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def add_pickup_type(folder: Path, rule) -> None:  # type: ignore[no-untyped-def]
    """Rewrite stop_times.txt with a pickup_type column: rule(trip_id, stop_id) → value."""
    path = folder / "stop_times.txt"
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = [*rows[0].keys(), "pickup_type"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow({**r, "pickup_type": rule(r["trip_id"], r["stop_id"])})


def imported(folder: Path, dest: Path) -> analysis.Feed:
    gtfs.import_feed(folder, dest)
    return analysis.Feed(dest)


def stations_of(feed: analysis.Feed, window: analysis.Window = WINDOW) -> dict[str, dict]:
    return analysis.station_categories(feed, window).rows_by_key("station_id", named=True, unique=True)


def run(tmp_path: Path, b: FeedBuilder) -> dict[str, dict]:
    return stations_of(imported(b.write(tmp_path / "src"), tmp_path / "feed"))


def three_stops(b: FeedBuilder, prefix: str, lat: float) -> list[str]:
    """Stops {prefix}A, {prefix}M, {prefix}C about 1.1 km apart (north–south)."""
    ids = [f"{prefix}A", f"{prefix}M", f"{prefix}C"]
    for i, sid in enumerate(ids):
        b.stop(sid, lat + 0.01 * i, 12.14)
    return ids


# --- 2. Band edges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interval", "band"),
    [
        (0.5, 0),
        (4.99, 0),
        (5, 1),  # "5–9": begins at 5
        (9.99, 1),
        (10, 2),  # "10–19": a regular 10-minute timetable is here, not in "5–9"
        (19.99, 2),
        (20, 3),
        (39.99, 3),
        (40, 4),
        (60, 4),  # "40–60": 60 is its last minute
        (60.01, 5),
        (119.99, 5),
        (120, 5),  # "61–120": 120 is its last minute
    ],
)
def test_band_edges_begin_at_their_lower_bound(interval, band):
    for group in (analysis.RAIL, analysis.TRAM, analysis.BUS):
        assert analysis.category_for(group, interval) == analysis.CATEGORY[group][band]


def test_above_120_minutes_and_unrated_groups_have_no_category():
    assert analysis.category_for(analysis.BUS, 120.01) is None
    assert analysis.category_for(analysis.ON_DEMAND, 5) is None
    assert analysis.category_for(analysis.BUS, None) is None


def test_float_noise_does_not_move_an_interval_across_an_edge():
    assert analysis.category_for(analysis.BUS, 840 / 84) == 4  # 10 min exactly → "10–19" → IV
    assert analysis.category_for(analysis.BUS, 10 - 1e-12) == 4


@pytest.mark.parametrize(
    ("headway", "rail", "tram", "bus"),
    [
        # categories by the ARE table (rail = Bahnknoten column, tram = Bahnlinie, bus = Bus/Tram)
        (5, 1, 2, 3),
        (10, 2, 3, 4),
        (20, 3, 4, 5),
        (40, 4, 5, 6),
        (60, 4, 5, 6),
        (120, 5, 6, 7),
    ],
)
def test_exact_boundary_headways_on_a_feed(tmp_path, headway, rail, tram, bus):
    """A through stop M of a line in both directions every ``headway`` minutes, 06:00–20:00:
    840 / headway trips per direction, counted and halved → interval = headway exactly."""
    b = FeedBuilder()
    for prefix, lat, route_type in (("R", 51.00, 2), ("T", 51.10, 0), ("B", 51.20, 3)):
        b.line(prefix, route_type, three_stops(b, prefix, lat), every(headway))
    rows = run(tmp_path, b)
    for prefix, expected in (("R", rail), ("T", tram), ("B", bus)):
        m = rows[f"{prefix}M"]
        assert m["departures"] == 2 * 840 // headway
        assert m["interval_min"] == headway
        assert m["category"] == expected, (prefix, headway)


# --- 1. Only departures a passenger can board; termini ---------------------------------------------


def test_terminus_counts_its_departures_only_at_the_real_headway(tmp_path):
    """Bus A–M–C every 10 minutes in both directions. At the termini A and C the trips of one
    direction end (nobody boards): 84 departures in one direction → interval 10 → IV, the same as
    the through stop M (168 departures in two directions, halved). Counting the arrivals as
    departures would give A 168 / 2 = 84 Kurse too, but only by halving a count that is double."""
    b = FeedBuilder()
    b.line("L", 3, three_stops(b, "", 51.05), every(10))
    rows = run(tmp_path, b)
    assert (rows["A"]["departures"], rows["A"]["interval_min"], rows["A"]["category"]) == (84, 10, 4)
    assert (rows["C"]["departures"], rows["C"]["interval_min"], rows["C"]["category"]) == (84, 10, 4)
    assert (rows["M"]["departures"], rows["M"]["interval_min"], rows["M"]["category"]) == (168, 10, 4)


def test_arrival_only_terminus_gets_no_category(tmp_path):
    """Like Seattle 1630 / Caltrain 70011: a stop where trips only end has no departure at all."""
    b = FeedBuilder()
    b.line("L", 3, three_stops(b, "", 51.05), every(5), both_directions=False)  # A → M → C
    rows = run(tmp_path, b)
    assert "C" not in rows  # 168 arrivals, 0 departures
    assert (rows["A"]["interval_min"], rows["A"]["category"]) == (5, 3)  # one direction, real headway


def test_one_way_loop_keeps_its_real_headway(tmp_path):
    """A loop A → M → C → A every 10 minutes: each stop is left in one direction only, 84 times."""
    b = FeedBuilder()
    three_stops(b, "", 51.05)
    b.line("L", 3, ["A", "M", "C", "A"], every(10), both_directions=False)
    rows = run(tmp_path, b)
    for sid in ("A", "M", "C"):
        assert (rows[sid]["departures"], rows[sid]["interval_min"], rows[sid]["category"]) == (84, 10, 4)


def test_without_direction_id_the_next_station_tells_the_directions(tmp_path):
    b = FeedBuilder()
    b.line("L", 3, three_stops(b, "", 51.05), every(10))
    for trip in b.rows["trips.txt"]:
        trip[3] = ""  # no direction_id
    rows = run(tmp_path, b)
    assert (rows["A"]["interval_min"], rows["M"]["interval_min"], rows["C"]["interval_min"]) == (10, 10, 10)


def test_split_routes_of_one_line_are_one_line(tmp_path):
    """Some feeds give each direction its own route_id with the same short name: still halved."""
    b = FeedBuilder()
    ids = three_stops(b, "", 51.05)
    b.line("L-out", 3, ids, every(10), both_directions=False)
    b.line("L-in", 3, list(reversed(ids)), every(10), both_directions=False)
    for route in b.rows["routes.txt"]:
        route[2] = "7"  # route_short_name
    for trip in b.rows["trips.txt"]:
        trip[3] = 0 if trip[0] == "L-out" else 1
    rows = run(tmp_path, b)
    assert (rows["M"]["departures"], rows["M"]["interval_min"]) == (168, 10)


def test_drop_off_only_stops_are_not_departures(tmp_path):
    """pickup_type 1 = no pickup. X is served by every trip of line 2 for alighting only: no
    departures, no category. At M line 1 lets passengers board in direction 0 only: 84 Kurse."""
    b = FeedBuilder()
    b.line("L1", 3, three_stops(b, "", 51.05), every(10))
    b.stop("XA", 51.20, 12.14).stop("X", 51.21, 12.14).stop("XC", 51.22, 12.14)
    b.line("L2", 3, ["XA", "X", "XC"], every(5))
    folder = b.write(tmp_path / "src")
    add_pickup_type(folder, lambda trip, stop: 1 if stop == "X" or (stop == "M" and "-1-" in trip) else "")
    rows = stations_of(imported(folder, tmp_path / "feed"))
    assert "X" not in rows
    assert (rows["M"]["departures"], rows["M"]["interval_min"], rows["M"]["category"]) == (84, 10, 4)


def test_invalid_pickup_type_is_refused_with_its_line(tmp_path):
    b = FeedBuilder()
    b.line("L", 3, three_stops(b, "", 51.05), [6 * 60])
    folder = b.write(tmp_path / "src")
    add_pickup_type(folder, lambda trip, stop: "9" if stop == "M" else "0")
    with pytest.raises(gtfs.FeedError) as exc:
        gtfs.import_feed(folder, tmp_path / "feed")
    errors = [(p.file, p.line, p.message) for p in exc.value.report.errors]
    assert errors[0][0] == "stop_times.txt" and errors[0][1] in (3, 6)
    assert "pickup_type 9 ist ungültig" in errors[0][2]


# --- 4. frequencies.txt, route types --------------------------------------------------------------


def frequency_feed(tmp_path: Path, frequencies: list[list[object]]) -> Path:
    """Bus A–M–C, one pattern trip per direction at 00:00 (2 minutes between stops)."""
    b = FeedBuilder()
    b.line("F", 3, three_stops(b, "", 51.05), [0])
    folder = b.write(tmp_path / "src")
    write_extra(folder, "frequencies.txt", ["trip_id", "start_time", "end_time", "headway_secs"], frequencies)
    return folder


def test_frequency_based_trips_are_run_every_headway(tmp_path):
    """F-0-0 and F-1-0 run every 600 s from 06:00 while the start is before 20:00: 84 runs each.
    M is left 2 minutes after each start: 168 departures, halved → 10 minutes → bus IV. The pattern
    times at 00:00 are not departures themselves (whole-day window: still 168)."""
    folder = frequency_feed(
        tmp_path, [["F-0-0", "06:00:00", "20:00:00", 600], ["F-1-0", "06:00:00", "20:00:00", 600]]
    )
    feed = imported(folder, tmp_path / "feed")
    m = stations_of(feed)["M"]
    assert (m["departures"], m["interval_min"], m["category"]) == (168, 10, 4)
    whole_day = analysis.Window(DAY, 0, 48 * 3600)
    assert stations_of(feed, whole_day)["M"]["departures"] == 168


def test_frequency_rows_are_validated(tmp_path):
    folder = frequency_feed(
        tmp_path,
        [
            ["NOPE", "06:00:00", "07:00:00", 600],
            ["F-0-0", "06:00:00", "05:00:00", 600],
            ["F-1-0", "06:00:00", "07:00:00", 0],
            ["F-1-0", "6:61:00", "07:00:00", 600],
        ],
    )
    with pytest.raises(gtfs.FeedError) as exc:
        gtfs.import_feed(folder, tmp_path / "feed")
    got = {(p.line, p.message) for p in exc.value.report.errors}
    assert got == {
        (2, "Fahrt (trip_id) NOPE gibt es in trips.txt nicht."),
        (3, "end_time 05:00:00 liegt nicht nach start_time 06:00:00."),
        (4, "headway_secs 0 ist keine ganze Zahl von 1 bis 86400."),
        (5, "Ungültige Zeit 6:61:00 / 07:00:00 (erwartet HH:MM:SS, Minuten und Sekunden 00–59)."),
    }


def test_sample_feed_frequency_trips_get_categories(tmp_path):
    feed = imported(gtfs_file("sample-feed-1.zip"), tmp_path / "feed")
    rows = stations_of(feed, analysis.Window(date(2007, 6, 5), 6 * 3600, 20 * 3600))
    # CITY1/CITY2 (frequency-based, every 10 or 30 minutes) serve NADAV, NANAA, DADAN, EMSI.
    assert {sid for sid, r in rows.items() if r["category"] is not None} >= {
        "NADAV",
        "NANAA",
        "DADAN",
        "EMSI",
    }


@pytest.mark.parametrize(
    ("route_type", "group"),
    [
        (715, "bus"),
        (6, "bus"),
        (1300, "bus"),
        (1399, "bus"),
        (7, "tram"),
        (1400, "tram"),
        (1500, "on_demand"),
    ],
)
def test_demand_responsive_bus_and_aerial_lifts_are_rated_as_buses(route_type, group):
    assert analysis.mode_group(route_type) == group
    assert pl.DataFrame({"route_type": [route_type]}).select(analysis.mode_group_expr())[0, 0] == group


def test_a_scheduled_demand_responsive_bus_gets_a_category(tmp_path):
    b = FeedBuilder()
    b.line("RUF", 715, three_stops(b, "", 51.05), every(20))
    assert run(tmp_path, b)["M"]["category"] == 5  # bus, 20 min → "20–39" → V


# --- 5. Station coordinate ------------------------------------------------------------------------


def test_station_coordinate_is_the_mean_of_its_platforms(tmp_path):
    """Not the parent's own point, not its entrances: the mean of the location_type 0 stops."""
    b = FeedBuilder().stop("P", 51.0500, 12.1000, "Bahnhof", location_type=1)
    b.stop("P1", 51.0510, 12.1400, parent="P", location_type=0)
    b.stop("P2", 51.0490, 12.1420, parent="P", location_type=0)
    b.stop("E", 51.0600, 12.1500, "Eingang", parent="P", location_type=2)
    b.stop("X", 51.0700, 12.1400)
    b.line("L", 3, ["P1", "X"], every(10))
    b.line("K", 3, ["P2", "X"], every(10))
    p = run(tmp_path, b)["P"]
    assert p["stop_lat"] == pytest.approx(51.0500, abs=1e-9)
    assert p["stop_lon"] == pytest.approx(12.1410, abs=1e-9)
    assert p["station_name"] == "Bahnhof" and p["departures"] == 168


def test_station_on_the_antimeridian_stays_there():
    stops = pl.DataFrame(
        {
            "stop_id": ["a", "b"],
            "stop_lat": [-16.5, -16.5],
            "stop_lon": [179.999, -179.999],
            "location_type": [0, 0],
            "parent_station": ["S", "S"],
        }
    )
    row = analysis.station_coordinates(stops).row(0, named=True)
    assert abs(row["stop_lon"]) == pytest.approx(180, abs=1e-9)


# --- 3. Distances anywhere on Earth ---------------------------------------------------------------


def place(origin: tuple[float, float], east: float, north: float) -> tuple[float, float]:
    """lon, lat of the point ``east``/``north`` metres from ``origin`` on the ground (geodesic)."""
    if east == 0 and north == 0:
        return origin
    lon, lat, _ = GEOD.fwd(
        origin[0], origin[1], math.degrees(math.atan2(east, north)), math.hypot(east, north)
    )
    return float(lon), float(lat)


# Station A: tram every 5 minutes (II); station B 1,200 m east of A: bus every 20 minutes (V). Both
# are termini of lines to far-away stops, so each departs in one direction: interval = headway.
SHAPE_STATIONS = {"A": (0.0, 0.0), "B": (1200.0, 0.0), "ZA": (0.0, 6000.0), "ZB": (1200.0, -6000.0)}
# (east, north) of grid points and their class by hand (0 = A … 5 = F, 6 = none)
SHAPE_POINTS = [
    ((0, 290), 0),  # A, II, ≤ 300 m → A
    ((0, 310), 1),  # II, 300–500 → B
    ((-490, 0), 1),
    ((-510, 0), 2),  # II, 500–750 → C
    ((0, -740), 2),
    ((0, -760), 3),  # II, 750–1,000 → D
    ((-990, 0), 3),
    ((-1010, 0), 6),  # nothing within 1,000 m
    ((1490, 0), 3),  # B, V, ≤ 300 m → D
    ((1200, 310), 4),  # V, 300–500 → E
    ((1200, -510), 5),  # V, 500–750 → F
    ((1960, 0), 6),  # V has no class beyond 750 m; A is 1,960 m away
    ((600, 0), 2),  # A at 600 m (C) beats B at 600 m (F)
]


def shape_feed(origin: tuple[float, float], folder: Path) -> Path:
    b = FeedBuilder()
    for sid, (e, n) in SHAPE_STATIONS.items():
        lon, lat = place(origin, e, n)
        b.stop(sid, lat, lon)
    b.line("T", 0, ["A", "ZA"], every(5), both_directions=False)
    b.line("BUS", 3, ["B", "ZB"], every(20), both_directions=False)
    return b.write(folder)


def shape_classes(origin: tuple[float, float], points: list[tuple[float, float]], work: Path):  # type: ignore[no-untyped-def]
    feed = imported(shape_feed(origin, work / "src"), work / "feed")
    stations = analysis.station_categories(feed, WINDOW)
    lonlat = [place(origin, e, n) for e, n in points]
    cx, cy = analysis.to_laea(np.array([p[0] for p in lonlat]), np.array([p[1] for p in lonlat]))
    cov = analysis.coverage(stations, cx, cy, np.ones(len(points)))
    cats = dict(zip(stations["station_id"].to_list(), stations["category"].to_list(), strict=True))
    return cats, cov.cell_class.tolist(), cov.cell_within.tolist()


def test_new_york_and_zeitz_with_the_same_geometry_give_the_same_classes(tmp_path):
    points = [p for p, _ in SHAPE_POINTS]
    expected = [c for _, c in SHAPE_POINTS]
    zeitz = shape_classes(ZEITZ, points, tmp_path / "zeitz")
    new_york = shape_classes(NEW_YORK, points, tmp_path / "nyc")
    assert zeitz[0] == {"A": 2, "B": 5}
    assert zeitz[1] == expected
    assert new_york == zeitz


def expected_class(point: tuple[float, float]) -> int:
    best = 6
    for sid, cat in (("A", 2), ("B", 5)):
        e, n = SHAPE_STATIONS[sid]
        cls = analysis.quality_class(cat, math.hypot(point[0] - e, point[1] - n))
        if cls is not None:
            best = min(best, cls)
    return best


def near_an_edge(point: tuple[float, float]) -> bool:
    for sid in ("A", "B"):
        e, n = SHAPE_STATIONS[sid]
        d = math.hypot(point[0] - e, point[1] - n)
        if any(abs(d - r) < 0.5 for r in analysis.RINGS):
            return True
    return False


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lat=st.floats(-75, 75),
    lon=st.floats(-180, 180, exclude_max=True),
    points=st.lists(
        st.tuples(st.floats(-1200, 2400), st.floats(-1200, 1200)).filter(lambda p: not near_an_edge(p)),
        min_size=1,
        max_size=30,
    ),
)
def test_the_same_feed_anywhere_on_earth_gets_the_same_categories_and_classes(lat, lon, points):
    with tempfile.TemporaryDirectory() as tmp:
        cats, classes, within = shape_classes((lon, lat), points, Path(tmp))
    assert cats == {"A": 2, "B": 5}  # ZA and ZB only see trips end: no departures
    assert classes == [expected_class(p) for p in points]
    for p, w in zip(points, within, strict=True):
        far = min(math.hypot(p[0] - e, p[1] - n) for e, n in SHAPE_STATIONS.values())
        if abs(far - 1000) >= 0.5:
            assert w == (far <= 1000)


def test_distances_match_the_geodesic_far_from_europe():
    """Coverage pairs against pyproj's geodesic (Karney) distance for Cairns and New York."""
    rng = np.random.default_rng(7)
    for lon0, lat0 in ((145.77, -16.92), NEW_YORK):
        slon, slat = lon0 + rng.uniform(-0.05, 0.05, 200), lat0 + rng.uniform(-0.05, 0.05, 200)
        plon, plat = lon0 + rng.uniform(-0.05, 0.05, 2000), lat0 + rng.uniform(-0.05, 0.05, 2000)
        p, s, d = analysis._pairs_within(analysis.ecef(plon, plat), analysis.ecef(slon, slat), 1000.0)
        _, _, exact = GEOD.inv(plon[p], plat[p], slon[s], slat[s])
        assert len(d) > 100
        assert np.max(np.abs(d - exact)) < 0.001  # metres
        # and no pair within 1,000 m is missed
        _, _, all_d = GEOD.inv(
            np.repeat(plon, len(slon)),
            np.repeat(plat, len(slon)),
            np.tile(slon, len(plon)),
            np.tile(slat, len(plon)),
        )
        assert int((np.asarray(all_d) <= 1000).sum()) == len(d)


# --- Independent count of boardable departures on real feeds ---------------------------------------


def _read(zf: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    if name not in zf.namelist():
        return []
    with zf.open(name) as fh:
        return list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8-sig")))


def _secs(value: str) -> int:
    h, m, s = (int(x) for x in value.strip().split(":"))
    return h * 3600 + m * 60 + s


def independent_boardable(path: Path, active: set[str], start: int, end: int) -> dict[str, int]:
    """stop_id → departures a passenger can board in [start, end): not the trip's last stop, not
    pickup_type 1, with a departure time; frequency trips run every headway from start_time while
    before end_time, offset from the pattern's first departure. Plain csv, no polars."""
    with zipfile.ZipFile(path) as zf:
        trips = {t["trip_id"] for t in _read(zf, "trips.txt") if t["service_id"] in active}
        by_trip: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in _read(zf, "stop_times.txt"):
            if r["trip_id"] in trips:
                by_trip[r["trip_id"]].append(r)
        runs: dict[str, list[int]] = defaultdict(list)
        for f in _read(zf, "frequencies.txt"):
            t, stop, step = _secs(f["start_time"]), _secs(f["end_time"]), int(f["headway_secs"])
            while t < stop:
                runs[f["trip_id"]].append(t)
                t += step
    counts: dict[str, int] = defaultdict(int)
    for trip, rows in by_trip.items():
        rows.sort(key=lambda r: int(r["stop_sequence"]))
        first = min(_secs(r["departure_time"]) for r in rows if (r.get("departure_time") or "").strip())
        for r in rows[:-1]:
            dep = (r.get("departure_time") or "").strip()
            if not dep or (r.get("pickup_type") or "").strip() == "1":
                continue
            times = [run + _secs(dep) - first for run in runs[trip]] if trip in runs else [_secs(dep)]
            counts[r["stop_id"]] += sum(start <= t < end for t in times)
    return {k: v for k, v in counts.items() if v}


@pytest.mark.parametrize(
    ("name", "day"),
    [("cairns_gtfs.zip", date(2014, 6, 10)), ("sample-feed-1.zip", date(2007, 6, 5))],
)
def test_boardable_departures_equal_an_independent_count(tmp_path, name, day):
    """(The active services come from the tested calendar code, see test_stats.py.)"""
    path = gtfs_file(name)
    feed = imported(path, tmp_path / "feed")
    services = set(feed.active_services(day))
    expected = independent_boardable(path, services, 6 * 3600, 20 * 3600)
    deps = feed.boardable_departures(analysis.Window(day, 6 * 3600, 20 * 3600))
    ids = feed.stops().select("stop_idx", "stop_id")
    got = dict(deps.join(ids, on="stop_idx").group_by("stop_id").len().iter_rows())
    assert got == expected
    raw = feed.departures(analysis.Window(day, 6 * 3600, 20 * 3600))
    if name.startswith("cairns"):
        assert sum(got.values()) < raw.height  # termini and no-pickup stops are left out


# --- Digitalbarometer indicator --------------------------------------------------------------------


@pytest.mark.django_db
def test_departures_per_1000_count_boardable_departures(muni_a, tmp_path):
    """simple_feed: S1 and S2 are both termini of a line every 10 minutes: 84 + 84 boardable
    departures 06–20 (the 168 arrivals are not departures). 1,000 residents → 168.0 per 1,000."""
    from rathaus.mobility import indicators, services
    from tests.mobility.feeds import simple_feed

    services.import_feed(muni_a, simple_feed().write(tmp_path / "f"), "F", publish=True)
    x, y = analysis.to_laea(np.array([12.1378]), np.array([51.0486]))
    path = tmp_path / "grid.csv"
    path.write_text(f"x;y;Einwohner\n{x[0]};{y[0]};1000\n")
    services.import_grid(muni_a, path, "Raster")
    assert indicators.departures_per_1000(muni_a) == 168.0


def test_feeds_imported_before_issue_20_are_still_analysed(tmp_path):
    """Without last_seq/first_s in trips.parquet, pickup_type in stop_times.parquet and without
    frequencies.parquet, the trip ends are computed from stop_times: the same categories."""
    b = FeedBuilder()
    b.line("L", 3, three_stops(b, "", 51.05), every(10))
    feed = imported(b.write(tmp_path / "src"), tmp_path / "feed")
    new = stations_of(feed)
    path = tmp_path / "feed"
    pl.read_parquet(path / "trips.parquet").drop("last_seq", "first_s").write_parquet(path / "trips.parquet")
    pl.read_parquet(path / "stop_times.parquet").drop("pickup_type").write_parquet(
        path / "stop_times.parquet"
    )
    (path / "frequencies.parquet").unlink()
    old = stations_of(analysis.Feed(path))
    assert old == new
    assert (old["A"]["departures"], old["M"]["departures"], old["A"]["category"]) == (84, 168, 4)
