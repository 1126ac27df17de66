from __future__ import annotations

import pytest

from tests.conftest import HOST_A, client_for


@pytest.mark.django_db
def test_switch_to_english_and_back_keeps_the_page(muni_a):
    c = client_for(HOST_A)
    response = c.get("/sprache/en/", {"next": "/rechtliches/impressum/"})
    assert response.status_code == 302 and response["Location"] == "/rechtliches/impressum/"
    cookie = response.cookies["django_language"]
    assert cookie.value == "en" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 365 * 24 * 3600
    assert response["Cache-Control"].startswith("max-age=0")
    assert 'lang="en"' in c.get("/").content.decode()
    c.get("/sprache/de/", {"next": "/"})
    assert 'lang="de"' in c.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_foreign_next_is_refused(muni_a, target):
    response = client_for(HOST_A).get("/sprache/en/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_unknown_language_is_404_and_sets_nothing(muni_a):
    response = client_for(HOST_A).get("/sprache/fr/", {"next": "/"})
    assert response.status_code == 404
    assert "django_language" not in response.cookies


@pytest.mark.django_db
def test_header_links_to_the_other_language_with_the_current_page(muni_a):
    html = client_for(HOST_A).get("/rechtliches/datenschutz/").content.decode()
    assert 'href="/sprache/en/?next=/rechtliches/datenschutz/"' in html
    assert 'hreflang="en"' in html
