"""Layout defects of issue 14 that code can prove: chart labels, search snippets, KERN selects and radios."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from rathaus.core.search import services as search
from rathaus.core.ui.charts import CHAR_WIDTH, LABEL_CHARS, LABEL_GAP, LABEL_WIDTH, bar_chart, label_lines
from tests.conftest import HOST_A, client_for

SRC = Path(__file__).resolve().parents[2] / "src" / "rathaus"
LONG = "Digitale Bildung und Kompetenzen für alle Altersgruppen stärken"


def test_long_chart_labels_wrap_and_keep_every_word():
    chart = bar_chart("Fortschritt", [(LONG, 40), ("M 1", 80)], unit="%", maximum=100)
    long_bar, short_bar = chart.bars
    lines = [line.text for line in long_bar.lines]
    assert len(lines) > 1
    assert " ".join(lines) == LONG  # nothing cut off, nothing dropped
    assert all(len(line) <= LABEL_CHARS for line in lines)
    assert LABEL_CHARS * CHAR_WIDTH <= LABEL_WIDTH - LABEL_GAP  # a full line fits left of the bars
    # Lines go down the row, the next row starts below the last line, the chart is tall enough.
    ys = [line.y for line in long_bar.lines]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)
    assert short_bar.y > ys[-1] and chart.height >= short_bar.y + 22
    svg = render_to_string("ui/chart.html", {"chart": chart}).split("<table")[0]
    assert "…" not in svg
    assert all(f">{line}</tspan>" in svg for line in lines)
    assert "Digitale Bildung" in svg  # the start of the label ("tale Bildung" before)


def test_label_lines_break_overlong_words():
    word = "Donaudampfschifffahrtsgesellschaftskapitänsmütze"
    lines = label_lines(word)
    assert "".join(lines) == word and all(len(line) <= LABEL_CHARS for line in lines)


@pytest.mark.django_db
def test_search_snippet_is_plain_text_not_markdown(muni_a):
    body = (
        "## Online\n\nAlle **Anträge** und [Formulare](https://example.org/f) finden Sie *hier*.\n\n"
        "- erstens\n- zweitens & `drittens`"
    )
    search.index(muni_a, search.Doc("notice", "1", "Hinweis", body, "/aktuelles/1/"))
    hit = search.search(muni_a, "Anträge")[0]
    assert hit.snippet == "Online Alle Anträge und Formulare finden Sie hier. erstens zweitens & drittens"
    html = client_for(HOST_A).get("/suche/", {"q": "Anträge"}).content.decode()
    assert "Alle Anträge und Formulare" in html
    assert "**" not in html and "](https" not in html


def test_plain_text_of_markdown():
    assert search.plain_text("**fett** <b>roh</b> &amp; [a](b)") == "fett <b>roh</b> & a"


def _templates() -> list[tuple[Path, str]]:
    return [(p, p.read_text()) for p in SRC.rglob("*.html")]


def test_every_select_is_a_kern_select_in_its_wrapper():
    """KERN draws the field and its arrow on the wrapper; a bare select looks like plain text."""
    offenders = []
    for path, text in _templates():
        for match in re.finditer(r"<select\b[^>]*>", text):
            before = text[: match.start()].rstrip()
            if 'class="kern-form-input__select' not in match.group(0) or not before.endswith(
                '<div class="kern-form-input__select-wrapper">'
            ):
                offenders.append(f"{path.relative_to(SRC)}: {match.group(0)[:80]}")
    assert offenders == []


def test_every_radio_and_checkbox_has_the_kern_class():
    """Without KERN's class a radio is the browser's tiny native control, misaligned with its label."""
    offenders = []
    for path, text in _templates():
        for match in re.finditer(r"<input\b[^>]*type=\"(?:radio|checkbox)\"[^>]*>", text):
            tag = match.group(0)
            if "kern-form-check__radio" not in tag and "kern-form-check__checkbox" not in tag:
                offenders.append(f"{path.relative_to(SRC)}: {tag[:100]}")
    assert offenders == []


def test_form_renderer_wraps_selects_and_styles_radios():
    from django import forms

    class F(forms.Form):
        view = forms.ChoiceField(choices=[("tag", "Tag"), ("woche", "Woche")])
        kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)

    html = str(F())
    assert re.search(
        r'<div class="kern-form-input__select-wrapper"><select [^>]*class="kern-form-input__select"', html
    )
    assert html.count('class="kern-form-check__radio"') == 2
