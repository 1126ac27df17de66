from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from rathaus.core import mail


def test_bilingual_body_renders_german_then_english():
    body = mail.bilingual_body(lambda: _("Suche"))
    german, english = body.split("English version")
    assert "Suche" in german
    assert "Search" in english


def test_bilingual_subject_joins_both_languages_and_keeps_active_language():
    with translation.override("en"):
        assert mail.bilingual_subject(lambda: _("Suche")) == "Suche / Search"
        assert translation.get_language() == "en"


def test_identical_text_is_not_repeated():
    assert mail.bilingual_body(lambda: "Zeitz") == "Zeitz"
    assert mail.bilingual_subject(lambda: "Zeitz") == "Zeitz"
