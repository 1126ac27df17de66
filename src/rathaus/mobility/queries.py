"""Read paths: which feed and grid to use, representative dates, the analysis of a window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
from django.core.cache import cache
from django.db.models import Case, F, QuerySet, When
from django.utils import timezone

from rathaus.core.tenancy.models import Municipality

from . import analysis, files, services
from .models import PUBLIC_STATES, District, FeedState, FeedVersion, PopulationGrid

DAY_TYPES = ("werktag", "samstag", "sonntag")
DEFAULT_FROM = 6 * 3600  # ARE reference window: 06:00–20:00
DEFAULT_TO = 20 * 3600
CACHE_SECONDS = 600


def feeds(municipality: Municipality) -> QuerySet[FeedVersion]:
    """Every version, drafts included (staff pages only)."""
    return FeedVersion.objects.for_tenant(municipality).order_by("-imported_at", "-id")


def public_feeds(municipality: Municipality) -> QuerySet[FeedVersion]:
    """The versions the public pages may show: the published one first, then the archived ones
    (published before). Drafts never appear publicly."""
    return (
        FeedVersion.objects.for_tenant(municipality)
        .filter(state__in=PUBLIC_STATES)
        .order_by(
            Case(When(state=FeedState.PUBLISHED, then=0), default=1),
            F("published_at").desc(nulls_last=True),
            "-id",
        )
    )


def current_feed(municipality: Municipality) -> FeedVersion | None:
    """The published version: default of every public page and the source of the indicators."""
    return FeedVersion.objects.for_tenant(municipality).filter(state=FeedState.PUBLISHED).first()


def current_grid(municipality: Municipality) -> PopulationGrid | None:
    return PopulationGrid.objects.for_tenant(municipality).order_by("-imported_at", "-id").first()


def open_feed(feed: FeedVersion) -> analysis.Feed:
    """The feed's Parquet folder: the stored one, or with object storage this node's verified cache
    entry (mobility.files; OSError when the files are not available)."""
    return analysis.Feed(files.feed_dir(feed.municipality_id, feed.uid, services.feed_path(feed)))


def grid_cells(grid: PopulationGrid) -> pl.DataFrame:
    path = files.grid_file(grid.municipality_id, grid.uid, services.grid_path(grid))
    try:
        return pl.read_parquet(path)
    except pl.exceptions.PolarsError:
        files.drop_cached(path)  # a damaged cached copy is fetched again next time
        raise


def representative_date(feed: FeedVersion, day_type: str = "werktag") -> date | None:
    """A date of the day type within the feed's validity with service on it: from today if the feed
    is valid today, else from its first day; working day = Tuesday to Thursday (no Monday/Friday
    peculiarities), the first such date with the most active services among the next four weeks."""
    if feed.start_date is None or feed.end_date is None:
        return None
    today = timezone.localdate()
    key = f"mobility:repdate:{feed.municipality_id}:{feed.uid}:{day_type}:{today}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    found = _representative_date(feed, day_type, today)
    cache.set(key, found or "", CACHE_SECONDS)
    return found


def _representative_date(feed: FeedVersion, day_type: str, today: date) -> date | None:
    if feed.start_date is None or feed.end_date is None:
        return None
    start = today if feed.start_date <= today <= feed.end_date else feed.start_date
    wanted = {"werktag": (1, 2, 3), "samstag": (5,), "sonntag": (6,)}.get(day_type, (1, 2, 3))
    handle = open_feed(feed)
    best: tuple[int, date] | None = None
    day = start
    while day <= min(feed.end_date, start + timedelta(days=27)):
        if day.weekday() in wanted:
            n = len(handle.active_services(day))
            if n and (best is None or n > best[0]):
                best = (n, day)
        day += timedelta(days=1)
    return best[1] if best else None


@dataclass
class Result:
    feed: FeedVersion
    window: analysis.Window
    stops: pl.DataFrame
    routes: pl.DataFrame
    groups: pl.DataFrame
    stations: pl.DataFrame
    coverage: analysis.Coverage | None
    districts: list[dict[str, Any]]
    grid: PopulationGrid | None

    @property
    def served_stops(self) -> int:
        return int(self.stops.filter(pl.col("departures") > 0).height)


def analyse(feed: FeedVersion, window: analysis.Window, grid: PopulationGrid | None = None) -> Result:
    """Statistics, categories and coverage of one window (cached per feed, window and grid)."""
    grid_key = grid.uid if grid else "-"
    key = (
        f"mobility:{feed.municipality_id}:{feed.uid}:{window.day}:{window.start_s}:{window.end_s}:{grid_key}"
    )
    hit: Result | None = cache.get(key)
    if hit is not None:
        hit.feed, hit.grid = feed, grid
        return hit
    handle = open_feed(feed)
    try:
        deps = handle.departures(window)
        stations = analysis.station_categories(handle, window, handle.boardable_departures(window))
    except pl.exceptions.PolarsError:
        files.drop_cached(handle.path)  # a damaged cached copy is fetched again next time
        raise
    cov = None
    district_rows: list[dict[str, Any]] = []
    if grid is not None:
        cells = grid_cells(grid)
        cx, cy, cn = cells["x"].to_numpy(), cells["y"].to_numpy(), cells["count"].to_numpy()
        cov = analysis.coverage(stations, cx, cy, cn)
        district_rows = _districts(feed.municipality, cx, cy, cn, cov)
    result = Result(
        feed=feed,
        window=window,
        stops=analysis.stop_stats(handle, window, deps),
        routes=analysis.route_stats(handle, window, deps),
        groups=analysis.group_stats(deps),
        stations=stations,
        coverage=cov,
        districts=district_rows,
        grid=grid,
    )
    cache.set(key, result, CACHE_SECONDS)
    return result


def _districts(
    municipality: Municipality, cx: np.ndarray, cy: np.ndarray, cn: np.ndarray, cov: analysis.Coverage
) -> list[dict[str, Any]]:
    out = []
    for d in District.objects.for_tenant(municipality).order_by("name"):
        ring = [(float(p[0]), float(p[1])) for p in d.polygon]
        if len(ring) < 3:
            continue
        rx, ry = analysis.to_laea(np.array([p[0] for p in ring]), np.array([p[1] for p in ring]))
        inside = analysis.points_in_polygon(cx, cy, list(zip(rx.tolist(), ry.tolist(), strict=True)))
        total = float(cn[inside].sum())
        ad = float(cn[inside & (cov.cell_class <= 3)].sum())
        beyond = float(cn[inside & ~cov.cell_within].sum())
        out.append(
            {
                "name": d.name,
                "population": total,
                "share_ad": round(100 * ad / total, 1) if total else None,
                "share_beyond": round(100 * beyond / total, 1) if total else None,
            }
        )
    return out


def default_result(municipality: Municipality) -> Result | None:
    """The current feed on a representative working day, 06:00–20:00, with the current grid."""
    feed = current_feed(municipality)
    if feed is None:
        return None
    day = representative_date(feed, "werktag")
    if day is None:
        return None
    return analyse(feed, analysis.Window(day, DEFAULT_FROM, DEFAULT_TO), current_grid(municipality))


def _side(r: Result, suffix: str) -> pl.DataFrame:
    cats = r.stations.select(pl.col("station_id"), pl.col("category").alias(f"cat_{suffix}"))
    return (
        r.stops.select(
            "stop_id",
            pl.col("stop_name").alias(f"name_{suffix}"),
            pl.col("departures").alias(f"dep_{suffix}"),
            pl.coalesce(pl.col("parent_station"), pl.col("stop_id")).alias("station_id"),
        )
        .join(cats, on="station_id", how="left")
        .drop("station_id")
    )


def compare(a: Result, b: Result) -> list[dict[str, Any]]:
    """Per stop (stop_id): departures and the category of its station in A and B, and the change
    of departures; sorted by the size of the change."""
    joined = (
        _side(a, "a")
        .join(_side(b, "b"), on="stop_id", how="full", coalesce=True)
        .with_columns(
            pl.col("name_a").fill_null(pl.col("name_b")).alias("stop_name"),
            pl.col("dep_a").fill_null(0),
            pl.col("dep_b").fill_null(0),
        )
        .with_columns((pl.col("dep_b") - pl.col("dep_a")).alias("delta"))
        .sort(pl.col("delta").abs(), "stop_id", descending=[True, False])
    )
    rows = []
    for r in joined.select("stop_id", "stop_name", "dep_a", "dep_b", "delta", "cat_a", "cat_b").iter_rows(
        named=True
    ):
        r["cat_a"] = analysis.ROMAN[r["cat_a"] - 1] if r["cat_a"] else "–"
        r["cat_b"] = analysis.ROMAN[r["cat_b"] - 1] if r["cat_b"] else "–"
        r["cat_changed"] = r["cat_a"] != r["cat_b"]
        rows.append(r)
    return rows
