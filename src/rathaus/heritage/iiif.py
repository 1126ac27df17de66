"""IIIF Image API 3.0 (compliance level 1 plus pct: regions and w,h / !w,h / pct: sizes) and the
Presentation API 3.0 manifests and collections (built with iiif-prezi3).

Image requests are answered from the pre-generated tiles (dzsave, layout iiif3) when the canonical
request names one, else cut with pyvips from the pyramidal TIFF (the nearest larger pyramid level
is read, so a small view of a big image stays cheap). The master is never opened here.

With object storage (ADR 0021) a tile is streamed from the storage as it arrives; any other size is
cut from the pyramid in this node's verified file cache (rathaus.core.filecache), bounded by
MAX_AREA like on a local disk.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyvips

from rathaus.core import storage

from . import media

logger = logging.getLogger(__name__)

IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
PROFILE = "level1"
PROFILE_URI = "http://iiif.io/api/image/3/level1.json"
EXTRA_FEATURES = ["regionByPct", "sizeByPct", "sizeByConfinedWh", "sizeByWh"]
MAX_AREA = 25_000_000  # largest output image (pixels); bigger requests get a 400


class IiifError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int


_NUM = r"\d+(?:\.\d+)?"
_XYWH = re.compile(r"^(\d+),(\d+),(\d+),(\d+)$")
_PCT_REGION = re.compile(rf"^pct:({_NUM}),({_NUM}),({_NUM}),({_NUM})$")


def parse_region(region: str, width: int, height: int) -> Box:
    if region == "full":
        return Box(0, 0, width, height)
    if region == "square":
        side = min(width, height)
        return Box((width - side) // 2, (height - side) // 2, side, side)
    m = _XYWH.match(region)
    if m:
        x, y, w, h = (int(v) for v in m.groups())
    else:
        m = _PCT_REGION.match(region)
        if not m:
            raise IiifError(400, f"invalid region {region!r}")
        px, py, pw, ph = (float(v) for v in m.groups())
        x, y = round(px * width / 100), round(py * height / 100)
        w, h = round(pw * width / 100), round(ph * height / 100)
    if w <= 0 or h <= 0 or x >= width or y >= height:
        raise IiifError(400, "region outside the image or empty")
    return Box(x, y, min(w, width - x), min(h, height - y))


def parse_size(size: str, region: Box) -> tuple[int, int]:
    if size.startswith("^"):
        raise IiifError(400, "upscaling (^) is not supported")
    rw, rh = region.w, region.h
    if size == "max":
        if rw * rh > MAX_AREA:
            f = math.sqrt(MAX_AREA / (rw * rh))
            return max(1, int(rw * f)), max(1, int(rh * f))
        return rw, rh
    if size.startswith("pct:"):
        try:
            pct = float(size[4:])
        except ValueError:
            raise IiifError(400, f"invalid size {size!r}") from None
        if pct <= 0 or pct > 100:
            raise IiifError(400, "pct: must be in (0, 100] without ^")
        return max(1, round(rw * pct / 100)), max(1, round(rh * pct / 100))
    confined = size.startswith("!")
    spec = size[1:] if confined else size
    m = re.match(r"^(\d*),(\d*)$", spec)
    if not m or (not m.group(1) and not m.group(2)):
        raise IiifError(400, f"invalid size {size!r}")
    w: int | None = int(m.group(1)) if m.group(1) else None
    h: int | None = int(m.group(2)) if m.group(2) else None
    if (w is not None and w <= 0) or (h is not None and h <= 0):
        raise IiifError(400, "size must be positive")
    if confined:
        if w is None or h is None:
            raise IiifError(400, f"invalid size {size!r}")
        f = min(w / rw, h / rh)
        out = max(1, round(rw * f)), max(1, round(rh * f))
    elif w is not None and h is not None:
        out = w, h
    elif w is not None:
        out = w, max(1, round(rh * w / rw))
    else:
        assert h is not None
        out = max(1, round(rw * h / rh)), h
    if out[0] > rw or out[1] > rh:
        raise IiifError(400, "size larger than the region needs ^ (not supported)")
    return out


def canonical(region: Box, out: tuple[int, int], width: int, height: int) -> tuple[str, str]:
    reg = (
        "full"
        if (region.x, region.y, region.w, region.h) == (0, 0, width, height)
        else (f"{region.x},{region.y},{region.w},{region.h}")
    )
    return reg, f"{out[0]},{out[1]}"


@dataclass
class StoredTile:
    """A pre-generated tile in object storage, opened for streaming."""

    name: str
    stream: Any
    size: int | None


def render(
    municipality_id: int,
    image_id: str,
    width: int,
    height: int,
    region_s: str,
    size_s: str,
    rotation: str,
    quality: str,
    fmt: str,
) -> tuple[bytes | Path | StoredTile, str]:
    """The image bytes (or the path of a ready tile, or a stored tile opened) and the media type."""
    if rotation not in ("0", "0.0"):
        raise IiifError(400, "only rotation 0 is supported")
    if quality not in ("default", "color"):
        raise IiifError(400, f"quality {quality!r} is not supported")
    if fmt != "jpg":
        raise IiifError(400, f"format {fmt!r} is not supported")
    region = parse_region(region_s, width, height)
    out = parse_size(size_s, region)
    if out[0] * out[1] > MAX_AREA:
        raise IiifError(400, "requested image is too large")
    reg_c, size_c = canonical(region, out, width, height)
    if not media.is_local():
        return _render_stored(
            municipality_id, image_id, width, region, out, f"tiles/{reg_c}/{size_c}/0/default.jpg"
        )
    folder = media.image_dir(municipality_id, image_id)
    tile = folder / "tiles" / reg_c / size_c / "0" / "default.jpg"
    if tile.is_file():
        return tile, "image/jpeg"
    pyramid = folder / "pyramid.tif"
    if not pyramid.is_file():
        raise missing_master(pyramid)
    try:
        return cut(pyramid, width, region, out), "image/jpeg"
    except pyvips.Error as exc:  # unreadable or truncated file, removed between check and read
        raise missing_master(pyramid, exc) from exc


def _render_stored(
    municipality_id: int, image_id: str, width: int, region: Box, out: tuple[int, int], tile: str
) -> tuple[bytes | StoredTile, str]:
    store = media.heritage_storage()
    name = f"{media.image_base(municipality_id, image_id)}/{tile}"
    try:
        stream = storage.open_stream(store, name)
    except FileNotFoundError:
        pass
    except OSError as exc:  # the storage does not answer: the viewer retries
        logger.warning("IIIF tile %s not readable from the storage: %s", name, exc)
        raise IiifError(503, "image storage not available") from exc
    else:
        return StoredTile(name, stream, getattr(stream, "_content_length", None)), "image/jpeg"
    try:
        pyramid = media.local_pyramid(municipality_id, image_id)
    except OSError as exc:  # not in the storage, or does not match its manifest
        raise missing_master(Path(media.image_base(municipality_id, image_id)) / media.PYRAMID, exc) from exc
    try:
        return cut(pyramid, width, region, out, revalidate=True), "image/jpeg"
    except pyvips.Error as exc:  # the cached copy is damaged: drop it, the next request fetches it again
        from rathaus.core import filecache

        filecache.invalidate(pyramid.parent)
        raise missing_master(pyramid, exc) from exc


def missing_master(path: Path, exc: BaseException | None = None) -> IiifError:
    """The image record exists but its file on disk is gone or unreadable: a 404 for the viewer and a
    warning for the operator (restore the file from backup or upload the image again)."""
    logger.warning("IIIF image file missing or unreadable: %s (%s)", path, exc or "not found")
    return IiifError(404, "image file not available")


def cut(pyramid: Path, width: int, region: Box, out: tuple[int, int], *, revalidate: bool = False) -> bytes:
    """``revalidate``: bypass libvips' cache of opened files (a cached copy replaced at the same path)."""
    scale = max(out[0] / region.w, out[1] / region.h)
    level = 0
    n_pages = 1
    extra = {"revalidate": True} if revalidate else {}
    try:
        n_pages = int(pyvips.Image.new_from_file(str(pyramid), **extra).get("n-pages"))
    except pyvips.Error:
        n_pages = 1
    while level + 1 < n_pages and scale <= 1 / (2 ** (level + 1)):
        level += 1
    img = pyvips.Image.new_from_file(str(pyramid), page=level, **extra)
    f = img.width / width
    x, y = int(region.x * f), int(region.y * f)
    w = max(1, min(img.width - x, round(region.w * f)))
    h = max(1, min(img.height - y, round(region.h * f)))
    crop = img.crop(x, y, w, h)
    resized = crop.resize(out[0] / w, vscale=out[1] / h)
    if resized.width != out[0] or resized.height != out[1]:
        resized = resized.gravity("centre", out[0], out[1], extend="copy")
    return bytes(resized.jpegsave_buffer(Q=media.JPEG_QUALITY, strip=True))


def info_json(service_id: str, width: int, height: int, rights: str | None = None) -> dict[str, Any]:
    sizes = []
    for f in reversed(media.scale_factors(width, height)):
        sizes.append({"width": max(1, math.ceil(width / f)), "height": max(1, math.ceil(height / f))})
    info: dict[str, Any] = {
        "@context": IMAGE_CONTEXT,
        "id": service_id,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": PROFILE,
        "width": width,
        "height": height,
        "maxArea": MAX_AREA,
        "sizes": sizes,
        "tiles": [
            {
                "width": media.TILE_SIZE,
                "height": media.TILE_SIZE,
                "scaleFactors": media.scale_factors(width, height),
            }
        ],
        "extraFeatures": EXTRA_FEATURES,
        "extraQualities": ["color"],
    }
    if rights:
        info["rights"] = rights
    return info


# --- Presentation API 3.0 ----------------------------------------------------------------------


def _lang_map(de: str, en: str | None = None) -> dict[str, list[str]]:
    return {"de": [de], "en": [en or de]}


def manifest(obj: Any, images: list[Any], base: str, object_url: str, institution: str) -> dict[str, Any]:
    """A Presentation 3.0 manifest for one object (one canvas per ready image)."""
    from iiif_prezi3 import Manifest

    from .models import RIGHTS_LABEL, RIGHTS_LABEL_EN

    man = Manifest(
        id=f"{base}/iiif/manifest/{obj.public_id}",
        label=_lang_map(obj.title_de, obj.title_en),
        rights=obj.image_rights,
        requiredStatement={
            "label": {"de": ["Nachweis"], "en": ["Attribution"]},
            "value": _lang_map(
                f"{institution} – {RIGHTS_LABEL.get(obj.image_rights, '')}",
                f"{institution} – {RIGHTS_LABEL_EN.get(obj.image_rights, '')}",
            ),
        },
        homepage=[
            {
                "id": object_url,
                "type": "Text",
                "label": _lang_map(obj.title_de, obj.title_en),
                "format": "text/html",
            }
        ],
    )
    summary = (obj.description or "").strip()
    if summary:
        man.summary = {"de": [summary[:1000]]}
    meta = [
        ({"de": ["Inventarnummer"], "en": ["Inventory number"]}, obj.inventory_number),
        ({"de": ["Objektart"], "en": ["Object type"]}, str(obj.get_object_type_display())),
        ({"de": ["Datierung"], "en": ["Date"]}, obj.dating),
    ]
    man.metadata = [{"label": lbl, "value": {"none": [val]}} for lbl, val in meta if val]
    for idx, image in enumerate(images, start=1):
        service = f"{base}/iiif/{image.image_id}"
        canvas = man.make_canvas(
            id=f"{man.id}/canvas/{idx}",
            height=image.height,
            width=image.width,
            label=_lang_map(image.caption or image.alt_text),
        )
        anno_page = canvas.add_image(
            image_url=f"{service}/full/max/0/default.jpg",
            anno_page_id=f"{man.id}/page/{idx}",
            anno_id=f"{man.id}/annotation/{idx}",
            format="image/jpeg",
            height=image.height,
            width=image.width,
        )
        body = anno_page.items[0].body
        body.service = [{"id": service, "type": "ImageService3", "profile": PROFILE}]
        if image.rights != obj.image_rights:
            canvas.rights = image.rights
    data: dict[str, Any] = json.loads(man.jsonld())
    return data


def collection(
    coll: Any, children: list[Any], objects: list[Any], base: str, institution: str
) -> dict[str, Any]:
    from iiif_prezi3 import Collection, ManifestRef

    col = Collection(
        id=f"{base}/iiif/collection/{coll.set_spec}",
        label=_lang_map(coll.title_de, coll.title_en),
        requiredStatement={
            "label": {"de": ["Nachweis"], "en": ["Attribution"]},
            "value": _lang_map(institution),
        },
    )
    items: list[Any] = []
    for child in children:
        items.append(
            {
                "id": f"{base}/iiif/collection/{child.set_spec}",
                "type": "Collection",
                "label": _lang_map(child.title_de, child.title_en),
            }
        )
    for obj in objects:
        items.append(
            ManifestRef(
                id=f"{base}/iiif/manifest/{obj.public_id}",
                type="Manifest",
                label=_lang_map(obj.title_de, obj.title_en),
            )
        )
    col.items = items
    data: dict[str, Any] = json.loads(col.jsonld())
    return data
