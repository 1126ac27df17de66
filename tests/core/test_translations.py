"""The English translation is complete, keeps every placeholder and is what the portal shows in English.

German is the source language (the msgids); there is deliberately no German catalogue of our own strings
(docs/decisions/0002). The German .po only overrides texts of django-allauth with formal ("Sie") German
(tests/core/test_formal_german.py checks the wording).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import allauth
import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from tests.conftest import HOST_A, client_for

REPO = Path(__file__).resolve().parents[2]
LOCALE_DIR = REPO / "src" / "rathaus" / "locale"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
DE_PO = LOCALE_DIR / "de" / "LC_MESSAGES" / "django.po"
ALLAUTH_DE_PO = Path(allauth.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po"

# printf-style placeholders as Python's % operator reads them: %(name)s, %(ratio).1f, %s, %d ...
PERCENT = re.compile(r"%(?:\((?P<name>[^)]+)\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def placeholders(text: str, entry: polib.POEntry) -> Counter[str]:
    found: Counter[str] = Counter()
    if "python-format" in entry.flags:
        found.update(m.group(0) for m in PERCENT.finditer(text) if m.group(0) != "%%")
    if "python-brace-format" in entry.flags:
        found.update(BRACE.findall(text))
    return found


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(EN_PO))


@pytest.fixture(scope="module")
def fresh_catalog():
    """Compile the .po (as `make` does) and make Django reload its catalogs from the fresh .mo."""
    call_command("compile_translations", verbosity=0)
    # Changing LOCALE_PATHS fires setting_changed, which empties Django's translation cache.
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


@pytest.fixture(scope="module")
def de_po() -> polib.POFile:
    return polib.pofile(str(DE_PO))


def test_catalogues_are_english_and_the_german_allauth_overrides():
    assert sorted(p.name for p in LOCALE_DIR.iterdir() if p.is_dir()) == ["de", "en"]


def test_german_catalogue_only_overrides_allauth_texts(de_po, po):
    """Never a German source string of ours: those are the msgids and must stay untranslated."""
    allauth_ids = {(e.msgctxt, e.msgid) for e in polib.pofile(str(ALLAUTH_DE_PO)) if not e.obsolete}
    ours = {(e.msgctxt, e.msgid) for e in po if not e.obsolete}
    assert de_po.metadata.get("Language") == "de"
    assert not de_po.metadata_is_fuzzy
    entries = [(e.msgctxt, e.msgid) for e in de_po if not e.obsolete]
    assert len(entries) > 50
    assert len(entries) == len(set(entries))
    assert [key for key in entries if key not in allauth_ids] == []
    assert [key for key in entries if key in ours] == []
    assert [e.msgid for e in de_po.obsolete_entries()] == []


def test_german_catalogue_is_complete(de_po):
    assert [e.msgid for e in de_po.untranslated_entries()] == []
    assert [e.msgid for e in de_po.fuzzy_entries()] == []


def test_english_catalogue_is_complete(po):
    assert po.metadata.get("Language") == "en"
    assert not po.metadata_is_fuzzy
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("catalogue", [EN_PO, DE_PO], ids=["en", "de"])
def test_every_placeholder_survives_translation(catalogue):
    broken = []
    for entry in polib.pofile(str(catalogue)).translated_entries():
        if entry.msgid_plural:
            pairs = [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, target in pairs:
            if placeholders(source, entry) != placeholders(target, entry):
                broken.append((source, target))
    assert broken == []


def test_placeholder_check_catches_a_dropped_placeholder():
    entry = polib.POEntry(msgid="Seite %(n)s von %(total)s", msgstr="Page %(n)s", flags=["python-format"])
    assert placeholders(entry.msgid, entry) != placeholders(entry.msgstr, entry)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")
@pytest.mark.parametrize("catalogue", [EN_PO, DE_PO], ids=["en", "de"])
def test_catalogue_passes_msgfmt_check(catalogue):
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(catalogue)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_plural_forms_work_in_english(fresh_catalog):
    with translation.override("en"):
        assert translation.ngettext("%(counter)s Eintrag", "%(counter)s Einträge", 1) % {"counter": 1} == (
            "1 entry"
        )
        assert translation.ngettext("%(counter)s Eintrag", "%(counter)s Einträge", 3) % {"counter": 3} == (
            "3 entries"
        )


def test_home_page_is_german_by_default_even_for_english_browsers(fresh_catalog, muni_a):
    client = client_for(HOST_A)
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}):
        response = client.get("/", **headers)
        html = response.content.decode()
        assert response.status_code == 200
        assert '<html lang="de"' in html
        assert response["Content-Language"] == "de"
        assert "Zum Inhalt springen" in html
        assert "Suchen" in html
        assert "Skip to content" not in html


def test_home_page_in_english_with_language_cookie(fresh_catalog, muni_a):
    client = client_for(HOST_A)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en"' in html
    assert response["Content-Language"] == "en"
    for english in (
        "Search",
        "Skip to content",
        "What are you looking for?",
        "Welcome to the digital town hall",
    ):
        assert english in html
    for german in ("Suchen", "Zum Inhalt springen", "Was suchen Sie?"):
        assert german not in html


def test_language_switch_sets_the_cookie(fresh_catalog, muni_a):
    client = client_for(HOST_A)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Skip to content" in client.get("/").content.decode()


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
    reason="GNU gettext (xgettext, msgmerge) is not installed; cannot re-extract messages",
)
def test_committed_catalogue_contains_every_msgid_of_the_source(tmp_path, po):
    """Re-run makemessages on a copy of the source tree: no msgid may be missing from the .po."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    shutil.copytree(REPO / "src", tmp_path / "src", ignore=ignore)
    shutil.copy(REPO / "manage.py", tmp_path / "manage.py")
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "DJANGO_SETTINGS_MODULE": "rathaus.settings",
        "RATHAUS_DEBUG": "1",
        "RATHAUS_DATA_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    # Extracting English must leave the hand-maintained German allauth overrides alone.
    copied_de = tmp_path / "src" / "rathaus" / "locale" / "de" / "LC_MESSAGES" / "django.po"
    assert copied_de.read_bytes() == DE_PO.read_bytes()
    extracted = polib.pofile(
        str(tmp_path / "src" / "rathaus" / "locale" / "en" / "LC_MESSAGES" / "django.po")
    )
    committed = {(e.msgctxt, e.msgid) for e in po if not e.obsolete}
    missing = sorted(e.msgid for e in extracted if not e.obsolete and (e.msgctxt, e.msgid) not in committed)
    assert missing == [], (
        f"{len(missing)} msgid(s) missing from the English catalogue: {missing}. "
        "New msgids are missing from the English catalogue; run `RATHAUS_DEBUG=1 .venv/bin/python "
        "manage.py makemessages -l en --ignore '.venv/*' --ignore 'node_modules/*'` and translate them."
    )
