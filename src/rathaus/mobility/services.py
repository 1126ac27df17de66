"""Writes of the mobility module: import and delete feed versions, population grids, districts."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from pyproj.exceptions import CRSError

from rathaus.core import storage, uploads
from rathaus.core.accounts.models import User
from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports
from rathaus.core.tenancy.models import Municipality

from . import analysis, files, gtfs
from .models import District, FeedState, FeedVersion, MunicipalityArea, PopulationGrid

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # GTFS zip upload (docs/mobility.md)
MAX_GRID_UPLOAD_BYTES = 50 * 1024 * 1024
COUNT_COLUMNS = ("count", "einwohner", "population", "pop", "value", "anzahl")


def data_dir() -> Path:
    """Private directory for timetables and grids (never served by the web server)."""
    default = Path(getattr(settings, "DATA_DIR", Path(settings.MEDIA_ROOT).parent)) / "mobility"
    return Path(getattr(settings, "MOBILITY_DATA_DIR", "") or default)


def zip_limits() -> gtfs.ZipLimits:
    """Zip-bomb limits from the settings (docs/mobility.md, "Limits")."""
    default = gtfs.ZipLimits()
    return gtfs.ZipLimits(
        max_total_bytes=int(getattr(settings, "MOBILITY_MAX_UNZIPPED_BYTES", default.max_total_bytes)),
        max_ratio=int(getattr(settings, "MOBILITY_MAX_ZIP_RATIO", default.max_ratio)),
        max_members=int(getattr(settings, "MOBILITY_MAX_ZIP_MEMBERS", default.max_members)),
    )


def upload_dir() -> Path:
    """Private folder for uploads being imported (``*.tmp`` files, removed when stale)."""
    path = data_dir() / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cleanup_stale(max_age_hours: float | None = None) -> list[Path]:
    """Remove work folders and files of killed imports older than ``max_age_hours`` (default
    settings.MOBILITY_STALE_HOURS): ``*.partial``/``*.tmp`` below every municipality's ``feeds``
    and ``grids`` folder and in the upload folder. Called before every feed import and by
    ``manage.py mobility_cleanup``."""
    hours = float(getattr(settings, "MOBILITY_STALE_HOURS", 6) if max_age_hours is None else max_age_hours)
    root = data_dir()
    folders = [root / "uploads"]
    if root.is_dir():
        for muni_dir in root.iterdir():
            if muni_dir.is_dir():
                folders += [muni_dir / "feeds", muni_dir / "grids"]
    removed: list[Path] = []
    for folder in folders:
        removed += gtfs.remove_stale(folder, hours)
    return removed


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
    ctx: ServiceContext | None = None,
    actor: Any = None,
    is_demo: bool = False,
    source_name: str = "",
    publish: bool = False,
    step: Callable[[], None] | None = None,
) -> FeedVersion:
    """Validate and store a GTFS feed as a new version. A broken feed stores nothing
    (gtfs.FeedError); the Parquet directory is renamed into place before the row is committed.

    The new version is a draft (only staff see it, with the plausibility report in
    ``report["plausibility"]``) unless ``publish`` is true (demo data, ``import_gtfs --publish``):
    then it is published in the same transaction (see publish_feed). ``step`` is called after each
    of ``FEED_IMPORT_STEPS`` steps (the progress of an import job)."""
    name = name.strip()[:100]
    problem = feed_name_problem(municipality, name)
    if problem:
        raise MobilityError(problem)
    feed = FeedVersion(municipality=municipality, name=name, is_demo=is_demo, source_name=source_name[:200])
    feed.uid = uuid.uuid4()
    dest = feed_path(feed)
    dest.parent.mkdir(parents=True, exist_ok=True)
    cleanup_stale()
    report = gtfs.import_feed(source, dest, zip_limits(), step)  # raises FeedError; nothing left behind
    try:
        manifest = files.upload_feed(feed.municipality_id, feed.uid, dest)  # object storage only
        with transaction.atomic():
            feed.start_date, feed.end_date = report.start_date, report.end_date
            feed.stop_count = report.counts.get("stops", 0)
            feed.route_count = report.counts.get("routes", 0)
            feed.trip_count = report.counts.get("trips", 0)
            feed.stop_time_count = report.counts.get("stop_times", 0)
            feed.report = report.as_dict()
            feed.report["plausibility"] = plausibility(municipality, dest, report)
            if ctx is not None and ctx.actor is not None:
                feed.imported_by = ctx.actor
            feed.state = FeedState.DRAFT
            feed.save()
            record(
                "mobility.feed.imported",
                ctx=ctx,
                actor=actor,
                municipality=municipality,
                obj=feed,
                changes={"counts": report.counts, "warnings": report.warning_count, "state": feed.state},
            )
            if publish:
                publish_feed(feed, ctx=ctx, actor=actor)
    except IntegrityError:
        shutil.rmtree(dest, ignore_errors=True)
        files.remove_feed(feed.municipality_id, feed.uid)
        raise MobilityError(_("Ein Fahrplanstand mit diesem Namen existiert bereits.")) from None
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        files.remove_feed(feed.municipality_id, feed.uid)
        raise
    files.keep_in_cache(dest, manifest)
    if step is not None:
        step()
    return feed


def feed_name_problem(municipality: Municipality, name: str) -> str:
    """Why ``name`` cannot name a new feed version ("" if it can): empty or already taken."""
    name = name.strip()[:100]
    if not name:
        return _("Bitte geben Sie einen Namen für den Fahrplanstand an.")
    if FeedVersion.objects.for_tenant(municipality).filter(name=name).exists():
        return _("Ein Fahrplanstand mit diesem Namen existiert bereits.")
    return ""


# The staff upload as an import job (rathaus.core.jobs.imports), declared in apps.py -------------------

FEED_IMPORT_KIND = "mobility.gtfs"
FEED_IMPORT_STEPS = gtfs.IMPORT_STEPS + 1  # the feed's steps, then storing the version


def feed_problems(report: gtfs.Report) -> list[dict[str, Any]]:
    """The lines of a refused feed's report as job messages: errors first, then warnings, each
    with its file and line (the report keeps at most 20 examples per kind of problem)."""

    def text(p: gtfs.Problem, kind: str) -> str:
        where = f"{p.file}: " if p.file else ""
        return f"{kind}{where}{p.message}"

    warning = _("Warnung") + " – "
    return [imports.problem(text(p, ""), p.line) for p in report.errors] + [
        imports.problem(text(p, warning), p.line) for p in report.warnings
    ]


def refused_message(report: gtfs.Report) -> str:
    """The sentence above a refused feed's messages, with the total counts."""
    message = _("Der Feed wurde abgelehnt und nicht gespeichert: %(n)s Fehler, %(w)s Warnungen.") % {
        "n": report.error_count,
        "w": report.warning_count,
    }
    if report.error_count > len(report.errors) or report.warning_count > len(report.warnings):
        message += " " + _("Je Art von Problem werden höchstens %(n)s Beispiele gezeigt.") % {
            "n": gtfs.MAX_EXAMPLES
        }
    return message


def run_feed_import_job(
    ctx: ServiceContext, job: Any, path: Path, progress: imports.Progress
) -> tuple[str, dict[str, Any]]:
    """The importer of ``mobility.gtfs`` jobs: the uploaded ZIP becomes a draft feed version.

    ``path`` is a local copy of the stored zip (``Importer(wants_path=True)``): a feed of up to
    200 MB is read from the file, never into memory as a whole. The job's ``params["name"]`` names
    the version. A refused feed ends the job failed with the report's lines; nothing is stored (see
    :func:`import_feed`).
    """
    assert ctx.municipality is not None
    progress.start(FEED_IMPORT_STEPS)
    try:
        feed = import_feed(
            ctx.municipality,
            Path(path),
            str(job.params.get("name", "")),
            ctx=ctx,
            source_name=job.file_name,
            step=progress.advance,
        )
    except gtfs.FeedError as err:
        raise imports.ImportFailed(refused_message(err.report), feed_problems(err.report)) from None
    except MobilityError as err:
        raise imports.ImportFailed(err.message) from None
    except OSError as exc:
        if storage.is_storage_fault(exc):
            raise imports.ImportFailed(storage.message()) from None
        raise
    message = _(
        "Der Fahrplanstand wurde als Entwurf gespeichert. Er ist erst öffentlich, "
        "wenn Sie ihn nach Prüfung des Plausibilitätsberichts veröffentlichen."
    )
    result = {
        "feed": feed.pk,
        "stops": feed.stop_count,
        "routes": feed.route_count,
        "trips": feed.trip_count,
        "warnings": int(feed.report.get("warning_count", 0)),
        "url": reverse("mobility:feed_detail", args=[feed.pk]),
    }
    return message, result


FEED_IMPORTER = imports.Importer(
    kind=FEED_IMPORT_KIND,
    module="mobility",
    run=run_feed_import_job,
    back_url_name="mobility:manage",
    start_url_name="mobility:manage",
    max_bytes=MAX_UPLOAD_BYTES,
    wants_path=True,  # the zip is read from a local file, not from bytes in memory
)


# Plausibility: does an uploaded feed serve this municipality? ---------------------------------------

MIN_SHARE_INSIDE = 0.2  # below this share of stops inside the municipality's area: a warning


def area_ring(municipality: Municipality) -> tuple[str, list[list[float]]]:
    """The municipality's area for the plausibility check: ("outline", ring) from MunicipalityArea,
    else ("districts", bounding box of all Ortsteile as a ring), else ("", [])."""
    area = MunicipalityArea.objects.for_tenant(municipality).first()
    if area is not None and len(area.polygon) >= 3:
        return "outline", [[float(p[0]), float(p[1])] for p in area.polygon]
    points = [p for d in District.objects.for_tenant(municipality) for p in d.polygon]
    if len(points) >= 3:
        lons, lats = [float(p[0]) for p in points], [float(p[1]) for p in points]
        x0, x1, y0, y1 = min(lons), max(lons), min(lats), max(lats)
        return "districts", [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    return "", []


def plausibility(municipality: Municipality, feed_dir: Path, report: gtfs.Report) -> dict[str, Any]:
    """Facts staff need before publishing a feed: how many stops lie in the municipality's area
    (outline, else the box around the Ortsteile), validity, agencies, route types, and warnings as
    codes (the page words them in the reader's language)."""
    stops = pl.read_parquet(feed_dir / "stops.parquet", columns=["stop_lat", "stop_lon", "location_type"])
    stops = stops.filter(pl.col("location_type").is_in([0, 1])).drop_nulls(["stop_lat", "stop_lon"])
    area_kind, ring = area_ring(municipality)
    total = stops.height
    inside: int | None = None
    if ring:
        mask = analysis.points_in_polygon(
            stops["stop_lon"].to_numpy(), stops["stop_lat"].to_numpy(), [(p[0], p[1]) for p in ring]
        )
        inside = int(mask.sum())
    routes = pl.read_parquet(feed_dir / "routes.parquet", columns=["route_type"])
    route_types = [
        {"route_type": int(r["route_type"]), "routes": int(r["len"])}
        for r in routes.group_by("route_type").len().sort("route_type").iter_rows(named=True)
        if r["route_type"] is not None
    ]
    warnings: list[dict[str, Any]] = []
    if not ring:
        warnings.append({"code": "no_area"})
    elif not inside:
        warnings.append({"code": "no_stop_inside"})
    elif total and inside / total < MIN_SHARE_INSIDE:
        warnings.append({"code": "few_inside", "share": round(100 * inside / total, 1)})
    today = timezone.localdate()
    if report.end_date is not None and report.end_date < today:
        warnings.append({"code": "expired", "date": report.end_date.isoformat()})
    elif report.start_date is not None and report.start_date > today:
        warnings.append({"code": "future", "date": report.start_date.isoformat()})
    if report.warning_count:
        warnings.append({"code": "import_warnings", "count": report.warning_count})
    return {
        "area": area_kind,
        "stops": total,
        "stops_inside": inside,
        "share_inside": round(100 * inside / total, 1) if inside is not None and total else None,
        "start_date": report.start_date.isoformat() if report.start_date else None,
        "end_date": report.end_date.isoformat() if report.end_date else None,
        "agencies": report.agencies[:20],
        "agency_count": len(report.agencies),
        "route_types": route_types,
        "warnings": warnings,
    }


@transaction.atomic
def publish_feed(feed: FeedVersion, *, ctx: ServiceContext | None = None, actor: Any = None) -> FeedVersion:
    """Make a draft (or archived) version the public one; the previously published version of the
    municipality becomes archived. Audited (mobility.feed.published)."""
    locked: FeedVersion = FeedVersion.objects.select_for_update().get(pk=feed.pk)
    if locked.state == FeedState.PUBLISHED:
        return locked
    previous = list(
        FeedVersion.objects.select_for_update()
        .for_tenant(feed.municipality)
        .filter(state=FeedState.PUBLISHED)
        .exclude(pk=feed.pk)
    )
    for old in previous:
        old.state = FeedState.ARCHIVED
        old.save(update_fields=["state"])
    user = ctx.user if ctx is not None else actor
    locked.state = FeedState.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by = user if isinstance(user, User) and user.is_authenticated else None
    locked.save(update_fields=["state", "published_at", "published_by"])
    record(
        "mobility.feed.published",
        ctx=ctx,
        actor=actor,
        municipality=feed.municipality,
        obj=locked,
        changes={"state": [feed.state, FeedState.PUBLISHED], "archived": [o.pk for o in previous]},
    )
    feed.state, feed.published_at, feed.published_by = locked.state, locked.published_at, locked.published_by
    return locked


@transaction.atomic
def save_area(
    municipality: Municipality, polygon_text: str, *, source: str = "", ctx: ServiceContext | None = None
) -> MunicipalityArea:
    """Set the outline of the municipality (GeoJSON polygon or [lon, lat] list), audited."""
    ring = parse_polygon(polygon_text)
    area, created = MunicipalityArea.objects.update_or_create(
        municipality=municipality, defaults={"polygon": ring, "source": source[:500]}
    )
    record(
        "mobility.area.created" if created else "mobility.area.changed",
        ctx=ctx,
        municipality=municipality,
        obj=area,
    )
    return area


@transaction.atomic
def delete_feed(feed: FeedVersion, *, ctx: ServiceContext | None = None) -> None:
    path = feed_path(feed)
    record("mobility.feed.deleted", ctx=ctx, municipality=feed.municipality, obj=feed)
    muni_id, uid = feed.municipality_id, feed.uid
    feed.delete()
    transaction.on_commit(lambda: shutil.rmtree(path, ignore_errors=True))
    transaction.on_commit(lambda: files.remove_feed(muni_id, uid))


def is_zip(head: bytes) -> bool:
    return uploads.sniff(head) is uploads.ZIP


def read_grid(path: Path, crs: str = "EPSG:3035") -> tuple[pl.DataFrame, int]:
    """A population grid file (Parquet or CSV with x, y and a count column) → (x, y, count) in
    EPSG:3035 with positive counts only, and the number of dropped rows (negative = suppressed)."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    try:
        if uploads.sniff(head) is uploads.PARQUET:
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
    ctx: ServiceContext | None = None,
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
    manifest = None
    try:
        with transaction.atomic():
            tmp.rename(path)
            manifest = files.upload_grid(grid.municipality_id, grid.uid, path)  # object storage only
            grid.save()
            record("mobility.grid.imported", ctx=ctx, actor=actor, municipality=municipality, obj=grid)
    except BaseException:
        tmp.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        files.remove_grid(grid.municipality_id, grid.uid)
        raise
    if manifest is not None:
        path.unlink(missing_ok=True)  # the storage has it; readers fill their cache from there
    return grid


@transaction.atomic
def delete_grid(grid: PopulationGrid, *, ctx: ServiceContext | None = None) -> None:
    path = grid_path(grid)
    record("mobility.grid.deleted", ctx=ctx, municipality=grid.municipality, obj=grid)
    muni_id, uid = grid.municipality_id, grid.uid
    grid.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    transaction.on_commit(lambda: files.remove_grid(muni_id, uid))


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
    municipality: Municipality, name: str, polygon_text: str, *, ctx: ServiceContext | None = None
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
        ctx=ctx,
        municipality=municipality,
        obj=district,
    )
    return district


@transaction.atomic
def delete_district(district: District, *, ctx: ServiceContext | None = None) -> None:
    record("mobility.district.deleted", ctx=ctx, municipality=district.municipality, obj=district)
    district.delete()


def file_references() -> Any:
    """Every timetable folder and population grid file the rows name (``manage.py check_files``)."""
    from rathaus.core.backup.registry import FileRef

    local = files.is_local()
    for feed in FeedVersion.objects.only("pk", "municipality_id", "uid").iterator():
        path = feed_path(feed)
        found = (
            path.is_dir() and any(path.iterdir())
            if local
            else files.stored(feed.municipality_id, feed.uid, grid=False)
        )
        yield FileRef(f"mobility.FeedVersion {feed.pk}", "feed folder", found)
    for grid in PopulationGrid.objects.only("pk", "municipality_id", "uid").iterator():
        muni_id, uid = grid.municipality_id, grid.uid
        found = grid_path(grid).is_file() if local else files.stored(muni_id, uid, grid=True)
        yield FileRef(f"mobility.PopulationGrid {grid.pk}", "grid file", found)
