"""Stop statistics against an independent count with plain Python csv on the raw feed files."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rathaus.mobility import analysis, queries, services
from tests.exports import csv_dicts
from tests.mobility.conftest import gtfs_file
from tests.mobility.feeds import FeedBuilder, simple_feed

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def read(zf: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    if name not in zf.namelist():
        return []
    with zf.open(name) as fh:
        return list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8-sig")))


def independent_count(
    path: Path, day: date, start: int, end: int
) -> dict[str, tuple[int, float | None, str]]:
    """stop_id → (departures, mean headway in minutes, route types) — written without polars."""
    with zipfile.ZipFile(path) as zf:
        services_on = set()
        for row in read(zf, "calendar.txt"):
            s = date(int(row["start_date"][:4]), int(row["start_date"][4:6]), int(row["start_date"][6:]))
            e = date(int(row["end_date"][:4]), int(row["end_date"][4:6]), int(row["end_date"][6:]))
            if s <= day <= e and row[WEEKDAYS[day.weekday()]].strip() == "1":
                services_on.add(row["service_id"])
        for row in read(zf, "calendar_dates.txt"):
            if row["date"].strip() == day.strftime("%Y%m%d"):
                if row["exception_type"].strip() == "1":
                    services_on.add(row["service_id"])
                else:
                    services_on.discard(row["service_id"])
        route_type = {r["route_id"]: int(r["route_type"]) for r in read(zf, "routes.txt")}
        trip_type = {
            t["trip_id"]: route_type[t["route_id"]]
            for t in read(zf, "trips.txt")
            if t["service_id"] in services_on
        }
        times: dict[str, list[int]] = defaultdict(list)
        types: dict[str, set[int]] = defaultdict(set)
        for st in read(zf, "stop_times.txt"):
            dep = (st.get("departure_time") or "").strip()
            if st["trip_id"] not in trip_type or not dep:
                continue
            h, m, s = (int(x) for x in dep.split(":"))
            t = h * 3600 + m * 60 + s
            if start <= t < end:
                times[st["stop_id"]].append(t)
                types[st["stop_id"]].add(trip_type[st["trip_id"]])
        out = {}
        for stop in read(zf, "stops.txt"):
            if (stop.get("location_type") or "0").strip() not in ("", "0"):
                continue
            ts = times.get(stop["stop_id"], [])
            headway = round((max(ts) - min(ts)) / (len(ts) - 1) / 60, 1) if len(ts) >= 2 else None
            out[stop["stop_id"]] = (
                len(ts),
                headway,
                ";".join(str(x) for x in sorted(types[stop["stop_id"]])),
            )
        return out


def command_rows(feed_name: str, day: date, start: str, end: str, fmt: str = "csv") -> str:
    out = io.StringIO()
    call_command(
        "gtfs_stop_stats",
        feed_name,
        "--date",
        day.isoformat(),
        "--from",
        start,
        "--to",
        end,
        "--format",
        fmt,
        "--municipality",
        "zeitz",
        stdout=out,
    )
    return out.getvalue()


def hhmm(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


CASES = [
    ("sample-feed-1.zip", date(2007, 6, 4), 0, 48 * 3600),  # FULLW removed that Monday
    ("sample-feed-1.zip", date(2007, 6, 5), 6 * 3600, 9 * 3600),
    ("sample-feed-1.zip", date(2007, 6, 9), 0, 24 * 3600),  # Saturday
    ("cairns_gtfs.zip", date(2014, 6, 10), 6 * 3600, 20 * 3600),
    ("cairns_gtfs.zip", date(2014, 6, 9), 0, 48 * 3600),  # public holiday exception
    ("cairns_gtfs.zip", date(2014, 6, 14), 7 * 3600, 7 * 3600 + 30 * 60),  # Saturday, 30 minutes
]


@pytest.mark.parametrize(("name", "day", "start", "end"), CASES)
def test_command_equals_independent_count(muni_a, name, day, start, end):
    path = gtfs_file(name)
    services.import_feed(muni_a, path, name)
    expected = independent_count(path, day, start, end)
    text = command_rows(name, day, hhmm(start), hhmm(end))
    rows = csv_dicts(text)
    assert text.splitlines()[0] == "stop_id;stop_name;departures;mean_headway_min;route_types"
    got = {
        r["stop_id"]: (
            int(r["departures"]),
            float(r["mean_headway_min"]) if r["mean_headway_min"] else None,
            r["route_types"],
        )
        for r in rows
    }
    assert got == expected
    total = sum(v[0] for v in expected.values())
    # 2007-06-04: calendar_dates removes the only weekday service of sample-feed-1 (no departures).
    assert total == 0 if day == date(2007, 6, 4) else total > 0


def test_json_format(muni_a):
    path = gtfs_file("sample-feed-1.zip")
    services.import_feed(muni_a, path, "demo")
    data = json.loads(command_rows("demo", date(2007, 6, 5), "06:00", "09:00", "json"))
    assert set(data[0]) == {"stop_id", "stop_name", "departures", "mean_headway_min", "route_types"}
    by_id = {r["stop_id"]: r for r in data}
    # STBA 06:00, CITY1 06:00 and CITY2's last stop 06:58 (a stop_time with a departure_time counts,
    # also at the end of a trip): (06:58 − 06:00) / (3 − 1) = 29 minutes.
    assert by_id["STAGECOACH"]["departures"] == 3
    assert by_id["STAGECOACH"]["mean_headway_min"] == 29.0
    assert by_id["STAGECOACH"]["route_types"] == "3"


def test_window_bounds_start_inclusive_end_exclusive(muni_a, tmp_path):
    b = FeedBuilder().stop("S1", 51.0, 12.0).stop("S2", 51.01, 12.0)
    b.line("B", 3, ["S1", "S2"], [6 * 60, 7 * 60], both_directions=False)
    feed = services.import_feed(muni_a, b.write(tmp_path / "f"), "grenzen")
    handle = queries.open_feed(feed)
    day = date(2026, 3, 10)
    stats = analysis.stop_stats(handle, analysis.Window(day, 6 * 3600, 7 * 3600)).rows_by_key(
        "stop_id", named=True, unique=True
    )
    assert stats["S1"]["departures"] == 1  # 06:00 counts, 07:00 does not


def test_trips_after_midnight_belong_to_their_service_day(muni_a, tmp_path):
    b = FeedBuilder().stop("S1", 51.0, 12.0).stop("S2", 51.01, 12.0)
    b.line("N", 3, ["S1", "S2"], [25 * 60], both_directions=False)  # 01:00 the next morning
    feed = services.import_feed(muni_a, b.write(tmp_path / "f"), "nacht")
    handle = queries.open_feed(feed)
    friday, saturday = date(2026, 3, 13), date(2026, 3, 14)
    late = analysis.stop_stats(handle, analysis.Window(friday, 24 * 3600, 26 * 3600))
    assert late.filter(late["stop_id"] == "S1")["departures"][0] == 1
    early = analysis.stop_stats(handle, analysis.Window(saturday, 0, 2 * 3600))
    assert early["departures"].sum() == 0  # Saturday has no service, and 01:00 belongs to Friday


def test_route_and_group_statistics(muni_a, tmp_path):
    b = simple_feed().stop("R1", 51.05, 12.14).stop("R2", 51.10, 12.20)
    b.line("RB", 2, ["R1", "R2"], list(range(5 * 60, 23 * 60, 60)), step=20)
    feed = services.import_feed(muni_a, b.write(tmp_path / "f"), "mix")
    handle = queries.open_feed(feed)
    w = analysis.Window(date(2026, 3, 10), 6 * 3600, 20 * 3600)
    routes = analysis.route_stats(handle, w).rows_by_key("route_id", named=True, unique=True)
    assert routes["B1"]["trips"] == 168 and routes["B1"]["mean_headway_min"] == 10.0
    assert routes["RB"]["trips"] == 28 and routes["RB"]["mean_headway_min"] == 60.0
    assert routes["RB"]["service_span_h"] == 17.3  # 05:00 to 22:20 (last stop of the last trip)
    groups = analysis.group_stats(handle.departures(w)).rows_by_key("group", named=True, unique=True)
    assert groups["bus"]["departures"] == 336 and groups["rail"]["routes"] == 1


@pytest.mark.parametrize(
    ("route_type", "group"),
    [
        (0, "tram"),
        (1, "rail"),
        (2, "rail"),
        (3, "bus"),
        (4, "bus"),
        (11, "bus"),
        (109, "rail"),
        (400, "rail"),
        (700, "bus"),
        (715, "bus"),
        (900, "tram"),
        (1000, "bus"),
        (1300, "bus"),
        (1400, "tram"),
        (1501, "on_demand"),
        (1100, "other"),
        (1700, "other"),
        (99, "other"),
    ],
)
def test_mode_groups(route_type, group):
    assert analysis.mode_group(route_type) == group
    import polars as pl

    assert pl.DataFrame({"route_type": [route_type]}).select(analysis.mode_group_expr())[0, 0] == group


def test_command_errors(muni_a, tmp_path):
    services.import_feed(muni_a, simple_feed().write(tmp_path / "f"), "F")
    with pytest.raises(CommandError):
        command_rows("unbekannt", date(2026, 3, 10), "06:00", "09:00")
    with pytest.raises(CommandError):
        command_rows("F", date(2026, 3, 10), "09:00", "06:00")
    with pytest.raises(CommandError):
        command_rows("F", date(2026, 3, 10), "6 Uhr", "09:00")


def test_representative_dates(muni_a, tmp_path):
    feed = services.import_feed(muni_a, simple_feed().write(tmp_path / "f"), "F")
    day = queries.representative_date(feed, "werktag")
    assert day is not None and day.weekday() in (1, 2, 3)
    assert queries.representative_date(feed, "sonntag") is None  # no Sunday service
    assert day - timedelta(days=28) < day
