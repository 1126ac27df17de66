"""IIIF: the Image API validated with iiif-validator at level 1 against the live server; tiles,
errors and headers; Presentation 3.0 manifests and collections checked for their required properties."""

from __future__ import annotations

import io
import json

import pytest

from rathaus.heritage import iiif, services
from rathaus.heritage.models import ImageStatus
from tests.conftest import HOST_A, client_for

from .conftest import add_image, jpeg_bytes, make_collection, make_object


def validator_png() -> bytes:
    """The validator's reference image: 1000 × 1000 with 10 × 10 coloured squares."""
    from iiif_validator.validator import ValidationInfo
    from PIL import Image

    colours = ValidationInfo().colorInfo
    img = Image.new("RGB", (1000, 1000))
    for x in range(10):
        for y in range(10):
            img.paste(colours[x][y], (x * 100, y * 100, x * 100 + 100, y * 100 + 100))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.django_db(transaction=True)
def test_image_api_passes_iiif_validator_level_1(live_server):
    from iiif_validator.validator import ImageAPI, TestSuite, ValidationInfo

    from tests.conftest import make_municipality

    muni = make_municipality("zeitz", "Zeitz", "15084590", "150840590590", "15", ["localhost"])
    obj = make_object(muni, publish=True)
    image = add_image(obj, validator_png(), alt="Testbild mit farbigen Quadraten")
    server = live_server.url.replace("http://", "")
    tests = TestSuite(ValidationInfo()).list_tests("3.0")
    failures = []
    ran = 0
    for name, meta in sorted(tests.items()):
        if meta["level"] > 1:
            continue
        ran += 1
        result = ImageAPI(image.image_id, server, "iiif", "http", "", "3.0", debug=False)
        TestSuite(ValidationInfo()).run_test(name, result)
        if result.exception is not None and not getattr(result.exception, "warning", False):
            e = result.exception
            failures.append(
                f"{name}: {getattr(e, 'message', e)} got={getattr(e, 'got', '')} urls={result.urls[-2:]}"
            )
    assert ran >= 20
    assert failures == []


def test_info_json_headers_and_tiles(client_a, muni_a):
    obj = make_object(muni_a, publish=True)
    image = add_image(obj, jpeg_bytes(700, 500))
    assert image.status == ImageStatus.READY and (image.width, image.height) == (700, 500)
    r = client_a.get(f"/iiif/{image.image_id}/info.json")
    assert r.status_code == 200 and r["Access-Control-Allow-Origin"] == "*"
    assert r["Link"] == '<http://iiif.io/api/image/3/level1.json>;rel="profile"'
    info = json.loads(r.content)
    assert info["profile"] == "level1" and info["type"] == "ImageService3"
    assert info["id"] == f"http://{HOST_A}/iiif/{image.image_id}"
    assert info["tiles"] == [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4]}]
    assert info["sizes"][-1] == {"width": 700, "height": 500}
    assert info["rights"] == "http://creativecommons.org/licenses/by/4.0/"
    # A canonical tile comes from the pre-generated pyramid (a file response) …
    r = client_a.get(f"/iiif/{image.image_id}/256,0,256,256/256,256/0/default.jpg")
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and r.streaming
    # … anything else is cut from the pyramidal TIFF.
    r = client_a.get(f"/iiif/{image.image_id}/pct:10,10,50,50/!100,100/0/default.jpg")
    assert r.status_code == 200 and not r.streaming
    from PIL import Image

    assert Image.open(io.BytesIO(r.content)).size == (100, 71)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("full/max/90/default.jpg", 400),
        ("full/max/0/gray.jpg", 400),
        ("full/max/0/default.webp", 400),
        ("full/2000,/0/default.jpg", 400),
        ("full/^max/0/default.jpg", 400),
        ("5000,5000,10,10/max/0/default.jpg", 400),
        ("abc/max/0/default.jpg", 400),
        ("full/0,/0/default.jpg", 400),
    ],
)
def test_bad_requests(client_a, muni_a, path, status):
    image = add_image(make_object(muni_a, publish=True), jpeg_bytes(300, 200))
    r = client_a.get(f"/iiif/{image.image_id}/{path}")
    assert r.status_code == status


def test_unpublished_and_foreign_images_are_404(client_a, muni_a, muni_b, admin_a):
    draft = make_object(muni_a)
    image = add_image(draft, jpeg_bytes(100, 100))
    assert client_a.get(f"/iiif/{image.image_id}/info.json").status_code == 404
    staff = client_for(HOST_A, admin_a)
    assert staff.get(f"/iiif/{image.image_id}/info.json").status_code == 200
    other = add_image(make_object(muni_b, "B-1", publish=True), jpeg_bytes(100, 100))
    assert client_a.get(f"/iiif/{other.image_id}/info.json").status_code == 404


def test_upload_is_checked_by_content(muni_a):
    obj = make_object(muni_a)
    fake = b"GIF89a" + b"\0" * 100
    with pytest.raises(Exception, match="JPEG"):
        services.add_image(obj, io.BytesIO(fake), size=len(fake), name="bild.jpg", alt_text="x")
    broken = b"\xff\xd8\xff\xe0" + b"kaputt" * 10
    with pytest.raises(Exception, match="beschädigt"):
        services.add_image(obj, io.BytesIO(broken), size=len(broken), name="bild.jpg", alt_text="x")
    with pytest.raises(Exception, match="200 MB"):
        services.add_image(
            obj, io.BytesIO(b"\xff\xd8\xff"), size=300 * 1024 * 1024, name="x.jpg", alt_text="x"
        )
    assert not obj.images.exists()


def test_too_many_pixels(muni_a, monkeypatch):
    from rathaus.heritage import media

    monkeypatch.setattr(media, "MAX_PIXELS", 100)
    with pytest.raises(media.MediaError, match="Megapixel"):
        services.add_image(
            make_object(muni_a), io.BytesIO(jpeg_bytes(20, 20)), size=None, name="x.jpg", alt_text="x"
        )


def test_manifest_has_the_required_presentation_3_properties(client_a, muni_a):
    obj = make_object(muni_a, publish=True)
    image = add_image(obj, jpeg_bytes(640, 480))
    r = client_a.get(f"/iiif/manifest/{obj.public_id}")
    assert r.status_code == 200 and r["Access-Control-Allow-Origin"] == "*"
    m = json.loads(r.content)
    assert m["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert m["type"] == "Manifest" and m["id"] == f"http://{HOST_A}/iiif/manifest/{obj.public_id}"
    assert set(m["label"]) == {"de", "en"} and m["label"]["en"] == [obj.title_en]
    assert m["rights"] == "http://creativecommons.org/licenses/by/4.0/"
    assert m["requiredStatement"]["label"]["de"] and m["requiredStatement"]["value"]["en"]
    canvas = m["items"][0]
    assert canvas["type"] == "Canvas" and canvas["id"].startswith("http")
    assert (canvas["width"], canvas["height"]) == (640, 480)
    page = canvas["items"][0]
    assert page["type"] == "AnnotationPage" and page["id"]
    anno = page["items"][0]
    assert (
        anno["type"] == "Annotation" and anno["motivation"] == "painting" and anno["target"] == canvas["id"]
    )
    assert anno["body"]["type"] == "Image" and anno["body"]["format"] == "image/jpeg"
    assert anno["body"]["service"][0] == {
        "id": f"http://{HOST_A}/iiif/{image.image_id}",
        "type": "ImageService3",
        "profile": "level1",
    }


def test_collection_per_set(client_a, muni_a):
    museum = make_collection(muni_a)
    child = make_collection(muni_a, "kinderwagen", "Kinderwagen", parent=museum, level="series")
    obj = make_object(muni_a, publish=True, collections=[child])
    make_object(muni_a, "D-1", collections=[child])  # draft: not listed
    c = json.loads(client_a.get("/iiif/collection/museum").content)
    assert c["type"] == "Collection" and c["label"]["de"] == ["Museum Schloss Moritzburg"]
    assert [i["type"] for i in c["items"]] == ["Collection", "Manifest"]
    assert c["items"][1]["id"].endswith(f"/iiif/manifest/{obj.public_id}")
    assert c["items"][0]["id"].endswith(f"/iiif/collection/{child.set_spec}")


def test_parse_size_rules():
    box = iiif.Box(0, 0, 1000, 500)
    assert iiif.parse_size("max", box) == (1000, 500)
    assert iiif.parse_size("500,", box) == (500, 250)
    assert iiif.parse_size(",250", box) == (500, 250)
    assert iiif.parse_size("pct:50", box) == (500, 250)
    assert iiif.parse_size("!200,200", box) == (200, 100)
    assert iiif.parse_region("square", 1000, 500) == iiif.Box(250, 0, 500, 500)
    assert iiif.parse_region("900,400,500,500", 1000, 500) == iiif.Box(900, 400, 100, 100)
