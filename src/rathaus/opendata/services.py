"""Writes of the open-data app: datasets, distributions (uploads checked by content), module sync."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from rathaus.core import figures, uploads
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.models import Municipality

from . import search_provider, vocab
from .models import (
    MANUAL,
    CatalogSettings,
    Dataset,
    DatasetKeyword,
    DatasetStatus,
    DatasetTheme,
    Distribution,
)

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # 50 MB per file (docs/opendata.md)
SYNC_MAX_AGE_SECONDS = 600  # the catalog re-syncs module datasets when the last sync is older


class UploadError(Exception):
    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


# --- Datasets --------------------------------------------------------------------------------------


def _set_themes_keywords(ds: Dataset, themes: Iterable[str], keywords: Iterable[str]) -> None:
    themes = sorted({t for t in themes if t in vocab.THEME_NAMES})
    keywords = sorted({str(k).strip()[:80] for k in keywords if k and str(k).strip()})
    DatasetTheme.objects.filter(dataset=ds).exclude(code__in=themes).delete()
    have = set(DatasetTheme.objects.filter(dataset=ds).values_list("code", flat=True))
    DatasetTheme.objects.bulk_create([DatasetTheme(dataset=ds, code=c) for c in themes if c not in have])
    DatasetKeyword.objects.filter(dataset=ds).exclude(keyword__in=keywords).delete()
    have = set(DatasetKeyword.objects.filter(dataset=ds).values_list("keyword", flat=True))
    DatasetKeyword.objects.bulk_create(
        [DatasetKeyword(dataset=ds, keyword=k) for k in keywords if k not in have]
    )


@transaction.atomic
def save_dataset(
    ds: Dataset, *, themes: Iterable[str], keywords: Iterable[str], ctx: ServiceContext | None = None
) -> Dataset:
    """Create or update a staff-maintained dataset (the form has already validated the fields)."""
    created = ds.pk is None
    ds.modified = timezone.now()
    ds.save()
    _set_themes_keywords(ds, themes, keywords)
    search_provider.index_dataset(ds)
    audit.record(
        "opendata.dataset.created" if created else "opendata.dataset.changed",
        ctx=ctx,
        municipality=ds.municipality,
        obj=ds,
        changes={"title": ds.title},
    )
    return ds


@transaction.atomic
def set_status(ds: Dataset, status: str, *, ctx: ServiceContext | None = None) -> Dataset:
    ds.status = status
    if status == DatasetStatus.PUBLISHED and ds.issued is None:
        ds.issued = timezone.now()
    ds.save(update_fields=["status", "issued", "updated_at"])
    search_provider.index_dataset(ds)
    audit.record(f"opendata.dataset.{status}", ctx=ctx, municipality=ds.municipality, obj=ds)
    return ds


@transaction.atomic
def delete_dataset(ds: Dataset, *, ctx: ServiceContext | None = None) -> None:
    audit.record("opendata.dataset.deleted", ctx=ctx, municipality=ds.municipality, obj=ds)
    files = [d.file for d in ds.distributions.all() if d.file]
    pk = ds.pk
    ds.delete()
    search_provider.remove_dataset(ds.municipality, pk)
    for f in files:
        _delete_after_commit(f)


def _delete_after_commit(f: Any) -> None:
    name, storage = f.name, f.storage
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def save_settings(settings: CatalogSettings, *, ctx: ServiceContext | None = None) -> CatalogSettings:
    settings.save()
    audit.record(
        "opendata.settings.changed",
        ctx=ctx,
        municipality=settings.municipality,
        obj=settings,
        changes={"contributor_id": settings.contributor_id},
    )
    return settings


# --- Uploads ---------------------------------------------------------------------------------------


def detect_format(head: bytes, reader: IO[bytes] | None = None) -> str | None:
    """The EU file-type code of an upload, judged by its content (magic bytes / parsing), or None."""
    kind = uploads.sniff(head)
    if kind is uploads.PDF:
        return "PDF"
    if kind is uploads.ZIP:
        if reader is not None:
            try:
                with zipfile.ZipFile(reader) as zf:
                    names = set(zf.namelist())
            except zipfile.BadZipFile:
                return None
            if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                return "XLSX"
        return "ZIP"
    if b"\x00" in head:
        return None
    text = _decode(head)
    if text is None:
        return None
    stripped = text.lstrip("\ufeff \r\n\t")
    if stripped[:1] in ("{", "["):
        return "JSON"  # refined to GEOJSON after a full parse (see check_upload)
    if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in stripped[:8192]):
        return None  # control characters: not a text table
    try:
        csv.Sniffer().sniff(stripped[:8192], delimiters=",;\t|")
    except csv.Error:
        # One column has no delimiter to sniff; still a valid CSV if it has lines of text.
        return "CSV" if "\n" in stripped else None
    return "CSV"


def _decode(data: bytes) -> str | None:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            # A multi-byte character cut at the end of the sample is no reason to give up.
            if enc == "utf-8-sig":
                try:
                    return data[:-3].decode(enc) if len(data) > 3 else None
                except UnicodeDecodeError:
                    continue
    return None


@dataclass
class CheckedUpload:
    format: str
    media_type: str
    size: int
    sha256: str


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Size limit, type by content (CSV, JSON, GeoJSON, XLSX, PDF, ZIP) and SHA-256, or UploadError."""
    size = upload.size or 0
    try:
        uploads.check_file(upload, size=size, max_bytes=MAX_UPLOAD_BYTES)
    except uploads.UploadRejected as exc:
        raise UploadError(exc.message) from exc
    upload.seek(0)
    head = upload.read(65536)
    upload.seek(0)
    fmt = detect_format(head, upload.file if head.startswith(b"PK") else None)
    upload.seek(0)
    if fmt == "JSON":
        try:
            data = json.loads(upload.read().decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            fmt = None
        else:
            if isinstance(data, dict) and data.get("type") in ("FeatureCollection", "Feature"):
                fmt = "GEOJSON"
        upload.seek(0)
    if fmt not in vocab.UPLOAD_FORMATS:
        raise UploadError(
            _(
                "Dieser Dateityp ist nicht erlaubt. Erlaubt sind CSV, JSON, GeoJSON, XLSX, PDF und ZIP "
                "(geprüft wird der Inhalt, nicht die Endung). / This file type is not allowed."
            )
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    assert fmt is not None
    return CheckedUpload(fmt, vocab.FILE_TYPES[fmt][0], size, digest.hexdigest())


@transaction.atomic
def add_file(
    ds: Dataset, upload: UploadedFile, *, title: str, licence: str = "", ctx: ServiceContext | None = None
) -> Distribution:
    checked = check_upload(upload)
    dist = Distribution(
        municipality=ds.municipality,
        dataset=ds,
        title=title or upload.name or "Datei",
        format=checked.format,
        media_type=checked.media_type,
        byte_size=checked.size,
        checksum_sha256=checked.sha256,
        licence=licence,
        modified=timezone.now(),
    )
    dist.file.save((upload.name or "daten").rsplit("/", 1)[-1][:120], upload, save=False)
    dist.save()
    Dataset.objects.filter(pk=ds.pk).update(modified=timezone.now())
    audit.record(
        "opendata.distribution.added",
        ctx=ctx,
        municipality=ds.municipality,
        obj=dist,
        changes={"format": checked.format, "size": checked.size},
    )
    return dist


@transaction.atomic
def add_link(
    ds: Dataset, *, title: str, url: str, format: str, licence: str = "", ctx: ServiceContext | None = None
) -> Distribution:
    dist = Distribution.objects.create(
        municipality=ds.municipality,
        dataset=ds,
        title=title,
        url=url,
        format=format,
        media_type=vocab.FILE_TYPES.get(format, ("", ""))[0],
        licence=licence,
        modified=timezone.now(),
    )
    Dataset.objects.filter(pk=ds.pk).update(modified=timezone.now())
    audit.record(
        "opendata.distribution.added",
        ctx=ctx,
        municipality=ds.municipality,
        obj=dist,
        changes={"url": url},
    )
    return dist


@transaction.atomic
def delete_distribution(dist: Distribution, *, ctx: ServiceContext | None = None) -> None:
    audit.record("opendata.distribution.deleted", ctx=ctx, municipality=dist.municipality, obj=dist)
    f = dist.file
    ds_pk = dist.dataset_id
    dist.delete()
    Dataset.objects.filter(pk=ds_pk).update(modified=timezone.now())
    if f:
        _delete_after_commit(f)


# --- Module datasets -------------------------------------------------------------------------------


def _path(url_name: str | None) -> str:
    if not url_name:
        return ""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        log.warning("opendata: cannot reverse %s", url_name)
        return ""


def sync_module_datasets(municipality: Municipality) -> int:
    """Create/update one dataset per registered figures dataset source that has data.

    Sources whose ``modified()`` is None (no data) or that are no longer registered are set back to
    draft, so they leave the catalog. Returns the number of published module datasets.
    """
    existing = {
        d.source: d
        for d in Dataset.objects.for_tenant(municipality)
        .exclude(source=MANUAL)
        .prefetch_related("distributions")
    }
    published = 0
    for src in figures.dataset_sources():
        key = f"module:{src.key}"
        try:
            with transaction.atomic():  # savepoint: a failing query must not break the outer transaction
                modified = src.modified(municipality)
        except Exception:  # a module's bug must not take the catalog down
            log.exception("opendata: modified() of %s failed", src.key)
            continue
        ds = existing.pop(key, None)
        if modified is None:
            if ds is not None and ds.status == DatasetStatus.PUBLISHED:
                set_status(ds, DatasetStatus.DRAFT)
            continue
        published += 1
        values, dist_titles = _source_values(src)
        if ds is not None and ds.modified == modified and all(getattr(ds, k) == v for k, v in values.items()):
            continue  # nothing changed: no writes
        _write_module_dataset(municipality, ds, key, src, modified, values, dist_titles)
    for ds in existing.values():  # source no longer registered (module switched off)
        if ds.status == DatasetStatus.PUBLISHED:
            set_status(ds, DatasetStatus.DRAFT)
    cache.set(_sync_key(municipality), 1, SYNC_MAX_AGE_SECONDS)
    return published


def _source_values(src: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The dataset fields of a figures source (German and English texts) and its distributions' titles."""
    with translation.override("de"):
        title, description = str(src.title), str(src.description)
        dist_titles = {d.key: str(d.title) for d in src.distributions}
    with translation.override("en"):
        title_en, description_en = str(src.title), str(src.description)
    values = {
        "title": title[:250],
        "title_en": title_en[:250],
        "description": description,
        "description_en": description_en,
        "licence": src.licence,
        "accrual_periodicity": src.update_frequency,
        "landing_path": _path(src.landing_url_name),
        "status": DatasetStatus.PUBLISHED,
    }
    return values, dist_titles


def _write_module_dataset(
    municipality: Municipality,
    ds: Dataset | None,
    key: str,
    src: Any,
    modified: Any,
    values: dict[str, Any],
    dist_titles: dict[str, str],
) -> None:
    """Create or update the module dataset, its themes, keywords, search entry and distributions."""
    with transaction.atomic():
        if ds is None:
            ds = Dataset.objects.create(
                municipality=municipality, source=key, modified=modified, issued=timezone.now(), **values
            )
        else:
            for k, v in values.items():
                setattr(ds, k, v)
            ds.modified = modified
            ds.issued = ds.issued or timezone.now()
            ds.save()
        _set_themes_keywords(ds, src.themes, src.keywords)
        search_provider.index_dataset(ds)
        wanted = {d.key: d for d in src.distributions}
        current = {d.source_key: d for d in ds.distributions.all()}
        for k, dist in current.items():
            if k not in wanted:
                dist.delete()
        for k, spec in wanted.items():
            path = _path(spec.url_name)
            if not path:
                continue
            Distribution.objects.update_or_create(
                dataset=ds,
                source_key=k,
                defaults={
                    "municipality": municipality,
                    "title": dist_titles[k][:250],
                    "url": path,
                    "format": spec.format,
                    "media_type": spec.media_type,
                    "modified": modified,
                },
            )


def _sync_key(municipality: Municipality) -> str:
    return f"opendata:synced:{municipality.pk}"


def ensure_synced(municipality: Municipality) -> None:
    """Sync module datasets if the last sync is older than SYNC_MAX_AGE_SECONDS (called by the catalog)."""
    if not cache.get(_sync_key(municipality)):
        sync_module_datasets(municipality)
