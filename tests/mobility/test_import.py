"""GTFS import: validation with file and line, nothing stored of a broken feed."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import polars as pl
import pytest

from rathaus.core.audit.models import AuditEvent
from rathaus.mobility import gtfs, services
from rathaus.mobility.models import FeedVersion
from tests.mobility.conftest import gtfs_file
from tests.mobility.feeds import simple_feed


def stored_dirs() -> list[Path]:
    root = services.data_dir()
    return [p for p in root.rglob("*") if p.is_dir() and p.parent.name == "feeds"] if root.exists() else []


def refused(muni, folder: Path) -> gtfs.Report:
    with pytest.raises(gtfs.FeedError) as exc:
        services.import_feed(muni, folder, "Kaputt")
    assert not FeedVersion.objects.exists()
    assert stored_dirs() == []
    return exc.value.report


def messages(report: gtfs.Report) -> list[tuple[str, int | None, str]]:
    return [(p.file, p.line, p.message) for p in report.errors]


def test_valid_feed_is_stored_as_parquet_with_a_row_and_an_audit_event(muni_a, tmp_path):
    feed = services.import_feed(muni_a, simple_feed().zip(tmp_path / "f.zip"), "Fahrplan 2026")
    assert (feed.stop_count, feed.route_count, feed.trip_count) == (2, 1, 168)
    assert feed.stop_time_count == 336
    assert str(feed.start_date) == "2026-01-01" and str(feed.end_date) == "2026-12-31"
    path = services.feed_path(feed)
    assert sorted(p.name for p in path.iterdir()) == sorted(f"{n}.parquet" for n in gtfs.FEED_FILES)
    st = pl.read_parquet(path / "stop_times.parquet")
    assert st["departure_s"].min() == 6 * 3600
    assert AuditEvent.objects.filter(action="mobility.feed.imported", object_id=str(feed.pk)).exists()
    assert not list(path.parent.glob("*.partial"))


def test_missing_required_file_is_refused(muni_a, tmp_path):
    report = refused(muni_a, simple_feed().write(tmp_path / "f", skip=("stop_times.txt",)))
    assert ("stop_times.txt", None, "Pflichtdatei stop_times.txt fehlt.") in messages(report)


def test_missing_calendar_files_are_refused(muni_a, tmp_path):
    report = refused(muni_a, simple_feed().write(tmp_path / "f", skip=("calendar.txt", "calendar_dates.txt")))
    assert report.errors[0].file == "calendar.txt"


def test_dangling_references_are_reported_with_file_and_line(muni_a, tmp_path):
    b = simple_feed()
    b.rows["trips.txt"].append(["NOPE", "WD", "X1", 0])  # line 170: unknown route
    b.rows["trips.txt"].append(["B1", "NOSERVICE", "X2", 0])  # line 171: unknown service
    b.rows["stop_times.txt"].append(["GHOST", "07:00:00", "07:00:00", "S1", 1])  # line 338
    b.rows["stop_times.txt"].append(["B1-0-0", "07:00:00", "07:00:00", "S9", 3])  # line 339
    report = refused(muni_a, b.write(tmp_path / "f"))
    errors = messages(report)
    assert ("trips.txt", 170, "Fahrt X1: Linie (route_id) NOPE gibt es in routes.txt nicht.") in errors
    assert any(f == "trips.txt" and line == 171 and "NOSERVICE" in m for f, line, m in errors)
    # stop_times is checked only when trips are sound: fix trips and try again.
    b.rows["trips.txt"] = b.rows["trips.txt"][:-2]
    report = refused(muni_a, b.write(tmp_path / "g"))
    errors = messages(report)
    assert ("stop_times.txt", 338, "Fahrt (trip_id) GHOST gibt es in trips.txt nicht.") in errors
    assert ("stop_times.txt", 339, "Haltestelle (stop_id) S9 gibt es in stops.txt nicht.") in errors


def test_hours_beyond_24_are_legal(muni_a, tmp_path):
    b = simple_feed()
    b.rows["stop_times.txt"].append(["B1-0-0", "25:10:00", "25:10:00", "S2", 3])
    feed = services.import_feed(muni_a, b.write(tmp_path / "f"), "Nacht")
    st = pl.read_parquet(services.feed_path(feed) / "stop_times.parquet")
    assert st["departure_s"].max() == 25 * 3600 + 10 * 60


@pytest.mark.parametrize("bad", ["24:61:00", "abc", "12:00:60", "7:5:00", "-1:00:00"])
def test_illegal_times_are_refused_with_line(muni_a, tmp_path, bad):
    b = simple_feed()
    b.rows["stop_times.txt"].append(["B1-0-0", "08:00:00", bad, "S2", 3])
    report = refused(muni_a, b.write(tmp_path / "f"))
    assert report.errors[0].file == "stop_times.txt"
    assert report.errors[0].line == 338
    assert bad in report.errors[0].message


def test_bad_calendar_and_coordinates(muni_a, tmp_path):
    b = simple_feed()
    b.rows["calendar.txt"].append(["X", 1, 1, 1, 1, 1, 0, 0, "2026-01-01", "20261231"])
    b.rows["stops.txt"].append(["S3", "Irgendwo", "abc", 12.1, "", ""])
    report = refused(muni_a, b.write(tmp_path / "f"))
    errors = messages(report)
    assert any(f == "calendar.txt" and line == 3 for f, line, _m in errors)
    assert any(f == "stops.txt" and line == 4 and "S3" in m for f, line, m in errors)


def test_not_a_zip_is_refused(muni_a, tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"PK\x03\x04 broken")
    report = refused(muni_a, path)
    assert "ZIP" in report.errors[0].message


def test_database_failure_leaves_no_files(muni_a, tmp_path):
    with (
        mock.patch("rathaus.mobility.services.record", side_effect=RuntimeError("db down")),
        pytest.raises(RuntimeError),
    ):
        services.import_feed(muni_a, simple_feed().write(tmp_path / "f"), "Fahrplan")
    assert not FeedVersion.objects.exists()
    assert stored_dirs() == []


def test_name_is_unique_per_municipality(muni_a, muni_b, tmp_path):
    folder = simple_feed().write(tmp_path / "f")
    services.import_feed(muni_a, folder, "Fahrplan")
    with pytest.raises(services.MobilityError):
        services.import_feed(muni_a, folder, "Fahrplan")
    services.import_feed(muni_b, folder, "Fahrplan")  # another municipality may use the name
    assert FeedVersion.objects.count() == 2


def test_delete_removes_row_and_files(muni_a, tmp_path, django_capture_on_commit_callbacks):
    feed = services.import_feed(muni_a, simple_feed().write(tmp_path / "f"), "Fahrplan")
    path = services.feed_path(feed)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_feed(feed)
    assert not path.exists() and not FeedVersion.objects.exists()


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("sample-feed-1.zip", {"stops": 9, "routes": 5, "trips": 11, "stop_times": 28}),
        ("cairns_gtfs.zip", {"stops": 416, "routes": 22, "trips": 1339, "stop_times": 37790}),
    ],
)
def test_real_feeds_import(muni_a, name, counts):
    feed = services.import_feed(muni_a, gtfs_file(name), name)
    assert {k: feed.report["counts"][k] for k in counts} == counts
    assert feed.report["error_count"] == 0


def test_bom_crlf_and_quoted_fields_are_handled(muni_a, tmp_path):
    folder = simple_feed().write(tmp_path / "f")
    for name in ("stops.txt", "stop_times.txt"):
        text = (folder / name).read_text(encoding="utf-8")
        (folder / name).write_bytes(
            b"\xef\xbb\xbf" + text.replace("\r\n", "\n").replace("\n", "\r\n").encode()
        )
    stops = (folder / "stops.txt").read_text(encoding="utf-8-sig").replace("Altmarkt", '"Altmarkt, Zeitz"')
    (folder / "stops.txt").write_text(stops, encoding="utf-8")
    feed = services.import_feed(muni_a, folder, "BOM")
    names = pl.read_parquet(services.feed_path(feed) / "stops.parquet")["stop_name"].to_list()
    assert "Altmarkt, Zeitz" in names and feed.stop_time_count == 336
