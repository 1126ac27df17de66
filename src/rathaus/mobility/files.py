"""Where the Parquet files of timetables and population grids are kept: the storage alias ``mobility``.

By default that is the folder MOBILITY_DATA_DIR, read and written in place exactly as before. With
RATHAUS_STORAGE=s3 it is a private bucket (ADR 0021): an import still writes into MOBILITY_DATA_DIR
(``services.feed_path``/``grid_path``), then uploads the files and a manifest (size and SHA-256 of
each file) and hands the folder to this node's file cache. Readers ask :func:`feed_dir` /
:func:`grid_file` for a local path: the stored files, or the verified cache entry
(rathaus.core.filecache), so every app server can serve every municipality. Names in the storage::

    <municipality id>/feeds/<uid>/<table>.parquet     one folder per timetable version
    <municipality id>/feeds/<uid>/manifest.json       object storage only, written last
    <municipality id>/grids/<uid>.parquet             population grid
    <municipality id>/grids/<uid>.manifest.json       object storage only, written last
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.files.storage import Storage, storages

from rathaus.core import filecache, storage

logger = logging.getLogger(__name__)

FEED_MANIFEST = "manifest.json"


def mobility_storage() -> Storage:
    return storages[storage.MOBILITY]


def is_local() -> bool:
    return storage.is_local(mobility_storage())


def feed_base(municipality_id: int, uid: Any) -> str:
    return f"{municipality_id}/feeds/{uid}"


def grid_names(municipality_id: int, uid: Any) -> tuple[str, str, str]:
    """(folder, file name, manifest name) of a grid in the storage."""
    base = f"{municipality_id}/grids"
    return base, f"{uid}.parquet", f"{base}/{uid}.manifest.json"


def upload_feed(municipality_id: int, uid: Any, folder: Path) -> bytes | None:
    """Object storage: upload a freshly imported feed folder, manifest last (None with local storage)."""
    if is_local():
        return None
    base = feed_base(municipality_id, uid)
    members = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return filecache.put_bundle(mobility_storage(), base, folder, members, f"{base}/{FEED_MANIFEST}")


def upload_grid(municipality_id: int, uid: Any, path: Path) -> bytes | None:
    if is_local():
        return None
    base, member, manifest = grid_names(municipality_id, uid)
    return filecache.put_bundle(mobility_storage(), base, path.parent, [member], manifest)


def keep_in_cache(folder: Path, manifest: bytes | None) -> None:
    """After a committed import on object storage: the written folder becomes this node's cache entry."""
    if manifest is not None:
        filecache.adopt(folder, manifest)


def feed_dir(municipality_id: int, uid: Any, local_path: Path) -> Path:
    """A local folder with the feed's Parquet files (raises OSError when they are not available)."""
    if is_local():
        return local_path
    base = feed_base(municipality_id, uid)
    return filecache.local_bundle(mobility_storage(), base, f"{base}/{FEED_MANIFEST}")


def grid_file(municipality_id: int, uid: Any, local_path: Path) -> Path:
    if is_local():
        return local_path
    base, member, manifest = grid_names(municipality_id, uid)
    return filecache.local_bundle(mobility_storage(), base, manifest) / member


def drop_cached(path: Path) -> None:
    """A reader found a cached file corrupt: remove the cache entry (never a stored file)."""
    if not is_local():
        filecache.invalidate(path if path.is_dir() else path.parent)


def remove_feed(municipality_id: int, uid: Any) -> None:
    if is_local():
        return
    try:
        storage.delete_prefix(mobility_storage(), feed_base(municipality_id, uid))
    except Exception as exc:  # after the commit: check_files lists what remains
        logger.error("Timetable files %s not removed from the storage: %s", uid, exc)


def remove_grid(municipality_id: int, uid: Any) -> None:
    if is_local():
        return
    base, member, manifest = grid_names(municipality_id, uid)
    store = mobility_storage()
    for name in (manifest, f"{base}/{member}"):
        try:
            store.delete(name)
        except Exception as exc:
            logger.error("Grid file %s not removed from the storage: %s", name, exc)


def stored(municipality_id: int, uid: Any, *, grid: bool) -> bool:
    """Object storage: the manifest is there (``check_files``)."""
    if grid:
        return bool(mobility_storage().exists(grid_names(municipality_id, uid)[2]))
    return bool(mobility_storage().exists(f"{feed_base(municipality_id, uid)}/{FEED_MANIFEST}"))


def bundles(src: Storage) -> Iterator[tuple[str, list[str], str]]:
    """(folder, members, manifest name) of every feed and grid the database names, with the members
    found in ``src`` (``migrate_files`` writes the manifests an older local installation lacks)."""
    from .models import FeedVersion, PopulationGrid

    for muni_id, uid in FeedVersion.objects.values_list("municipality_id", "uid").iterator():
        base = feed_base(muni_id, uid)
        members = [n[len(base) + 1 :] for n in storage.list_prefix(src, base)]
        members = [m for m in members if m != FEED_MANIFEST]
        if members:
            yield base, members, f"{base}/{FEED_MANIFEST}"
    for muni_id, uid in PopulationGrid.objects.values_list("municipality_id", "uid").iterator():
        base, member, manifest = grid_names(muni_id, uid)
        if src.exists(f"{base}/{member}"):
            yield base, [member], manifest
