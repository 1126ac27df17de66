"""Digital collection in a real browser: search with a facet, open an object, zoom in the IIIF viewer;
without JavaScript the plain image with its alternative text. Every page is checked with axe-core."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page
from tests.heritage.conftest import add_image, jpeg_bytes, make_collection, make_object

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def heritage_media(settings, tmp_path):
    settings.RATHAUS_HERITAGE_MEDIA_ROOT = str(tmp_path / "heritage-media")


def _catalogue(site: Site):
    museum = make_collection(site.muni_a, "kinderwagen", "Deutsches Kinderwagenmuseum")
    pram = make_object(
        site.muni_a,
        "KWM-001",
        publish=True,
        collections=[museum],
        object_type="technical",
        title_de="Korbkinderwagen mit Verdeck",
        dating="um 1900",
    )
    make_object(site.muni_a, "MSM-G-001", publish=True, title_de="Bildnis Herzog Moritz", dating="um 1670")
    make_object(site.muni_a, "MSM-G-002", publish=True, title_de="Ansicht von Schloss Moritzburg")
    image = add_image(pram, jpeg_bytes(2400, 1600), alt="Korbkinderwagen mit Verdeck von der Seite")
    return pram, image


def test_search_facet_open_object_and_zoom(page, site: Site):
    _pram, image = _catalogue(site)
    page.goto(site.a("/sammlung/"))
    assert_not_error_page(page)
    assert "3 Objekte gefunden" in page.inner_text("main")
    assert_accessible(page)
    page.get_by_role("navigation", name="Objektart").get_by_role("link", name="Technisches Objekt").click()
    assert "typ=technical" in page.url
    assert "1 Objekt gefunden" in page.inner_text("main")
    assert_accessible(page)
    page.get_by_role("link", name="Korbkinderwagen mit Verdeck").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Korbkinderwagen mit Verdeck"
    viewer = page.locator(".heritage-viewer--active")
    viewer.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.heritage-viewer__tile')]"
        ".some(i => i.complete && i.naturalWidth > 0)"
    )
    tiles_before = page.locator(".heritage-viewer__tile").count()
    assert_accessible(page)
    page.get_by_role("button", name="Vergrößern").click()
    page.get_by_role("button", name="Vergrößern").click()
    assert float(viewer.get_attribute("data-zoom")) > 0.3
    page.wait_for_function(
        "() => [...document.querySelectorAll('.heritage-viewer__tile')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    srcs = page.eval_on_selector_all(".heritage-viewer__tile", "els => els.map(e => e.getAttribute('src'))")
    assert srcs and all(s.startswith(f"/iiif/{image.image_id}/") for s in srcs)
    # Zoomed in, the viewer asks for tiles of a finer pyramid level than the overview.
    assert any("/256,256/" in s or "/256," in s for s in srcs) or len(srcs) != tiles_before
    assert_accessible(page)


def test_object_page_without_javascript_shows_the_image(new_page, site: Site):
    pram, image = _catalogue(site)
    page = new_page(java_script_enabled=False)
    page.goto(site.a(pram.get_absolute_url()))
    img = page.get_by_role("img", name="Korbkinderwagen mit Verdeck von der Seite")
    assert img.get_attribute("src") == f"/iiif/{image.image_id}/full/!800,800/0/default.jpg"
    page.wait_for_function("() => document.querySelector('.heritage-viewer__img').naturalWidth === 800")
    # (axe-core itself needs JavaScript; the same markup is checked with JavaScript on above.)
