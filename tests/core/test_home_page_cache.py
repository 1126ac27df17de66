"""The shared home page cache for anonymous visitors (make bench target) must never serve stale or
foreign content nor break CSRF protection."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from rathaus.core.context import ServiceContext
from rathaus.core.ui import services
from rathaus.core.ui.models import Notice
from tests.conftest import HOST_A, HOST_B, client_for

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.mark.django_db
def test_anonymous_home_page_carries_no_csrf_token_and_sets_no_cookie(muni_a):
    c = Client(HTTP_HOST=HOST_A, enforce_csrf_checks=True)
    for _ in range(2):  # the second answer comes from the cache
        response = c.get("/")
        assert not TOKEN_RE.search(response.content.decode())
        assert "csrftoken" not in response.cookies
    # The language switch is a link and works without a token.
    response = c.get("/sprache/en/?next=/")
    assert response.status_code == 302 and c.cookies["django_language"].value == "en"
    assert 'lang="en"' in c.get("/").content.decode()


@pytest.mark.django_db
def test_notice_and_municipality_changes_show_at_once(muni_a, editor_a):
    anon = client_for(HOST_A)
    assert "Neue Meldung XYZ" not in anon.get("/").content.decode()
    notice = Notice(municipality=muni_a, title="Neue Meldung XYZ", teaser="Kurz")
    services.save_notice(notice, ServiceContext.for_user(editor_a, muni_a))
    assert "Neue Meldung XYZ" in anon.get("/").content.decode()

    muni_a.phone = "03441 99-1234"
    muni_a.save()
    assert "03441 99-1234" in anon.get("/").content.decode()


@pytest.mark.django_db
def test_signed_in_and_query_requests_bypass_the_cache(muni_a, citizen):
    client_for(HOST_A).get("/")  # fill the cache
    assert "Mein Konto" in client_for(HOST_A, citizen).get("/").content.decode()
    assert "Mein Konto" not in client_for(HOST_A).get("/").content.decode()
    signed_in = client_for(HOST_A, citizen).get("/")
    assert "X-Page-Cache" not in signed_in  # never from nor into the shared cache
    # A query string is part of the key: its own entry, filled once.
    assert client_for(HOST_A).get("/?x=1")["X-Page-Cache"] == "miss"
    assert client_for(HOST_A).get("/?x=1")["X-Page-Cache"] == "hit"


@pytest.mark.django_db
def test_cache_is_per_municipality_and_language(muni_a, muni_b):
    assert "Zeitz" in client_for(HOST_A).get("/").content.decode()
    page_b = client_for(HOST_B).get("/").content.decode()
    assert "Musterstadt" in page_b
    assert "Willkommen im digitalen Rathaus Zeitz" not in page_b
    english = client_for(HOST_A)
    english.cookies["django_language"] = "en"
    assert 'lang="en"' in english.get("/").content.decode()
    assert 'lang="de"' in client_for(HOST_A).get("/").content.decode()
