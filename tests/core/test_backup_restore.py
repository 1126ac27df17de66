"""Backup and restore (docs/operations.md, "Backup" and "Restore"): the RESTORE TEST.

Data with files in every location (a case attachment, a heritage image with master and pyramid, a
GTFS feed's Parquet files, an open-data distribution) is backed up with ``manage.py backup``, then
changed; ``manage.py restore`` runs in a separate process whose environment names a NEW database
and NEW folders; a third process serves the restored installation: every file the database names
exists and answers 200 through its view (attachment download, IIIF, map data, open-data download).
Reference numbers issued after the backup are never issued again. Runs on SQLite and PostgreSQL
(there the restore goes into a second database).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from rathaus.cases.models import Application, ReferenceCounter
from rathaus.core.backup import services as backup
from rathaus.core.pagecache import registry, shared
from rathaus.mobility import services as mobility
from rathaus.opendata import services as opendata
from tests.cases.conftest import PDF, apply, make_form, store_draft_file
from tests.conftest import HOST_A
from tests.heritage.conftest import add_image, make_object
from tests.mobility.conftest import gtfs_file
from tests.opendata.conftest import make_dataset

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("restore_probe.py")

pytestmark = pytest.mark.django_db(transaction=True)


def _live_dirs(settings: Any, base: Path) -> None:
    settings.MEDIA_ROOT = str(base / "media")
    settings.PRIVATE_ROOT = base / "private"
    settings.RATHAUS_HERITAGE_MEDIA_ROOT = str(base / "heritage-media")
    settings.MOBILITY_DATA_DIR = base / "mobility"


@pytest.fixture
def target_database(tmp_path):
    """A NEW, empty database for the restore: a new SQLite file, or a second PostgreSQL database."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'rathaus.sqlite3'}"
        return
    import psycopg

    name = f"{conf['NAME']}_restored"[:63]
    params = {k: conf[v] for k, v in (("host", "HOST"), ("port", "PORT"), ("user", "USER")) if conf.get(v)}
    if conf.get("PASSWORD"):
        params["password"] = conf["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    user = conf.get("USER") or "postgres"
    auth = f"{user}:{conf['PASSWORD']}" if conf.get("PASSWORD") else user
    yield f"postgres://{auth}@{conf.get('HOST') or '127.0.0.1'}:{conf.get('PORT') or 5432}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(database_url: str, base: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "RATHAUS_DATA_DIR": str(base),
            "RATHAUS_MEDIA_ROOT": str(base / "media"),
            "RATHAUS_PRIVATE_ROOT": str(base / "private"),
            "RATHAUS_HERITAGE_MEDIA_ROOT": str(base / "heritage-media"),
            "RATHAUS_MOBILITY_DIR": str(base / "mobility"),
            "RATHAUS_TASK_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        }
    )
    env.pop("RATHAUS_TEST_SQLITE_NAME", None)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _probe(env: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(PROBE)],
        env={**env, "PROBE": json.dumps(spec)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("PROBE "))
    return json.loads(line[len("PROBE ") :])  # type: ignore[no-any-return]


def test_backup_change_restore_into_new_database_and_folders(
    muni_a, citizen, settings, tmp_path, target_database, django_capture_on_commit_callbacks
):
    live = tmp_path / "live"
    _live_dirs(settings, live)

    # --- data with a file in every location ----------------------------------------------------
    muni_a.reference_prefix = "ZZ"
    muni_a.save()
    form = make_form(muni_a)
    with django_capture_on_commit_callbacks(execute=True):
        app = apply(form, user=citizen, plan=store_draft_file(muni_a, "plan.pdf", PDF))
    att = app.attachments.get()
    obj = make_object(muni_a, publish=True)
    image = add_image(obj)
    assert image.status == "ready"
    feed = mobility.import_feed(muni_a, gtfs_file("sample-feed-1.zip"), "Fahrplan 2026", publish=True)
    dataset = make_dataset(muni_a)
    dist = opendata.add_file(
        dataset, SimpleUploadedFile("baeume.csv", b"id;art\n1;Linde\n", "text/csv"), title="Baumliste"
    )

    out = io.StringIO()
    call_command("check_files", stdout=out)
    assert "files named by the database exist" in out.getvalue()

    # --- backup -------------------------------------------------------------------------------
    folder = tmp_path / "backup"
    out = io.StringIO()
    call_command("backup", output=str(folder), stdout=out)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == connection.vendor
    assert set(manifest["locations"]) >= {"default", "private", "heritage_media", "mobility"}
    assert "backup.0001_restore_record" in manifest["migrations"]
    assert att.path in manifest["locations"]["private"]["files"]  # attachments: the private storage
    assert dist.file.name in manifest["locations"]["default"]["files"]
    assert image.original in manifest["locations"]["heritage_media"]["files"]
    assert any(
        p.startswith(f"{muni_a.pk}/feeds/{feed.uid}/") for p in manifest["locations"]["mobility"]["files"]
    )
    assert not any(".health" in p for loc in manifest["locations"].values() for p in loc["files"])
    assert backup.verify_backup(folder) == []
    # a second backup never mixes into an existing one
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", output=str(folder))

    # --- change data after the backup: a new application takes the next reference number ----------
    with django_capture_on_commit_callbacks(execute=True):
        later = apply(form, user=citizen)
    issued_after_backup = later.reference
    assert issued_after_backup.endswith("-000002")
    shutil.rmtree(live / "heritage-media")  # and the live files get lost

    # --- restore into a NEW database and NEW folders (another process, another environment) ------
    restored = tmp_path / "restored"
    env = _env(target_database, restored)
    result = _manage(env, "restore", "--from", str(folder))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "check_files: all" in result.stdout

    # every file is back, byte for byte
    for name, loc in manifest["locations"].items():
        target = {
            "default": restored / "media",
            "private": restored / "private",
            "heritage_media": restored / "heritage-media",
        }.get(name, restored / "mobility" if name == "mobility" else None)
        if target is None:
            continue
        for rel, meta in loc["files"].items():
            assert backup.sha256_of(target / rel) == meta["sha256"], rel

    # --- the restored installation serves every file through its views ---------------------------
    stops_query = {"fahrplan": feed.pk, "tagestyp": "datum", "datum": feed.start_date.isoformat()}
    stops_query |= {"von": "06:00", "bis": "20:00"}
    iiif = f"/iiif/{image.image_id}/full/max/0/default.jpg"
    paths = [
        (HOST_A, citizen.email, reverse("cases:document", kwargs={"pk": app.pk, "att": att.pk})),
        (HOST_A, None, iiif),
        (HOST_A, None, f"/iiif/{image.image_id}/info.json"),
        (HOST_A, None, reverse("mobility:stops_geojson") + "?" + urlencode(stops_query)),
        (HOST_A, None, reverse("opendata:download", args=[dataset.pk, dist.pk])),
    ]
    answer = _probe(env, {"requests": paths, "allocate": [muni_a.slug]})
    for _host, _email, path in paths:
        status, size = answer["responses"][path]
        assert status == 200 and size > 0, (path, status)

    # --- reference numbers issued after the backup are never issued again ----------------------
    new_reference = answer["references"][0]
    assert new_reference != issued_after_backup
    assert int(new_reference.rsplit("-", 1)[1]) > backup.DEFAULT_REFERENCE_GAP

    # --- a second restore into the now filled target is refused; check_files finds a lost file ----
    again = _manage(env, "restore", "--from", str(folder))
    assert again.returncode != 0 and "nicht leer" in again.stderr and "not empty" in again.stderr
    (restored / "heritage-media" / image.original).unlink()
    check = _manage(env, "check_files")
    assert check.returncode != 0
    assert f"missing: heritage.ObjectImage {image.pk} original" in check.stderr

    # --- with --force the same target is overwritten, and the counters advance once more ---------
    forced = _manage(env, "restore", "--from", str(folder), "--force", "--reference-gap", "50")
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert (restored / "heritage-media" / image.original).is_file()

    # the live database is untouched by all this
    assert Application.objects.count() == 2
    assert ReferenceCounter.objects.get(municipality=muni_a).last == 2


def test_restore_refuses_a_damaged_backup_and_a_foreign_location(muni_a, settings, tmp_path, target_database):
    _live_dirs(settings, tmp_path / "live")
    Path(settings.MEDIA_ROOT, "logos").mkdir(parents=True)
    Path(settings.MEDIA_ROOT, "logos", "wappen.png").write_bytes(b"\x89PNG\r\n\x1a\nabc")
    folder = tmp_path / "backup"
    call_command("backup", output=str(folder))
    env = _env(target_database, tmp_path / "restored")

    copy = folder / "files" / "default" / "logos" / "wappen.png"
    copy.write_bytes(b"\x89PNG\r\n\x1a\nXYZ")
    damaged = _manage(env, "restore", "--from", str(folder))
    assert (
        damaged.returncode != 0
        and "backup damaged" in damaged.stderr
        and "logos/wappen.png" in damaged.stderr
    )
    copy.write_bytes(b"\x89PNG\r\n\x1a\nabc")

    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["locations"]["elsewhere"] = {"path": "/nowhere", "files": {}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    foreign = _manage(env, "restore", "--from", str(folder))
    assert foreign.returncode != 0 and "elsewhere" in foreign.stderr

    (folder / "manifest.json").unlink()
    unfinished = _manage(env, "restore", "--from", str(folder))
    assert unfinished.returncode != 0 and "not a complete backup" in unfinished.stderr


def test_advance_counters_after_a_point_in_time_recovery(muni_a, muni_b):
    from datetime import date

    from rathaus.core.backup.models import RestoreRecord

    ReferenceCounter.objects.create(municipality=muni_a, year=date.today().year, last=41)
    generations_before = shared.generations(muni_a.pk)
    out = io.StringIO()
    call_command(
        "advance_counters",
        "--since",
        f"{date.today().year - 1}-12-30T10:00:00",
        "--reference-gap",
        "500",
        stdout=out,
    )
    year = date.today().year
    assert ReferenceCounter.objects.get(municipality=muni_a, year=year).last == 541
    # the year of the recovery point and every year since: also where no number was issued yet
    assert ReferenceCounter.objects.get(municipality=muni_a, year=year - 1).last == 500
    assert ReferenceCounter.objects.get(municipality=muni_b, year=year).last == 500
    record = RestoreRecord.objects.get()
    assert record.reference_gap == 500 and record.advanced["sequences"] >= 1
    # The page cache's platform-wide counters jump beyond any value used before the recovery, so no
    # page or snapshot stored after the recovery point can be served again (ADR 0017).
    generations_after = shared.generations(muni_a.pk)
    for scope in registry.all_scopes():
        assert generations_after[(0, scope)] >= generations_before.get((0, scope), 0) + 10**12
    assert record.advanced["pagecache"][0].startswith("pagecache_generation: +")
    with pytest.raises(CommandError, match="not a time"):
        call_command("advance_counters", "--since", "gestern")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("advance_counters", "--since", "2026-01-01", "--reference-gap", "0")
