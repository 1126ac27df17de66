"""Backup and restore of the database and every file location (docs/operations.md, "Backup").

A backup is one folder::

    DIR/manifest.json          written last: a folder without it is an unfinished backup
    DIR/database.sqlite3       SQLite: a consistent copy by the sqlite3 backup API (site may run)
    DIR/database.dump          PostgreSQL: pg_dump --format=custom (consistent snapshot)
    DIR/files/<location>/...   every file location: each local FileSystemStorage alias of
                               settings.STORAGES (``default`` = MEDIA_ROOT, ``private`` …) and each
                               folder of rathaus.core.storage.FILE_LOCATION_SETTINGS whose
                               storage alias is local (object storage: the bucket's versioning)

The manifest lists every file with size and SHA-256, the app version and the applied migrations.
The database is taken FIRST and the files after it, so every file a row of the dump names is in the
backup (files uploaded during the copy are extra, never missing).

A restore goes into the database and folders configured in the environment it runs in, which must
be empty (``--force`` overwrites), checks every copied file against the manifest, checks that every
file the database names exists, advances every number counter by a gap (reference numbers issued
after the backup are never issued again) and records itself in ``backup.RestoreRecord``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from rathaus.core.storage import SettingFolderStorage, active_file_locations

from . import registry

FORMAT = 1
MANIFEST = "manifest.json"
# Storage aliases that hold no data of the installation (rebuilt by collectstatic).
NOT_DATA_ALIASES = {"staticfiles"}
# Files the application writes only for a moment (health probes, unfinished uploads).
SKIP_PREFIXES = (".health",)
DEFAULT_REFERENCE_GAP = 1000


class BackupError(Exception):
    """A refusal with a message for the operator."""


# --- locations ------------------------------------------------------------------------------------


def locations() -> dict[str, Path]:
    """Every local folder the installation keeps data in, by name (storage alias or location key)."""
    found: dict[str, Path] = {}
    for alias in settings.STORAGES:
        if alias in NOT_DATA_ALIASES:
            continue
        storage = storages[alias]
        if isinstance(storage, SettingFolderStorage):
            continue  # heritage, mobility: below under their location names (heritage_media, mobility)
        if isinstance(storage, FileSystemStorage):
            found[alias] = Path(storage.location).resolve()
    for name, path in active_file_locations().items():
        found[name] = path.resolve()
    return found


def _nested_roots(root: Path, all_roots: list[Path]) -> set[Path]:
    return {other for other in all_roots if other != root and other.is_relative_to(root)}


def _walk(root: Path, exclude: set[Path]) -> Iterator[Path]:
    """Every regular file below ``root`` (sorted), without the folders of other locations."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if (here / d) not in exclude)
        for name in sorted(filenames):
            path = here / name
            rel = path.relative_to(root).as_posix()
            if rel.startswith(SKIP_PREFIXES) or not path.is_file() or path.is_symlink():
                continue
            yield path


def _copy_with_hash(src: Path, dst: Path) -> tuple[int, str]:
    dst.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(1024 * 1024):
            digest.update(chunk)
            fout.write(chunk)
            size += len(chunk)
    shutil.copystat(src, dst)
    return size, digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# --- database -------------------------------------------------------------------------------------


def _vendor() -> str:
    return str(connections[DEFAULT_DB_ALIAS].vendor)


def pg_environment() -> dict[str, str]:
    """libpq variables for pg_dump/pg_restore from the configured database (password never on argv)."""
    conf = connections[DEFAULT_DB_ALIAS].settings_dict
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if conf.get(key):
            env[var] = str(conf[key])
    env["PGDATABASE"] = str(conf["NAME"])
    return env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{cmd[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _dump_database(target_dir: Path) -> Path:
    vendor = _vendor()
    connection = connections[DEFAULT_DB_ALIAS]
    if vendor == "sqlite":
        target = target_dir / "database.sqlite3"
        connection.ensure_connection()
        dst = sqlite3.connect(target)
        try:
            # The online backup API copies a consistent snapshot while other processes write.
            connection.connection.backup(dst)
        finally:
            dst.close()
        return target
    if vendor == "postgresql":
        target = target_dir / "database.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={target}"], pg_environment())
        return target
    raise BackupError(f"Datenbank {vendor} wird nicht unterstützt / database {vendor} is not supported")


def applied_migrations() -> list[str]:
    recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def app_version() -> str:
    try:
        from importlib.metadata import version

        base = version("rathaus")
    except Exception:
        base = "unknown"
    head = settings.PROJECT_DIR / ".git" if hasattr(settings, "PROJECT_DIR") else None
    commit = ""
    if head is not None and head.exists():
        result = subprocess.run(  # noqa: S603
            ["git", "-C", str(settings.PROJECT_DIR), "rev-parse", "--short=12", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
        commit = result.stdout.strip() if result.returncode == 0 else ""
    return f"{base}+{commit}" if commit else base


# --- backup ---------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    folder: Path
    manifest: dict[str, Any]

    @property
    def file_count(self) -> int:
        return sum(len(loc["files"]) for loc in self.manifest["locations"].values())


def _empty_or_missing(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def backup(output: Path) -> BackupResult:
    output = Path(output)
    if not _empty_or_missing(output):
        raise BackupError(
            f"Zielordner ist nicht leer / output folder is not empty: {output} "
            "(eine Sicherung je Ordner / one backup per folder)"
        )
    output.mkdir(parents=True, exist_ok=True)
    created_at = timezone.now()
    migrations = applied_migrations()
    db_file = _dump_database(output)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": created_at.isoformat(),
        "app_version": app_version(),
        "database": {
            "vendor": _vendor(),
            "file": db_file.name,
            "size": db_file.stat().st_size,
            "sha256": sha256_of(db_file),
        },
        "migrations": migrations,
        "locations": {},
    }
    roots = locations()
    all_roots = list(roots.values())
    for name, root in roots.items():
        files: dict[str, dict[str, Any]] = {}
        for path in _walk(root, _nested_roots(root, all_roots)):
            rel = path.relative_to(root).as_posix()
            try:
                size, digest = _copy_with_hash(path, output / "files" / name / rel)
            except FileNotFoundError:
                continue  # deleted while we copied: its row is gone from the dump's future, not ours
            files[rel] = {"size": size, "sha256": digest}
        manifest["locations"][name] = {"path": str(root), "files": files}
    (output / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return BackupResult(output, manifest)


# --- checks ---------------------------------------------------------------------------------------


@dataclass
class FileCheck:
    checked: int = 0
    missing: list[str] = field(default_factory=list)


def check_files() -> FileCheck:
    """Every file the database names: each FileField value in every model, plus the references the
    modules register (paths in CharFields, folders per row)."""
    result = FileCheck()
    for model in apps.get_models():
        file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        if not file_fields or model._meta.proxy:
            continue
        for f in file_fields:
            rows = model._default_manager.exclude(**{f.name: ""}).exclude(**{f"{f.name}__isnull": True})
            for pk, name in rows.values_list("pk", f.name).iterator():
                result.checked += 1
                if not f.storage.exists(name):
                    result.missing.append(f"{model._meta.label} {pk} {f.name}")
    for provider in registry.file_references().values():
        for ref in provider():
            result.checked += 1
            if not ref.exists:
                result.missing.append(f"{ref.owner} {ref.what}")
    return result


def read_manifest(folder: Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(
            "Keine vollständige Sicherung (manifest.json fehlt) / not a complete backup (no manifest): "
            f"{folder}"
        )
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unbekanntes Sicherungsformat / unknown backup format: {manifest.get('format')}")
    return manifest


def verify_backup(folder: Path) -> list[str]:
    """Differences between the backup folder and its manifest (empty: intact)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    problems: list[str] = []
    db = manifest["database"]
    db_path = folder / db["file"]
    if not db_path.is_file() or sha256_of(db_path) != db["sha256"]:
        problems.append(f"database file {db['file']}")
    for name, loc in manifest["locations"].items():
        for rel, meta in loc["files"].items():
            path = folder / "files" / name / rel
            if not path.is_file() or path.stat().st_size != meta["size"] or sha256_of(path) != meta["sha256"]:
                problems.append(f"{name}/{rel}")
    return problems


# --- restore --------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    files: int = 0
    file_check: FileCheck = field(default_factory=FileCheck)
    advanced: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _database_is_empty() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _restore_database(folder: Path, manifest: dict[str, Any], force: bool) -> None:
    vendor = _vendor()
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            f"Die Sicherung stammt aus {manifest['database']['vendor']}, konfiguriert ist {vendor} / "
            f"the backup is from {manifest['database']['vendor']}, the configured database is {vendor}"
        )
    source = folder / manifest["database"]["file"]
    connection = connections[DEFAULT_DB_ALIAS]
    if vendor == "sqlite":
        target = Path(str(connection.settings_dict["NAME"]))
        connection.close()
        if force:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return
    cmd = ["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction"]
    if force:
        cmd += ["--clean", "--if-exists"]
    env = pg_environment()
    connection.close()
    _run([*cmd, f"--dbname={env['PGDATABASE']}", str(source)], env)


def _restore_files(folder: Path, manifest: dict[str, Any], targets: dict[str, Path], force: bool) -> int:
    count = 0
    for name, loc in manifest["locations"].items():
        root = targets[name]
        if force and root.is_dir():
            nested = _nested_roots(root, list(targets.values()))
            for child in root.iterdir():
                if child in nested:
                    continue
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        root.mkdir(parents=True, exist_ok=True)
        for rel, meta in loc["files"].items():
            src = folder / "files" / name / rel
            dst = root / rel
            if not dst.resolve().is_relative_to(root):
                raise BackupError(f"Unzulässiger Pfad in der Sicherung / invalid path in the backup: {rel}")
            size, digest = _copy_with_hash(src, dst)
            if size != meta["size"] or digest != meta["sha256"]:
                raise BackupError(f"Datei beschädigt / file corrupt: {name}/{rel}")
            count += 1
    return count


def advance_sequences(gap: int) -> int:
    """Move every id sequence of the database ``gap`` ahead (ids in mailed links are not reissued)."""
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(format('%%I.%%I', schemaname, sequencename)::regclass, "
                "COALESCE(last_value, 0) + %s, true) "
                "FROM pg_sequences WHERE schemaname = current_schema()",
                [gap],
            )
            return len(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute("UPDATE sqlite_sequence SET seq = seq + %s", [gap])
        return int(cursor.rowcount)


def restore(
    folder: Path, *, force: bool = False, reference_gap: int = DEFAULT_REFERENCE_GAP
) -> RestoreResult:
    folder = Path(folder)
    manifest = read_manifest(folder)
    if reference_gap < 1:
        raise BackupError("--reference-gap muss mindestens 1 sein / must be at least 1")
    targets = locations()
    unknown = sorted(set(manifest["locations"]) - set(targets))
    if unknown:
        raise BackupError(
            "Für diese Dateiorte der Sicherung ist hier kein Ordner konfiguriert / no folder is "
            f"configured here for these file locations of the backup: {', '.join(unknown)}"
        )
    if not force:
        if not _database_is_empty():
            raise BackupError(
                "Die Zieldatenbank ist nicht leer (--force überschreibt) / the target database is not "
                "empty (--force overwrites)"
            )
        full = [f"{n}: {targets[n]}" for n in manifest["locations"] if not _empty_or_missing(targets[n])]
        if full:
            raise BackupError(
                "Zielordner nicht leer (--force überschreibt) / target folders not empty (--force "
                "overwrites): " + "; ".join(full)
            )
    problems = verify_backup(folder)
    if problems:
        raise BackupError(
            "Sicherung beschädigt / backup damaged: "
            + ", ".join(problems[:20])
            + (f" (+{len(problems) - 20})" if len(problems) > 20 else "")
        )
    result = RestoreResult(manifest)
    _restore_database(folder, manifest, force)
    result.files = _restore_files(folder, manifest, targets, force)

    restored = applied_migrations()
    if restored != manifest["migrations"]:
        raise BackupError(
            "Migrationsstand weicht vom Manifest ab / migration state differs from the manifest"
        )
    backup_created = datetime.fromisoformat(manifest["created_at"])
    result.advanced, recorded = advance_counters(
        reference_gap, backup_created, str(manifest.get("app_version", ""))
    )
    if not recorded:
        result.warnings.append(
            "Die Sicherung ist älter als die Tabelle backup_restorerecord: `manage.py migrate` ausführen; "
            "die Wiederherstellung ist nicht protokolliert / the backup predates the restore log table: "
            "run `manage.py migrate`; this restore is not recorded"
        )
    result.file_check = check_files()
    return result


def advance_counters(gap: int, since: datetime, app_version: str = "") -> tuple[dict[str, Any], bool]:
    """Advance every registered number counter and every id sequence by ``gap`` and record it (after
    ``restore`` and after a point-in-time recovery: ``manage.py advance_counters``). Returns what was
    advanced and whether the record could be written."""
    if gap < 1:
        raise BackupError("--reference-gap muss mindestens 1 sein / must be at least 1")
    advanced: dict[str, Any] = {}
    for name, advance in registry.counters().items():
        advanced[name] = advance(gap, timezone.localdate(since))
    advanced["sequences"] = advance_sequences(gap)
    from .models import RestoreRecord

    if "backup_restorerecord" not in connections[DEFAULT_DB_ALIAS].introspection.table_names():
        return advanced, False
    RestoreRecord.objects.create(
        restored_at=timezone.now(),
        backup_created_at=since,
        backup_app_version=app_version[:100],
        reference_gap=gap,
        advanced=advanced,
    )
    return advanced, True
