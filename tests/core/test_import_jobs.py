"""Import jobs (rathaus.core.jobs.imports): start, run, progress, failures, double submits, stale
jobs of dead workers, the one CSV decoding rule and the shared job page with its permissions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rathaus.catalog.models import Service
from rathaus.core.accounts.models import Role
from rathaus.core.audit.models import AuditEvent
from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports
from rathaus.core.jobs import services as jobs
from rathaus.core.jobs.models import ImportJob
from rathaus.core.storage import private_storage
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user

GOOD = "name;summary;themenfeld\nFundsachen;Fundbüro;recht-ordnung\nHund;Steuer;steuern-zoll\n".encode()


def _lines(ctx: Any, job: ImportJob, data: bytes, progress: imports.Progress) -> tuple[str, dict[str, Any]]:
    lines = imports.decode_csv(data).splitlines()
    progress.start(len(lines))
    for line in lines:
        if line == "boom":
            raise RuntimeError("a bug in an importer")
        if line.startswith("bad"):
            raise imports.ImportFailed("Kaputt.", [imports.problem("Zeile kaputt", 2, "x")])
        progress.advance()
    return f"{len(lines)} Zeilen", {"lines": len(lines)}


@pytest.fixture
def lines_importer() -> Iterator[str]:
    imports.register_importer(
        imports.Importer(kind="test.lines", module="services", run=_lines, back_url_name="catalog:manage")
    )
    yield "test.lines"
    imports._IMPORTERS.pop("test.lines", None)


@pytest.fixture
def manager_a(muni_a):
    user = make_user("leistungen-a@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["services"])
    return user


def _start(muni, user, data: bytes, kind: str = "test.lines", capture=None) -> tuple[ImportJob, bool]:
    ctx = ServiceContext.for_user(user, muni)
    with capture(execute=True):
        return imports.start_import(ctx, kind, "liste.csv", data)


# --- the decoding rule -------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["a;ö\n".encode(), "\ufeffa;ö\n".encode()])
def test_utf8_with_or_without_bom_is_read(data):
    assert imports.decode_csv(data) == "a;ö\n"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ("a;ö\n".encode("cp1252"), "UTF-8"),
        (b"a;\x00b", "keine Textdatei"),
        (b"a;\x01b\n", "keine Textdatei"),
    ],
)
def test_anything_else_is_refused_with_a_clear_message(data, says):
    with pytest.raises(imports.ImportFailed) as exc:
        imports.decode_csv(data)
    assert says in exc.value.message


# --- start and run -----------------------------------------------------------------------------


def test_job_runs_stores_the_file_privately_and_reports(
    muni_a, manager_a, lines_importer, django_capture_on_commit_callbacks
):
    job, started = _start(
        muni_a, manager_a, b"eins\nzwei\ndrei\n", capture=django_capture_on_commit_callbacks
    )
    assert started
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.message) == ("done", 3, 3, "3 Zeilen")
    assert job.result == {"lines": 3} and job.created_by == manager_a and job.finished_at
    assert job.file_path.startswith(f"imports/{muni_a.pk}/") and private_storage().exists(job.file_path)
    actions = set(AuditEvent.objects.filter(municipality=muni_a).values_list("action", flat=True))
    assert {"jobs.import.started", "jobs.import.done"} <= actions


def test_importer_failure_and_a_bug_end_failed_without_raising(
    muni_a, manager_a, lines_importer, django_capture_on_commit_callbacks
):
    job, _ = _start(muni_a, manager_a, b"eins\nbad\n", capture=django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "Kaputt.")
    assert job.errors == [{"line": 2, "column": "x", "message": "Zeile kaputt"}]
    job, _ = _start(muni_a, manager_a, b"boom\n", capture=django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "failed" and "unerwarteten Fehler" in job.message


def test_a_task_that_runs_twice_imports_once(
    muni_a, manager_a, lines_importer, django_capture_on_commit_callbacks
):
    job, _ = _start(muni_a, manager_a, b"eins\n", capture=django_capture_on_commit_callbacks)
    assert imports.run(job.pk) == "skipped"


@pytest.mark.parametrize("data", [b"", b"x" * (2 * 1024 * 1024 + 1)])
def test_empty_or_oversized_file_is_refused_at_start(muni_a, manager_a, data):
    ctx = ServiceContext.for_user(manager_a, muni_a)
    with pytest.raises(imports.ImportFailed):
        imports.start_import(ctx, "catalog.csv", "x.csv", data)
    assert not ImportJob.objects.exists()


def test_double_submit_starts_one_job(muni_a, manager_a, lines_importer, django_capture_on_commit_callbacks):
    ctx = ServiceContext.for_user(manager_a, muni_a)
    first, started = imports.start_import(ctx, "test.lines", "a.csv", b"eins\n")  # queued, not run
    again, started_again = imports.start_import(ctx, "test.lines", "a.csv", b"eins\n")
    assert started and not started_again and again.pk == first.pk
    other, started_other = imports.start_import(ctx, "test.lines", "a.csv", b"zwei\n")
    assert started_other and other.pk != first.pk
    # The database refuses a second active job of the same file even if the check is raced.
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportJob.objects.create(municipality=muni_a, kind="test.lines", checksum=first.checksum)
    # A failed import may be retried with the same file; a done one only after the window.
    ImportJob.objects.filter(pk=first.pk).update(status=ImportJob.FAILED)
    retry, started_retry = imports.start_import(ctx, "test.lines", "a.csv", b"eins\n")
    assert started_retry and retry.pk != first.pk
    ImportJob.objects.filter(pk=retry.pk).update(
        status=ImportJob.DONE, created_at=timezone.now() - timedelta(hours=1)
    )
    later, started_later = imports.start_import(ctx, "test.lines", "a.csv", b"eins\n")
    assert started_later and later.pk != retry.pk


def test_same_file_in_another_municipality_is_its_own_job(muni_a, muni_b, manager_a, admin_b, lines_importer):
    a, _ = imports.start_import(ServiceContext.for_user(manager_a, muni_a), "test.lines", "a.csv", b"eins\n")
    b, started = imports.start_import(
        ServiceContext.for_user(admin_b, muni_b), "test.lines", "a.csv", b"eins\n"
    )
    assert started and a.pk != b.pk


# --- progress ----------------------------------------------------------------------------------


def test_progress_writes_are_throttled(muni_a):
    job = ImportJob.objects.create(municipality=muni_a, kind="x", checksum="1", status=ImportJob.RUNNING)
    progress = imports.Progress(job, interval=3600)
    with CaptureQueriesContext(connection) as queries:
        progress.start(1000)
        for _ in range(1000):
            progress.advance()
    # the start and the last row, each followed by the bump of "jobs" (the job page's cached copies)
    job_writes = [q for q in queries if "pagecache_generation" not in q["sql"]]
    assert progress.writes == 2 and len(job_writes) == 2 and len(queries) == 4
    job.refresh_from_db()
    assert (job.done, job.total, job.percent) == (1000, 1000, 100) and job.heartbeat_at
    progress = imports.Progress(job, interval=0)
    progress.start(10)
    progress.advance(4)
    job.refresh_from_db()
    assert (job.done, job.percent) == (4, 40)


# --- dead workers ------------------------------------------------------------------------------


def test_running_job_without_heartbeat_is_failed_by_recover(muni_a, settings):
    settings.RATHAUS_JOB_STALE_SECONDS = 60
    old = timezone.now() - timedelta(minutes=5)
    lost = ImportJob.objects.create(
        municipality=muni_a, kind="catalog.csv", checksum="1", status=ImportJob.RUNNING, heartbeat_at=old
    )
    alive = ImportJob.objects.create(
        municipality=muni_a,
        kind="catalog.csv",
        checksum="2",
        status=ImportJob.RUNNING,
        heartbeat_at=timezone.now(),
    )
    assert jobs.find_stale()["imports"] == 1
    assert jobs.recover()["imports"] == 1
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert lost.status == "failed" and "nicht mehr gemeldet" in lost.message and lost.finished_at
    assert alive.status == "running"
    assert jobs.find_stale()["imports"] == 0


# --- the job page ------------------------------------------------------------------------------


def _job(muni, **kw: Any) -> ImportJob:
    fields = {"kind": "catalog.csv", "file_name": "liste.csv", "checksum": "1", "status": ImportJob.RUNNING}
    fields.update(kw)
    return ImportJob.objects.create(municipality=muni, **fields)


def test_job_page_shows_progress_without_javascript(muni_a, manager_a):
    job = _job(muni_a, total=200, done=50)
    client = client_for(HOST_A, manager_a)
    client.get(reverse("jobs:import_job", args=[job.pk]))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        r = client.get(reverse("jobs:import_job", args=[job.pk]))
    html = r.content.decode()
    assert r.status_code == 200
    assert '<progress id="job-progress" max="100" value="25">' in html and "50 / 200" in html
    assert '<label for="job-progress">' in html and 'role="status"' in html
    # no timed <meta refresh> (WCAG 2.2.1): a reload link without JavaScript, a pausable live update with it
    assert 'http-equiv="refresh"' not in html and f'href="/verwaltung/importe/{job.pk}/"' in html
    assert 'id="job-live" data-refresh-seconds="2"' in html and "jobs/import_job" in html
    assert 'id="job-live-toggle" aria-pressed="false" hidden' in html
    assert len(queries) <= 8, [q["sql"] for q in queries.captured_queries]


def test_failed_job_page_lists_the_problems_in_english_too(muni_a, manager_a):
    job = _job(
        muni_a,
        status=ImportJob.FAILED,
        message="Die Datei enthält 1 Fehler; es wurde nichts importiert.",
        errors=[imports.problem("Pflichtfeld ist leer.", 3, "name")],
    )
    client = client_for(HOST_A, manager_a)
    html = client.get(reverse("jobs:import_job", args=[job.pk])).content.decode()
    assert 'role="alert"' in html and ">3<" in html and ">name<" in html and "http-equiv" not in html
    assert reverse("catalog:manage") in html and reverse("catalog:manage_import") in html
    client.cookies["django_language"] = "en"
    html = client.get(reverse("jobs:import_job", args=[job.pk])).content.decode()
    assert "The import failed" in html and "Progress" in html


def test_job_page_permissions(muni_a, muni_b, manager_a, staff_a, admin_a, admin_b):
    job = _job(muni_a)
    url = reverse("jobs:import_job", args=[job.pk])
    assert client_for(HOST_A, manager_a).get(url).status_code == 200
    assert client_for(HOST_A, admin_a).get(url).status_code == 200
    assert client_for(HOST_A, staff_a).get(url).status_code == 403  # staff without the module's role
    assert client_for(HOST_A).get(url).status_code == 302  # to the login
    assert client_for(HOST_B, admin_b).get(url).status_code == 404  # another municipality's job
    editor = make_user("portal-a@example.org", mfa=True)
    grant(editor, muni_a, Role.MODULE_MANAGER, ["portal"])
    assert client_for(HOST_A, editor).get(url).status_code == 403


# --- the catalogue import through the job --------------------------------------------------------


def test_catalog_upload_runs_as_job_and_double_submit_goes_to_the_same_job(
    muni_a, manager_a, django_capture_on_commit_callbacks
):
    client = client_for(HOST_A, manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("catalog:manage_import"), {"file": SimpleUploadedFile("l.csv", GOOD)})
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("jobs:import_job", args=[job.pk])
    assert job.status == "done" and job.result == {"created": 2, "updated": 0} and job.done == 2
    assert Service.objects.for_tenant(muni_a).count() == 2
    r = client.post(
        reverse("catalog:manage_import"), {"file": SimpleUploadedFile("l.csv", GOOD)}, follow=True
    )
    assert ImportJob.objects.count() == 1 and Service.objects.for_tenant(muni_a).count() == 2
    assert "schon importiert" in r.content.decode()


def test_catalog_upload_in_another_encoding_is_refused_in_the_form(muni_a, manager_a):
    client = client_for(HOST_A, manager_a)
    data = "name;summary;themenfeld\nÄrger;x;umwelt\n".encode("cp1252")
    r = client.post(reverse("catalog:manage_import"), {"file": SimpleUploadedFile("l.csv", data)})
    assert r.status_code == 400 and "CSV UTF-8" in r.content.decode()
    assert not ImportJob.objects.exists()


# --- importers that save good rows (all_or_nothing=False), warnings, counts, params ---------------


def _rows(ctx: Any, job: ImportJob, data: bytes, progress: imports.Progress) -> tuple[str, dict[str, Any]]:
    """Saves nothing, but reports like an importer that keeps good rows and rejects bad ones."""
    lines = imports.decode_csv(data).splitlines()
    progress.start(len(lines))
    for n, line in enumerate(lines, start=1):
        if line == "boom":
            raise RuntimeError("a bug in an importer")
        if line.startswith("bad"):
            progress.reject("Zeile kaputt", n, "x")
            progress.count("failed")
        else:
            if line.endswith("?"):
                progress.warn("Wert geraten", n)
            progress.count("created")
        progress.advance()
    return "fertig", dict(progress.counts)


@pytest.fixture
def rows_importer() -> Iterator[str]:
    imports.register_importer(
        imports.Importer(
            kind="test.rows",
            module="services",
            run=_rows,
            back_url_name="catalog:manage",
            all_or_nothing=False,
        )
    )
    yield "test.rows"
    imports._IMPORTERS.pop("test.rows", None)


def test_a_row_by_row_importer_keeps_rejected_rows_warnings_and_counts_on_a_done_job(
    muni_a, manager_a, rows_importer, django_capture_on_commit_callbacks
):
    job, _ = _start(
        muni_a, manager_a, b"eins\nbad\nzwei?\n", kind="test.rows", capture=django_capture_on_commit_callbacks
    )
    job.refresh_from_db()
    assert (job.status, job.message, job.done) == ("done", "fertig", 3)
    assert job.errors == [{"line": 2, "column": "x", "message": "Zeile kaputt"}]
    assert job.warnings == [{"line": 3, "column": "", "message": "Wert geraten"}]
    assert job.result == {"created": 2, "failed": 1}
    html = client_for(HOST_A, manager_a).get(reverse("jobs:import_job", args=[job.pk])).content.decode()
    assert 'id="import-errors"' in html and "Zeile kaputt" in html
    assert 'id="import-warnings"' in html and "1 Warnung<" in html and "Wert geraten" in html
    assert (
        "<dt>neu angelegt</dt><dd>2</dd>" in html
        and "<dt>fehlerhaft (nicht übernommen)</dt><dd>1</dd>" in html
    )
    assert 'id="import-dry-run"' not in html


def test_a_row_by_row_importer_that_breaks_says_the_rows_before_are_saved(
    muni_a, manager_a, rows_importer, lines_importer, django_capture_on_commit_callbacks
):
    job, _ = _start(
        muni_a, manager_a, b"eins\nboom\n", kind="test.rows", capture=django_capture_on_commit_callbacks
    )
    job.refresh_from_db()
    assert job.status == "failed" and "Zeilen davor sind gespeichert" in job.message
    assert job.result == {"created": 1}  # what it had saved before the bug
    html = client_for(HOST_A, manager_a).get(reverse("jobs:import_job", args=[job.pk])).content.decode()
    assert "Die Zeilen davor sind gespeichert" in html and "es wurde nichts importiert" not in html
    # an all-or-nothing importer's failure keeps saying that nothing was imported, and no counts
    job, _ = _start(muni_a, manager_a, b"eins\nboom\n", capture=django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "failed" and "es wurde nichts importiert" in job.message and job.result == {}
    html = client_for(HOST_A, manager_a).get(reverse("jobs:import_job", args=[job.pk])).content.decode()
    assert "es wurde nichts importiert" in html and "Zeilen davor" not in html


def test_warnings_and_counts_are_written_with_the_progress(muni_a):
    job = ImportJob.objects.create(municipality=muni_a, kind="x", checksum="1", status=ImportJob.RUNNING)
    progress = imports.Progress(job, interval=0)
    progress.start(3)
    progress.warn("Achtung", 1)
    progress.count("created")
    progress.advance()
    job.refresh_from_db()
    assert job.warnings == [{"line": 1, "column": "", "message": "Achtung"}] and job.result == {"created": 1}
    with CaptureQueriesContext(connection) as queries:
        progress.advance()  # nothing new reported: the write is progress and heartbeat only
    # the job's row, and the bump of "jobs" (the job page's cached copies)
    job_writes = [q["sql"] for q in queries if "pagecache_generation" not in q["sql"]]
    assert len(queries) == 2 and len(job_writes) == 1 and "warnings" not in job_writes[0]


def test_messages_are_capped(muni_a):
    many = [imports.problem(f"Meldung {n}", n) for n in range(imports.MAX_ERRORS + 7)]
    kept = imports.capped(many)
    assert len(kept) == imports.MAX_ERRORS + 1 and "7 weitere" in kept[-1]["message"]


def test_params_are_part_of_the_double_submit_key(muni_a, manager_a, lines_importer):
    ctx = ServiceContext.for_user(manager_a, muni_a)
    dry, _ = imports.start_import(ctx, "test.lines", "a.csv", b"eins\n", params={"dry_run": True})
    real, started = imports.start_import(ctx, "test.lines", "a.csv", b"eins\n", params={"dry_run": False})
    assert started and real.pk != dry.pk and real.checksum != dry.checksum
    again, started_again = imports.start_import(
        ctx, "test.lines", "a.csv", b"eins\n", params={"dry_run": True}
    )
    assert not started_again and again.pk == dry.pk
    plain, _ = imports.start_import(ctx, "test.lines", "b.csv", b"zwei\n")
    assert plain.checksum == imports.checksum(b"zwei\n")  # without params: the file's SHA-256


def test_dry_run_job_page_says_nothing_is_saved(muni_a, manager_a):
    job = _job(muni_a, status=ImportJob.DONE, params={"dry_run": True}, result={"created": 4, "updated": 1})
    html = client_for(HOST_A, manager_a).get(reverse("jobs:import_job", args=[job.pk])).content.decode()
    assert 'id="import-dry-run"' in html and "nichts gespeichert" in html
    assert (
        "<dt>würden neu angelegt</dt><dd>4</dd>" in html and "<dt>würden aktualisiert</dt><dd>1</dd>" in html
    )


def test_start_without_queue_runs_in_the_callers_process(
    muni_a, manager_a, lines_importer, django_capture_on_commit_callbacks
):
    ctx = ServiceContext.for_user(manager_a, muni_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job, started = imports.start_import(ctx, "test.lines", "a.csv", b"eins\n", queue=False)
    assert started and callbacks == []  # no task queued
    assert imports.run(job.pk) == "done"


def test_import_files_are_private_references_the_file_migration_checks(
    muni_a, manager_a, lines_importer, django_capture_on_commit_callbacks
):
    from rathaus.core import storage_migrate

    job, _ = _start(muni_a, manager_a, b"eins\n", capture=django_capture_on_commit_callbacks)
    ImportJob.objects.create(municipality=muni_a, kind="x", checksum="2", status=ImportJob.FAILED)  # no file
    assert list(storage_migrate.private_references()["jobs.imports"]()) == [job.file_path]


def test_finished_job_links_its_result_on_this_site_only(muni_a, manager_a):
    """An importer's ``result["url"]`` (e.g. the imported form) is linked once the job is done; only
    a path on this site, never another host."""
    client = client_for(HOST_A, manager_a)

    def page(**kw: Any) -> str:
        job = _job(muni_a, checksum=str(ImportJob.objects.count()), **kw)
        return client.get(reverse("jobs:import_job", args=[job.pk])).content.decode()

    assert 'id="import-result" href="/leistungen/verwaltung/"' in page(
        status=ImportJob.DONE, result={"url": "/leistungen/verwaltung/"}
    )
    for url in ("https://example.org/", "//example.org/", "/\\example.org/", 7):
        assert 'id="import-result"' not in page(status=ImportJob.DONE, result={"url": url})
    assert 'id="import-result"' not in page(status=ImportJob.FAILED, result={"url": "/leistungen/"})
    assert 'id="import-result"' not in page(status=ImportJob.DONE, result={})
