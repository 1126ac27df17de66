"""File storages: public media and private files, serving private files, storage faults, the probe.

Two storage aliases (docs/storage.md):

* ``default`` — public media (municipality logos, open-data distributions) under MEDIA_ROOT, which a
  proxy may serve at /media/ without any check;
* ``private`` — everything personal or internal (case attachments, form uploads, decision letters,
  receipts, import files, exports) under PRIVATE_ROOT, never under MEDIA_ROOT and without a URL.
  Views serve them only after their own access check, through :func:`file_response`.

With ``RATHAUS_STORAGE=s3`` both aliases are buckets of an S3-compatible service; private objects are
streamed through the view or, with ``RATHAUS_PRIVATE_DELIVERY=redirect``, handed out as a signed URL
that expires after ``RATHAUS_S3_SIGNED_URL_SECONDS``.

Storage faults:

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
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.core.signals import setting_changed
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
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

# settings that name a folder the application writes into: /health probes each of them, backups copy
# it (under this name). Each belongs to a storage alias (``FILE_LOCATION_ALIASES``); while that alias
# is a local folder storage the folder is the storage, with object storage it is not used.
FILE_LOCATION_SETTINGS = {
    "heritage_media": "RATHAUS_HERITAGE_MEDIA_ROOT",
    "mobility": "MOBILITY_DATA_DIR",
}
FILE_LOCATION_ALIASES = {"heritage_media": "heritage", "mobility": "mobility"}
HERITAGE = "heritage"
MOBILITY = "mobility"

PRIVATE = "private"
# Top-level folders of private files. Installations before the private storage kept them under
# MEDIA_ROOT; ``manage.py move_private_files`` moves them (docs/storage.md).
PRIVATE_PREFIXES = ("cases", "fim")


class PrivateFileSystemStorage(FileSystemStorage):
    """The local private storage: folder settings.PRIVATE_ROOT, no URL at all.

    Files are created 0640 and folders 0750: readable by the application's user (and a backup group),
    not by other users of the machine such as the web server's.
    """

    def __init__(self, location: Any = None, **kwargs: Any) -> None:
        kwargs.pop("base_url", None)
        kwargs.setdefault("file_permissions_mode", 0o640)
        kwargs.setdefault("directory_permissions_mode", 0o750)
        super().__init__(location=location, **kwargs)
        setting_changed.connect(self._clear_private_location)

    @cached_property
    def base_location(self) -> Any:
        return self._value_or_setting(self._location, settings.PRIVATE_ROOT)  # type: ignore[attr-defined]

    def _clear_private_location(self, *, setting: str, **kwargs: Any) -> None:
        if setting == "PRIVATE_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL; serve them through an access-checked view.")


class SettingFolderStorage(FileSystemStorage):
    """A local storage without URL whose folder is a setting, read on every use (tests and
    ``override_settings`` change it): aliases ``heritage`` (RATHAUS_HERITAGE_MEDIA_ROOT) and
    ``mobility`` (MOBILITY_DATA_DIR). Files and folders get the process's default modes, as before
    these folders became storages."""

    def __init__(self, setting: str = "", fallback: str = "", **kwargs: Any) -> None:
        kwargs.pop("base_url", None)
        kwargs.pop("location", None)
        self.setting, self.fallback = setting, fallback
        super().__init__(**kwargs)

    @property
    def base_location(self) -> Any:
        value = getattr(settings, self.setting, "") if self.setting else ""
        if not value:
            value = Path(settings.MEDIA_ROOT).parent / self.fallback
        return str(value)

    @property
    def location(self) -> str:
        import os

        return os.path.abspath(str(self.base_location))

    def url(self, name: str | None) -> str:
        raise ValueError("These files have no URL; they are served through Rathaus views.")


def private_storage() -> Storage:
    return storages[PRIVATE]


def is_local(storage: Storage) -> bool:
    """A storage on this machine's file system (``storage.path()`` works)."""
    return isinstance(storage, FileSystemStorage)


def active_file_locations() -> dict[str, Path]:
    """FILE_LOCATION_SETTINGS whose storage alias is a local folder (with object storage: none)."""
    found: dict[str, Path] = {}
    for name, setting in FILE_LOCATION_SETTINGS.items():
        alias = FILE_LOCATION_ALIASES.get(name)
        if alias in settings.STORAGES and not is_local(storages[alias]):
            continue
        value = getattr(settings, setting, None)
        if value:
            found[name] = Path(value)
    return found


def delete_prefix(storage: Storage, prefix: str) -> None:
    """Delete every file below the folder ``prefix`` (on S3 with batched deletes)."""
    import shutil

    prefix = prefix.strip("/")
    if not prefix:
        raise ValueError("refusing to delete the whole storage")
    if is_local(storage):
        shutil.rmtree(storage.path(prefix), ignore_errors=True)
        return
    if is_s3(storage):
        storage.bucket.objects.filter(Prefix=_s3_key(storage, prefix) + "/").delete()  # type: ignore[attr-defined]
        return
    from rathaus.core.storage_migrate import walk

    for name in list(walk(storage, prefix)):
        storage.delete(name)


def open_stream(storage: Storage, name: str) -> Any:
    """A stored file opened for reading in blocks (``.read(n)``, ``.close()``), never read whole into
    memory (django-storages' ``open()`` spools an S3 object into memory first). Missing:
    ``FileNotFoundError``."""
    if is_s3(storage):
        from botocore.exceptions import ClientError

        try:
            return storage.bucket.Object(_s3_key(storage, name)).get()["Body"]  # type: ignore[attr-defined]
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(name) from exc
            raise OSError(f"{name}: {exc}") from exc
    return storage.open(name, "rb")


def list_prefix(storage: Storage, prefix: str) -> list[str]:
    """Every file name below the folder ``prefix`` (on S3 one paged listing, not one per folder)."""
    prefix = prefix.strip("/")
    if is_s3(storage):
        location = str(getattr(storage, "location", "") or "").strip("/")
        root = location + "/" if location else ""
        want = _s3_key(storage, prefix) + "/"
        return sorted(
            o.key[len(root) :]
            for o in storage.bucket.objects.filter(Prefix=want)  # type: ignore[attr-defined]
        )
    from rathaus.core.storage_migrate import walk

    return list(walk(storage, prefix))


def is_s3(storage: Storage) -> bool:
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def local_file_locations() -> dict[str, Path]:
    """Every local folder with files: each FileSystemStorage alias and FILE_LOCATION_SETTINGS (backup)."""
    found: dict[str, Path] = {}
    for alias in settings.STORAGES:
        if alias == "staticfiles":
            continue
        storage = storages[alias]
        if isinstance(storage, SettingFolderStorage):
            continue  # listed below under its FILE_LOCATION_SETTINGS name
        if isinstance(storage, FileSystemStorage):
            found[alias] = Path(storage.location)
    found.update(active_file_locations())
    return found


def _s3_key(storage: Any, name: str) -> str:
    from storages.utils import clean_name

    return str(storage._normalize_name(clean_name(name)))


def file_response(
    storage: Storage,
    name: str,
    *,
    filename: str,
    content_type: str | None,
    as_attachment: bool = True,
) -> HttpResponseBase:
    """A stored file as a download, streamed in blocks (never read whole into memory).

    Callers check access first. A private object on S3 with RATHAUS_PRIVATE_DELIVERY=redirect is
    answered with a redirect to a signed URL that expires soon; every other file is streamed by this
    process. A missing file is 404.
    """
    if not name:
        raise Http404
    private = storage is private_storage()
    if is_s3(storage):
        from botocore.exceptions import ClientError

        key = _s3_key(storage, name)
        if private and settings.RATHAUS_PRIVATE_DELIVERY == "redirect":
            return signed_redirect(storage, name, filename=filename, content_type=content_type)
        try:
            obj = storage.bucket.Object(key).get()  # type: ignore[attr-defined]
        except ClientError as exc:
            raise Http404 from exc
        response: FileResponse = FileResponse(
            obj["Body"], as_attachment=as_attachment, filename=filename, content_type=content_type
        )
        response["Content-Length"] = str(obj["ContentLength"])
    else:
        try:
            fh = storage.open(name, "rb")
        except OSError as exc:
            raise Http404 from exc
        response = FileResponse(fh, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    if private:
        response["Cache-Control"] = "private, no-store"
    return response


def signed_url(storage: Storage, name: str, *, filename: str, content_type: str | None) -> str:
    """A short-lived signed GET URL of an S3 object that downloads as ``filename``."""
    params = {"ResponseContentDisposition": content_disposition_header(True, filename) or "attachment"}
    if content_type:
        params["ResponseContentType"] = content_type
    return str(
        storage.connection.meta.client.generate_presigned_url(  # type: ignore[attr-defined]
            "get_object",
            Params={"Bucket": storage.bucket_name, "Key": _s3_key(storage, name), **params},  # type: ignore[attr-defined]
            ExpiresIn=settings.RATHAUS_S3_SIGNED_URL_SECONDS,
            HttpMethod="GET",
        )
    )


def signed_redirect(storage: Storage, name: str, *, filename: str, content_type: str | None) -> HttpResponse:
    if not storage.exists(name):
        raise Http404
    response = HttpResponseRedirect(signed_url(storage, name, filename=filename, content_type=content_type))
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


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


def _probe_storage(storage: Storage = default_storage) -> None:
    name = storage.save(f".health/probe-{uuid.uuid4().hex}", ContentFile(b"rathaus"))
    try:
        with storage.open(name, "rb") as fh:
            if fh.read() != b"rathaus":
                raise OSError(errno.EIO, "probe read back wrong content")
    finally:
        storage.delete(name)


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
    checks: list[tuple[str, Any]] = [
        ("media", _probe_storage),
        (PRIVATE, lambda: _probe_storage(private_storage())),
    ]
    for name, setting in FILE_LOCATION_SETTINGS.items():
        alias = FILE_LOCATION_ALIASES[name]
        if alias in settings.STORAGES and not is_local(storages[alias]):
            checks.append((name, lambda a=alias: _probe_storage(storages[a])))
            continue
        value = getattr(settings, setting, None)
        if value:
            checks.append((name, lambda v=value: _probe_folder(Path(v))))
    for name, fn in checks:
        try:
            fn()
            results[name] = True
        except Exception as exc:
            logger.error("Storage probe %s failed: %s", name, exc)
            results[name] = False
    return results


def deploy_checks(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """``manage.py check --deploy``: shared state and files a production setup of several processes needs."""
    from django.core import checks

    found: list[Any] = []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache", "FileBasedCache")):
        found.append(
            checks.Warning(
                "The cache is local to each process (no RATHAUS_REDIS_URL): rate limits, cached pages "
                "and the municipality lookup are not shared between app servers and workers.",
                hint="Set RATHAUS_REDIS_URL (docs/storage.md, 'Shared state').",
                id="rathaus.W101",
            )
        )
    if settings.RATHAUS_STORAGE == "s3" and settings.RATHAUS_S3_SIGNED_URL_SECONDS > 3600:
        found.append(
            checks.Warning(
                "Signed URLs of private files stay valid for more than an hour.",
                hint="Lower RATHAUS_S3_SIGNED_URL_SECONDS (default 300).",
                id="rathaus.W102",
            )
        )
    return found
