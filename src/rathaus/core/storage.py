"""File storage faults: one message for staff, a middleware for every upload, and the /health probe.

Uploads (case attachments, form files, open-data distributions, GTFS feeds, heritage masters)
write files before or inside the transaction that creates their rows, so an ``OSError`` from the
storage leaves no row behind. :class:`StorageErrorMiddleware` turns such an error (folder not
writable, read-only file system, disk full, a file in place of a folder) into a 503 page with a
clear German and English message instead of a plain 500; modules that can show the message in
their form catch it earlier (:func:`is_storage_fault`, :func:`message`).
"""

from __future__ import annotations

import errno
import logging
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# errno values that mean "this place cannot be written"; others (a missing file on download) are
# real bugs and stay 500/404.
STORAGE_ERRNOS = {
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOSPC,
    errno.EDQUOT,
    errno.ENOTDIR,
    errno.EISDIR,
}

# settings that name a folder the application writes into: /health probes each of them
FILE_LOCATION_SETTINGS = {
    "heritage_media": "RATHAUS_HERITAGE_MEDIA_ROOT",
    "mobility": "MOBILITY_DATA_DIR",
}


def is_storage_fault(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS


def message() -> str:
    return _(
        "Die Datei konnte nicht gespeichert werden, weil der Dateispeicher des Servers gerade nicht "
        "beschreibbar ist. Es wurde nichts gespeichert. Bitte versuchen Sie es später erneut und "
        "informieren Sie die Administration."
    )


class StorageErrorMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)  # type: ignore[no-any-return]

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_storage_fault(exception):
            return None
        logger.error("File storage not writable: %s", exception, exc_info=exception)
        body = render_to_string("storage_error.html", {"message": message()}, request=request)
        response = HttpResponse(body, status=503)
        response["Retry-After"] = "300"
        return response


def _probe_storage() -> None:
    name = default_storage.save(f".health/probe-{uuid.uuid4().hex}", ContentFile(b"rathaus"))
    try:
        with default_storage.open(name, "rb") as fh:
            if fh.read() != b"rathaus":
                raise OSError(errno.EIO, "probe read back wrong content")
    finally:
        default_storage.delete(name)


def _probe_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".health-probe-{uuid.uuid4().hex}"
    try:
        probe.write_bytes(b"rathaus")
        if probe.read_bytes() != b"rathaus":
            raise OSError(errno.EIO, "probe read back wrong content")
    finally:
        probe.unlink(missing_ok=True)


def probe_all() -> dict[str, bool]:
    """Write, read and delete a small file in every configured file location."""
    results: dict[str, bool] = {}
    checks: list[tuple[str, Any]] = [("media", _probe_storage)]
    for name, setting in FILE_LOCATION_SETTINGS.items():
        value = getattr(settings, setting, None)
        if value:
            checks.append((name, lambda v=value: _probe_folder(Path(v))))
    for name, fn in checks:
        try:
            fn()
            results[name] = True
        except OSError as exc:
            logger.error("Storage probe %s failed: %s", name, exc)
            results[name] = False
    return results
