"""Hostile GTFS zips (probe point 2): zip bombs, lying headers, path traversal, leftovers of killed
imports. Every case gives a clear message and leaves nothing behind (no row, no folder)."""

from __future__ import annotations

import io
import os
import struct
import time
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from rathaus.mobility import gtfs, services
from rathaus.mobility.models import FeedVersion
from tests.mobility.feeds import simple_feed

pytestmark = pytest.mark.django_db


def feed_zip(path: Path, extra: dict[str, bytes] | None = None, *, skip: tuple[str, ...] = ()) -> Path:
    """The simple feed as a zip, with extra (or replacing) members."""
    folder = simple_feed().write(path.with_suffix(""), skip=skip)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.iterdir()):
            if extra is None or f.name not in extra:
                zf.write(f, f.name)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def leftovers(root: Path) -> list[Path]:
    """Everything below the data directory except empty folders."""
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def refused(muni, path: Path) -> str:
    with pytest.raises(gtfs.FeedError) as info:
        services.import_feed(muni, path, "Feindlich")
    assert not FeedVersion.objects.exists()
    return " ".join(p.message for p in info.value.report.errors)


def test_zip_of_zeros_is_stopped_by_the_ratio(muni_a, tmp_path, settings):
    # 64 MB of zeros compress to about 64 KB (ratio ~1000): refused after a few MB, not unpacked.
    zeros = b"0" * (64 * 1024 * 1024)
    path = feed_zip(tmp_path / "bomb.zip", {"shapes.txt": zeros})
    del zeros
    assert path.stat().st_size < 1024 * 1024
    message = refused(muni_a, path)
    assert "ZIP-Bombe" in message and "zip bomb" in message
    assert leftovers(Path(settings.MOBILITY_DATA_DIR)) == []


def test_total_unpacked_size_is_limited(muni_a, tmp_path, settings):
    settings.MOBILITY_MAX_UNZIPPED_BYTES = 2 * 1024 * 1024
    noise = os.urandom(3 * 1024 * 1024).hex().encode()[: 3 * 1024 * 1024]  # incompressible-ish
    message = refused(muni_a, feed_zip(tmp_path / "big.zip", {"shapes.txt": noise}))
    assert "entpackt größer als 2 MB" in message and "unpacks to more than" in message
    assert leftovers(Path(settings.MOBILITY_DATA_DIR)) == []


def lie_about_size(path: Path, member: str, size: int) -> None:
    """Overwrite the uncompressed size of ``member`` in its local header and the central directory."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    pos = 0
    while (pos := data.find(b"PK\x03\x04", pos)) != -1:
        name_len = struct.unpack_from("<H", data, pos + 26)[0]
        if bytes(data[pos + 30 : pos + 30 + name_len]) == name:
            struct.pack_into("<I", data, pos + 22, size)
        pos += 4
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + name_len]) == name:
            struct.pack_into("<I", data, pos + 24, size)
        pos += 4
    path.write_bytes(bytes(data))


def test_header_lying_about_the_size(muni_a, tmp_path, settings):
    """A header that understates the size (1 MB of data declared as 100 bytes) slips past the early
    sum check; reading stops at the declared size and the archive is refused as damaged."""
    path = feed_zip(tmp_path / "liar.zip", {"shapes.txt": b"shape_id\n" + b"x\n" * 500_000})
    lie_about_size(path, "shapes.txt", 100)
    message = refused(muni_a, path)
    assert "beschädigt" in message or "ZIP-Kopf" in message
    assert leftovers(Path(settings.MOBILITY_DATA_DIR)) == []


@pytest.mark.parametrize("name", ["../stops.txt", "gtfs/../../evil.txt", "/etc/evil.txt", "..\\evil.txt"])
def test_path_traversal_names_are_refused(muni_a, tmp_path, settings, name):
    message = refused(muni_a, feed_zip(tmp_path / "trav.zip", {name: b"stop_id\nX\n"}))
    assert "Unzulässiger Dateiname" in message and "Unsafe file name" in message
    assert not (tmp_path / "evil.txt").exists()
    assert leftovers(Path(settings.MOBILITY_DATA_DIR)) == []


def test_member_count_is_limited(muni_a, tmp_path, settings):
    settings.MOBILITY_MAX_ZIP_MEMBERS = 10
    extra = {f"extra{i}.txt": b"a\n1\n" for i in range(5)}
    message = refused(muni_a, feed_zip(tmp_path / "many.zip", extra))
    assert "höchstens 10" in message


def test_duplicate_member_names_are_refused(muni_a, tmp_path):
    message = refused(muni_a, feed_zip(tmp_path / "dup.zip", {"sub/stops.txt": b"stop_id\nX\n"}))
    assert "mehrfach" in message


def test_a_normal_zip_still_imports_and_leaves_only_its_folder(muni_a, tmp_path, settings):
    feed = services.import_feed(muni_a, feed_zip(tmp_path / "ok.zip"), "OK")
    root = Path(settings.MOBILITY_DATA_DIR)
    assert {p.parent for p in leftovers(root)} == {services.feed_path(feed)}


def age(path: Path, hours: float) -> None:
    t = time.time() - hours * 3600
    os.utime(path, (t, t))


def test_stale_work_folders_are_removed_at_the_next_import_and_by_the_command(muni_a, tmp_path, settings):
    feeds = Path(settings.MOBILITY_DATA_DIR) / str(muni_a.pk) / "feeds"
    old_partial, old_tmp, fresh = feeds / "a.partial", feeds / "b.tmp", feeds / "c.partial"
    for folder in (old_partial, old_tmp, fresh):
        folder.mkdir(parents=True)
        (folder / "stop_times.txt").write_bytes(b"x" * 1000)
    age(old_partial, 10)
    age(old_tmp, 10)
    services.import_feed(muni_a, feed_zip(tmp_path / "ok.zip"), "OK")
    assert not old_partial.exists() and not old_tmp.exists()
    assert fresh.exists()  # may belong to an import running right now

    uploads = services.upload_dir()
    stale_upload = uploads / "abc.zip.tmp"
    stale_upload.write_bytes(b"PK")
    age(stale_upload, 10)
    age(fresh, 2)
    out = io.StringIO()
    call_command("mobility_cleanup", "--hours", "1", stdout=out)
    assert not fresh.exists() and not stale_upload.exists()
    assert "2 Rest(e) entfernt" in out.getvalue()
    assert services.feed_path(FeedVersion.objects.get()).exists()  # finished feeds are untouched


def test_staff_upload_of_a_zip_bomb_fails_its_job_with_the_message(
    muni_a, tmp_path, settings, django_capture_on_commit_callbacks
):
    # The upload is an import job now: the bomb is found in the worker, the job page says so.
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from rathaus.core.accounts.models import Role
    from rathaus.core.jobs.models import ImportJob
    from tests.conftest import HOST_A, client_for, grant, make_user

    user = make_user("mobil@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["mobility"])
    path = feed_zip(tmp_path / "bomb.zip", {"shapes.txt": b"0" * (32 * 1024 * 1024)})
    client = client_for(HOST_A, user)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("mobility:manage"),
            {"name": "Bombe", "file": SimpleUploadedFile("b.zip", path.read_bytes(), "application/zip")},
        )
    assert r.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "failed" and any("ZIP-Bombe" in e["message"] for e in job.errors)
    assert "ZIP-Bombe" in client.get(r["Location"]).content.decode()
    assert not FeedVersion.objects.exists()
    assert leftovers(Path(settings.MOBILITY_DATA_DIR)) == []
