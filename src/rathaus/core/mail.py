"""Every mail in German and English: render the same translatable text under both languages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

SEPARATOR = "\n\n" + "-" * 68 + "\nEnglish version\n" + "-" * 68 + "\n\n"


def in_both_languages(render: Callable[[], Any]) -> tuple[str, str]:
    """Call ``render`` with German, then English active; returns both results as text."""
    with translation.override("de"):
        german = str(render())
    with translation.override("en"):
        english = str(render())
    return german, english


def bilingual_body(render: Callable[[], Any]) -> str:
    german, english = in_both_languages(render)
    return german if german == english else german.rstrip() + SEPARATOR + english.lstrip()


def bilingual_subject(render: Callable[[], Any]) -> str:
    german, english = in_both_languages(render)
    return german if german == english else f"{german} / {english}"


def render_bilingual(template_name: str, context: dict[str, Any]) -> str:
    """A mail body from one template rendered in German and in English."""
    return bilingual_body(lambda: render_to_string(template_name, context))
