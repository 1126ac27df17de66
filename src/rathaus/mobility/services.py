"""Writes of the mobility module: import and delete feed versions, population grids, districts."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from pyproj.exceptions import CRSError

from rathaus.core.audit.services import record
from rathaus.core.tenancy.models import Municipality

from . import analysis, gtfs
from .models import District, FeedVersion, PopulationGrid

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # GTFS zip upload (docs/mobility.md)
MAX_GRID_UPLOAD_BYTES = 50 * 1024 * 1024
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
PARQUET_MAGIC = b"PAR1"
COUNT_COLUMNS = ("count", "einwohner", "population", "pop", "value", "anzahl")


def data_dir() -> Path:
    """Private directory for timetables and grids (never served by the web server)."""
    default = Path(getattr(settings, "DATA_DIR", Path(settings.MEDIA_ROOT).parent)) / "mobility"
    return Path(getattr(settings, "MOBILITY_DATA_DIR", "") or default)


def feed_path(feed: FeedVersion) -> Path:
    return data_dir() / str(feed.municipality_id) / "feeds" / str(feed.uid)


def grid_path(grid: PopulationGrid) -> Path:
    return data_dir() / str(grid.municipality_id) / "grids" / f"{grid.uid}.parquet"


class MobilityError(Exception):
    """Refused input with a message for the person (German; English in the catalogue)."""

    def __init__(self, message: str, report: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.report = report or {}


def import_feed(
    municipality: Municipality,
    source: Path,
    name: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    is_demo: bool = False,
    source_name: str = "",
) -> FeedVersion:
    """Validate and store a GTFS feed as a new version. A broken feed stores nothing
    (gtfs.FeedError); the Parquet directory is renamed into place before the row is committed."""
    name = name.strip()[:100]
    if not name:
        raise MobilityError(_("Bitte geben Sie einen Namen für den Fahrplanstand an."))
    if FeedVersion.objects.for_tenant(municipality).filter(name=name).exists():
        raise MobilityError(_("Ein Fahrplanstand mit diesem Namen existiert bereits."))
    feed = FeedVersion(municipality=municipality, name=name, is_demo=is_demo, source_name=source_name[:200])
    feed.uid = uuid.uuid4()
    dest = feed_path(feed)
    dest.parent.mkdir(parents=True, exist_ok=True)
    report = gtfs.import_feed(source, dest)  # raises gtfs.FeedError; nothing left behind then
    try:
        with transaction.atomic():
            feed.start_date, feed.end_date = report.start_date, report.end_date
            feed.stop_count = report.counts.get("stops", 0)
            feed.route_count = report.counts.get("routes", 0)
            feed.trip_count = report.counts.get("trips", 0)
            feed.stop_time_count = report.counts.get("stop_times", 0)
            feed.report = report.as_dict()
            if request is not None and getattr(request.user, "is_authenticated", False):
                feed.imported_by = request.user  # type: ignore[assignment]
            feed.save()
            record(
                "mobility.feed.imported",
                request=request,
                actor=actor,
                municipality=municipality,
                obj=feed,
                changes={"counts": report.counts, "warnings": report.warning_count},
            )
    except IntegrityError:
        shutil.rmtree(dest, ignore_errors=True)
        raise MobilityError(_("Ein Fahrplanstand mit diesem Namen existiert bereits.")) from None
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return feed


@transaction.atomic
def delete_feed(feed: FeedVersion, *, request: HttpRequest | None = None) -> None:
    path = feed_path(feed)
    record("mobility.feed.deleted", request=request, municipality=feed.municipality, obj=feed)
    feed.delete()
    transaction.on_commit(lambda: shutil.rmtree(path, ignore_errors=True))


def is_zip(head: bytes) -> bool:
    return head[:4] in ZIP_MAGIC


def read_grid(path: Path, crs: str = "EPSG:3035") -> tuple[pl.DataFrame, int]:
    """A population grid file (Parquet or CSV with x, y and a count column) → (x, y, count) in
    EPSG:3035 with positive counts only, and the number of dropped rows (negative = suppressed)."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    try:
        if head == PARQUET_MAGIC:
            df = pl.read_parquet(path)
        else:
            sample = Path(path).read_bytes()[:4096].decode("utf-8", "replace")
            sep = ";" if sample.count(";") > sample.count(",") else ","
            df = pl.read_csv(path, separator=sep, infer_schema_length=10000)
    except (pl.exceptions.PolarsError, UnicodeDecodeError, OSError) as exc:
        raise MobilityError(_("Die Rasterdatei ist nicht lesbar (erwartet CSV oder Parquet).")) from exc
    cols = {c.lower().strip().lstrip("\ufeff"): c for c in df.columns}
    count_col = next((cols[c] for c in COUNT_COLUMNS if c in cols), None)
    if "x" not in cols or "y" not in cols or count_col is None:
        raise MobilityError(
            _("Die Rasterdatei braucht die Spalten x, y und eine Anzahl (count oder Einwohner).")
        )
    try:
        df = df.select(
            pl.col(cols["x"]).cast(pl.Float64).alias("x"),
            pl.col(cols["y"]).cast(pl.Float64).alias("y"),
            pl.col(count_col).cast(pl.Float64).alias("count"),
        )
    except pl.exceptions.PolarsError as exc:
        raise MobilityError(_("Die Spalten x, y und Anzahl müssen Zahlen enthalten.")) from exc
    before = df.height
    df = df.drop_nulls().filter(pl.col("count") > 0)
    if crs.upper() != "EPSG:3035":
        try:
            tr = analysis.transformer_to_laea(crs)
        except CRSError as exc:
            raise MobilityError(_("Unbekanntes Koordinatenreferenzsystem.")) from exc
        x, y = tr.transform(df["x"].to_numpy(), df["y"].to_numpy())
        df = df.with_columns(pl.Series("x", np.asarray(x)), pl.Series("y", np.asarray(y)))
    return df, before - df.height


def import_grid(
    municipality: Municipality,
    source: Path,
    name: str,
    *,
    crs: str = "EPSG:3035",
    bbox: tuple[float, float, float, float] | None = None,
    source_text: str = "",
    is_synthetic: bool = False,
    request: HttpRequest | None = None,
    actor: Any = None,
) -> PopulationGrid:
    """Store a population grid (clipped to bbox, EPSG:3035 metres, if given)."""
    name = name.strip()[:100]
    if not name:
        raise MobilityError(_("Bitte geben Sie einen Namen für das Raster an."))
    if PopulationGrid.objects.for_tenant(municipality).filter(name=name).exists():
        raise MobilityError(_("Ein Bevölkerungsraster mit diesem Namen existiert bereits."))
    df, _dropped = read_grid(source, crs)
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        df = df.filter(pl.col("x").is_between(x0, x1) & pl.col("y").is_between(y0, y1))
    if df.height == 0:
        raise MobilityError(_("Das Raster enthält keine Zellen mit Einwohnern (im gewählten Ausschnitt)."))
    grid = PopulationGrid(
        municipality=municipality,
        name=name,
        source=source_text[:500],
        cell_count=df.height,
        population=round(df["count"].sum()),
        is_synthetic=is_synthetic,
    )
    grid.uid = uuid.uuid4()
    path = grid_path(grid)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    df.write_parquet(tmp)
    try:
        with transaction.atomic():
            tmp.rename(path)
            grid.save()
            record(
                "mobility.grid.imported", request=request, actor=actor, municipality=municipality, obj=grid
            )
    except BaseException:
        tmp.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        raise
    return grid


@transaction.atomic
def delete_grid(grid: PopulationGrid, *, request: HttpRequest | None = None) -> None:
    path = grid_path(grid)
    record("mobility.grid.deleted", request=request, municipality=grid.municipality, obj=grid)
    grid.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def parse_polygon(text: str) -> list[list[float]]:
    """GeoJSON Polygon/Feature or a plain list of [lon, lat] pairs → outer ring [[lon, lat], …]."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MobilityError(_("Der Umring ist kein gültiges JSON.")) from exc
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry") or {}
    if isinstance(data, dict) and data.get("type") == "Polygon":
        data = (data.get("coordinates") or [[]])[0]
    try:
        ring = [[float(p[0]), float(p[1])] for p in data]
    except (TypeError, ValueError, IndexError, KeyError) as exc:
        raise MobilityError(_("Der Umring muss eine Liste von [Länge, Breite]-Paaren sein.")) from exc
    if len(ring) < 3 or any(abs(lon) > 180 or abs(lat) > 90 for lon, lat in ring):
        raise MobilityError(_("Der Umring braucht mindestens drei Punkte mit gültigen WGS84-Koordinaten."))
    return ring


@transaction.atomic
def save_district(
    municipality: Municipality, name: str, polygon_text: str, *, request: HttpRequest | None = None
) -> District:
    name = name.strip()[:100]
    if not name:
        raise MobilityError(_("Bitte geben Sie einen Namen an."))
    ring = parse_polygon(polygon_text)
    district, created = District.objects.update_or_create(
        municipality=municipality, name=name, defaults={"polygon": ring}
    )
    record(
        "mobility.district.created" if created else "mobility.district.changed",
        request=request,
        municipality=municipality,
        obj=district,
    )
    return district


@transaction.atomic
def delete_district(district: District, *, request: HttpRequest | None = None) -> None:
    record("mobility.district.deleted", request=request, municipality=district.municipality, obj=district)
    district.delete()
