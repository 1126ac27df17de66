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
from pyproj import Transformer

# --- Mode groups ------------------------------------------------------------------------------------

RAIL, TRAM, BUS, ON_DEMAND, OTHER = "rail", "tram", "bus", "on_demand", "other"
GROUPS = (RAIL, TRAM, BUS, ON_DEMAND, OTHER)


def mode_group(route_type: int | None) -> str:
    """GTFS route_type (basic 0–12 and extended 100–1799) → rail / tram / bus / on_demand / other."""
    t = -1 if route_type is None else int(route_type)
    if t in (1, 2, 12) or 100 <= t <= 199 or 400 <= t <= 499:
        return RAIL
    if t in (0, 5, 6, 7) or 900 <= t <= 999 or 1300 <= t <= 1499:
        return TRAM
    if t == 715 or 1500 <= t <= 1599:
        return ON_DEMAND
    if t in (3, 4, 11) or 200 <= t <= 299 or 700 <= t <= 899 or 1000 <= t <= 1099 or 1200 <= t <= 1299:
        return BUS
    return OTHER


def mode_group_expr(col: str = "route_type") -> pl.Expr:
    t = pl.col(col)
    return (
        pl.when(t.is_in([1, 2, 12]) | t.is_between(100, 199) | t.is_between(400, 499))
        .then(pl.lit(RAIL))
        .when(t.is_in([0, 5, 6, 7]) | t.is_between(900, 999) | t.is_between(1300, 1499))
        .then(pl.lit(TRAM))
        .when((t == 715) | t.is_between(1500, 1599))
        .then(pl.lit(ON_DEMAND))
        .when(
            t.is_in([3, 4, 11])
            | t.is_between(200, 299)
            | t.is_between(700, 899)
            | t.is_between(1000, 1099)
            | t.is_between(1200, 1299)
        )
        .then(pl.lit(BUS))
        .otherwise(pl.lit(OTHER))
    )


# --- Güteklassen tables (docs/mobility.md, "ÖV-Güteklassen") ---------------------------------------

INTERVAL_BANDS = (5, 10, 20, 40, 60, 120)  # upper bounds in minutes, inclusive
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
    for band, bound in enumerate(INTERVAL_BANDS):
        if interval_min <= bound:
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

    Per mode group: interval_min = window minutes / (departures / 2) — departures of both directions
    counted and halved (ARE). The station takes the best category over its groups. On-demand and
    other modes do not get a category but count as "served".
    """
    deps = feed.departures(window) if deps is None else deps
    stops = feed.stops()
    key = stops.select(
        "stop_idx",
        pl.coalesce(pl.col("parent_station"), pl.col("stop_id")).alias("station_id"),
    )
    names = stops.select(
        pl.col("stop_id").alias("station_id"),
        pl.col("stop_name").alias("station_name"),
    )
    coords = (
        stops.filter(pl.col("stop_lat").is_not_null())
        .join(key, on="stop_idx")
        .group_by("station_id")
        .agg(pl.col("stop_lat").mean(), pl.col("stop_lon").mean())
    )
    per_group = (
        deps.group_by("stop_idx", "group")
        .agg(pl.len().alias("departures"))
        .join(key, on="stop_idx")
        .group_by("station_id", "group")
        .agg(pl.col("departures").sum())
        .with_columns((window.minutes / (pl.col("departures") / 2)).alias("interval_min"))
    )
    rows = []
    for row in per_group.iter_rows(named=True):
        rows.append(category_for(row["group"], row["interval_min"]))
    per_group = per_group.with_columns(pl.Series("category", rows, dtype=pl.Int8))
    best = (
        per_group.sort("category", nulls_last=True)
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


_TO_LAEA = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
_FROM_LAEA = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)


def to_laea(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = _TO_LAEA.transform(lon, lat)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


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
    x, y = to_laea(cats["stop_lon"].to_numpy(), cats["stop_lat"].to_numpy())
    angles = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    for i, row in enumerate(cats.iter_rows(named=True)):
        inner = 0.0
        for ring, radius in enumerate(RINGS):
            cls = CLASS_TABLE[row["category"] - 1][ring]
            if cls is None:
                break
            outer_lon, outer_lat = _FROM_LAEA.transform(
                x[i] + radius * np.cos(angles), y[i] + radius * np.sin(angles)
            )
            rings = [_closed(outer_lon, outer_lat)]
            if inner:
                in_lon, in_lat = _FROM_LAEA.transform(
                    x[i] + inner * np.cos(angles[::-1]), y[i] + inner * np.sin(angles[::-1])
                )
                rings.append(_closed(in_lon, in_lat))
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
    px: np.ndarray, py: np.ndarray, sx: np.ndarray, sy: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (point, stop, distance) pairs closer than ``radius``, via a uniform grid of stop buckets
    (cell = radius), vectorised: each point looks into its 3×3 neighbouring buckets."""
    if len(px) == 0 or len(sx) == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e, np.empty(0)
    bx = np.floor(sx / radius).astype(np.int64)
    by = np.floor(sy / radius).astype(np.int64)
    width = np.int64(1 << 31)
    skey = bx * width + by
    order = np.argsort(skey, kind="stable")
    skey_sorted = skey[order]
    cx = np.floor(px / radius).astype(np.int64)
    cy = np.floor(py / radius).astype(np.int64)
    pts_all: list[np.ndarray] = []
    stops_all: list[np.ndarray] = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            key = (cx + dx) * width + (cy + dy)
            lo = np.searchsorted(skey_sorted, key, side="left")
            hi = np.searchsorted(skey_sorted, key, side="right")
            n = hi - lo
            if not n.any():
                continue
            pidx = np.repeat(np.arange(len(px)), n)
            # position within each run: arange(total) - start offset of the run
            offsets = np.repeat(np.cumsum(n) - n, n)
            sidx = order[np.repeat(lo, n) + (np.arange(n.sum()) - offsets)]
            pts_all.append(pidx)
            stops_all.append(sidx)
    if not pts_all:
        e = np.empty(0, dtype=np.int64)
        return e, e, np.empty(0)
    p = np.concatenate(pts_all)
    s = np.concatenate(stops_all)
    d = np.hypot(px[p] - sx[s], py[p] - sy[s])
    keep = d <= radius
    return p[keep], s[keep], d[keep]


def coverage(
    stations: pl.DataFrame, cells_x: np.ndarray, cells_y: np.ndarray, counts: np.ndarray
) -> Coverage:
    """Residents per Güteklasse and beyond 1,000 m of any served stop.

    ``stations``: output of station_categories (every row is served: it has departures in the
    window; category may be null). Cells: EPSG:3035 coordinates of the cell centres and residents.
    """
    n = len(cells_x)
    cell_class = np.full(n, 6, dtype=np.int8)
    within = np.zeros(n, dtype=bool)
    if stations.height and n:
        sx, sy = to_laea(stations["stop_lon"].to_numpy(), stations["stop_lat"].to_numpy())
        cat = stations["category"].fill_null(0).to_numpy().astype(np.int64)
        p, s, d = _pairs_within(cells_x, cells_y, sx, sy, float(BEYOND_M))
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
