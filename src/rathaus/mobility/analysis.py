"""Timetable analysis on an imported feed: stop and route statistics, ÖV-Güteklassen, coverage.

Pure functions on the Parquet directory written by gtfs.py (no database access). The rules are
documented in docs/mobility.md; the numbers here and there must agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
from pyproj import Geod, Transformer

# --- Mode groups ------------------------------------------------------------------------------------

RAIL, TRAM, BUS, ON_DEMAND, OTHER = "rail", "tram", "bus", "on_demand", "other"
GROUPS = (RAIL, TRAM, BUS, ON_DEMAND, OTHER)


def mode_group(route_type: int | None) -> str:
    """GTFS route_type (basic 0–12 and extended 100–1799) → rail / tram / bus / on_demand / other.

    Aerial lifts (6, 1300–1399) go with buses as in the ARE method; the demand-responsive bus (715)
    is a bus: where its trips have times in stop_times.txt they count like any bus."""
    t = -1 if route_type is None else int(route_type)
    if t in (1, 2, 12) or 100 <= t <= 199 or 400 <= t <= 499:
        return RAIL
    if t in (0, 5, 7) or 900 <= t <= 999 or 1400 <= t <= 1499:
        return TRAM
    if 1500 <= t <= 1599:
        return ON_DEMAND
    if t in (3, 4, 6, 11) or 200 <= t <= 299 or 700 <= t <= 899 or 1000 <= t <= 1099 or 1200 <= t <= 1399:
        return BUS
    return OTHER


def mode_group_expr(col: str = "route_type") -> pl.Expr:
    t = pl.col(col)
    return (
        pl.when(t.is_in([1, 2, 12]) | t.is_between(100, 199) | t.is_between(400, 499))
        .then(pl.lit(RAIL))
        .when(t.is_in([0, 5, 7]) | t.is_between(900, 999) | t.is_between(1400, 1499))
        .then(pl.lit(TRAM))
        .when(t.is_between(1500, 1599))
        .then(pl.lit(ON_DEMAND))
        .when(
            t.is_in([3, 4, 6, 11])
            | t.is_between(200, 299)
            | t.is_between(700, 899)
            | t.is_between(1000, 1099)
            | t.is_between(1200, 1399)
        )
        .then(pl.lit(BUS))
        .otherwise(pl.lit(OTHER))
    )


# --- Güteklassen tables (docs/mobility.md, "ÖV-Güteklassen") ---------------------------------------

# Kursintervall bands of the ARE method ("< 5", "5–9", "10–19", "20–39", "40–60", "61–120" minutes):
# each band begins at its lower bound, so an interval of exactly 10 minutes is in "10–19". The
# intervals here are fractional (window / Kurse); a band holds [lower, next lower) — 9.9 min is
# "5–9" — except that 60 is the last minute of "40–60" and 120 of "61–120" (upper-inclusive there,
# as the published band names say). Anything above 120 minutes has no category.
INTERVAL_BANDS: tuple[tuple[float, float, bool], ...] = (
    # (lower bound inclusive, upper bound, upper bound inclusive?)
    (0, 5, False),
    (5, 10, False),
    (10, 20, False),
    (20, 40, False),
    (40, 60, True),
    (60, 120, True),
)
# CATEGORY[group][band] → Haltestellenkategorie 1..7 (I..VII)
CATEGORY = {
    RAIL: (1, 1, 2, 3, 4, 5),
    TRAM: (1, 2, 3, 4, 5, 6),
    BUS: (2, 3, 4, 5, 6, 7),
}
RINGS = (300, 500, 750, 1000)  # metres, upper bounds inclusive
# CLASS_TABLE[category-1][ring] → 0..5 (A..F) or None
CLASS_TABLE: tuple[tuple[int | None, ...], ...] = (
    (0, 0, 1, 2),  # I:   A A B C
    (0, 1, 2, 3),  # II:  A B C D
    (1, 2, 3, 4),  # III: B C D E
    (2, 3, 4, 5),  # IV:  C D E F
    (3, 4, 5, None),  # V:   D E F -
    (4, 5, None, None),  # VI:  E F - -
    (5, None, None, None),  # VII: F - - -
)
CLASSES = ("A", "B", "C", "D", "E", "F")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")
BEYOND_M = 1000


def category_for(group: str, interval_min: float | None) -> int | None:
    """Haltestellenkategorie (1..7) for a mode group and a mean interval (minutes), or None."""
    if interval_min is None or group not in CATEGORY:
        return None
    value = round(float(interval_min), 6)  # 840 / 84 must be 10, not 9.999999999
    for band, (_lower, upper, inclusive) in enumerate(INTERVAL_BANDS):
        if value < upper or (inclusive and value == upper):
            return CATEGORY[group][band]
    return None


def quality_class(category: int | None, distance_m: float) -> int | None:
    """Güteklasse index (0 = A … 5 = F) of a point at distance_m from a stop of that category."""
    if category is None:
        return None
    for ring, bound in enumerate(RINGS):
        if distance_m <= bound:
            return CLASS_TABLE[category - 1][ring]
    return None


# --- Feed access ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    day: date
    start_s: int  # inclusive
    end_s: int  # exclusive

    @property
    def minutes(self) -> float:
        return (self.end_s - self.start_s) / 60


class Feed:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def scan(self, name: str) -> pl.LazyFrame:
        return pl.scan_parquet(self.path / f"{name}.parquet")

    def active_services(self, day: date) -> list[str]:
        weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
            day.weekday()
        ]
        regular = set(
            self.scan("calendar")
            .filter((pl.col("start_date") <= day) & (pl.col("end_date") >= day) & (pl.col(weekday) == 1))
            .select("service_id")
            .collect()["service_id"]
            .to_list()
        )
        exceptions = self.scan("calendar_dates").filter(pl.col("date") == day).collect()
        added = set(exceptions.filter(pl.col("exception_type") == 1)["service_id"].to_list())
        removed = set(exceptions.filter(pl.col("exception_type") == 2)["service_id"].to_list())
        return sorted((regular | added) - removed)

    def active_trips(self, day: date) -> pl.LazyFrame:
        services = self.active_services(day)
        routes = self.scan("routes").select("route_id", "route_type")
        return (
            self.scan("trips")
            .filter(pl.col("service_id").is_in(services))
            .select("trip_idx", "route_id", "direction_id")
            .join(routes, on="route_id", how="left")
            .with_columns(mode_group_expr().alias("group"))
        )

    def departures(self, window: Window) -> pl.DataFrame:
        """One row per departure: stop_idx, trip_idx, departure_s, route_id, route_type, group,
        direction_id."""
        trips = self.active_trips(window.day).collect()
        return (
            self.scan("stop_times")
            .filter(
                (pl.col("departure_s") >= window.start_s)
                & (pl.col("departure_s") < window.end_s)
                & pl.col("trip_idx").is_in(trips["trip_idx"].implode())
            )
            .select("stop_idx", "trip_idx", "departure_s")
            .collect()
            .join(trips, on="trip_idx", how="left")
        )

    def stops(self) -> pl.DataFrame:
        return self.scan("stops").collect()

    def frequencies(self) -> pl.DataFrame:
        """frequencies.parquet (trip_idx, start_s, end_s, headway_s); empty for feeds imported
        before it existed or without frequencies.txt."""
        path = self.path / "frequencies.parquet"
        if not path.exists():
            return pl.DataFrame(
                schema={"trip_idx": pl.UInt32, "start_s": pl.Int32, "end_s": pl.Int32, "headway_s": pl.Int32}
            )
        return pl.read_parquet(path).select("trip_idx", "start_s", "end_s", "headway_s")

    def boardable_departures(self, window: Window) -> pl.DataFrame:
        """Departures a passenger can board, for the ÖV-Güteklassen (docs/mobility.md, step 1).

        A stop_time of a trip running on the day is a boardable departure when it has a departure
        time, ``pickup_type`` is not 1 (no pickup) and it is not the trip's last stop (highest
        stop_sequence: the vehicle only arrives there). Trips listed in frequencies.txt are run
        from each ``start_s`` every ``headway_s`` while the start is before ``end_s``; their
        stop_times give the pattern (offsets from the trip's first departure).

        One row per departure: stop_idx, trip_idx, departure_s, group, line (an integer per mode
        group + agency + route_short_name, else route_id), direction_id and, for trips without
        direction_id, next_stop_idx (the stop the trip goes to next). The trip ends (last_seq,
        first_s) come from trips.parquet (written at import), else from stop_times.
        """
        routes = (
            self.scan("routes")
            .select(
                "route_id",
                "route_type",
                pl.concat_str(
                    [
                        mode_group_expr(),
                        pl.col("agency_id").fill_null(""),
                        pl.coalesce(pl.col("route_short_name"), pl.col("route_id")),
                    ],
                    separator="|",
                )
                .rank("dense")
                .cast(pl.UInt32)
                .alias("line"),
            )
            .collect()
        )
        trip_cols = self.scan("trips").collect_schema().names()
        trips = (
            self.scan("trips")
            .filter(pl.col("service_id").is_in(self.active_services(window.day)))
            .select(
                "trip_idx",
                "route_id",
                "direction_id",
                *(c for c in ("last_seq", "first_s") if c in trip_cols),
            )
            .collect()
            .join(routes, on="route_id", how="left")
            .with_columns(mode_group_expr().alias("group"))
        )
        names = self.scan("stop_times").collect_schema().names()
        pickup = pl.col("pickup_type") if "pickup_type" in names else pl.lit(0, pl.Int8)
        st = (
            self.scan("stop_times")
            .filter(pl.col("trip_idx").is_in(trips["trip_idx"].implode()))
            .select("trip_idx", "stop_idx", "stop_sequence", "departure_s", pickup.alias("pickup_type"))
        )
        if "last_seq" not in trips.columns:  # feeds imported before issue 20
            ends = st.group_by("trip_idx").agg(
                pl.col("stop_sequence").max().alias("last_seq"),
                pl.col("departure_s").min().alias("first_s"),
            )
            trips = trips.join(ends.collect(), on="trip_idx", how="left")
        ends = trips.lazy().select(
            "trip_idx", pl.col("last_seq").alias("_last_seq"), pl.col("first_s").alias("_first_s")
        )
        freq = self.frequencies().filter(pl.col("trip_idx").is_in(trips["trip_idx"].implode()))
        freq_ids = freq["trip_idx"].unique().implode()
        # Direction of a trip without direction_id: the next stop it serves.
        no_dir = trips.filter(pl.col("direction_id").is_null())["trip_idx"]
        nxt = (
            st.filter(pl.col("trip_idx").is_in(no_dir.implode()))
            .select("trip_idx", "stop_sequence", "stop_idx")
            .sort("trip_idx", "stop_sequence")
            .with_columns(pl.col("stop_idx").shift(-1).over("trip_idx").alias("next_stop_idx"))
            .drop("stop_idx")
        )
        boardable = pl.col("departure_s").is_not_null() & (pl.col("pickup_type") != 1)
        in_window = (pl.col("departure_s") >= window.start_s) & (pl.col("departure_s") < window.end_s)
        regular = st.filter(~pl.col("trip_idx").is_in(freq_ids) & boardable & in_window)
        frames = [regular]
        if freq.height:
            runs = (
                freq.lazy()
                .with_columns(pl.int_ranges("start_s", "end_s", "headway_s").alias("_run_s"))
                .explode("_run_s")
                .select("trip_idx", "_run_s")
            )
            pattern = st.filter(pl.col("trip_idx").is_in(freq_ids) & boardable).join(ends, on="trip_idx")
            frames.append(
                pattern.join(runs, on="trip_idx")
                .with_columns(
                    (pl.col("departure_s") - pl.col("_first_s") + pl.col("_run_s"))
                    .cast(pl.Int32)
                    .alias("departure_s")
                )
                .filter(in_window)
                .select(regular.collect_schema().names())
            )
        deps = pl.concat(frames)
        if no_dir.len():
            deps = deps.join(nxt, on=["trip_idx", "stop_sequence"], how="left")
        else:
            deps = deps.with_columns(pl.lit(None, pl.UInt32).alias("next_stop_idx"))
        per_trip = trips.select("trip_idx", "last_seq", "group", "line", "direction_id")
        return (
            deps.collect()
            .join(per_trip, on="trip_idx", how="left")
            .filter(pl.col("stop_sequence") < pl.col("last_seq"))
            .select("stop_idx", "trip_idx", "departure_s", "group", "line", "direction_id", "next_stop_idx")
        )


# --- Statistics -------------------------------------------------------------------------------------


def stop_stats(feed: Feed, window: Window, deps: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per stop (location_type 0): departures in the window, mean headway, first/last, types.

    mean_headway_min = (last − first departure) / (departures − 1), i.e. the mean of the gaps between
    consecutive departures at the stop (all lines and directions together); null below 2 departures.
    """
    deps = feed.departures(window) if deps is None else deps
    agg = deps.group_by("stop_idx").agg(
        pl.len().alias("departures"),
        pl.col("departure_s").min().alias("first_s"),
        pl.col("departure_s").max().alias("last_s"),
        pl.col("route_type").unique().sort().cast(pl.String).str.join(";").alias("route_types"),
    )
    stops = feed.stops().filter(pl.col("location_type") == 0)
    return (
        stops.select("stop_idx", "stop_id", "stop_name", "stop_lat", "stop_lon", "parent_station")
        .join(agg, on="stop_idx", how="left")
        .with_columns(
            pl.col("departures").fill_null(0).cast(pl.Int64),
            pl.col("route_types").fill_null(""),
            pl.when(pl.col("departures") >= 2)
            .then(((pl.col("last_s") - pl.col("first_s")) / (pl.col("departures") - 1) / 60).round(1))
            .otherwise(None)
            .alias("mean_headway_min"),
        )
        .sort("stop_id")
    )


def route_stats(feed: Feed, window: Window, deps: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per route: trips and departures in the window, first/last departure, service span of the day,
    mean headway (gaps between consecutive trip starts per direction, averaged over directions)."""
    deps = feed.departures(window) if deps is None else deps
    day = Window(window.day, 0, 48 * 3600)
    whole = feed.departures(day)
    span = whole.group_by("route_id").agg(
        pl.col("departure_s").min().alias("day_first_s"), pl.col("departure_s").max().alias("day_last_s")
    )
    starts = deps.group_by("route_id", "direction_id", "trip_idx").agg(
        pl.col("departure_s").min().alias("t0")
    )
    heads = (
        starts.group_by("route_id", "direction_id")
        .agg(pl.len().alias("n"), pl.col("t0").min().alias("a"), pl.col("t0").max().alias("b"))
        .filter(pl.col("n") >= 2)
        .with_columns(((pl.col("b") - pl.col("a")) / (pl.col("n") - 1) / 60).alias("h"))
        .group_by("route_id")
        .agg(pl.col("h").mean().round(1).alias("mean_headway_min"))
    )
    agg = deps.group_by("route_id").agg(
        pl.col("trip_idx").n_unique().alias("trips"),
        pl.len().alias("departures"),
        pl.col("departure_s").min().alias("first_s"),
        pl.col("departure_s").max().alias("last_s"),
    )
    routes = feed.scan("routes").collect().with_columns(mode_group_expr().alias("group"))
    return (
        routes.select("route_id", "route_short_name", "route_long_name", "route_type", "group")
        .join(agg, on="route_id", how="left")
        .join(heads, on="route_id", how="left")
        .join(span, on="route_id", how="left")
        .with_columns(
            pl.col("trips").fill_null(0),
            pl.col("departures").fill_null(0),
            ((pl.col("day_last_s") - pl.col("day_first_s")) / 3600).round(1).alias("service_span_h"),
        )
        .sort("route_short_name", "route_id", nulls_last=True)
    )


def group_stats(deps: pl.DataFrame) -> pl.DataFrame:
    """Per mode group: routes, trips, departures, stops served."""
    return (
        deps.group_by("group")
        .agg(
            pl.col("route_id").n_unique().alias("routes"),
            pl.col("trip_idx").n_unique().alias("trips"),
            pl.len().alias("departures"),
            pl.col("stop_idx").n_unique().alias("stops"),
        )
        .sort("group")
    )


# --- ÖV-Güteklassen ---------------------------------------------------------------------------------


def station_categories(feed: Feed, window: Window, deps: pl.DataFrame | None = None) -> pl.DataFrame:
    """Haltestellenkategorie per station (platforms merged via parent_station).

    ``deps``: output of ``feed.boardable_departures(window)`` (computed when omitted). Per station,
    mode group and line: Kurse = boardable departures / number of directions the line departs in
    at the station (direction_id, else the next station) — so a through stop's two directions are
    counted and halved (ARE) and a terminus or one-way loop, where the line departs in one direction
    only, keeps its departures: its interval is the line's real headway. Per station and group:
    interval_min = window minutes / Σ Kurse. The station takes the best category over its groups.
    Taxi (1500–1599) and other modes get no category but count as "served".
    """
    deps = feed.boardable_departures(window) if deps is None else deps
    stops = feed.stops()
    key = stops.select(
        "stop_idx",
        pl.coalesce(pl.col("parent_station"), pl.col("stop_id")).alias("station_id"),
    )
    names = stops.select(
        pl.col("stop_id").alias("station_id"),
        pl.col("stop_name").alias("station_name"),
    )
    coords = station_coordinates(stops)
    # Aggregate the (millions of) departures on integer keys first, then map to stations.
    d = (
        deps.group_by("stop_idx", "line", "direction_id", "next_stop_idx")
        .agg(pl.len().alias("n"), pl.col("group").first())
        .join(key, on="stop_idx")
    )
    d = d.join(
        key.rename({"stop_idx": "next_stop_idx", "station_id": "_next_station"}),
        on="next_stop_idx",
        how="left",
    ).with_columns(
        pl.when(pl.col("direction_id").is_not_null())
        .then(pl.concat_str(pl.lit("d"), pl.col("direction_id").cast(pl.String)))
        .otherwise(pl.concat_str(pl.lit("n"), pl.col("_next_station").fill_null("")))
        .alias("_direction")
    )
    per_group = (
        d.group_by("station_id", "group", "line")
        .agg(pl.col("n").sum().alias("departures"), pl.col("_direction").n_unique().alias("_directions"))
        .with_columns((pl.col("departures") / pl.col("_directions")).alias("kurse"))
        .group_by("station_id", "group")
        .agg(pl.col("departures").sum(), pl.col("kurse").sum())
        .with_columns((window.minutes / pl.col("kurse")).alias("interval_min"))
        .drop("kurse")
    )
    rows = []
    for row in per_group.iter_rows(named=True):
        rows.append(category_for(row["group"], row["interval_min"]))
    per_group = per_group.with_columns(pl.Series("category", rows, dtype=pl.Int8))
    best = (
        per_group.sort("category", "interval_min", "group", nulls_last=True)
        .group_by("station_id", maintain_order=True)
        .agg(
            pl.col("category").first(),
            pl.col("group").first().alias("best_group"),
            pl.col("interval_min").first().round(1),
            pl.col("departures").sum(),
            pl.col("group").sort().str.join(";").alias("groups"),
        )
    )
    return (
        best.join(coords, on="station_id", how="left")
        .join(names, on="station_id", how="left")
        .with_columns(pl.col("station_name").fill_null(pl.col("station_id")))
        .filter(pl.col("stop_lat").is_not_null())
        .sort("station_id")
    )


def station_coordinates(stops: pl.DataFrame) -> pl.DataFrame:
    """station_id → stop_lat, stop_lon: the mean of the station's platforms (location_type 0 stops
    with the station as parent_station, or the stop itself when it has no parent). Entrances,
    nodes, boarding areas and the parent's own point are not averaged in; a station without located
    platforms keeps its own coordinates. Longitudes are averaged as angles (a station on the
    antimeridian stays there)."""
    platforms = (
        stops.filter((pl.col("location_type") == 0) & pl.col("stop_lat").is_not_null())
        .with_columns(
            pl.coalesce(pl.col("parent_station"), pl.col("stop_id")).alias("station_id"),
            pl.col("stop_lon").radians().alias("_lon"),
        )
        .group_by("station_id")
        .agg(
            pl.col("stop_lat").mean(),
            pl.arctan2(pl.col("_lon").sin().mean(), pl.col("_lon").cos().mean()).degrees().alias("stop_lon"),
        )
    )
    own = stops.filter(pl.col("stop_lat").is_not_null()).select(
        pl.col("stop_id").alias("station_id"), "stop_lat", "stop_lon"
    )
    return pl.concat([platforms, own.join(platforms, on="station_id", how="anti")])


_TO_LAEA = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
_FROM_LAEA = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)
_GEOD = Geod(ellps="WGS84")
_A = 6_378_137.0  # WGS84 semi-major axis (m)
_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)  # first eccentricity squared


def to_laea(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = _TO_LAEA.transform(lon, lat)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def from_laea(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _FROM_LAEA.transform(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def ecef(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """WGS84 longitude/latitude (degrees) → earth-centred cartesian coordinates (n × 3, metres) of
    the point on the ellipsoid. The straight line between two such points differs from the
    geodesic distance on the ellipsoid by about d³/(24 R²): under 0.01 mm for d ≤ 1,000 m, anywhere
    on Earth — so distances are right wherever a feed is, without choosing a projection."""
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    sin_phi = np.sin(phi)
    n = _A / np.sqrt(1 - _E2 * sin_phi**2)
    return np.column_stack(
        (n * np.cos(phi) * np.cos(lam), n * np.cos(phi) * np.sin(lam), n * (1 - _E2) * sin_phi)
    )


@cache
def transformer_to_laea(crs: str) -> Transformer:
    return Transformer.from_crs(crs, "EPSG:3035", always_xy=True)


def class_polygons(stations: pl.DataFrame, segments: int = 36) -> list[dict[str, object]]:
    """GeoJSON features (WGS84 polygons): one ring area per station and class, worst class first so
    that drawing in order leaves the best class on top (the best class wins where rings overlap)."""
    feats: list[tuple[int, dict[str, object]]] = []
    cats = stations.filter(pl.col("category").is_not_null())
    if cats.height == 0:
        return []
    # Azimuths clockwise from north, taken in decreasing order: the outer ring runs counter-clockwise
    # (RFC 7946), the hole clockwise. Circles are geodesic (pyproj.Geod), right anywhere on Earth.
    azimuths = (90 - np.degrees(np.linspace(0, 2 * np.pi, segments, endpoint=False))) % 360

    def circle(lon: float, lat: float, radius: float, az: np.ndarray) -> list[list[float]]:
        n = len(az)
        lons, lats, _ = _GEOD.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, float(radius)))
        return _closed(np.asarray(lons), np.asarray(lats))

    for row in cats.iter_rows(named=True):
        inner = 0.0
        for ring, radius in enumerate(RINGS):
            cls = CLASS_TABLE[row["category"] - 1][ring]
            if cls is None:
                break
            rings = [circle(row["stop_lon"], row["stop_lat"], radius, azimuths)]
            if inner:
                rings.append(circle(row["stop_lon"], row["stop_lat"], inner, azimuths[::-1]))
            feats.append(
                (
                    cls,
                    {
                        "type": "Feature",
                        "geometry": {"type": "Polygon", "coordinates": rings},
                        "properties": {
                            "station_id": row["station_id"],
                            "class": CLASSES[cls],
                            "category": ROMAN[row["category"] - 1],
                            "inner_m": int(inner),
                            "outer_m": radius,
                        },
                    },
                )
            )
            inner = float(radius)
    feats.sort(key=lambda f: -f[0])
    return [f for _, f in feats]


def _closed(lon: np.ndarray, lat: np.ndarray) -> list[list[float]]:
    pts = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]
    return [*pts, pts[0]]


# --- Coverage ---------------------------------------------------------------------------------------


@dataclass
class Coverage:
    total: float
    by_class: dict[str, float]  # "A".."F" and "none"
    beyond_1000: float  # residents farther than 1,000 m from any served stop
    cell_class: np.ndarray  # per cell: 0..5 or 6 (no class)
    cell_within: np.ndarray  # per cell: bool, a served stop within 1,000 m

    @property
    def share_beyond(self) -> float | None:
        return None if not self.total else self.beyond_1000 / self.total

    def share(self, classes: str) -> float | None:
        if not self.total:
            return None
        return sum(self.by_class.get(c, 0.0) for c in classes) / self.total


def _pairs_within(
    points: np.ndarray, stops: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (point, stop, distance) pairs at most ``radius`` apart; points and stops are n × 3
    cartesian coordinates (``ecef``). Vectorised via a uniform grid of cubes (edge = radius): the
    larger set is bucketed and sorted once, each member of the smaller set looks into its 3×3×3
    neighbouring cubes."""
    empty = np.empty(0, dtype=np.int64)
    if len(points) == 0 or len(stops) == 0:
        return empty, empty, np.empty(0)
    swap = len(stops) < len(points)
    big, small = (points, stops) if swap else (stops, points)
    cb = np.floor(big / radius).astype(np.int64)
    cs = np.floor(small / radius).astype(np.int64)
    lo_b = np.minimum(cb.min(axis=0), cs.min(axis=0)) - 1
    span = np.maximum(cb.max(axis=0), cs.max(axis=0)) - lo_b + 2

    def key(c: np.ndarray) -> np.ndarray:
        c = c - lo_b
        keys: np.ndarray = (c[:, 0] * span[1] + c[:, 1]) * span[2] + c[:, 2]
        return keys

    bkey = key(cb)
    order = np.argsort(bkey, kind="stable")
    bsorted = bkey[order]
    small_all: list[np.ndarray] = []
    big_all: list[np.ndarray] = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for dz in (-1, 0, 1):
                k = key(cs + np.array([dx, dy, dz], dtype=np.int64))
                lo = np.searchsorted(bsorted, k, side="left")
                hi = np.searchsorted(bsorted, k, side="right")
                n = hi - lo
                if not n.any():
                    continue
                sidx = np.repeat(np.arange(len(small)), n)
                offsets = np.repeat(np.cumsum(n) - n, n)
                bidx = order[np.repeat(lo, n) + (np.arange(n.sum()) - offsets)]
                small_all.append(sidx)
                big_all.append(bidx)
    if not small_all:
        return empty, empty, np.empty(0)
    si = np.concatenate(small_all)
    bi = np.concatenate(big_all)
    d = np.linalg.norm(small[si] - big[bi], axis=1)
    keep = d <= radius
    p, s = (bi, si) if swap else (si, bi)
    return p[keep], s[keep], d[keep]


def coverage(
    stations: pl.DataFrame, cells_x: np.ndarray, cells_y: np.ndarray, counts: np.ndarray
) -> Coverage:
    """Residents per Güteklasse and beyond 1,000 m of any served stop.

    ``stations``: output of station_categories (every row is served: it has departures in the
    window; category may be null). Cells: EPSG:3035 coordinates of the cell centres and residents.
    Distances are measured on the WGS84 ellipsoid (``ecef``), not in the EPSG:3035 plane, so they
    are right for a feed anywhere on Earth; the cell centres are transformed back exactly.
    """
    n = len(cells_x)
    cell_class = np.full(n, 6, dtype=np.int8)
    within = np.zeros(n, dtype=bool)
    if stations.height and n:
        spos = ecef(stations["stop_lon"].to_numpy(), stations["stop_lat"].to_numpy())
        cpos = ecef(*from_laea(np.asarray(cells_x, dtype=np.float64), np.asarray(cells_y, dtype=np.float64)))
        cat = stations["category"].fill_null(0).to_numpy().astype(np.int64)
        p, s, d = _pairs_within(cpos, spos, float(BEYOND_M))
        within[p] = True
        table = np.full((8, 5), 6, dtype=np.int8)  # row 0: no category
        for c in range(1, 8):
            for r in range(4):
                v = CLASS_TABLE[c - 1][r]
                table[c, r] = 6 if v is None else v
        rings = np.searchsorted(np.asarray(RINGS, dtype=np.float64), d, side="left")
        cls = table[cat[s], np.minimum(rings, 4)]
        np.minimum.at(cell_class, p, cls)
    counts = np.asarray(counts, dtype=np.float64)
    by_class = {name: float(counts[cell_class == i].sum()) for i, name in enumerate(CLASSES)}
    by_class["none"] = float(counts[cell_class == 6].sum())
    return Coverage(
        total=float(counts.sum()),
        by_class=by_class,
        beyond_1000=float(counts[~within].sum()),
        cell_class=cell_class,
        cell_within=within,
    )


def points_in_polygon(x: np.ndarray, y: np.ndarray, ring: list[tuple[float, float]]) -> np.ndarray:
    """Even-odd rule, vectorised over points (loop over the polygon's edges only)."""
    inside = np.zeros(len(x), dtype=bool)
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xin = (x2 - x1) * (y - y1) / (y2 - y1) + x1
        inside ^= crosses & (x < xin)
    return inside
