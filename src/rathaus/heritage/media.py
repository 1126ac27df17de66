"""Image files of the digital collection: content checks, storage, tile pyramids (pyvips).

Layout of the private heritage media dir (never served directly; IIIF views read from it)::

    <RATHAUS_HERITAGE_MEDIA_ROOT>/<municipality id>/<image id>/original.<ext>
                                                               /pyramid.tif   tiled pyramidal TIFF
                                                               /tiles/...     IIIF 3 tiles (dzsave)
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyvips
from django.conf import settings

from rathaus.core import storage

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # 200 MB
MAX_PIXELS = 100_000_000  # 100 megapixels
TILE_SIZE = 256
JPEG_QUALITY = 85

MAGIC: list[tuple[bytes, str, str]] = [
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"II*\x00", "image/tiff", "tif"),
    (b"MM\x00*", "image/tiff", "tif"),
]


class MediaError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def media_root() -> Path:
    configured = getattr(settings, "RATHAUS_HERITAGE_MEDIA_ROOT", "")
    return Path(configured) if configured else Path(settings.MEDIA_ROOT).parent / "heritage-media"


def image_dir(municipality_id: int, image_id: str) -> Path:
    return media_root() / str(municipality_id) / image_id


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, mime, ext in MAGIC:
        if head.startswith(magic):
            return mime, ext
    return None


@dataclass(frozen=True)
class Checked:
    mime_type: str
    ext: str
    width: int
    height: int


def store_original(municipality_id: int, image_id: str, stream: IO[bytes], size: int | None) -> Checked:
    """Check an upload by content (magic bytes, then libvips reads the header) and store it.

    Raises MediaError with a message for the person; nothing is left behind on failure.
    """
    from django.utils.translation import gettext as _

    if size is not None and size > MAX_UPLOAD_BYTES:
        raise MediaError(_("Die Datei ist zu groß (höchstens 200 MB)."))
    head = stream.read(16)
    kind = sniff(head)
    if kind is None:
        raise MediaError(_("Nur JPEG-, PNG- und TIFF-Bilder sind erlaubt (geprüft am Dateiinhalt)."))
    mime, ext = kind
    folder = image_dir(municipality_id, image_id)
    target = folder / f"original.{ext}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = len(head)
        with target.open("wb") as out:
            out.write(head)
            while chunk := stream.read(1024 * 1024):
                written += len(chunk)
                if written > MAX_UPLOAD_BYTES:
                    raise MediaError(_("Die Datei ist zu groß (höchstens 200 MB)."))
                out.write(chunk)
        try:
            img = pyvips.Image.new_from_file(str(target), access="sequential")
            width, height = img.width, img.height
        except pyvips.Error as exc:
            raise MediaError(_("Die Bilddatei ist beschädigt oder kann nicht gelesen werden.")) from exc
        if width * height > MAX_PIXELS:
            raise MediaError(_("Das Bild ist zu groß (höchstens 100 Megapixel)."))
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if storage.is_storage_fault(exc):
            raise MediaError(storage.message()) from exc
        raise
    return Checked(mime, ext, width, height)


def _srgb(img: pyvips.Image) -> pyvips.Image:
    if img.interpretation not in (pyvips.Interpretation.SRGB, pyvips.Interpretation.B_W):
        with contextlib.suppress(pyvips.Error):
            img = img.colourspace(pyvips.Interpretation.SRGB)
    if img.hasalpha():
        img = img.flatten(background=[255, 255, 255])
    if img.format != "uchar":
        img = img.cast("uchar")
    return img


def build_pyramid(original: Path) -> tuple[int, int]:
    """Write pyramid.tif and the IIIF 3 tiles next to the original; returns (width, height)."""
    folder = original.parent
    img = _srgb(pyvips.Image.new_from_file(str(original)))
    pyramid = folder / "pyramid.tif"
    tmp = folder / "pyramid.tmp.tif"
    img.tiffsave(
        str(tmp),
        tile=True,
        tile_width=TILE_SIZE,
        tile_height=TILE_SIZE,
        pyramid=True,
        compression="jpeg",
        Q=JPEG_QUALITY,
    )
    tmp.replace(pyramid)
    tiles = folder / "tiles"
    shutil.rmtree(tiles, ignore_errors=True)
    src = pyvips.Image.new_from_file(str(pyramid))
    # dzsave appends the basename; its iiif3 layout writes {region}/{size}/0/default.jpg per tile.
    src.dzsave(
        str(folder / "tiles"),
        layout="iiif3",
        tile_size=TILE_SIZE,
        overlap=0,
        suffix=f".jpg[Q={JPEG_QUALITY}]",
    )
    return img.width, img.height


def scale_factors(width: int, height: int) -> list[int]:
    factors = [1]
    while max(width, height) / factors[-1] > TILE_SIZE:
        factors.append(factors[-1] * 2)
    return factors


def remove_image_files(municipality_id: int, image_id: str) -> None:
    shutil.rmtree(image_dir(municipality_id, image_id), ignore_errors=True)
