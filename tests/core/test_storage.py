"""Storage faults (issue 14, point 7): /health probes every file location, an unwritable storage
gives a clear 503 page instead of a plain 500.

The tests make a location unwritable by putting a *file* where the folder's parent should be
(``<file>/media``): mkdir then fails with ENOTDIR even for root, unlike chmod 0o500."""

from __future__ import annotations

import errno

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from rathaus.core import storage


def _health():
    return Client(HTTP_HOST="zeitz.testserver").get("/health/ready")


def blocked(tmp_path, name: str = "media"):
    blocker = tmp_path / "ein-datei-statt-ordner"
    blocker.write_text("x")
    return blocker / name


def test_health_probes_every_file_location(muni_a):
    check = _health().json()["checks"]["storage"]
    assert check == {
        "ok": True,
        "locations": {"media": True, "private": True, "heritage_media": True, "mobility": True},
    }


@pytest.mark.parametrize(
    ("setting", "name"),
    [
        ("MEDIA_ROOT", "media"),
        ("PRIVATE_ROOT", "private"),
        ("RATHAUS_HERITAGE_MEDIA_ROOT", "heritage_media"),
        ("MOBILITY_DATA_DIR", "mobility"),
    ],
)
def test_health_503_when_a_location_is_not_writable(muni_a, settings, tmp_path, setting, name):
    setattr(settings, setting, blocked(tmp_path))
    response = _health()
    assert response.status_code == 503
    check = response.json()["checks"]["storage"]
    assert check["ok"] is False and check["locations"][name] is False
    assert sum(not v for v in check["locations"].values()) == 1
    assert str(tmp_path) not in response.content.decode()  # no paths in the public answer


def test_health_probe_leaves_nothing_behind(muni_a, settings, tmp_path):
    settings.RATHAUS_HERITAGE_MEDIA_ROOT = str(tmp_path / "h")
    assert _health().status_code == 200
    assert list((tmp_path / "h").iterdir()) == []


@pytest.mark.parametrize(
    ("exc", "handled"),
    [
        (PermissionError(errno.EACCES, "denied"), True),
        (OSError(errno.EROFS, "read-only"), True),
        (OSError(errno.ENOSPC, "full"), True),
        (NotADirectoryError(errno.ENOTDIR, "not a dir"), True),
        (FileNotFoundError(errno.ENOENT, "missing"), False),  # a bug or a 404, not a full disk
        (ValueError("x"), False),
    ],
)
def test_middleware_turns_storage_faults_into_a_clear_503(db, exc, handled):
    def view(request):
        raise exc

    middleware = storage.StorageErrorMiddleware(lambda r: HttpResponse())
    request = RequestFactory().post("/x")
    response = middleware.process_exception(request, exc)
    if not handled:
        assert response is None
        return
    assert response.status_code == 503 and response["Retry-After"] == "300"
    body = response.content.decode()
    assert "Die Datei konnte nicht gespeichert werden" in body and "Es wurde nichts gespeichert" in body
