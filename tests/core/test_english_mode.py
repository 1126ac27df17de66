"""English mode (issue 14): what the platform itself writes is English, dates and times follow the language.

The walk renders the main public pages in English with content that has no German of its own (neutral
names, or names of the platform's vocabularies such as the demo Lebenslagen) and fails on German words
of templates and code, German date patterns and the 'Uhr' / ' h' time suffixes.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from html.parser import HTMLParser

import polib
import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from rathaus.core.ui import vocabulary
from rathaus.strategy.models import StrategyVersion
from tests.conftest import HOST_A, client_for
from tests.core.test_translations import EN_PO

# German words templates and code write (regular expressions, whole words); none of them occurs in the
# neutral content below.
GERMAN_MARKERS = [
    "Uhr",
    "beschlossen",
    "Stadtrat",
    "Fassung",
    "Lebenslagen?",
    "Schlagw\\w*",
    "Anträge",
    "Umzug",
    "Senioren",
    "Veranstaltung(?:en)?",
    "Januar",
    "Februar",
    "März",
    "Mai",
    "Juni",
    "Juli",
    "Oktober",
    "Dezember",
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
]
GERMAN_DATE = re.compile(r"\b\d{2}\.\d{2}\.(?:\d{4})?(?!\d)|\b\d{1,2}\.\d{1,2}\.\d{4}")  # 06.12.2026, 06.12.
GERMAN_LONG_DATE = re.compile(r"\b\d{1,2}\. [A-Z][a-z]+ \d{4}")  # "8. December 2026"
H_SUFFIX = re.compile(r"\d{1,2}:\d{2} h\b")  # "10:00 h"


class _Text(HTMLParser):
    """Visible text and the attributes people read (title, aria-label, placeholder, alt)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


@pytest.fixture(scope="module")
def translated_msgids() -> set[str]:
    """German msgids with a different English text: seen on an English page, one was not translated."""
    po = polib.pofile(str(EN_PO))
    return {
        e.msgid
        for e in po.translated_entries()
        if len(e.msgid) >= 12 and e.msgstr != e.msgid and "%" not in e.msgid and "{" not in e.msgid
    }


def german_findings(parts: list[str], msgids: set[str]) -> list[str]:
    found = []
    for text in parts:
        for marker in GERMAN_MARKERS:
            if re.search(rf"\b{marker}\b", text):
                found.append(f"{marker!r} in {text!r}")
        for pattern in (GERMAN_DATE, GERMAN_LONG_DATE, H_SUFFIX):
            if pattern.search(text):
                found.append(f"date/time {pattern.search(text).group(0)!r} in {text!r}")  # type: ignore[union-attr]
        if text in msgids:
            found.append(f"untranslated {text!r}")
    return found


def test_walk_detects_german(translated_msgids):
    """The check itself can fail: German dates, suffixes, words and untranslated msgids are found."""
    parts = visible_text(
        "<p>Di, 15.12.2026, 10:00 Uhr</p><p>8. December 2026</p><p title='Tue 10:00 h'>x</p>"
        "<p>Stand Ihrer Anträge, Rückfragen und Bescheide</p><script>var Uhr = 1;</script>"
    )
    found = german_findings(parts, translated_msgids)
    assert any("'Uhr'" in f for f in found)
    assert any("15.12.2026" in f for f in found)
    assert any("8. December 2026" in f for f in found)
    assert any("10:00 h" in f for f in found)
    assert any("untranslated" in f for f in found)
    assert german_findings(visible_text("<p>Tue, 15 Dec 2026, 10:00</p>"), translated_msgids) == []


@pytest.fixture
def english_site(muni_a):
    """Content without German of its own, except names from the platform's vocabularies."""
    from rathaus.catalog import services as catalog
    from rathaus.catalog.models import Service, Themenfeld
    from rathaus.events import services as events
    from rathaus.events.models import Event, EventStatus, EventType
    from rathaus.strategy.models import Strategy

    umzug = catalog.get_or_create_life_situation(muni_a, "Umzug")
    service = catalog.save_service(
        Service(
            municipality=muni_a,
            name="Zeta permit",
            summary="Zeta summary.",
            themenfeld=Themenfeld.STEUERN,
            kosten="None.",
        ),
        life_situations=[umzug],
    )
    start = timezone.make_aware(datetime(2027, 1, 19, 10, 0))
    event = events.save_event(
        Event(
            municipality=muni_a,
            title="Zeta workshop",
            summary="Zeta.",
            description="Zeta.",
            event_type=EventType.WORKSHOP,
            organiser="Zeta Hub",
            venue="Zeta Hub",
            status=EventStatus.PUBLISHED,
            capacity=5,
        ),
        dates=[(start, start + timezone.timedelta(hours=2))],
        tag_names=["Senioren"],
    )
    strategy = Strategy.objects.create(municipality=muni_a, title="Zeta strategy", is_published=True)
    StrategyVersion.objects.create(
        municipality=muni_a, strategy=strategy, version="1.0", adopted_on=date(2025, 6, 19)
    )
    return {"service": service, "event": event}


def test_main_public_pages_have_no_platform_german_in_english(english_site, translated_msgids):
    client = client_for(HOST_A)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pages = [
        "/",
        reverse("catalog:list"),
        reverse("catalog:list") + "?lebenslage=umzug",
        reverse("catalog:detail", args=[english_site["service"].pk]),
        reverse("events:list"),
        reverse("events:detail", args=[english_site["event"].pk]),
        reverse("strategy:index"),
        reverse("search:search") + "?q=Zeta",
    ]
    findings = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en"' in response.content.decode()
        found = german_findings(visible_text(response.content.decode()), translated_msgids)
        if found:
            findings[url] = found
    assert findings == {}, "\n".join(f"{url}: {found}" for url, found in findings.items())
    # ... and the platform's words are there in English.
    home = client.get("/").content.decode()
    assert "Status of your applications, queries and decisions" in home
    event = client.get(reverse("events:detail", args=[english_site["event"].pk])).content.decode()
    assert "Senior citizens" in event and "Tuesday, 19 January 2027, 10:00" in event
    strategy = client.get(reverse("strategy:index")).content.decode()
    assert "adopted by the town council on 19 Jun 2025" in strategy
    service = client.get(reverse("catalog:detail", args=[english_site["service"].pk])).content.decode()
    assert "Moving house" in service


def test_german_pages_keep_german_dates_and_words(english_site):
    client = client_for(HOST_A)
    event = client.get(reverse("events:detail", args=[english_site["event"].pk])).content.decode()
    assert "Dienstag, 19. Januar 2027, 10:00" in event and "12:00 Uhr" in event and "Senioren" in event
    strategy = client.get(reverse("strategy:index")).content.decode()
    assert "beschlossen vom Stadtrat am 19.06.2025" in strategy


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", "Dienstag, 19. Januar 2027 · 19.01.2027 · 10:00 Uhr · 19.01.2027 10:00 · Di, 19.01.2027"),
        ("en", "Tuesday, 19 January 2027 · 19 Jan 2027 · 10:00 · 19 Jan 2027, 10:00 · Tue, 19 Jan 2027"),
    ],
)
def test_named_formats_follow_the_language(lang, expected):
    when = timezone.make_aware(datetime(2027, 1, 19, 10, 0))
    template = Template(
        '{% load kern %}{{ d|localdate:"WEEKDAY_DATE_FORMAT" }} · {{ d|date:"SHORT_DATE_FORMAT" }} · '
        '{{ t|localdate:"CLOCK_FORMAT" }} · {{ d|date:"SHORT_DATETIME_FORMAT" }} · '
        '{{ d|localdate:"SHORT_WEEKDAY_DATE_FORMAT" }}'
    )
    with translation.override(lang):
        assert template.render(Context({"d": when, "t": time(10, 0)})) == expected


def test_unknown_format_name_is_an_error_not_a_pattern():
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError):
        Template('{% load kern %}{{ d|localdate:"d.m.Y" }}').render(Context({"d": date(2027, 1, 19)}))


def test_templates_write_no_fixed_german_date_patterns():
    """Templates name a date format (rathaus/formats); a fixed German pattern cannot follow the language."""
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "rathaus"
    fixed = re.compile(r"\|(?:date|time):[\"'][^\"']*(?:d\.m|j\. F|H:i)[^\"']*[\"']")
    suffix = re.compile(r"\{% translate \"Uhr\" %\}")
    offenders = [
        f"{path.relative_to(src)}:{n}"
        for path in src.rglob("*.html")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if fixed.search(line) or suffix.search(line)
    ]
    assert offenders == []


def test_vocabulary_translates_only_registered_terms():
    vocabulary.register_terms("Umzug")
    with translation.override("en"):
        assert vocabulary.term("Umzug") == "Moving house"
        assert vocabulary.term("Anträge") == "Anträge"  # a msgid, but no registered term: stays as written
        assert vocabulary.term("Mein Verein") == "Mein Verein"
    with translation.override("de"):
        assert vocabulary.term("Umzug") == "Umzug"
