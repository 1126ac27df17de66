"""Uploads: one content check and one storage name scheme for every module (docs/architecture.md).

Every module that accepts a file checks it here, never by its name or the browser's claim:

- :func:`sniff` tells the type by the file's first bytes (:data:`HEAD_BYTES` are enough) from one
  table of signatures;
- :func:`check` refuses an empty file, a file over the caller's limit and a type the caller does not
  allow, with one wording for each refusal (:class:`UploadRejected` carries the message);
- :func:`storage_name` gives the one name scheme of stored uploads,
  ``<area>/<municipality id>/<random hex>[/<safe file name>]``, in whatever storage the file goes to
  (the private storage, or object storage where the storage alias is configured so, ADR 0008/0021).

Limits stay with the use (an attachment of an application, an image of the collection and an
open-data file have different sizes); the check and the messages are the same everywhere.
Deeper checks that need the whole file (an image header read by libvips or Pillow, a ZIP's
members, a CSV's encoding) stay with the module that understands the format.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.utils.formats import number_format
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileType:
    """A type told by content: its media type, the file name extension it is stored with and the
    short name users know it by."""

    media_type: str
    ext: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
JPEG = FileType("image/jpeg", "jpg", "JPEG")
PNG = FileType("image/png", "png", "PNG")
TIFF = FileType("image/tiff", "tif", "TIFF")
WEBP = FileType("image/webp", "webp", "WebP")
ZIP = FileType("application/zip", "zip", "ZIP")
PARQUET = FileType("application/vnd.apache.parquet", "parquet", "Parquet")

# (offset, signature, type); the first match wins
SIGNATURES: tuple[tuple[int, bytes, FileType], ...] = (
    (0, b"%PDF-", PDF),
    (0, b"\xff\xd8\xff", JPEG),
    (0, b"\x89PNG\r\n\x1a\n", PNG),
    (0, b"II*\x00", TIFF),
    (0, b"MM\x00*", TIFF),
    (8, b"WEBP", WEBP),  # after "RIFF" and the chunk size
    (0, b"PK\x03\x04", ZIP),
    (0, b"PK\x05\x06", ZIP),  # an empty archive
    (0, b"PAR1", PARQUET),
)
HEAD_BYTES = 16
LABELS = {t.media_type: t.label for _o, _s, t in SIGNATURES}


class UploadRejected(ValueError):
    """The upload is refused; ``message`` says why, in words for the person who uploaded it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = str(message)


def sniff(head: bytes) -> FileType | None:
    """The type told by the file's first bytes (at least :data:`HEAD_BYTES` of them), or None."""
    for offset, signature, kind in SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            if kind is WEBP and not head.startswith(b"RIFF"):
                continue
            return kind
    return None


def read_head(upload: IO[bytes], size: int = HEAD_BYTES) -> bytes:
    """The first bytes of an uploaded file; the file is left at its start."""
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def megabytes(size: int) -> str:
    """A byte count as megabytes in the active language's number format (``10``, ``2,5`` / ``2.5``)."""
    mb = size / (1024 * 1024)
    return number_format(round(mb, 1) if mb % 1 else int(mb))


def _limit(max_bytes: int) -> str:
    """A limit as people read it: ``10 MB``, ``2,5 MB``, or ``512 KB`` below one megabyte."""
    if max_bytes < 1024 * 1024:
        return _("%(kb)s KB") % {"kb": number_format(max(1, max_bytes // 1024))}
    return _("%(mb)s MB") % {"mb": megabytes(max_bytes)}


def type_labels(media_types: Collection[str]) -> str:
    """The allowed types as users know them: ``PDF, JPEG, PNG``."""
    return ", ".join(LABELS.get(m, m) for m in media_types)


def too_large_message(max_bytes: int, name: str = "") -> str:
    if name:
        return _("Die Datei „%(name)s“ ist zu groß (höchstens %(limit)s).") % {
            "name": name,
            "limit": _limit(max_bytes),
        }
    return _("Die Datei ist zu groß (höchstens %(limit)s).") % {"limit": _limit(max_bytes)}


def check(
    *, size: int, head: bytes, max_bytes: int, allowed: Collection[str] | None = None, name: str = ""
) -> FileType | None:
    """Refuse an empty file, one over ``max_bytes`` and one whose content is not of an ``allowed``
    media type (None: any type; the module checks the format itself). Returns the sniffed type."""
    if size <= 0:
        if name:
            raise UploadRejected(_("Die Datei „%(name)s“ ist leer.") % {"name": name})
        raise UploadRejected(_("Die Datei ist leer."))
    if size > max_bytes:
        raise UploadRejected(too_large_message(max_bytes, name))
    kind = sniff(head)
    if allowed is not None and (kind is None or kind.media_type not in allowed):
        if name:
            raise UploadRejected(
                _("Die Datei „%(name)s“ hat keinen erlaubten Typ (erlaubt: %(types)s).")
                % {"name": name, "types": type_labels(allowed)}
            )
        raise UploadRejected(
            _("Die Datei hat keinen erlaubten Typ (erlaubt: %(types)s).") % {"types": type_labels(allowed)}
        )
    return kind


def check_file(
    upload: IO[bytes], *, size: int, max_bytes: int, allowed: Collection[str] | None = None, name: str = ""
) -> FileType | None:
    """:func:`check` for an open file (an ``UploadedFile``); the file is left at its start."""
    return check(size=size, head=read_head(upload), max_bytes=max_bytes, allowed=allowed, name=name)


def safe_name(name: str, *, default: str = "datei", max_length: int = 150) -> str:
    """A file name without folders and without characters a file system or a header might trip on."""
    base = PurePath((name or default).replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or default
    return base[:max_length]


def storage_name(area: str, municipality_id: int, file_name: str = "") -> str:
    """The stored name of an upload: ``<area>/<municipality id>/<random hex>[/<safe file name>]``.

    ``area`` is the module's folder (``cases``, ``fim``, ``imports``, ``opendata``); the first two
    parts let backup, the file checks and ``migrate_files`` work per module and municipality, the
    random part keeps names unguessable and never colliding, and the original name (when kept) makes
    a download carry it."""
    base = f"{area}/{municipality_id}/{uuid.uuid4().hex}"
    return f"{base}/{safe_name(file_name, max_length=100)}" if file_name else base
