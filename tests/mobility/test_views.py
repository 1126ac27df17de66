"""Mobility pages: public map and tables, GeoJSON, CSV, comparison, staff upload and permissions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rathaus.core import figures
from rathaus.core.accounts.models import Role
from rathaus.core.jobs.models import ImportJob
from rathaus.core.storage import private_storage
from rathaus.mobility import services
from rathaus.mobility.models import District, FeedVersion, PopulationGrid
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user
from tests.exports import csv_dicts
from tests.mobility.feeds import FeedBuilder, simple_feed

pytestmark = pytest.mark.django_db

QUERY = {"tagestyp": "datum", "datum": "2026-03-10", "von": "06:00", "bis": "20:00"}


@pytest.fixture
def feed(muni_a, tmp_path):
    return services.import_feed(muni_a, simple_feed().write(tmp_path / "f"), "Fahrplan 2026", publish=True)


@pytest.fixture
def grid(muni_a, tmp_path):
    import numpy as np

    from rathaus.mobility import analysis

    x, y = analysis.to_laea(np.array([12.1378, 12.1378, 12.30]), np.array([51.0486, 51.0530, 51.0486]))
    path = tmp_path / "grid.csv"
    path.write_text(
        "x;y;Einwohner\n"
        + "\n".join(f"{a};{b};{c}" for a, b, c in zip(x, y, [1000, 500, 250], strict=True))
        + "\n-1;-1;-1\n"
    )
    return services.import_grid(muni_a, path, "Raster")


@pytest.fixture
def manager(muni_a):
    user = make_user("mobil@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["mobility"])
    return user


def q(feed, **extra):
    return {"fahrplan": feed.pk, **QUERY, **extra}


def test_index_without_feed(client_a):
    r = client_a.get(reverse("mobility:index"))
    assert r.status_code == 200 and "Es ist noch kein Fahrplan importiert." in r.content.decode()


def test_index_shows_table_map_and_coverage(client_a, feed, grid, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        r = client_a.get(reverse("mobility:index"), q(feed))
    html = r.content.decode()
    assert r.status_code == 200
    assert 'id="mobility-map"' in html and "vendor/leaflet/leaflet.js" in html
    assert "Halt S1" not in html  # stop names from the feed are shown
    assert "Altmarkt" in html and "Nord" in html
    assert "<caption" in html and "IV" in html  # bus every 10 min → category IV ("10–19")
    # Coverage: 1,000 at Altmarkt (class B), 500 at 490 m (D at 300–500? no: 490 m → C), 250 far away.
    assert "Einwohner je ÖV-Güteklasse" in html
    assert "1.750" in html  # total residents (German number format)


def test_default_window_is_a_representative_working_day(client_a, feed):
    r = client_a.get(reverse("mobility:index"))
    assert r.status_code == 200 and "bediente Haltestellen" in r.content.decode()


def test_invalid_filter_is_a_form_error_not_a_500(client_a, feed):
    r = client_a.get(reverse("mobility:index"), q(feed, von="25:99"))
    assert r.status_code == 200 and "Bitte eine Uhrzeit im Format SS:MM" in r.content.decode()
    r = client_a.get(reverse("mobility:stops_geojson"), q(feed, bis="05:00"))
    assert r.status_code == 400


def test_other_municipalitys_feed_is_not_selectable(client_a, feed, muni_b, tmp_path):
    other = services.import_feed(muni_b, simple_feed().write(tmp_path / "g"), "Fremd", publish=True)
    r = client_a.get(reverse("mobility:stops_geojson"), q(other))
    assert r.status_code == 400
    assert "Fremd" not in client_a.get(reverse("mobility:index")).content.decode()


def test_stops_geojson(client_a, feed):
    r = client_a.get(reverse("mobility:stops_geojson"), q(feed))
    assert r["Content-Type"] == "application/geo+json"
    data = json.loads(r.content)
    by_id = {f["properties"]["station_id"]: f for f in data["features"]}
    assert by_id["S1"]["properties"]["category"] == "IV"
    assert by_id["S1"]["geometry"]["coordinates"] == [12.1378, 51.0486]
    assert data["metadata"]["date"] == "2026-03-10"


def test_classes_geojson(client_a, feed):
    data = json.loads(client_a.get(reverse("mobility:classes_geojson"), q(feed)).content)
    assert {f["properties"]["class"] for f in data["features"]} == {"C", "D", "E", "F"}
    assert all(f["geometry"]["type"] == "Polygon" for f in data["features"])


def test_stops_csv_has_the_command_columns(client_a, feed):
    r = client_a.get(reverse("mobility:stops_csv"), q(feed))
    rows = csv_dicts(r)
    assert rows[0] == {
        "stop_id": "S1",
        "stop_name": "Altmarkt",
        "departures": "168",
        "mean_headway_min": "5.0",
        "route_types": "3",
    }


def test_compare_two_windows(client_a, feed):
    params = {f"a-{k}": v for k, v in q(feed).items()} | {
        f"b-{k}": v for k, v in q(feed, von="06:00", bis="07:00").items()
    }
    r = client_a.get(reverse("mobility:compare"), params)
    html = r.content.decode()
    assert r.status_code == 200 and 'id="compare-table"' in html
    assert "-156" in html  # 168 → 12 departures at both stops


def test_missing_parquet_files_give_a_message_not_a_500(client_a, feed):
    import shutil

    shutil.rmtree(services.feed_path(feed))
    r = client_a.get(reverse("mobility:index"), q(feed))
    assert r.status_code == 200 and "nicht verfügbar" in r.content.decode()
    r = client_a.get(reverse("mobility:index"))  # day type → representative date reads the files too
    assert r.status_code == 200 and "nicht verfügbar" in r.content.decode()


def test_compare_two_versions(client_a, feed, muni_a, tmp_path):
    b = simple_feed()
    b.rows["stop_times.txt"] = [r for r in b.rows["stop_times.txt"] if not r[0].startswith("B1-1-")]
    newer = services.import_feed(muni_a, b.write(tmp_path / "g"), "Fahrplan 2027", publish=True)
    params = {f"a-{k}": v for k, v in q(feed).items()} | {f"b-{k}": v for k, v in q(newer).items()}
    html = client_a.get(reverse("mobility:compare"), params).content.decode()
    assert "-84" in html
    # Without direction 1, trips only end at S2: no boardable departure → no category (was IV);
    # S1 is left by the same 84 trips as before and keeps IV.
    assert '<td class="kern-table__cell">IV</td><td class="kern-table__cell">– <span' in html


def test_indicators_are_registered_and_computed(feed, grid, muni_a, client_a):
    keys = {i.key for i in figures.indicators("mobility")}
    assert {"mobility.share_class_a_d", "mobility.share_beyond_1000m", "mobility.stops_served"} <= keys
    values = {i.key: v for i, v in figures.compute_all(muni_a, keys)}
    assert values["mobility.stops_served"] == 2
    # 1,000 at the stop (B) and 500 at ~490 m (C) within A–D; 250 far away beyond 1,000 m.
    assert values["mobility.share_class_a_d"] == pytest.approx(85.7, abs=0.1)
    assert values["mobility.share_beyond_1000m"] == pytest.approx(14.3, abs=0.1)
    r = client_a.get(reverse("mobility:indicators_csv"))
    text = b"".join(r.streaming_content).decode()
    assert "mobility.share_class_a_d" in text and "85.7" in text
    html = client_a.get(reverse("mobility:indicators")).content.decode()
    assert "Mobilität in Deutschland 2023" in html
    sources = {d.key for d in figures.dataset_sources("mobility")}
    assert sources == {"mobility.stops", "mobility.indicators"}
    for d in figures.dataset_sources("mobility"):
        for dist in d.distributions:
            assert client_a.get(reverse(dist.url_name)).status_code == 200


def test_districts(feed, grid, muni_a, client_a):
    services.save_district(
        muni_a,
        "Mitte",
        json.dumps(
            {
                "type": "Polygon",
                "coordinates": [
                    [[12.13, 51.04], [12.15, 51.04], [12.15, 51.06], [12.13, 51.06], [12.13, 51.04]]
                ],
            }
        ),
    )
    html = client_a.get(reverse("mobility:index"), q(feed)).content.decode()
    assert "Erschließung je Ortsteil" in html and "Mitte" in html
    with pytest.raises(services.MobilityError):
        services.save_district(muni_a, "Kaputt", "[[1, 2]]")


# --- Staff ------------------------------------------------------------------------------------------


def upload(path: Path, name: str = "feed.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, path.read_bytes(), content_type="application/zip")


def _post_feed(client, capture, name, file):
    """POST the upload form and run the queued import job right away (as the worker would)."""
    with capture(execute=True):
        return client.post(reverse("mobility:manage"), {"name": name, "file": file})


def test_staff_upload_imports_a_feed(manager, tmp_path, muni_a, django_capture_on_commit_callbacks):
    # The upload runs as an import job (rathaus.core.jobs.imports); its page links the new version.
    c = client_for(HOST_A, manager)
    r = _post_feed(
        c, django_capture_on_commit_callbacks, "Neu", upload(simple_feed().zip(tmp_path / "f.zip"))
    )
    job = ImportJob.objects.get()
    feed = FeedVersion.objects.get(name="Neu")
    assert r.status_code == 302 and r["Location"] == reverse("jobs:import_job", args=[job.pk])
    assert job.kind == "mobility.gtfs" and job.status == "done" and job.params == {"name": "Neu"}
    assert (
        job.result["url"] == reverse("mobility:feed_detail", args=[feed.pk]) and job.result["feed"] == feed.pk
    )
    assert job.done == job.total == services.FEED_IMPORT_STEPS
    assert feed.imported_by == manager and feed.source_name == "feed.zip" and feed.state == "draft"
    page = c.get(r["Location"]).content.decode()
    assert "als Entwurf gespeichert" in page and 'http-equiv="refresh"' not in page
    assert f'href="{reverse("mobility:feed_detail", args=[feed.pk])}"' in page
    assert "Fahrplanstand Neu" in c.get(job.result["url"]).content.decode()


def test_staff_upload_of_a_broken_feed_shows_the_report_and_stores_nothing(
    manager, tmp_path, django_capture_on_commit_callbacks
):
    b = simple_feed()
    b.rows["stop_times.txt"].append(["B1-0-0", "24:61:00", "24:61:00", "S2", 3])
    c = client_for(HOST_A, manager)
    r = _post_feed(c, django_capture_on_commit_callbacks, "Kaputt", upload(b.zip(tmp_path / "f.zip")))
    assert r.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "failed" and "Der Feed wurde abgelehnt" in job.message and "2 Fehler" in job.message
    assert any(e["line"] == 338 and "stop_times.txt: " in e["message"] for e in job.errors)
    page = c.get(r["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and 'role="alert"' in html
    assert "Der Feed wurde abgelehnt" in html and "24:61:00" in html and ">338<" in html
    assert 'id="import-result"' not in html
    assert not FeedVersion.objects.exists()


def test_refused_feed_keeps_every_line_of_the_report(muni_a, tmp_path):
    report = services.gtfs.Report()
    report.error("stops.txt", 4, "Ungültige Koordinate", total=30)
    report.warn("", None, "Kein Betreiber angegeben")
    problems = services.feed_problems(report)
    assert problems == [
        {"line": 4, "column": "", "message": "stops.txt: Ungültige Koordinate"},
        {"line": None, "column": "", "message": "Warnung – Kein Betreiber angegeben"},
    ]
    message = services.refused_message(report)
    assert "30 Fehler, 1 Warnungen" in message and "höchstens 20 Beispiele" in message


def test_staff_upload_checks_content_not_name(manager, tmp_path):
    r = client_for(HOST_A, manager).post(
        reverse("mobility:manage"),
        {"name": "X", "file": SimpleUploadedFile("feed.zip", b"stop_id,stop_name\n")},
    )
    assert r.status_code == 422 and "kein ZIP-Archiv" in r.content.decode()
    assert not FeedVersion.objects.exists() and not ImportJob.objects.exists()


def test_staff_upload_size_limit(manager, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 100)
    r = client_for(HOST_A, manager).post(
        reverse("mobility:manage"), {"name": "X", "file": upload(simple_feed().zip(tmp_path / "f.zip"))}
    )
    assert r.status_code == 422 and "größer als 200 MB" in r.content.decode()
    assert not ImportJob.objects.exists()


def test_staff_upload_with_a_taken_name_is_refused_in_the_form(manager, feed, tmp_path):
    r = client_for(HOST_A, manager).post(
        reverse("mobility:manage"),
        {"name": "Fahrplan 2026", "file": upload(simple_feed().zip(tmp_path / "f.zip"))},
    )
    assert r.status_code == 422 and "existiert bereits" in r.content.decode()
    assert not ImportJob.objects.exists() and FeedVersion.objects.count() == 1


def test_name_taken_while_the_job_waited_fails_the_job(
    manager, muni_a, tmp_path, django_capture_on_commit_callbacks
):
    c = client_for(HOST_A, manager)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        r = c.post(
            reverse("mobility:manage"), {"name": "Neu", "file": upload(simple_feed().zip(tmp_path / "f.zip"))}
        )
    services.import_feed(muni_a, simple_feed().write(tmp_path / "g"), "Neu")  # e.g. import_gtfs meanwhile
    for callback in queued:
        callback()
    job = ImportJob.objects.get()
    assert r.status_code == 302 and job.status == "failed" and "existiert bereits" in job.message
    assert FeedVersion.objects.count() == 1


def test_the_feed_job_reads_the_zip_from_a_path_not_from_bytes(
    manager, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    # ADR 0022: a GTFS zip of up to 200 MB is never held in memory; the importer gets a local path
    assert services.FEED_IMPORTER.wants_path
    seen: list[Path] = []
    real = services.import_feed

    def spy(municipality, source, *args, **kwargs):
        seen.append(source)
        return real(municipality, source, *args, **kwargs)

    def no_reading_whole(*args, **kwargs):
        raise AssertionError("the GTFS job must not read the stored zip into memory")

    monkeypatch.setattr(services, "import_feed", spy)
    monkeypatch.setattr(private_storage(), "open", no_reading_whole)
    data = simple_feed().zip(tmp_path / "f.zip")
    r = _post_feed(client_for(HOST_A, manager), django_capture_on_commit_callbacks, "Neu", upload(data))
    job = ImportJob.objects.get()
    assert r.status_code == 302 and job.status == "done", job.message
    assert seen == [Path(private_storage().path(job.file_path))] and job.size == data.stat().st_size
    assert FeedVersion.objects.count() == 1


def test_double_submit_of_a_feed_is_one_job(manager, tmp_path, django_capture_on_commit_callbacks):
    c = client_for(HOST_A, manager)
    data = simple_feed().zip(tmp_path / "f.zip")
    with django_capture_on_commit_callbacks(execute=False) as queued:  # the first job still waits
        first = c.post(reverse("mobility:manage"), {"name": "Neu", "file": upload(data)})
    second = c.post(reverse("mobility:manage"), {"name": "Neu", "file": upload(data)}, follow=True)
    assert ImportJob.objects.count() == 1 and second.redirect_chain[0][0] == first["Location"]
    assert "schon importiert" in second.content.decode()
    for callback in queued:
        callback()
    assert FeedVersion.objects.count() == 1


def test_the_same_zip_under_another_name_is_a_new_import(
    manager, tmp_path, django_capture_on_commit_callbacks
):
    # the name is part of the job's params, and params are part of the double-submit checksum (ADR 0022)
    c = client_for(HOST_A, manager)
    data = simple_feed().zip(tmp_path / "f.zip")
    first = _post_feed(c, django_capture_on_commit_callbacks, "Neu", upload(data))
    second = _post_feed(c, django_capture_on_commit_callbacks, "Neu 2", upload(data))
    assert ImportJob.objects.count() == 2 and second["Location"] != first["Location"]
    assert sorted(FeedVersion.objects.values_list("name", flat=True)) == ["Neu", "Neu 2"]


def test_feed_job_page_is_for_mobility_managers_of_the_municipality(
    manager, staff_a, admin_b, muni_a, muni_b, tmp_path, django_capture_on_commit_callbacks
):
    r = _post_feed(
        client_for(HOST_A, manager),
        django_capture_on_commit_callbacks,
        "Neu",
        upload(simple_feed().zip(tmp_path / "f.zip")),
    )
    url = r["Location"]
    other = grant(make_user("hub@example.org", mfa=True), muni_a, Role.MODULE_MANAGER, ["hub"]).user
    assert client_for(HOST_A, other).get(url).status_code == 403
    assert client_for(HOST_A, staff_a).get(url).status_code == 403
    assert client_for(HOST_B, admin_b).get(url).status_code == 404  # another municipality's job
    manager_b = grant(make_user("b@example.org", mfa=True), muni_b, Role.MODULE_MANAGER, ["mobility"]).user
    assert client_for(HOST_B, manager_b).get(url).status_code == 404


def test_grid_upload_and_delete(manager, tmp_path, muni_a, django_capture_on_commit_callbacks):
    c = client_for(HOST_A, manager)
    csv_bytes = b"x,y,count\n4470000,3105000,12\n4471000,3105000,-1\n"
    r = c.post(
        reverse("mobility:grid_upload"),
        {
            "name": "Mein Raster",
            "crs": "EPSG:3035",
            "source": "",
            "file": SimpleUploadedFile("g.csv", csv_bytes),
        },
    )
    assert r.status_code == 302
    grid = PopulationGrid.objects.get()
    assert grid.cell_count == 1 and grid.population == 12
    r = c.post(
        reverse("mobility:grid_upload"),
        {"name": "Falsch", "crs": "EPSG:3035", "file": SimpleUploadedFile("g.csv", b"a,b\n1,2\n")},
    )
    assert r.status_code == 422 and "Spalten x, y" in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post(reverse("mobility:grid_delete", args=[grid.pk])).status_code == 302
    assert not PopulationGrid.objects.exists() and not services.grid_path(grid).exists()


def test_grid_in_wgs84_is_projected(muni_a, tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("x,y,count\n12.1378,51.0486,10\n")
    grid = services.import_grid(muni_a, path, "WGS", crs="EPSG:4326")
    import polars as pl

    df = pl.read_parquet(services.grid_path(grid))
    assert 4_460_000 < df["x"][0] < 4_480_000 and 3_090_000 < df["y"][0] < 3_115_000


def test_district_form(manager, muni_a):
    c = client_for(HOST_A, manager)
    r = c.post(
        reverse("mobility:district_create"),
        {"name": "Aue", "polygon": "[[12.11, 51.05], [12.15, 51.05], [12.15, 51.07]]"},
    )
    assert r.status_code == 302 and District.objects.get().name == "Aue"
    r = c.post(reverse("mobility:district_create"), {"name": "Aue", "polygon": "kein json"})
    assert r.status_code == 422 and "kein gültiges JSON" in r.content.decode()


def test_manage_page_queries_are_constant(manager, muni_a, tmp_path, django_assert_max_num_queries):
    for i in range(3):
        services.import_feed(muni_a, simple_feed().write(tmp_path / f"f{i}"), f"F{i}")
    c = client_for(HOST_A, manager)
    c.get(reverse("mobility:manage"))
    with django_assert_max_num_queries(12):
        r = c.get(reverse("mobility:manage"))
    assert r.status_code == 200 and "F2" in r.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "citizen", "staff_other_module", "manager_b"])
def test_staff_pages_need_the_mobility_module(who, muni_a, muni_b, citizen, feed, tmp_path):
    user = {
        "anonymous": None,
        "citizen": citizen,
        "staff_other_module": grant(
            make_user("hub@example.org", mfa=True), muni_a, Role.MODULE_MANAGER, ["hub"]
        ).user,
        "manager_b": grant(
            make_user("b@example.org", mfa=True), muni_b, Role.MODULE_MANAGER, ["mobility"]
        ).user,
    }[who]
    c = client_for(HOST_A, user)
    for url in (reverse("mobility:manage"), reverse("mobility:feed_detail", args=[feed.pk])):
        assert c.get(url).status_code in (302, 403, 404)
    r = c.post(
        reverse("mobility:manage"), {"name": "X", "file": upload(simple_feed().zip(tmp_path / "f.zip"))}
    )
    assert r.status_code in (302, 403, 404)
    assert c.post(reverse("mobility:feed_delete", args=[feed.pk])).status_code in (302, 403, 404)
    assert FeedVersion.objects.count() == 1 and not ImportJob.objects.exists()


def test_admin_of_b_gets_404_for_a_feed_of_a(feed, admin_b):
    c = client_for(HOST_B, admin_b)
    assert c.get(reverse("mobility:feed_detail", args=[feed.pk])).status_code == 404
    assert c.post(reverse("mobility:feed_delete", args=[feed.pk])).status_code == 404
    assert FeedVersion.objects.filter(pk=feed.pk).exists()


def test_portal_and_staff_entries(client_a, manager):
    assert reverse("mobility:index") in client_a.get("/").content.decode()


def test_demo_feed_builder_unused_guard():
    assert FeedBuilder().rows["agency.txt"]


def test_tile_url_is_configurable(client_a, feed, settings):
    html = client_a.get(reverse("mobility:index"), q(feed)).content.decode()
    assert 'data-tile-url=""' in html  # without tiles: stops and areas on a plain background
    settings.MOBILITY_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    html = client_a.get(reverse("mobility:index"), q(feed)).content.decode()
    assert 'data-tile-url="https://tiles.example/{z}/{x}/{y}.png"' in html


def test_stops_csv_neutralises_formulas_from_the_feed(client_a, muni_a, tmp_path):
    # issue 14.1: stop names come from a GTFS feed anyone can publish
    hostile = ['=HYPERLINK("http://x")', "@cmd|calc", "+1", "-1+1"]
    b = FeedBuilder()
    for i, name in enumerate(hostile):
        b.stop(f"S{i}", 51.0486 + i * 0.005, 12.1378, name)
    b.line("B1", 3, [f"S{i}" for i in range(len(hostile))], list(range(6 * 60, 8 * 60, 10)))
    feed = services.import_feed(muni_a, b.write(tmp_path / "h"), "Fahrplan 2026", publish=True)
    rows = csv_dicts(client_a.get(reverse("mobility:stops_csv"), q(feed)))
    assert {r["stop_name"] for r in rows} == {"'" + h for h in hostile}


def test_staff_upload_to_an_unwritable_storage_gives_a_clear_page(manager, tmp_path, settings):
    # issue 14.7: a file where the data folder should be (ENOTDIR even for root)
    blocker = tmp_path / "datei"
    blocker.write_text("x")
    settings.MOBILITY_DATA_DIR = blocker / "mobility"
    c = client_for(HOST_A, manager)
    feed_zip = upload(simple_feed().zip(tmp_path / "f.zip"))
    r = c.post(reverse("mobility:manage"), {"name": "Neu", "file": feed_zip})
    assert r.status_code == 503 and "Dateispeicher des Servers" in r.content.decode()
    assert not FeedVersion.objects.filter(name="Neu").exists() and not ImportJob.objects.exists()


def test_index_looks_up_the_published_feed_once(client_a, feed, grid, settings):
    """Issue 15: the default page ran the same FeedVersion query six times."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PAGE_CACHE_SECONDS = 0  # measure rendering, not the page cache
    client_a.get(reverse("mobility:index"))  # warm the analysis cache
    with CaptureQueriesContext(connection) as captured:
        r = client_a.get(reverse("mobility:index"))
    assert r.status_code == 200 and "bediente Haltestellen" in r.content.decode()
    feed_queries = [q["sql"] for q in captured.captured_queries if "mobility_feedversion" in q["sql"]]
    # the published version once, the form's choices once, the chosen one validated once
    assert len(feed_queries) <= 3, "\n".join(q[-260:] for q in feed_queries)
