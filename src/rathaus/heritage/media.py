"""Image files of the digital collection: content checks, storage, tile pyramids (pyvips).

The files live in the storage alias ``heritage`` (ADR 0021): by default the private folder
RATHAUS_HERITAGE_MEDIA_ROOT, with RATHAUS_STORAGE=s3 a private bucket. Layout (never served directly;
the IIIF views read from it)::

    <municipality id>/<image id>/original.<ext>
                                /pyramid.tif            tiled pyramidal TIFF
                                /pyramid.manifest.json  object storage only: size and SHA-256 of the pyramid
                                /tiles/...              IIIF 3 tiles (dzsave)

With object storage the worker downloads the master into a temporary folder, builds the pyramid and
the tiles there and uploads them; the web process never opens the master (tiles are streamed from
the storage, other sizes are cut from the pyramid in this node's file cache, rathaus.core.filecache).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyvips
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages

from rathaus.core import filecache, storage, uploads

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # 200 MB
MAX_PIXELS = 100_000_000  # 100 megapixels
TILE_SIZE = 256
JPEG_QUALITY = 85

IMAGE_TYPES = (uploads.JPEG.media_type, uploads.PNG.media_type, uploads.TIFF.media_type)


class MediaError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def media_root() -> Path:
    configured = getattr(settings, "RATHAUS_HERITAGE_MEDIA_ROOT", "")
    return Path(configured) if configured else Path(settings.MEDIA_ROOT).parent / "heritage-media"


def image_dir(municipality_id: int, image_id: str) -> Path:
    """The image's folder in the local storage (default setup)."""
    return media_root() / str(municipality_id) / image_id


PYRAMID = "pyramid.tif"
PYRAMID_MANIFEST = "pyramid.manifest.json"


def heritage_storage() -> Storage:
    return storages[storage.HERITAGE]


def is_local() -> bool:
    return storage.is_local(heritage_storage())


def image_base(municipality_id: int, image_id: str) -> str:
    """The image's folder as a storage name."""
    return f"{municipality_id}/{image_id}"


def local_pyramid(municipality_id: int, image_id: str) -> Path:
    """A local path of the image's pyramid TIFF: the stored file, or this node's cached copy
    (rathaus.core.filecache; raises FileCacheError, an OSError, when it is not in the storage)."""
    if is_local():
        return image_dir(municipality_id, image_id) / PYRAMID
    base = image_base(municipality_id, image_id)
    folder = filecache.local_bundle(heritage_storage(), base, f"{base}/{PYRAMID_MANIFEST}")
    return folder / PYRAMID


def sniff(head: bytes) -> tuple[str, str] | None:
    """(media type, extension) of an image the collection accepts, by its first bytes; else None."""
    kind = uploads.sniff(head)
    return (kind.media_type, kind.ext) if kind and kind.media_type in IMAGE_TYPES else None


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
        raise MediaError(uploads.too_large_message(MAX_UPLOAD_BYTES))
    head = stream.read(uploads.HEAD_BYTES)
    kind = sniff(head)
    if kind is None:
        raise MediaError(_("Nur JPEG-, PNG- und TIFF-Bilder sind erlaubt (geprüft am Dateiinhalt)."))
    mime, ext = kind
    local = is_local()
    folder = (
        image_dir(municipality_id, image_id) if local else Path(tempfile.mkdtemp(prefix="rathaus-upload-"))
    )
    target = folder / f"original.{ext}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = len(head)
        with target.open("wb") as out:
            out.write(head)
            while chunk := stream.read(1024 * 1024):
                written += len(chunk)
                if written > MAX_UPLOAD_BYTES:
                    raise MediaError(uploads.too_large_message(MAX_UPLOAD_BYTES))
                out.write(chunk)
        try:
            img = pyvips.Image.new_from_file(str(target), access="sequential")
            width, height = img.width, img.height
        except pyvips.Error as exc:
            raise MediaError(_("Die Bilddatei ist beschädigt oder kann nicht gelesen werden.")) from exc
        if width * height > MAX_PIXELS:
            raise MediaError(_("Das Bild ist zu groß (höchstens 100 Megapixel)."))
        if not local:
            name = f"{image_base(municipality_id, image_id)}/original.{ext}"
            with target.open("rb") as fh:
                filecache.save_exact(heritage_storage(), name, File(fh, name=target.name))
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if not local:
            with contextlib.suppress(Exception):
                storage.delete_prefix(heritage_storage(), image_base(municipality_id, image_id))
        if storage.is_storage_fault(exc):
            raise MediaError(storage.message()) from exc
        if not local and not isinstance(exc, MediaError | KeyboardInterrupt | SystemExit):
            raise MediaError(storage.message()) from exc
        raise
    if not local:
        shutil.rmtree(folder, ignore_errors=True)
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


def build_derivatives(municipality_id: int, image_id: str, original: str) -> tuple[int, int]:
    """Build the pyramid and the tiles of a stored master (``original``: its storage name), in place
    for the local storage, else in a temporary folder of the worker whose results are uploaded (the
    tiles, the pyramid, then the pyramid's manifest). Returns (width, height)."""
    if is_local():
        return build_pyramid(media_root() / original)
    store = heritage_storage()
    base = image_base(municipality_id, image_id)
    with tempfile.TemporaryDirectory(prefix="rathaus-tiles-") as tmp:
        local_original = Path(tmp) / os.path.basename(original)
        src = storage.open_stream(store, original)
        try:
            with local_original.open("wb") as out:
                while chunk := src.read(1024 * 1024):
                    out.write(chunk)
        finally:
            src.close()
        width, height = build_pyramid(local_original)
        with contextlib.suppress(Exception):
            storage.delete_prefix(store, f"{base}/tiles")  # tiles of an earlier run
        tiles = Path(tmp) / "tiles"
        for path in sorted(tiles.rglob("*")):
            if path.is_file():
                rel = path.relative_to(Path(tmp)).as_posix()
                with path.open("rb") as fh:
                    filecache.save_exact(store, f"{base}/{rel}", File(fh, name=path.name))
        filecache.put_bundle(store, base, Path(tmp), [PYRAMID], f"{base}/{PYRAMID_MANIFEST}")
    return width, height


def scale_factors(width: int, height: int) -> list[int]:
    factors = [1]
    while max(width, height) / factors[-1] > TILE_SIZE:
        factors.append(factors[-1] * 2)
    return factors


def remove_image_files(municipality_id: int, image_id: str) -> None:
    if is_local():
        shutil.rmtree(image_dir(municipality_id, image_id), ignore_errors=True)
        return
    try:
        storage.delete_prefix(heritage_storage(), image_base(municipality_id, image_id))
    except Exception as exc:  # after the commit: the row is gone; check_files lists what remains
        logger.error("Heritage image files %s/%s not removed: %s", municipality_id, image_id, exc)
