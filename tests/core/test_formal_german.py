"""The portal addresses people formally ("Sie") in German, also on the django-allauth pages.

allauth's German catalogue says "du"; src/rathaus/locale/de overrides those texts. Both the rendered
account pages and every allauth msgid as Django resolves it under German are checked.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import allauth
import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from tests.conftest import HOST_A, PASSWORD, client_for, make_user

ALLAUTH_DE_PO = Path(allauth.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po"

# Informal address: pronouns and the du-forms / imperatives allauth uses. Case-insensitive, whole words.
INFORMAL = re.compile(
    r"\b(?:du|dein|deine|deinem|deinen|deiner|deines|dich|dir|gib|klick|klicke|bist|hast|kannst|musst|"
    r"möchtest|solltest|erhältst|sendest|bestätige|kontaktiere|erstelle|überprüfe|versuche|wähle)\b",
    re.IGNORECASE,
)


def informal_words(text: str) -> list[str]:
    return INFORMAL.findall(text)


class _VisibleText(HTMLParser):
    """Text a person sees or hears: text nodes, accessible names, placeholders, button values, and the
    JSON config allauth passes to its scripts (it holds texts of confirmation dialogs)."""

    ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style") and not (tag == "script" and values.get("type") == "application/json"):
            self._hidden += 1
        for name in self.ATTRIBUTES:
            if values.get(name):
                self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


@pytest.fixture(scope="module")
def fresh_catalog():
    """Compile the .po (as `make` does) and make Django reload its catalogs from the fresh .mo."""
    call_command("compile_translations", verbosity=0)
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


@pytest.fixture
def person(muni_a):
    return make_user("formell@example.org")


@pytest.fixture
def person_with_totp(muni_a):
    return make_user("formell-mfa@example.org", mfa=True)


def reauthenticated_client(user):
    """A logged-in client that has just confirmed its password (allauth asks for that before MFA changes)."""
    client = client_for(HOST_A, user)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def render(client, url_name: str) -> str:
    response = client.get(reverse(url_name))
    assert response.status_code == 200, (url_name, response.status_code, response.get("Location"))
    assert response["Content-Language"] == "de"
    return visible_text(response.content.decode())


# url name -> a German text that must be on the page (proves the page rendered in German with allauth's texts)
ANONYMOUS_PAGES = {
    "account_login": "Sie haben noch kein Konto?",
    "account_signup": "Sie haben bereits ein Konto?",
    "account_reset_password": "Geben Sie unten Ihre E-Mail-Adresse ein",
}
PERSON_PAGES = {
    "account_email": "Möchten Sie die ausgewählte E-Mail-Adresse wirklich entfernen?",
    "account_change_password": "Aktuelles Passwort",
    "account_logout": "Sind Sie sicher, dass Sie sich abmelden möchten?",
    "account_reauthenticate": "Bitte authentifizieren Sie sich erneut",
    "usersessions_list": "Sitzungen",
    "mfa_index": "Es ist keine Authenticator-App aktiv.",
    "mfa_activate_totp": "scannen Sie den unten stehenden QR-Code",
}
TOTP_PAGES = {
    "mfa_index": "Die Authentifizierung mit einer Authenticator-App ist aktiv.",
    "mfa_deactivate_totp": "Sie sind dabei, die Authentifizierung per Authenticator-App zu deaktivieren.",
    "mfa_generate_recovery_codes": "Sie sind dabei, einen neuen Satz Wiederherstellungscodes",
}


def test_detector_finds_informal_and_accepts_formal_german():
    assert informal_words("Bitte gib dein aktuelles Passwort ein.") == ["gib", "dein"]
    assert informal_words("Du hast noch kein Konto? Dann erstelle bitte eins.") == ["Du", "hast", "erstelle"]
    assert informal_words("Wir haben Dir eine E-Mail geschickt.") == ["Dir"]
    assert informal_words("Bitte geben Sie Ihr aktuelles Passwort ein. Sie haben sich abgemeldet.") == []
    assert informal_words("Direkt zur Dienstleistung, Duisburg, Dichte, Gibraltar") == []


def test_visible_text_includes_accessible_names_and_dialog_texts_but_not_code():
    html = (
        '<p>Hallo <a aria-label="Zu dir">x</a></p><script>var du = 1;</script>'
        '<script type="application/json">{"confirmDelete": "Willst du?"}</script>'
        '<input type="submit" value="Klicke hier"><style>.dich{}</style>'
    )
    text = visible_text(html)
    assert informal_words(text) == ["dir", "du", "Klicke"]
    assert "var" not in text and ".dich" not in text


@pytest.mark.parametrize("url_name", ANONYMOUS_PAGES)
def test_anonymous_account_pages_address_people_formally(fresh_catalog, muni_a, url_name):
    text = render(client_for(HOST_A), url_name)
    assert ANONYMOUS_PAGES[url_name] in text
    assert informal_words(text) == [], text


@pytest.mark.parametrize("url_name", PERSON_PAGES)
def test_account_pages_of_a_logged_in_person_address_them_formally(fresh_catalog, person, url_name):
    text = render(reauthenticated_client(person), url_name)
    assert PERSON_PAGES[url_name] in text
    assert informal_words(text) == [], text


@pytest.mark.parametrize("url_name", TOTP_PAGES)
def test_mfa_pages_with_an_active_authenticator_address_people_formally(
    fresh_catalog, person_with_totp, url_name
):
    text = render(reauthenticated_client(person_with_totp), url_name)
    assert TOTP_PAGES[url_name] in text
    assert informal_words(text) == [], text


def test_without_our_catalogue_allauth_would_say_du(fresh_catalog, person):
    """Control: the page check really sees allauth's texts, so it fails if the override goes missing."""
    with override_settings(LOCALE_PATHS=[]):
        reset = render(client_for(HOST_A), "account_reset_password")
        email = render(client_for(HOST_A, person), "account_email")
    assert "gib" in [word.lower() for word in informal_words(reset)]
    assert "du" in [word.lower() for word in informal_words(email)]


def allauth_entries() -> list[polib.POEntry]:
    return [e for e in polib.pofile(str(ALLAUTH_DE_PO)) if not e.obsolete]


def resolve_in_german(entry: polib.POEntry) -> list[str]:
    """Every text Django shows for this allauth msgid under German (each plural form)."""
    with translation.override("de"):
        if entry.msgid_plural:
            if entry.msgctxt:
                return [
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    for n in (1, 2, 5)
                ]
            return [translation.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2, 5)]
        if entry.msgctxt:
            return [translation.pgettext(entry.msgctxt, entry.msgid)]
        return [translation.gettext(entry.msgid)]


def test_no_allauth_text_resolves_to_informal_german(fresh_catalog):
    entries = allauth_entries()
    assert len(entries) > 300
    informal = {}
    for entry in entries:
        for text in resolve_in_german(entry):
            if informal_words(text):
                informal[(entry.msgctxt, entry.msgid)] = text
    assert informal == {}


def test_allauth_catalogue_is_active_in_german_and_ours_takes_precedence(fresh_catalog):
    """Guards the check above against passing vacuously (e.g. English fallback for everything)."""
    raw = {(e.msgctxt, e.msgid): e for e in allauth_entries()}
    assert sum(bool(informal_words(e.msgstr)) for e in raw.values()) > 30  # allauth itself is informal
    with translation.override("de"):
        assert translation.gettext("Forgot your password?") == "Passwort vergessen?"  # allauth's own text
        assert translation.gettext("Please type your current password.") == (
            "Bitte geben Sie Ihr aktuelles Passwort ein."
        )
        assert translation.pgettext("field label", "Login") == "Anmeldung"
        assert translation.ngettext(
            "You have added %(count)s security key.", "You have added %(count)s security keys.", 2
        ) == ("Sie haben %(count)s Sicherheitsschlüssel hinzugefügt.")
