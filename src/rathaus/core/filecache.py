"""Stored file sets that a library must read from a local path, and the per-node cache for them.

polars scans Parquet and pyvips cuts pyramid TIFFs by path. With a local storage (the default) the
path is the stored file itself. With object storage the storage stays the only source of truth and
every node keeps a local cache (ADR 0021):

* a **bundle** is a set of stored files below ``base`` plus a small JSON manifest (written last) that
  names each member with its size and SHA-256;
* the cache entry of a bundle is the folder ``<RATHAUS_FILE_CACHE_DIR>/<sha256 of the manifest>``:
  keyed by content, so a new version is a new entry and no entry is ever stale;
* an entry is filled atomically (downloaded into ``.fill-<random>``, every member checked against the
  manifest, then renamed into place; a process that loses the race uses the winner's entry);
* a hit checks that every member is there with its size (a truncated or missing cached file is fetched
  again); :func:`invalidate` drops an entry whose content a reader found corrupt;
* the cache is bounded by RATHAUS_FILE_CACHE_MAX_BYTES: after a fill the least recently used entries
  are removed (a hit touches its entry).

Errors are :class:`FileCacheError` (an ``OSError``), with a message for the operator: callers that
already turn a missing local file into a clear page keep doing so.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from rathaus.core.storage import is_local, open_stream

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
FORMAT = 1
# entries used this recently are never evicted (a request may be reading them)
MIN_AGE_SECONDS = 60


class FileCacheError(OSError):
    """A stored file set is missing, incomplete or does not match its manifest."""


def _join(base: str, member: str) -> str:
    return f"{base.strip('/')}/{member}" if base.strip("/") else member


def sha256_file(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def manifest_for(folder: Path, members: list[str]) -> bytes:
    """The manifest of local files ``folder/<member>`` (sizes and SHA-256)."""
    files: dict[str, Any] = {}
    for member in sorted(members):
        size, sha = sha256_file(folder / member)
        files[member] = {"size": size, "sha256": sha}
    return json.dumps({"format": FORMAT, "files": files}, sort_keys=True, indent=1).encode()


def manifest_from_storage(storage: Storage, base: str, members: list[str]) -> bytes:
    """The manifest of stored files (reads each one: used by ``migrate_files`` for old installations)."""
    files: dict[str, Any] = {}
    for member in sorted(members):
        digest, size = hashlib.sha256(), 0
        fh = open_stream(storage, _join(base, member))
        try:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        finally:
            fh.close()
        files[member] = {"size": size, "sha256": digest.hexdigest()}
    return json.dumps({"format": FORMAT, "files": files}, sort_keys=True, indent=1).encode()


def save_exact(storage: Storage, name: str, content: Any) -> None:
    """Store ``content`` under exactly ``name`` (replacing what is there)."""
    if not getattr(storage, "file_overwrite", False) and storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, content)
    if saved != name:
        storage.delete(saved)
        raise FileCacheError(f"storage saved {name!r} as {saved!r}")


def put_bundle(storage: Storage, base: str, folder: Path, members: list[str], manifest_name: str) -> bytes:
    """Upload ``folder/<member>`` to ``base/<member>`` and then the manifest; returns the manifest.

    Only for object storage: with a local storage the files are written in place by the caller."""
    manifest = manifest_for(folder, members)
    for member in members:
        with (folder / member).open("rb") as fh:
            save_exact(storage, _join(base, member), File(fh, name=os.path.basename(member)))
    save_exact(storage, manifest_name, ContentFile(manifest))
    return manifest


def read_manifest(storage: Storage, manifest_name: str) -> tuple[bytes, dict[str, Any]]:
    try:
        fh = open_stream(storage, manifest_name)
        try:
            raw = fh.read()
        finally:
            fh.close()
        data = json.loads(raw)
        files = data["files"]
        if not isinstance(files, dict):
            raise ValueError("files is not an object")
    except FileNotFoundError as exc:
        raise FileCacheError(f"manifest {manifest_name} not in the storage") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise FileCacheError(f"manifest {manifest_name} is not readable: {exc}") from exc
    except Exception as exc:  # botocore ClientError (404, 403) and transport errors
        raise FileCacheError(f"manifest {manifest_name} could not be read: {exc}") from exc
    return raw, data


def cache_root() -> Path:
    return Path(settings.RATHAUS_FILE_CACHE_DIR)


def local_bundle(storage: Storage, base: str, manifest_name: str) -> Path:
    """A local folder holding the bundle's members (``<folder>/<member>``).

    Local storage: the stored folder itself. Object storage: this node's verified cache entry."""
    if is_local(storage):
        return Path(storage.path(base.strip("/"))) if base.strip("/") else Path(storage.path(""))
    raw, data = read_manifest(storage, manifest_name)
    files: dict[str, Any] = data["files"]
    root = cache_root()
    entry = root / hashlib.sha256(raw).hexdigest()
    if _complete(entry, files):
        with contextlib.suppress(OSError):
            os.utime(entry)
        return entry
    root.mkdir(parents=True, exist_ok=True)
    fill = root / f".fill-{uuid.uuid4().hex}"
    try:
        for member, meta in files.items():
            target = fill / member
            if ".." in Path(member).parts or Path(member).is_absolute():
                raise FileCacheError(f"manifest {manifest_name} names {member!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            digest, size = hashlib.sha256(), 0
            try:
                src = open_stream(storage, _join(base, member))
                try:
                    with target.open("wb") as out:
                        while chunk := src.read(CHUNK):
                            digest.update(chunk)
                            size += len(chunk)
                            out.write(chunk)
                finally:
                    src.close()
            except FileCacheError:
                raise
            except Exception as exc:  # missing object (404), transport errors
                raise FileCacheError(
                    f"{_join(base, member)} could not be read from the storage: {exc}"
                ) from exc
            if size != meta.get("size") or digest.hexdigest() != meta.get("sha256"):
                raise FileCacheError(f"{_join(base, member)} does not match its manifest (size or SHA-256)")
        _install(fill, entry, files)
    finally:
        shutil.rmtree(fill, ignore_errors=True)
    _evict(keep=entry)
    return entry


def adopt(folder: Path, manifest: bytes) -> Path | None:
    """Move a just-uploaded local folder into the cache as the entry of ``manifest`` (saves a download
    on the node that wrote it); the folder is gone afterwards either way."""
    data = json.loads(manifest)
    entry = cache_root() / hashlib.sha256(manifest).hexdigest()
    try:
        cache_root().mkdir(parents=True, exist_ok=True)
        fill = cache_root() / f".fill-{uuid.uuid4().hex}"
        folder.rename(fill)
    except OSError:  # another file system: simply drop it, the next reader downloads
        shutil.rmtree(folder, ignore_errors=True)
        return None
    try:
        _install(fill, entry, data["files"])
    finally:
        shutil.rmtree(fill, ignore_errors=True)
    _evict(keep=entry)
    return entry


def _install(fill: Path, entry: Path, files: dict[str, Any]) -> None:
    if entry.exists() and not _complete(entry, files):
        invalidate(entry)
    try:
        fill.rename(entry)
    except OSError:
        if not _complete(entry, files):  # lost a race to a process whose entry is incomplete
            raise FileCacheError(f"cache entry {entry} could not be filled") from None


def _complete(entry: Path, files: dict[str, Any]) -> bool:
    if not entry.is_dir():
        return False
    try:
        return all((entry / m).stat().st_size == meta.get("size") for m, meta in files.items())
    except OSError:
        return False


def invalidate(entry: Path) -> None:
    """Remove a cache entry (a reader found it corrupt); the next use downloads it again."""
    root = cache_root()
    if entry.parent != root or entry.name.startswith("."):
        return  # not a cache entry (local storage): never delete stored files
    trash = root / f".drop-{uuid.uuid4().hex}"
    with contextlib.suppress(OSError):
        entry.rename(trash)
    shutil.rmtree(trash, ignore_errors=True)
    logger.warning("File cache entry %s removed (corrupt); it is downloaded again on next use", entry.name)


def _size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            with contextlib.suppress(OSError):
                total += (Path(dirpath) / name).stat().st_size
    return total


def _evict(keep: Path) -> None:
    """Remove least recently used entries until the cache is within RATHAUS_FILE_CACHE_MAX_BYTES."""
    root = cache_root()
    limit = int(settings.RATHAUS_FILE_CACHE_MAX_BYTES)
    entries = []
    try:
        for child in root.iterdir():
            if child.name.startswith("."):
                if (
                    child.name.startswith((".fill-", ".drop-"))
                    and time.time() - child.stat().st_mtime > 86400
                ):
                    shutil.rmtree(child, ignore_errors=True)  # remains of a killed process
                continue
            entries.append((child.stat().st_mtime, child, _size(child)))
    except OSError:
        return
    total = sum(size for _m, _c, size in entries)
    now = time.time()
    for mtime, child, size in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        if child == keep or now - mtime < MIN_AGE_SECONDS:
            continue
        shutil.rmtree(child, ignore_errors=True)
        total -= size
