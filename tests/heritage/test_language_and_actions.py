"""Issue 14: object titles follow the page language; status buttons say what they do."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from rathaus.core.accounts.models import Role
from rathaus.heritage import services
from rathaus.heritage.models import Status
from tests.conftest import HOST_A, client_for, grant, make_user

from .conftest import make_collection, make_object


def _h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match
    return match.group(0)


@pytest.fixture
def curator(muni_a):
    user = make_user("kustodin@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["heritage"])
    return client_for(HOST_A, user)


def test_german_object_page_shows_no_english_title(muni_a):
    obj = make_object(muni_a, publish=True)
    html = client_for(HOST_A).get(obj.get_absolute_url()).content.decode()
    assert "Ansicht von Schloss Moritzburg V-001" in _h1(html)
    assert "View of Moritzburg Castle" not in html.split("<main")[1].split("application/ld+json")[0]
    assert "<title>Ansicht von Schloss Moritzburg V-001" in html


def test_english_object_page_shows_the_english_title_and_the_original(muni_a):
    obj = make_object(muni_a, publish=True)
    client = client_for(HOST_A)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(obj.get_absolute_url()).content.decode()
    assert "View of Moritzburg Castle V-001" in _h1(html) and "lang=" not in _h1(html)
    assert 'Original title: <span lang="de">Ansicht von Schloss Moritzburg V-001</span>' in html
    assert "<title>View of Moritzburg Castle V-001" in html
    listing = client.get(reverse("heritage:index")).content.decode()
    assert "View of Moritzburg Castle V-001" in listing


def test_english_page_without_english_title_marks_the_german_one(muni_a):
    obj = make_object(muni_a, publish=True, title_en="")
    client = client_for(HOST_A)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    h1 = _h1(client.get(obj.get_absolute_url()).content.decode())
    assert 'lang="de"' in h1 and "Ansicht von Schloss Moritzburg V-001" in h1


def test_collection_title_follows_the_language(muni_a):
    collection = make_collection(muni_a)
    collection.title_en = "Moritzburg Castle Museum"
    collection.save()
    client = client_for(HOST_A)
    assert "Moritzburg Castle Museum" not in client.get(collection.get_absolute_url()).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Moritzburg Castle Museum" in _h1(client.get(collection.get_absolute_url()).content.decode())


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ([], ["Zur Prüfung einreichen"]),
        ([Status.REVIEW], ["Veröffentlichen", "Zurück in Bearbeitung geben"]),
        ([Status.REVIEW, Status.PUBLISHED], ["Veröffentlichung zurücknehmen"]),
    ],
)
def test_status_buttons_name_the_action(muni_a, curator, path, expected):
    obj = make_object(muni_a)
    for status in path:
        services.transition(obj, status)
    html = curator.get(reverse("heritage:object_edit", args=[obj.pk])).content.decode()
    buttons = re.findall(
        r'name="to" value="[a-z]+"><button type="submit" class="kern-btn[^"]*">'
        r'<span class="kern-label">([^<]+)<',
        html,
    )
    assert sorted(buttons) == sorted(expected)
    assert "Status: " not in " ".join(buttons)


def test_every_transition_has_an_action():
    pairs = {(src, to) for src, targets in services.TRANSITIONS.items() for to in targets}
    assert pairs == set(services.TRANSITION_ACTIONS)
