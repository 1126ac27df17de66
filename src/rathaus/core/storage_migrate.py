"""Moving and copying stored files between storages (docs/storage.md, "Migrating files").

Both commands build on :func:`transfer`: every file is copied, read back and compared by SHA-256
before the source is deleted (``move_private_files``) or kept (``migrate_files``). A file already at
the target with the same checksum is skipped, so an interrupted run simply runs again (resumable);
a target file with a different checksum is the remains of an interrupted copy (names are random and
never reused) and is replaced from the source, which is never deleted before its copy is verified.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.files import File
from django.core.files.storage import Storage

CHUNK = 1024 * 1024

# Callables returning the storage names of private files the database refers to (registered by the
# modules, e.g. cases: the attachments' paths); the commands check that each exists at the target.
_references: dict[str, Callable[[], Iterable[str]]] = {}


def register_private_references(label: str, names: Callable[[], Iterable[str]]) -> None:
    _references[label] = names


def private_references() -> dict[str, Callable[[], Iterable[str]]]:
    return dict(_references)


# Per storage alias ("heritage", "mobility"): a callable that, given the source storage, yields the
# file sets read through the per-node cache as (folder, member names, manifest name). ``migrate_files``
# writes their manifests (rathaus.core.filecache) at the target, which an installation that ran on
# local folders never wrote.
Bundles = Callable[[Storage], Iterable[tuple[str, list[str], str]]]
_bundles: dict[str, list[Bundles]] = {}


def register_bundles(alias: str, fn: Bundles) -> None:
    registered = _bundles.setdefault(alias, [])
    if fn not in registered:
        registered.append(fn)


def write_manifests(
    alias: str,
    src: Storage,
    dst: Storage,
    *,
    dry_run: bool = False,
    report: Report | None = None,
    log: Callable[[str], None] = lambda _line: None,
) -> Report:
    """Write the manifest of every registered file set of ``alias`` at ``dst``, computed from the
    (local) source whose files ``transfer`` copied and verified."""
    from rathaus.core import filecache

    report = report or Report()
    for fn in _bundles.get(alias, []):
        for base, members, manifest_name in fn(src):
            try:
                manifest = filecache.manifest_from_storage(src, base, members)
                if dst.exists(manifest_name):
                    with dst.open(manifest_name, "rb") as fh:
                        if fh.read() == manifest:
                            report.present.append(manifest_name)
                            continue
                if dry_run:
                    report.copied.append(manifest_name)
                    log(f"würde schreiben/would write {manifest_name}")
                    continue
                filecache.save_exact(dst, manifest_name, File(io.BytesIO(manifest), name="manifest.json"))
                report.copied.append(manifest_name)
                log(f"geschrieben/written {manifest_name}")
            except Exception as exc:
                report.failed.append((manifest_name, str(exc)))
                log(f"FEHLER/FAILED {manifest_name}: {exc}")
    return report


class TransferError(Exception):
    pass


@dataclass
class Report:
    copied: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # already at the target, same checksum
    replaced: list[str] = field(default_factory=list)  # partial copy of an earlier run, copied again
    removed: list[str] = field(default_factory=list)  # sources deleted after a verified copy
    failed: list[tuple[str, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (label, name) not at the target

    def summary(self) -> str:
        return (
            f"kopiert/copied {len(self.copied)}, vorhanden/present {len(self.present)}, "
            f"ersetzt/replaced {len(self.replaced)}, Quelle gelöscht/source removed {len(self.removed)}, "
            f"Fehler/failed {len(self.failed)}, fehlende Verweise/missing references {len(self.missing)}"
        )


def walk(storage: Storage, prefix: str = "") -> Iterator[str]:
    """All file names below ``prefix`` (recursively); nothing when the folder does not exist."""
    try:
        dirs, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(prefix, name) if prefix else name
    for d in sorted(dirs):
        yield from walk(storage, posixpath.join(prefix, d) if prefix else d)


def sha256_of(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def transfer(
    src: Storage,
    dst: Storage,
    names: Iterable[str],
    *,
    dry_run: bool = False,
    delete_source: bool = False,
    report: Report | None = None,
    log: Callable[[str], None] = lambda _line: None,
) -> Report:
    report = report or Report()
    for name in names:
        try:
            _transfer_one(
                src, dst, name, dry_run=dry_run, delete_source=delete_source, report=report, log=log
            )
        except (OSError, TransferError, Exception) as exc:  # one bad file must not stop the run
            report.failed.append((name, str(exc)))
            log(f"FEHLER/FAILED {name}: {exc}")
    return report


def _transfer_one(
    src: Storage,
    dst: Storage,
    name: str,
    *,
    dry_run: bool,
    delete_source: bool,
    report: Report,
    log: Callable[[str], None],
) -> None:
    want = sha256_of(src, name)
    replace = False
    if dst.exists(name):
        if sha256_of(dst, name) == want:
            report.present.append(name)
            if delete_source and not dry_run:
                src.delete(name)
                report.removed.append(name)
            return
        replace = True
    if dry_run:
        (report.replaced if replace else report.copied).append(name)
        log(f"würde kopieren/would copy {name}")
        return
    if replace:
        dst.delete(name)
    with src.open(name, "rb") as fh:
        saved = dst.save(name, File(fh, name=posixpath.basename(name)))
    if saved != name:
        dst.delete(saved)
        raise TransferError(f"target stored the file as {saved!r} instead of {name!r}")
    if sha256_of(dst, name) != want:
        dst.delete(name)
        raise TransferError("checksum of the copy differs from the source")
    (report.replaced if replace else report.copied).append(name)
    log(f"kopiert/copied {name} sha256={want}")
    if delete_source:
        src.delete(name)
        report.removed.append(name)


def check_references(dst: Storage, report: Report) -> Report:
    """Every private file the database names must exist at ``dst``."""
    for label, names in _references.items():
        for name in names():
            if name and not dst.exists(name):
                report.missing.append((label, name))
    return report
