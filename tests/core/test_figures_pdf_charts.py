"""The shared building blocks of the reporting modules: figures registry, PDF documents, charts."""

from __future__ import annotations

import zlib
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from rathaus.core import figures
from rathaus.core.pdf import Document, clean
from rathaus.core.ui.charts import PLOT_WIDTH, bar_chart


@pytest.fixture
def isolated_registry(monkeypatch):
    monkeypatch.setattr(figures, "_indicators", {})
    monkeypatch.setattr(figures, "_datasets", {})


def test_indicators_sorted_filtered_and_computed(isolated_registry, muni_a):
    figures.register_indicator(
        figures.Indicator("b.two", "b", "Zwei", "", "zwei", compute=lambda m: 2, order=20)
    )
    figures.register_indicator(
        figures.Indicator("a.one", "a", "Eins", "%", "eins", compute=lambda m: Decimal("1.5"), order=10)
    )
    assert [i.key for i in figures.indicators()] == ["a.one", "b.two"]
    assert [i.key for i in figures.indicators("b")] == ["b.two"]
    assert figures.indicator("missing") is None
    values = {i.key: v for i, v in figures.compute_all(muni_a)}
    assert values == {"a.one": Decimal("1.5"), "b.two": 2}
    assert [i.key for i, _ in figures.compute_all(muni_a, keys=["b.two"])] == ["b.two"]


def test_registering_twice_replaces(isolated_registry):
    ds = figures.DatasetSource(
        key="x.data",
        module="x",
        title="T",
        description="D",
        themes=("GOVE",),
        keywords=(),
        distributions=(figures.Distribution("csv", "CSV", "x:csv", "text/csv", "CSV"),),
        modified=lambda m: None,
    )
    figures.register_dataset_source(ds)
    figures.register_dataset_source(ds)
    assert figures.dataset_sources() == [ds]
    assert figures.dataset_source("x.data") is ds
    assert figures.dataset_sources("other") == []


def test_pdf_clean_keeps_german_and_replaces_the_rest():
    assert clean("Grüße – 5 € „ok“") == "Grüße – 5 € „ok“"
    assert clean("中\x00x") == "?x"
    assert clean(None) == ""


def test_pdf_document_contains_text():
    doc = Document(municipality_name="Stadt Zeitz", title="Eingangsbestätigung")
    doc.fields([("Aktenzeichen", "ZZ-2026-000123")])
    doc.heading("Ihre Angaben")
    doc.paragraph("Straße")
    doc.table(["Feld", "Wert"], [("Name", "Müller")])
    data = doc.output()
    assert data.startswith(b"%PDF-")
    # fpdf2 compresses page streams; the text operators carry the cp1252 bytes.
    streams = []
    for chunk in data.split(b"stream\n")[1:]:
        raw = chunk.split(b"\nendstream")[0]
        try:
            streams.append(zlib.decompress(raw))
        except zlib.error:
            streams.append(raw)
    text = b"".join(streams)
    assert b"ZZ-2026-000123" in text
    assert "Müller".encode("cp1252") in text


def test_bar_chart_scales_and_renders_table(settings):
    chart = bar_chart("Anträge", [("Jan", 5), ("Feb", 10), ("Mär", None)], unit="%", maximum=20)
    assert [b.width for b in chart.bars] == [PLOT_WIDTH / 4, PLOT_WIDTH / 2, 0]
    assert chart.bars[2].display == "–"
    html = render_to_string("ui/chart.html", {"chart": chart})
    assert html.count("<tr") == 4  # header + three rows
    assert 'aria-hidden="true"' in html
    assert "Mär" in html


def test_bar_chart_markers_and_empty():
    chart = bar_chart("KPI", [("A", 50)], markers=[100], marker_heading="Ziel")
    assert chart.bars[0].marker is not None and chart.bars[0].marker > chart.bars[0].width
    empty = bar_chart("Leer", [])
    assert empty.bars == [] and empty.height > 0
    assert "Noch keine Daten" in render_to_string("ui/chart.html", {"chart": empty})
