"""Import files (rathaus.core.jobs.imports, ADR 0022): large uploads are hashed and stored in blocks,
an importer may read a local path instead of bytes, and the files of finished jobs are purged
after RATHAUS_IMPORT_FILE_DAYS."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from rathaus.core import storage_migrate
from rathaus.core.accounts.models import Role
from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports, scheduler
from rathaus.core.jobs.models import ImportJob
from rathaus.core.storage import list_prefix, private_storage
from tests.conftest import HOST_A, client_for, grant, make_user

DATA = b"a;b\n" + b"x;y\n" * 1000


def _read_bytes(
    ctx: Any, job: ImportJob, data: bytes, progress: imports.Progress
) -> tuple[str, dict[str, Any]]:
    return "ok", {"size": len(data)}


SEEN: dict[str, Any] = {}


def _read_path(
    ctx: Any, job: ImportJob, path: Path, progress: imports.Progress
) -> tuple[str, dict[str, Any]]:
    SEEN["path"], SEEN["type"] = path, type(path)
    SEEN["sha"] = hashlib.sha256(path.read_bytes()).hexdigest()
    if path.read_bytes().startswith(b"boom"):
        raise RuntimeError("a bug in an importer")
    return "ok", {}


@pytest.fixture
def kinds() -> Iterator[None]:
    imports.register_importer(
        imports.Importer(
            kind="test.small",
            module="services",
            run=_read_bytes,
            back_url_name="catalog:manage",
            max_bytes=len(DATA) + 10,
        )
    )
    imports.register_importer(
        imports.Importer(
            kind="test.path",
            module="services",
            run=_read_path,
            back_url_name="catalog:manage",
            wants_path=True,
        )
    )
    SEEN.clear()
    yield
    imports._IMPORTERS.pop("test.small", None)
    imports._IMPORTERS.pop("test.path", None)


@pytest.fixture
def ctx(muni_a) -> ServiceContext:
    user = make_user("leistungen-a@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["services"])
    return ServiceContext.for_user(user, muni_a)


def _stored(muni) -> list[str]:
    return list_prefix(private_storage(), f"imports/{muni.pk}")


OPEN: list[TemporaryUploadedFile] = []


def _spooled(data: bytes, name: str = "gross.zip") -> TemporaryUploadedFile:
    """An upload as Django hands over one above FILE_UPLOAD_MAX_MEMORY_SIZE: a temporary file
    (closed at the end of the test, as Django closes it at the end of the request)."""
    upload = TemporaryUploadedFile(name, "application/zip", len(data), None)
    upload.write(data)
    upload.seek(0)
    OPEN.append(upload)
    return upload


@pytest.fixture(autouse=True)
def _close_uploads() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()  # the storage may have moved the temporary file into place


# --- part 1: streamed uploads ---------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda d: SimpleUploadedFile("liste.csv", d), _spooled])
def test_a_streamed_upload_gives_the_same_checksum_and_file_as_bytes(ctx, muni_a, kinds, make):
    params = {"dry_run": True}
    job, started = imports.start_import(
        ctx, "test.small", "liste.csv", make(DATA), params=params, queue=False
    )
    assert started and job.checksum == imports.checksum(DATA, params) and job.size == len(DATA)
    with private_storage().open(job.file_path, "rb") as fh:
        assert fh.read() == DATA
    # the same content as bytes is the same file: a double submit
    again, started = imports.start_import(ctx, "test.small", "liste.csv", DATA, params=params, queue=False)
    assert not started and again.pk == job.pk


def test_a_large_spooled_upload_is_hashed_in_blocks_and_stored_whole(ctx, muni_a, kinds):
    data = bytes(range(256)) * (3 * imports.CHUNK // 256) + b"tail"  # over three blocks
    job, started = imports.start_import(ctx, "test.path", "gross.bin", _spooled(data), queue=False)
    assert started and job.checksum == hashlib.sha256(data).hexdigest() and job.size == len(data)
    assert imports.run(job.pk) == ImportJob.DONE
    assert SEEN["sha"] == hashlib.sha256(data).hexdigest()


def test_an_oversized_stream_is_refused_without_storing_anything(ctx, muni_a, kinds):
    before = _stored(muni_a)
    upload = SimpleUploadedFile("liste.csv", DATA + b"x;y\n" * 10)
    with pytest.raises(imports.ImportFailed, match="zu groß"):
        imports.start_import(ctx, "test.small", "liste.csv", upload)
    # a file that declares a small size but is larger is stopped while it is read
    lying = SimpleUploadedFile("liste.csv", DATA + b"x;y\n" * 10)
    lying.size = 10
    with pytest.raises(imports.ImportFailed, match="zu groß"):
        imports.start_import(ctx, "test.small", "liste.csv", lying)
    empty = SimpleUploadedFile("liste.csv", b"")
    with pytest.raises(imports.ImportFailed, match="leer"):
        imports.start_import(ctx, "test.small", "liste.csv", empty)
    assert not ImportJob.objects.exists() and _stored(muni_a) == before


def test_a_double_submit_of_a_stream_is_one_job_and_one_file(
    ctx, muni_a, kinds, django_capture_on_commit_callbacks
):
    before = _stored(muni_a)
    with django_capture_on_commit_callbacks(execute=False):
        first, started = imports.start_import(ctx, "test.path", "a.zip", _spooled(DATA))
        second, again = imports.start_import(ctx, "test.path", "a.zip", _spooled(DATA))
    assert started and not again and first.pk == second.pk
    assert ImportJob.objects.count() == 1 and set(_stored(muni_a)) - set(before) == {first.file_path}


def test_an_importer_that_wants_a_path_reads_the_stored_file(ctx, muni_a, kinds):
    job, _started = imports.start_import(ctx, "test.path", "a.zip", _spooled(DATA), queue=False)
    assert imports.run(job.pk) == ImportJob.DONE
    # a local private storage: the stored file itself, no copy
    assert SEEN["type"] is not bytes and SEEN["path"] == Path(private_storage().path(job.file_path))
    assert SEEN["sha"] == hashlib.sha256(DATA).hexdigest()


@pytest.mark.parametrize("content", [DATA, b"boom" + DATA])
def test_with_object_storage_the_path_is_a_temporary_copy_removed_afterwards(
    ctx, muni_a, kinds, monkeypatch, tmp_path, settings, content
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    monkeypatch.setattr(imports, "is_local", lambda storage: False)  # as with RATHAUS_STORAGE=s3
    job, _started = imports.start_import(ctx, "test.path", "a.zip", content, queue=False)
    status = imports.run(job.pk)
    assert status == (ImportJob.DONE if content == DATA else ImportJob.FAILED)
    assert SEEN["path"].parent == tmp_path and SEEN["sha"] == hashlib.sha256(content).hexdigest()
    assert list(tmp_path.iterdir()) == []  # removed, also after a failure
    assert private_storage().exists(job.file_path)


# --- part 2: purging the files of finished jobs --------------------------------------------------


def _job(ctx, status: str, age: timedelta, *, content: bytes = DATA, finished: bool = True) -> ImportJob:
    job, _started = imports.start_import(ctx, "test.small", "liste.csv", content, queue=False)
    then = timezone.now() - age
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, created_at=then, finished_at=then if finished else None
    )
    job.refresh_from_db()
    return job


def test_purge_deletes_files_of_finished_jobs_after_the_configured_days(ctx, muni_a, kinds, settings):
    settings.RATHAUS_IMPORT_FILE_DAYS = 30
    old_done = _job(ctx, ImportJob.DONE, timedelta(days=30, minutes=1), content=DATA + b"1;1\n")
    old_failed = _job(ctx, ImportJob.FAILED, timedelta(days=31), content=DATA + b"2;2\n")
    young = _job(ctx, ImportJob.DONE, timedelta(days=29, hours=23, minutes=59), content=DATA + b"3;3\n")
    paths = {j.pk: j.file_path for j in (old_done, old_failed, young)}
    assert imports.purge_files() == 2
    for job in (old_done, old_failed, young):
        job.refresh_from_db()
    assert old_done.file_path == "" and old_failed.file_path == "" and young.file_path == paths[young.pk]
    assert not private_storage().exists(paths[old_done.pk]) and not private_storage().exists(
        paths[old_failed.pk]
    )
    assert private_storage().exists(young.file_path)
    # the rows stay with their outcome; the file migration no longer names the purged files
    assert ImportJob.objects.count() == 3 and old_done.status == ImportJob.DONE
    assert set(storage_migrate.private_references()["jobs.imports"]()) == {young.file_path}
    # a shorter setting takes the younger one too
    settings.RATHAUS_IMPORT_FILE_DAYS = 7
    assert imports.purge_files() == 1


def test_purge_never_touches_queued_or_running_jobs(ctx, muni_a, kinds):
    queued = _job(ctx, ImportJob.QUEUED, timedelta(days=400), content=DATA + b"1;1\n", finished=False)
    running = _job(ctx, ImportJob.RUNNING, timedelta(days=400), content=DATA + b"2;2\n", finished=False)
    assert imports.purge_files() == 0
    for job in (queued, running):
        path = job.file_path
        job.refresh_from_db()
        assert job.file_path == path and private_storage().exists(path)


def test_purge_is_idempotent_and_works_in_batches(ctx, muni_a, kinds):
    jobs = [
        _job(ctx, ImportJob.DONE, timedelta(days=60), content=DATA + f"{i};{i}\n".encode()) for i in range(5)
    ]
    assert imports.purge_files(batch=2) == 5
    assert imports.purge_files(batch=2) == 0  # a second run finds nothing
    assert not ImportJob.objects.filter(pk__in=[j.pk for j in jobs]).exclude(file_path="").exists()
    assert not set(_stored(muni_a)) & {j.file_path for j in jobs}


def test_purge_finds_a_finished_job_without_end_time_by_its_creation(ctx, muni_a, kinds):
    job = _job(ctx, ImportJob.FAILED, timedelta(days=60), finished=False)
    assert imports.purge_files() == 1
    job.refresh_from_db()
    assert job.file_path == ""


class _StaleRead:
    """The rows another node read before this node purged them."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        self.rows = rows

    def filter(self, pk__gt: int) -> _StaleRead:
        return _StaleRead([r for r in self.rows if r[0] > pk__gt])

    def order_by(self, *fields: str) -> _StaleRead:
        return self

    def values_list(self, *fields: str) -> _StaleRead:
        return self

    def __getitem__(self, part: slice) -> list[tuple[int, str]]:
        return self.rows[part]


def test_two_nodes_purging_at_once_delete_each_file_once(ctx, muni_a, kinds, monkeypatch):
    job = _job(ctx, ImportJob.DONE, timedelta(days=60))
    read_by_b = [(job.pk, job.file_path)]
    assert imports.purge_files() == 1  # node A
    # node B read the row before A's update; its conditional claim fails, it deletes nothing
    private_storage().save(job.file_path, SimpleUploadedFile("x", b"a new file under that name"))
    monkeypatch.setattr(imports, "purgeable", lambda cutoff: _StaleRead(read_by_b))
    assert imports.purge_files() == 0
    assert private_storage().exists(job.file_path)
    private_storage().delete(job.file_path)


@pytest.mark.django_db(transaction=True)
def test_nodes_purging_in_parallel_delete_each_file_exactly_once(ctx, muni_a, kinds, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip(
            "true parallel runs need separate database connections: run with DATABASE_URL=postgres://…"
        )
    jobs = [
        _job(ctx, ImportJob.DONE, timedelta(days=60), content=DATA + f"{i};{i}\n".encode()) for i in range(40)
    ]
    storage = private_storage()
    real_delete, deleted = storage.delete, []

    def delete(name: str) -> None:
        deleted.append(name)
        real_delete(name)

    monkeypatch.setattr(storage, "delete", delete)
    nodes = 4
    barrier = threading.Barrier(nodes)
    counts: list[int] = []
    errors: list[BaseException] = []

    def node() -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            counts.append(imports.purge_files(batch=7))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=node) for _ in range(nodes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sum(counts) == len(jobs) and sorted(deleted) == sorted(j.file_path for j in jobs)
    assert not ImportJob.objects.exclude(file_path="").exists()


def test_the_job_page_says_the_file_is_no_longer_kept(ctx, muni_a, kinds, settings):
    settings.PAGE_CACHE_SECONDS = 0
    job = _job(ctx, ImportJob.DONE, timedelta(days=60))
    client = client_for(HOST_A, ctx.actor)
    page = client.get(reverse("jobs:import_job", args=[job.pk])).content.decode()
    assert 'id="import-file-purged"' not in page
    imports.purge_files()
    response = client.get(reverse("jobs:import_job", args=[job.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="import-file-purged"' in page
    assert "nicht mehr aufbewahrt" in page and "30 Tage" in page
    client.cookies["django_language"] = "en"
    english = client.get(reverse("jobs:import_job", args=[job.pk])).content.decode()
    assert "The uploaded file is no longer kept" in english and "30 days" in english


def test_the_purge_is_a_daily_platform_job():
    job = next(j for j in scheduler.registered() if j.name == "purge_import_files")
    assert job.interval == timedelta(days=1) and not job.per_municipality and job.module == "core"
