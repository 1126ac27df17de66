"""Accessible bar charts as server-rendered SVG, each with a table of the same numbers.

Charts work without JavaScript and without inline styles (CSP). Every chart is a ``<figure>`` with
an SVG marked ``aria-hidden`` (the numbers are read from the table that follows it) and a data
table with caption. Use from a view and a template::

    chart = charts.bar_chart(_("Anträge je Monat"), [("Jan 2026", 12), ("Feb 2026", 17)], unit="")
    {% include "ui/chart.html" with chart=chart %}

Optional ``series`` give a second value per row (e.g. "target"), shown as a thin marker and an
extra table column.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 190
PLOT_WIDTH = 420
VALUE_WIDTH = 90
LABEL_GAP = 8  # between the end of a label and its bar
LINE_HEIGHT = 16  # of a label line (font-size 13px, .rh-chart__svg)
# Widest average glyph of the 13px sans-serif labels, generously: a label line of this many characters
# always fits left of the bar, so that no label is cut off at the left edge ("tale Bildung und Kompetenzen").
CHAR_WIDTH = 7.6
LABEL_CHARS = int((LABEL_WIDTH - LABEL_GAP) // CHAR_WIDTH)


@dataclass
class LabelLine:
    text: str
    y: int


def label_lines(label: str, chars: int = LABEL_CHARS) -> list[str]:
    """The label wrapped into lines that fit the label column; nothing is cut off or dropped."""
    return textwrap.wrap(label, width=chars, break_long_words=True, break_on_hyphens=True) or [""]


@dataclass
class Bar:
    label: str
    value: float | None
    display: str
    y: int
    width: float
    text_y: int
    marker: float | None = None
    marker_display: str = ""
    lines: list[LabelLine] = field(default_factory=list)


@dataclass
class Chart:
    caption: Any
    unit: str
    value_heading: Any
    bars: list[Bar] = field(default_factory=list)
    marker_heading: Any = None
    width: int = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    height: int = 0
    label_width: int = LABEL_WIDTH
    label_x: int = LABEL_WIDTH - LABEL_GAP
    value_x: int = LABEL_WIDTH + PLOT_WIDTH + 6


def _fmt(value: float | None, decimals: int, unit: str) -> str:
    if value is None:
        return "–"
    text = number_format(round(value, decimals), decimal_pos=decimals, force_grouping=True)
    return f"{text} {unit}".strip()


def bar_chart(
    caption: Any,
    rows: Sequence[tuple[str, float | int | Decimal | None]],
    *,
    unit: str = "",
    value_heading: Any = None,
    decimals: int = 0,
    maximum: float | None = None,
    markers: Sequence[float | int | Decimal | None] | None = None,
    marker_heading: Any = None,
) -> Chart:
    """A horizontal bar chart; ``maximum`` fixes the scale (e.g. 100 for percentages)."""
    values = [float(v) if v is not None else None for _, v in rows]
    marks = [float(m) if m is not None else None for m in (markers or [])]
    top = maximum or max([v for v in values + marks if v is not None] + [0.0]) or 1.0
    chart = Chart(
        caption=caption, unit=unit, value_heading=value_heading or caption, marker_heading=marker_heading
    )
    top_y = 0
    for i, ((label, _), value) in enumerate(zip(rows, values, strict=True)):
        lines = label_lines(str(label))
        row_height = max(BAR_HEIGHT, len(lines) * LINE_HEIGHT + 6)
        y = top_y + (row_height - BAR_HEIGHT) // 2  # the bar is centred on its (possibly wrapped) label
        first_line = top_y + (row_height - len(lines) * LINE_HEIGHT) // 2 + LINE_HEIGHT - 4
        marker = marks[i] if i < len(marks) else None
        chart.bars.append(
            Bar(
                label=str(label),
                value=value,
                display=_fmt(value, decimals, unit),
                y=y,
                width=max(0.0, min(1.0, (value or 0.0) / top)) * PLOT_WIDTH,
                text_y=y + BAR_HEIGHT - 6,
                marker=None if marker is None else LABEL_WIDTH + min(1.0, marker / top) * PLOT_WIDTH,
                marker_display=_fmt(marker, decimals, unit) if markers is not None else "",
                lines=[LabelLine(text, first_line + n * LINE_HEIGHT) for n, text in enumerate(lines)],
            )
        )
        top_y += row_height + GAP
    chart.height = max(BAR_HEIGHT + GAP, top_y)
    return chart
