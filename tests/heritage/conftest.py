"""Fixtures of the digital collection tests: a private media dir, objects, images and the XSDs."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from rathaus.heritage import services
from rathaus.heritage.models import Collection, HeritageObject, Status
from tests.conftest import testdata_dir


@pytest.fixture(autouse=True)
def heritage_media(settings, tmp_path) -> Path:
    settings.RATHAUS_HERITAGE_MEDIA_ROOT = str(tmp_path / "heritage-media")
    return tmp_path / "heritage-media"


def object_data(inv: str = "V-001", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "inventory_number": inv,
        "object_type": "painting",
        "title_de": f"Ansicht von Schloss Moritzburg {inv}",
        "title_en": f"View of Moritzburg Castle {inv}",
        "description": "Öl auf Leinwand, Blick von der Weißen Elster auf das Schloss.",
        "actors": [{"name": "Müller, Johann", "role": "Maler", "gnd": "https://d-nb.info/gnd/118584596"}],
        "dating": "um 1700",
        "places": [{"label": "Zeitz", "uri": "https://sws.geonames.org/2804979/"}],
        "materials": [{"label": "Leinwand", "uri": "http://vocab.getty.edu/aat/300014078"}],
        "techniques": [{"label": "Ölmalerei"}],
        "dimensions": [{"type": "Höhe", "value": "60", "unit": "cm"}],
        "subjects": [{"label": "Schloss", "uri": "https://d-nb.info/gnd/4052619-1"}],
        "institution": "Museum Schloss Moritzburg Zeitz",
        "metadata_rights": "http://creativecommons.org/publicdomain/zero/1.0/",
        "image_rights": "http://creativecommons.org/licenses/by/4.0/",
    }
    data.update(extra)
    return data


def make_object(
    muni: Any,
    inv: str = "V-001",
    *,
    publish: bool = False,
    collections: list[Collection] | None = None,
    **extra: Any,
) -> HeritageObject:
    obj = services.save_object(muni, object_data(inv, **extra), collections=collections)
    if publish:
        services.transition(obj, Status.REVIEW)
        services.transition(obj, Status.PUBLISHED)
        obj.refresh_from_db()
    return obj


def make_collection(
    muni: Any,
    slug: str = "museum",
    title: str = "Museum Schloss Moritzburg",
    parent: Collection | None = None,
    level: str = "collection",
) -> Collection:
    return services.save_collection(
        muni,
        {
            "slug": slug,
            "title_de": title,
            "title_en": "",
            "level": level,
            "description": "",
            "is_public": True,
            "parent": parent,
        },
    )


def jpeg_bytes(width: int = 600, height: int = 400) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (width, height), (120, 80, 40))
    for x in range(0, width, 50):
        for y in range(0, height, 50):
            img.paste((x % 255, y % 255, 150), (x, y, min(width, x + 25), min(height, y + 25)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def add_image(obj: HeritageObject, data: bytes | None = None, alt: str = "Ansicht des Objekts") -> Any:
    """Upload an image and run its tiling task (the immediate backend runs it on commit)."""
    data = data or jpeg_bytes()
    image = services.add_image(obj, io.BytesIO(data), size=len(data), name="bild.jpg", alt_text=alt)
    services.tile(image)
    image.refresh_from_db()
    return image


# --- Schemas -----------------------------------------------------------------------------------


def heritage_data() -> Path:
    path = testdata_dir() / "heritage"
    if not (path / "oai-pmh" / "OAI-PMH.xsd").exists():
        pytest.skip(f"heritage schemas not found under {path} (set RATHAUS_TESTDATA)")
    return path


_schemas: dict[str, etree.XMLSchema] = {}


def schema(name: str) -> etree.XMLSchema:
    """'oai' (OAI-PMH + oai_dc + oai-identifier), 'oai_lido' (OAI-PMH + LIDO) or 'lido'."""
    if name in _schemas:
        return _schemas[name]
    base = heritage_data()
    os.environ["XML_CATALOG_FILES"] = str(base / "oai-pmh" / "catalog.xml")
    if name == "oai":
        doc = etree.parse(str(base / "oai-pmh" / "oai-pmh_oai_dc_wrapper.xsd"))
    elif name == "lido":
        doc = etree.parse(str(base / "lido-schema" / "lido-v1.0.xsd"))
    else:
        wrapper = (
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x-local:w">'
            f'<xs:import namespace="http://www.openarchives.org/OAI/2.0/" '
            f'schemaLocation="{(base / "oai-pmh" / "OAI-PMH.xsd").as_uri()}"/>'
            f'<xs:import namespace="http://www.lido-schema.org" '
            f'schemaLocation="{(base / "lido-schema" / "lido-v1.0.xsd").as_uri()}"/>'
            "</xs:schema>"
        )
        doc = etree.ElementTree(etree.fromstring(wrapper.encode(), base_url=(base / "x.xsd").as_uri()))
    _schemas[name] = etree.XMLSchema(doc)
    return _schemas[name]


def assert_valid(xml: bytes | etree._Element, name: str) -> etree._Element:
    root = etree.fromstring(xml) if isinstance(xml, bytes) else xml
    s = schema(name)
    if not s.validate(root):
        errors = "\n".join(str(e) for e in list(s.error_log)[:10])
        raise AssertionError(f"invalid against {name}:\n{errors}")
    return root


@pytest.fixture
def published(muni_a) -> HeritageObject:
    return make_object(muni_a, publish=True)


__all__ = [
    "Status",
    "add_image",
    "assert_valid",
    "jpeg_bytes",
    "make_collection",
    "make_object",
    "object_data",
]
