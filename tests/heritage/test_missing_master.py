"""IIIF image requests for an image whose files vanished from disk answer 404 with a warning in the
log, never a 500 (issue 22)."""

from __future__ import annotations

import logging
import shutil

from rathaus.heritage import media

from .conftest import add_image, jpeg_bytes, make_object

CUT = "pct:10,10,50,50/!100,100/0/default.jpg"  # not a pre-generated tile: read from pyramid.tif
TILE = "256,0,256,256/256,256/0/default.jpg"  # a pre-generated tile


def _image(muni):
    obj = make_object(muni, publish=True)
    return add_image(obj, jpeg_bytes(700, 500))


def test_missing_master_answers_404_and_logs(client_a, muni_a, caplog):
    image = _image(muni_a)
    assert client_a.get(f"/iiif/{image.image_id}/{CUT}").status_code == 200
    folder = media.image_dir(image.municipality_id, image.image_id)
    (folder / "pyramid.tif").unlink()
    with caplog.at_level(logging.WARNING, logger="rathaus.heritage.iiif"):
        r = client_a.get(f"/iiif/{image.image_id}/{CUT}")
    assert r.status_code == 404
    assert r["Access-Control-Allow-Origin"] == "*"
    assert any("pyramid.tif" in rec.getMessage() for rec in caplog.records)


def test_unreadable_master_answers_404(client_a, muni_a, caplog):
    image = _image(muni_a)
    folder = media.image_dir(image.municipality_id, image.image_id)
    (folder / "pyramid.tif").write_bytes(b"not a tiff at all")
    with caplog.at_level(logging.WARNING, logger="rathaus.heritage.iiif"):
        r = client_a.get(f"/iiif/{image.image_id}/{CUT}")
    assert r.status_code == 404
    assert any("unreadable" in rec.getMessage() for rec in caplog.records)


def test_whole_image_folder_gone_answers_404(client_a, muni_a):
    image = _image(muni_a)
    assert client_a.get(f"/iiif/{image.image_id}/{TILE}").status_code == 200
    shutil.rmtree(media.image_dir(image.municipality_id, image.image_id))
    assert client_a.get(f"/iiif/{image.image_id}/{TILE}").status_code == 404
    assert client_a.get(f"/iiif/{image.image_id}/{CUT}").status_code == 404
    # info.json only needs the database row and still answers
    assert client_a.get(f"/iiif/{image.image_id}/info.json").status_code == 200
