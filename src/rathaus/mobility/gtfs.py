"""GTFS import: validate a feed and write it as Parquet files (polars, lazy and streaming).

Pure functions without database access, so that the benchmark and the management commands use the
same code as the staff upload. The layout of the written directory is described in docs/mobility.md.

Why hand-written and not gtfs-kit: gtfs-kit loads every table into pandas (measured 70 s and 2.3 GB
for 8 million stop_times); here the large table never exists as Python objects — it is scanned from
the CSV, joined to integer indexes and sunk to Parquet in one streaming pass.
"""

from __future__ import annotations

import shutil
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
}
WEEKDAY_COLUMNS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_EXAMPLES = 20  # examples reported per kind of problem (the total is reported too)
MAX_UNZIPPED_BYTES = 1024**3  # zip-bomb guard (default of settings.MOBILITY_MAX_UNZIPPED_BYTES)
FEED_FILES = ("stops", "routes", "trips", "stop_times", "calendar", "calendar_dates", "frequencies")
# Steps import_feed reports through its ``step`` callback (an import job's progress): unpacking,
# the file check, calendar, stops, routes, trips, frequencies, stop_times, trip ends.
IMPORT_STEPS = 9
Step = Callable[[], None]


def _no_step() -> None:
    pass


@dataclass
class Problem:
    file: str
    line: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass
class Report:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    start_date: date | None = None
    end_date: date | None = None
    agencies: list[str] = field(default_factory=list)

    def error(self, file: str, line: int | None, message: str, total: int = 1) -> None:
        self.error_count += total
        if len(self.errors) < 200:
            self.errors.append(Problem(file, line, message))

    def warn(self, file: str, line: int | None, message: str, total: int = 1) -> None:
        self.warning_count += total
        if len(self.warnings) < 200:
            self.warnings.append(Problem(file, line, message))

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "counts": self.counts,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "agencies": self.agencies,
        }


class FeedError(Exception):
    """The feed cannot be imported; ``report`` says why (file and line of each problem)."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"GTFS feed refused: {report.error_count} error(s)")
        self.report = report


# --- Helpers ---------------------------------------------------------------------------------------


TIME_PATTERN = r"^\d{1,3}:[0-5]\d:[0-5]\d$"


def time_seconds(col: str) -> tuple[pl.Expr, pl.Expr]:
    """(seconds since midnight, is_bad) for a GTFS time column.

    ``H:MM:SS`` or ``HH:MM:SS``; hours may exceed 23 (trips after midnight belong to the service
    day they started on), minutes and seconds must be 00–59. Empty → null and not bad. One regex
    check and three fixed-width slices: about ten times faster than splitting on ":".
    """
    raw = pl.col(col).str.strip_chars()
    valid = raw.str.contains(TIME_PATTERN)
    h = raw.str.head(-6).cast(pl.Int32, strict=False)
    m = raw.str.slice(-5, 2).cast(pl.Int32, strict=False)
    s = raw.str.tail(2).cast(pl.Int32, strict=False)
    present = raw.is_not_null() & (raw != "")
    seconds = pl.when(valid).then(h * 3600 + m * 60 + s).cast(pl.Int32)
    bad = (present & ~valid).fill_null(False)
    return seconds, bad


def time_bad(col: str) -> pl.Expr:
    """Only the validity check (for arrival_time, which the analysis does not use)."""
    raw = pl.col(col).str.strip_chars()
    return (raw.is_not_null() & (raw != "") & ~raw.str.contains(TIME_PATTERN)).fill_null(False)


def parse_hhmm(value: str) -> int:
    """``HH:MM`` (00:00 to 48:00) → seconds since midnight; ValueError otherwise."""
    h, sep, m = value.strip().partition(":")
    if not sep or not h.isdigit() or not m.isdigit() or len(m) != 2:
        raise ValueError(value)
    hours, minutes = int(h), int(m)
    if minutes > 59 or hours > 48 or (hours == 48 and minutes):
        raise ValueError(value)
    return hours * 3600 + minutes * 60


def _scan(path: Path) -> pl.LazyFrame:
    lf = pl.scan_csv(
        path,
        infer_schema=False,
        row_index_name="_line",
        row_index_offset=2,  # line 1 is the header
        missing_columns="insert",
        truncate_ragged_lines=True,
        encoding="utf8-lossy",
    )
    names = lf.collect_schema().names()
    clean = {n: n.replace("\ufeff", "").strip() for n in names}
    return lf.rename({k: v for k, v in clean.items() if k != v})


def _strip(*cols: str) -> list[pl.Expr]:
    return [pl.col(c).str.strip_chars().alias(c) for c in cols]


def _col_or_null(names: list[str], col: str, dtype: Any = pl.String) -> pl.Expr:
    if col in names:
        return pl.col(col).str.strip_chars().replace("", None).cast(dtype, strict=False).alias(col)
    return pl.lit(None, dtype=dtype).alias(col)


def _examples(df: pl.DataFrame, file: str, message: str, report: Report, *, warn: bool = False) -> None:
    """Report every row of df (columns _line and the offending values) with the message template."""
    if df.height == 0:
        return
    add = report.warn if warn else report.error
    total = df.height
    for i, row in enumerate(df.head(MAX_EXAMPLES).iter_rows(named=True)):
        add(file, row.get("_line"), message.format(**row), total if i == 0 else 0)


@dataclass(frozen=True)
class ZipLimits:
    """Guards against zip bombs (docs/mobility.md, "Limits"). The sizes in a zip header are not
    trusted: every member is read as a stream and its bytes are counted while they are written."""

    max_total_bytes: int = MAX_UNZIPPED_BYTES  # all extracted .txt members together
    max_ratio: int = 200  # uncompressed / compressed bytes of one member
    ratio_grace_bytes: int = 8 * 1024 * 1024  # the ratio is checked once a member is this large
    max_members: int = 500  # entries of the archive (directories and other files included)


class ZipRefused(ValueError):
    """The archive is refused before or while unpacking; ``message`` says why (German / English)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


CHUNK = 1024 * 1024


def _unsafe_name(name: str) -> bool:
    """Absolute paths, drive letters, backslashes, NUL and ``..`` components."""
    if (
        not name
        or "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
    ):
        return True
    return any(part == ".." for part in name.split("/"))


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB".replace(",", ".")


def extract(source: Path, into: Path, limits: ZipLimits | None = None) -> Path:
    """A directory with the feed's .txt files: ``source`` itself or the extracted zip.

    Only ``*.txt`` members are written, flattened into ``into`` (feeds inside a sub-folder work).
    Refused with ZipRefused: too many entries, a name with ``..``/an absolute path, two members of
    the same name, more than ``max_total_bytes`` unpacked, a member that expands more than
    ``max_ratio`` times or yields more bytes than its header declares. What was written stays in
    ``into``; the caller removes that folder.
    """
    limits = limits or ZipLimits()
    if source.is_dir():
        return source
    if not zipfile.is_zipfile(source):
        raise ValueError("not a zip file")
    with zipfile.ZipFile(source) as zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise ZipRefused(
                f"Das ZIP-Archiv enthält {len(infos)} Einträge, erlaubt sind höchstens "
                f"{limits.max_members}. / "
                f"The zip archive has {len(infos)} entries, at most {limits.max_members} are allowed."
            )
        members: list[tuple[zipfile.ZipInfo, str]] = []
        seen: set[str] = set()
        for m in infos:
            if _unsafe_name(m.filename):
                raise ZipRefused(
                    f"Unzulässiger Dateiname im ZIP-Archiv: {m.filename!r} (absoluter Pfad oder „..“). / "
                    f"Unsafe file name in the zip archive: {m.filename!r} (absolute path or '..')."
                )
            if m.is_dir() or not m.filename.lower().endswith(".txt"):
                continue
            name = m.filename.rsplit("/", 1)[-1]
            if name in seen:
                raise ZipRefused(
                    f"Die Datei {name} steht mehrfach im ZIP-Archiv. / "
                    f"{name} occurs more than once in the zip."
                )
            seen.add(name)
            members.append((m, name))
        limit_text = (
            f"Das ZIP-Archiv ist entpackt größer als {_mb(limits.max_total_bytes)} (erlaubt). / "
            f"The zip archive unpacks to more than the allowed {_mb(limits.max_total_bytes)}."
        )
        if sum(m.file_size for m, _name in members) > limits.max_total_bytes:
            raise ZipRefused(limit_text)  # early answer; the counting below is the real guard
        total = 0
        for m, name in members:
            written = 0
            with zf.open(m) as src, open(into / name, "wb") as dst:
                while chunk := src.read(CHUNK):
                    written += len(chunk)
                    total += len(chunk)
                    if total > limits.max_total_bytes:
                        raise ZipRefused(limit_text)
                    if written > m.file_size:
                        raise ZipRefused(
                            f"{name}: mehr Daten als im ZIP-Kopf angegeben – Archiv beschädigt "
                            f"oder manipuliert. / {name}: more data than its zip header declares - "
                            "archive damaged or manipulated."
                        )
                    if written > limits.ratio_grace_bytes and written > limits.max_ratio * max(
                        m.compress_size, 1
                    ):
                        raise ZipRefused(
                            f"{name} ist mehr als {limits.max_ratio}-fach komprimiert (ZIP-Bombe?). / "
                            f"{name} is compressed more than {limits.max_ratio} times (zip bomb?)."
                        )
                    dst.write(chunk)
    return into


# --- Import ----------------------------------------------------------------------------------------


def import_feed(
    source: Path, dest: Path, limits: ZipLimits | None = None, step: Step | None = None
) -> Report:
    """Validate the feed at ``source`` (zip or directory) and write it to ``dest`` (must not exist).

    On any error nothing is left at ``dest`` and FeedError is raised. The caller moves ``dest`` into
    place (it is written as a whole, then renamed). Work folders of this job sit next to ``dest``
    (``<uid>.tmp`` for the unpacked zip, ``<uid>.partial`` for the Parquet files being written) and
    are removed in ``finally``; what a killed process leaves behind is removed by
    ``remove_stale`` (next import, ``manage.py mobility_cleanup``). ``step`` is called after each of
    the ``IMPORT_STEPS`` steps (progress of an import job).
    """
    step = step or _no_step
    report = Report()
    work = dest.with_name(dest.name + TMP_SUFFIX)
    staging = dest.with_name(dest.name + PARTIAL_SUFFIX)
    try:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            folder = extract(Path(source), work, limits)
        except ZipRefused as exc:
            report.error("", None, exc.message)
            raise FeedError(report) from None
        except (ValueError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, OSError):
            report.error(
                "",
                None,
                "Die Datei ist kein gültiges ZIP-Archiv eines GTFS-Feeds (oder sie ist beschädigt). / "
                "The file is not a valid (or an undamaged) zip archive of a GTFS feed.",
            )
            raise FeedError(report) from None
        step()
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        _import(folder, staging, report, step)
        if not report.ok:
            raise FeedError(report)
        staging.rename(dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    return report


TMP_SUFFIX = ".tmp"
PARTIAL_SUFFIX = ".partial"


def remove_stale(folder: Path, max_age_hours: float, now: float | None = None) -> list[Path]:
    """Remove ``*.partial`` and ``*.tmp`` entries (folders or files) in ``folder`` older than
    ``max_age_hours`` (modification time): leftovers of imports that were killed. Younger ones may
    belong to an import that is still running and are kept. Returns what was removed."""
    import time

    if not folder.is_dir():
        return []
    limit = (time.time() if now is None else now) - max_age_hours * 3600
    removed = []
    for entry in folder.iterdir():
        if not entry.name.endswith((TMP_SUFFIX, PARTIAL_SUFFIX)):
            continue
        try:
            if entry.lstat().st_mtime >= limit:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except FileNotFoundError:
            continue
        removed.append(entry)
    return removed


def _import(folder: Path, out: Path, report: Report, step: Step = _no_step) -> None:
    present = {p.name for p in folder.iterdir() if p.is_file()}
    for name in REQUIRED_FILES:
        if name not in present:
            report.error(name, None, f"Pflichtdatei {name} fehlt.")
    if "calendar.txt" not in present and "calendar_dates.txt" not in present:
        report.error("calendar.txt", None, "Es fehlt calendar.txt und calendar_dates.txt (eine ist Pflicht).")
    if not report.ok:
        return
    _agencies(folder / "agency.txt", report)
    frames: dict[str, pl.LazyFrame] = {}
    for name in (
        "stops.txt",
        "routes.txt",
        "trips.txt",
        "stop_times.txt",
        "calendar.txt",
        "calendar_dates.txt",
        "frequencies.txt",
    ):
        if name not in present:
            continue
        try:
            lf = _scan(folder / name)
            names = lf.collect_schema().names()
        except pl.exceptions.PolarsError as exc:
            report.error(name, None, f"Datei nicht lesbar: {exc}")
            continue
        missing = [c for c in REQUIRED_COLUMNS.get(name, ()) if c not in names]
        if missing:
            report.error(name, 1, f"Pflichtspalte(n) fehlen: {', '.join(missing)}.")
            continue
        frames[name] = lf
    if not report.ok:
        return
    step()
    try:
        services = _calendar(frames, out, report)
        step()
        stops = _stops(frames["stops.txt"], out, report)
        step()
        routes = _routes(frames["routes.txt"], out, report)
        step()
        trips = _trips(frames["trips.txt"], routes, services, out, report)
        step()
        _frequencies(frames.get("frequencies.txt"), trips, out, report)
        step()
        if report.ok:
            _stop_times(folder / "stop_times.txt", frames["stop_times.txt"], trips, stops, out, report)
            step()
        if report.ok:
            _trip_ends(out)
            step()
    except pl.exceptions.PolarsError as exc:
        report.error("", None, f"Feed nicht lesbar: {exc}")


def _agencies(path: Path, report: Report) -> None:
    """Names of the agencies (for the plausibility report; agency.txt is not validated further)."""
    try:
        lf = _scan(path)
        if "agency_name" not in lf.collect_schema().names():
            return
        names = lf.select(pl.col("agency_name").str.strip_chars()).head(1000).collect()["agency_name"]
    except pl.exceptions.PolarsError:
        return
    report.agencies = [n for n in names.drop_nulls().unique(maintain_order=True).to_list() if n]
    report.counts["agencies"] = len(report.agencies)


def _duplicates(df: pl.DataFrame, key: str, file: str, report: Report) -> None:
    dup = df.filter(pl.col(key).is_duplicated() & (pl.col(key).cum_count().over(key) > 1))
    _examples(dup.select("_line", key), file, key + " {" + key + "} ist doppelt.", report)


def _calendar(frames: dict[str, pl.LazyFrame], out: Path, report: Report) -> set[str]:
    services: set[str] = set()
    starts: list[date] = []
    ends: list[date] = []
    cal_schema = {
        "service_id": pl.String,
        **dict.fromkeys(WEEKDAY_COLUMNS, pl.Int8),
        "start_date": pl.Date,
        "end_date": pl.Date,
    }
    cal = pl.DataFrame(schema=cal_schema)
    if "calendar.txt" in frames:
        raw = frames["calendar.txt"].collect()
        parsed = raw.select(
            "_line",
            pl.col("service_id").str.strip_chars(),
            *[pl.col(c).str.strip_chars().cast(pl.Int8, strict=False).alias(c) for c in WEEKDAY_COLUMNS],
            *[
                pl.col(c).str.strip_chars().str.strptime(pl.Date, "%Y%m%d", strict=False).alias(c)
                for c in ("start_date", "end_date")
            ],
            pl.col("start_date").alias("_raw_start"),
            pl.col("end_date").alias("_raw_end"),
        )
        bad_days = parsed.filter(
            pl.any_horizontal([~pl.col(c).is_in([0, 1]).fill_null(False) for c in WEEKDAY_COLUMNS])
        )
        _examples(bad_days.select("_line"), "calendar.txt", "Wochentagsspalten müssen 0 oder 1 sein.", report)
        bad_dates = parsed.filter(pl.col("start_date").is_null() | pl.col("end_date").is_null())
        _examples(
            bad_dates.select("_line", "_raw_start", "_raw_end"),
            "calendar.txt",
            "Ungültiges Datum (erwartet JJJJMMTT): {_raw_start} / {_raw_end}.",
            report,
        )
        _duplicates(parsed, "service_id", "calendar.txt", report)
        cal = parsed.drop("_line", "_raw_start", "_raw_end").drop_nulls()
        services |= set(cal["service_id"].to_list())
        starts += cal["start_date"].drop_nulls().to_list()
        ends += cal["end_date"].drop_nulls().to_list()
    cal.write_parquet(out / "calendar.parquet")
    cd = pl.DataFrame(schema={"service_id": pl.String, "date": pl.Date, "exception_type": pl.Int8})
    if "calendar_dates.txt" in frames:
        raw = frames["calendar_dates.txt"].collect()
        parsed = raw.select(
            "_line",
            pl.col("service_id").str.strip_chars(),
            pl.col("date").str.strip_chars().str.strptime(pl.Date, "%Y%m%d", strict=False).alias("date"),
            pl.col("exception_type").str.strip_chars().cast(pl.Int8, strict=False).alias("exception_type"),
            pl.col("date").alias("_raw_date"),
            pl.col("exception_type").alias("_raw_type"),
        )
        _examples(
            parsed.filter(pl.col("date").is_null()).select("_line", "_raw_date"),
            "calendar_dates.txt",
            "Ungültiges Datum (erwartet JJJJMMTT): {_raw_date}.",
            report,
        )
        _examples(
            parsed.filter(~pl.col("exception_type").is_in([1, 2]).fill_null(False)).select(
                "_line", "_raw_type"
            ),
            "calendar_dates.txt",
            "exception_type muss 1 oder 2 sein, ist {_raw_type}.",
            report,
        )
        cd = parsed.select("service_id", "date", "exception_type").drop_nulls()
        services |= set(cd["service_id"].to_list())
        added = cd.filter(pl.col("exception_type") == 1)["date"]
        if added.len():
            starts.append(added.min())  # type: ignore[arg-type]
            ends.append(added.max())  # type: ignore[arg-type]
    cd.write_parquet(out / "calendar_dates.parquet")
    report.start_date = min(starts) if starts else None
    report.end_date = max(ends) if ends else None
    report.counts["services"] = len(services)
    return services


def _stops(lf: pl.LazyFrame, out: Path, report: Report) -> pl.DataFrame:
    names = lf.collect_schema().names()
    df = lf.select(
        "_line",
        pl.col("stop_id").str.strip_chars(),
        _col_or_null(names, "stop_name"),
        _col_or_null(names, "stop_lat", pl.Float64),
        _col_or_null(names, "stop_lon", pl.Float64),
        _col_or_null(names, "location_type", pl.Int8),
        _col_or_null(names, "parent_station"),
        (pl.col("stop_lat") if "stop_lat" in names else pl.lit(None, pl.String)).alias("_raw_lat"),
        (pl.col("stop_lon") if "stop_lon" in names else pl.lit(None, pl.String)).alias("_raw_lon"),
    ).collect()
    df = df.with_columns(pl.col("location_type").fill_null(0))
    _examples(
        df.filter(pl.col("stop_id").is_null() | (pl.col("stop_id") == "")).select("_line"),
        "stops.txt",
        "stop_id fehlt.",
        report,
    )
    _duplicates(df, "stop_id", "stops.txt", report)
    need_coords = pl.col("location_type").is_in([0, 1, 2])
    bad = df.filter(
        need_coords
        & (
            pl.col("stop_lat").is_null()
            | pl.col("stop_lon").is_null()
            | (pl.col("stop_lat").abs() > 90)
            | (pl.col("stop_lon").abs() > 180)
        )
    )
    _examples(
        bad.select("_line", "stop_id", "_raw_lat", "_raw_lon"),
        "stops.txt",
        "Haltestelle {stop_id}: ungültige Koordinaten ({_raw_lat}, {_raw_lon}).",
        report,
    )
    ids = set(df["stop_id"].to_list())
    orphans = df.filter(pl.col("parent_station").is_not_null() & ~pl.col("parent_station").is_in(list(ids)))
    _examples(
        orphans.select("_line", "stop_id", "parent_station"),
        "stops.txt",
        "Haltestelle {stop_id}: parent_station {parent_station} gibt es nicht (ignoriert).",
        report,
        warn=True,
    )
    stops = (
        df.drop("_line", "_raw_lat", "_raw_lon")
        .with_columns(
            pl.when(pl.col("parent_station").is_in(list(ids)))
            .then(pl.col("parent_station"))
            .alias("parent_station")
        )
        .with_row_index("stop_idx")
    )
    stops.write_parquet(out / "stops.parquet")
    report.counts["stops"] = stops.height
    return stops


def _routes(lf: pl.LazyFrame, out: Path, report: Report) -> pl.DataFrame:
    names = lf.collect_schema().names()
    df = lf.select(
        "_line",
        pl.col("route_id").str.strip_chars(),
        _col_or_null(names, "agency_id"),
        _col_or_null(names, "route_short_name"),
        _col_or_null(names, "route_long_name"),
        pl.col("route_type").str.strip_chars().cast(pl.Int32, strict=False).alias("route_type"),
        pl.col("route_type").alias("_raw_type"),
    ).collect()
    _duplicates(df, "route_id", "routes.txt", report)
    _examples(
        df.filter(pl.col("route_type").is_null()).select("_line", "route_id", "_raw_type"),
        "routes.txt",
        "Linie {route_id}: route_type {_raw_type} ist keine Zahl.",
        report,
    )
    from .analysis import OTHER, mode_group_expr

    unknown = df.filter(pl.col("route_type").is_not_null() & (mode_group_expr() == OTHER))
    _examples(
        unknown.select("_line", "route_id", "route_type"),
        "routes.txt",
        "Linie {route_id}: route_type {route_type} ist keiner Verkehrsmittelgruppe zugeordnet "
        "(zählt nicht für die Güteklassen).",
        report,
        warn=True,
    )
    routes = df.drop("_line", "_raw_type")
    routes.write_parquet(out / "routes.parquet")
    report.counts["routes"] = routes.height
    return routes


def _trips(
    lf: pl.LazyFrame, routes: pl.DataFrame, services: set[str], out: Path, report: Report
) -> pl.DataFrame:
    names = lf.collect_schema().names()
    df = lf.select(
        "_line",
        *_strip("trip_id", "route_id", "service_id"),
        _col_or_null(names, "direction_id", pl.Int8),
        _col_or_null(names, "trip_headsign"),
    ).collect()
    _duplicates(df, "trip_id", "trips.txt", report)
    route_ids = routes["route_id"]
    _examples(
        df.filter(~pl.col("route_id").is_in(route_ids.implode())).select("_line", "trip_id", "route_id"),
        "trips.txt",
        "Fahrt {trip_id}: Linie (route_id) {route_id} gibt es in routes.txt nicht.",
        report,
    )
    _examples(
        df.filter(~pl.col("service_id").is_in(list(services))).select("_line", "trip_id", "service_id"),
        "trips.txt",
        "Fahrt {trip_id}: Verkehrstage (service_id) {service_id} gibt es weder in calendar.txt "
        "noch in calendar_dates.txt.",
        report,
    )
    trips = df.drop("_line").with_row_index("trip_idx")
    trips.write_parquet(out / "trips.parquet")
    report.counts["trips"] = trips.height
    return trips


def _frequencies(lf: pl.LazyFrame | None, trips: pl.DataFrame, out: Path, report: Report) -> None:
    """frequencies.txt → frequencies.parquet (trip_idx, start_s, end_s, headway_s, exact_times).

    The trip's stop_times are its pattern; the analysis runs it from start_s every headway_s seconds
    while the start is before end_s (docs/mobility.md). Always written (empty without the file).
    """
    schema: dict[str, pl.DataType] = {
        "trip_idx": pl.UInt32(),
        "start_s": pl.Int32(),
        "end_s": pl.Int32(),
        "headway_s": pl.Int32(),
        "exact_times": pl.Int8(),
    }
    if lf is None:
        pl.DataFrame(schema=schema).write_parquet(out / "frequencies.parquet")
        return
    names = lf.collect_schema().names()
    start, start_bad = time_seconds("start_time")
    end, end_bad = time_seconds("end_time")
    df = (
        lf.select(
            "_line",
            *_strip("trip_id", "start_time", "end_time", "headway_secs"),
            start.alias("start_s"),
            end.alias("end_s"),
            (start_bad | pl.col("start_time").str.strip_chars().replace("", None).is_null()).alias("_sb"),
            (end_bad | pl.col("end_time").str.strip_chars().replace("", None).is_null()).alias("_eb"),
            pl.col("headway_secs").str.strip_chars().cast(pl.Int32, strict=False).alias("headway_s"),
            _col_or_null(names, "exact_times", pl.Int8),
        )
        .collect()
        .join(trips.select("trip_id", "trip_idx"), on="trip_id", how="left")
    )
    _examples(
        df.filter(pl.col("trip_idx").is_null()).select("_line", "trip_id"),
        "frequencies.txt",
        "Fahrt (trip_id) {trip_id} gibt es in trips.txt nicht.",
        report,
    )
    _examples(
        df.filter(pl.col("_sb") | pl.col("_eb")).select("_line", "start_time", "end_time"),
        "frequencies.txt",
        "Ungültige Zeit {start_time} / {end_time} (erwartet HH:MM:SS, Minuten und Sekunden 00–59).",
        report,
    )
    _examples(
        df.filter(~pl.col("headway_s").is_between(1, 86_400).fill_null(False)).select(
            "_line", "headway_secs"
        ),
        "frequencies.txt",
        "headway_secs {headway_secs} ist keine ganze Zahl von 1 bis 86400.",
        report,
    )
    _examples(
        df.filter(~pl.col("_sb") & ~pl.col("_eb") & (pl.col("end_s") <= pl.col("start_s"))).select(
            "_line", "start_time", "end_time"
        ),
        "frequencies.txt",
        "end_time {end_time} liegt nicht nach start_time {start_time}.",
        report,
    )
    _examples(
        df.filter(~pl.col("exact_times").is_in([0, 1]).fill_null(True)).select("_line", "exact_times"),
        "frequencies.txt",
        "exact_times {exact_times} ist ungültig (erlaubt: leer, 0, 1).",
        report,
    )
    freq = df.select("trip_idx", "start_s", "end_s", "headway_s", pl.col("exact_times").fill_null(0)).cast(
        pl.Schema(schema)
    )
    freq.write_parquet(out / "frequencies.parquet")
    report.counts["frequencies"] = freq.height


def _trip_ends(out: Path) -> None:
    """Add ``last_seq`` (highest stop_sequence: the stop where the trip only arrives) and
    ``first_s`` (first departure: the origin of a frequencies.txt pattern) to trips.parquet, so
    that the analysis need not group the whole stop_times table for every window."""
    ends = (
        pl.scan_parquet(out / "stop_times.parquet")
        .group_by("trip_idx")
        .agg(
            pl.col("stop_sequence").max().alias("last_seq"),
            pl.col("departure_s").min().alias("first_s"),
        )
        .collect()
    )
    trips = pl.read_parquet(out / "trips.parquet").join(ends, on="trip_idx", how="left")
    trips.write_parquet(out / "trips.parquet")


def _stop_times(
    path: Path, lf: pl.LazyFrame, trips: pl.DataFrame, stops: pl.DataFrame, out: Path, report: Report
) -> None:
    names = lf.collect_schema().names()
    dep, dep_bad = (
        time_seconds("departure_time")
        if "departure_time" in names
        else (pl.lit(None, pl.Int32), pl.lit(False))
    )
    arr_bad = time_bad("arrival_time") if "arrival_time" in names else pl.lit(False)
    # pickup_type (0–3, empty = 0): 1 = no pickup, i.e. nobody can board (not a departure for the
    # Güteklassen). Anything else in the column is an error.
    raw_pickup = (
        pl.col("pickup_type").str.strip_chars().replace("", None)
        if "pickup_type" in names
        else pl.lit(None, pl.String)
    )
    pickup = raw_pickup.cast(pl.Int8, strict=False)
    pickup_bad = (raw_pickup.is_not_null() & ~pickup.is_in([0, 1, 2, 3]).fill_null(False)).fill_null(False)
    target = out / "stop_times.parquet"
    (
        lf.select(
            "_line",
            *_strip("trip_id", "stop_id"),
            pl.col("stop_sequence").str.strip_chars().cast(pl.Int32, strict=False).alias("stop_sequence"),
            dep.alias("departure_s"),
            dep_bad.alias("_dep_bad"),
            arr_bad.alias("_arr_bad"),
            pickup.fill_null(0).alias("pickup_type"),
            pickup_bad.alias("_pickup_bad"),
        )
        .join(trips.lazy().select("trip_id", "trip_idx"), on="trip_id", how="left")
        .join(stops.lazy().select("stop_id", "stop_idx"), on="stop_id", how="left")
        .select(
            "trip_idx",
            "stop_idx",
            "stop_sequence",
            "departure_s",
            "pickup_type",
            pl.col("_line").alias("line"),
            "_dep_bad",
            "_arr_bad",
            "_pickup_bad",
        )
        .sink_parquet(target)
    )
    st = pl.scan_parquet(target)
    summary = (
        st.select(
            pl.len().alias("rows"),
            pl.col("trip_idx").is_null().sum().alias("no_trip"),
            pl.col("stop_idx").is_null().sum().alias("no_stop"),
            pl.col("_dep_bad").sum().alias("dep_bad"),
            pl.col("_arr_bad").sum().alias("arr_bad"),
            pl.col("_pickup_bad").sum().alias("pickup_bad"),
            pl.col("stop_sequence").is_null().sum().alias("seq_bad"),
            (pl.col("departure_s").is_null() & ~pl.col("_dep_bad")).sum().alias("no_dep"),
        )
        .collect()
        .row(0, named=True)
    )
    report.counts["stop_times"] = summary["rows"]
    problems = [
        ("no_trip", pl.col("trip_idx").is_null(), "Fahrt (trip_id) {trip_id} gibt es in trips.txt nicht."),
        (
            "no_stop",
            pl.col("stop_idx").is_null(),
            "Haltestelle (stop_id) {stop_id} gibt es in stops.txt nicht.",
        ),
        (
            "dep_bad",
            pl.col("_dep_bad"),
            "Ungültige Abfahrtszeit {departure_time} (erwartet HH:MM:SS, Minuten und Sekunden 00–59).",
        ),
        (
            "arr_bad",
            pl.col("_arr_bad"),
            "Ungültige Ankunftszeit {arrival_time} (erwartet HH:MM:SS, Minuten und Sekunden 00–59).",
        ),
        ("seq_bad", pl.col("stop_sequence").is_null(), "stop_sequence {stop_sequence} ist keine ganze Zahl."),
        (
            "pickup_bad",
            pl.col("_pickup_bad"),
            "pickup_type {pickup_type} ist ungültig (erlaubt: leer, 0, 1, 2, 3).",
        ),
    ]
    for key, cond, message in problems:
        if not summary[key]:
            continue
        lines = st.filter(cond).select("line").head(MAX_EXAMPLES).collect()["line"]
        raw = (
            _scan(path)
            .filter(pl.col("_line").is_in(lines.implode()))
            .select(
                "_line",
                *[
                    (pl.col(c) if c in names else pl.lit(None, pl.String)).fill_null("").alias(c)
                    for c in (
                        "trip_id",
                        "stop_id",
                        "departure_time",
                        "arrival_time",
                        "stop_sequence",
                        "pickup_type",
                    )
                ],
            )
            .collect()
        )
        total = int(summary[key])
        for i, row in enumerate(raw.iter_rows(named=True)):
            report.error("stop_times.txt", row["_line"], message.format(**row), total if i == 0 else 0)
    if summary["no_dep"]:
        report.warn(
            "stop_times.txt",
            None,
            f"{summary['no_dep']} Halte ohne Abfahrtszeit (nicht zeitgebundene Halte) "
            "werden nicht als Abfahrt gezählt.",
            int(summary["no_dep"]),
        )
