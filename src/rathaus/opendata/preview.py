"""CSV preview for dataset pages: the first rows and inferred column types, from a limited sample."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.utils.translation import gettext_lazy as _

SAMPLE_BYTES = 64 * 1024
PREVIEW_ROWS = 20

_INT = re.compile(r"^[+-]?\d{1,18}$")
_DEC = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$|^[+-]?\d+(\.\d+)?$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})$")
_BOOL = {"ja", "nein", "true", "false", "wahr", "falsch"}

TYPE_LABELS = {
    "integer": _("Ganzzahl"),
    "decimal": _("Dezimalzahl"),
    "date": _("Datum"),
    "boolean": _("Wahrheitswert"),
    "text": _("Text"),
    "empty": _("leer"),
}


@dataclass
class Preview:
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    delimiter: str = ","
    truncated: bool = False

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(h, str(TYPE_LABELS[t])) for h, t in zip(self.headers, self.types, strict=False)]


def infer_type(values: list[str]) -> str:
    filled = [v.strip() for v in values if v and v.strip()]
    if not filled:
        return "empty"
    tests: tuple[tuple[str, Callable[[str], bool]], ...] = (
        ("integer", lambda v: bool(_INT.match(v))),
        ("decimal", lambda v: bool(_DEC.match(v))),
        ("date", lambda v: bool(_DATE.match(v))),
        ("boolean", lambda v: v.lower() in _BOOL),
    )
    for name, test in tests:
        if all(test(v) for v in filled):
            return name
    return "text"


def csv_preview(fh: IO[bytes]) -> Preview | None:
    """Read at most SAMPLE_BYTES, sniff the dialect, return the header and up to 20 rows."""
    raw = fh.read(SAMPLE_BYTES + 1)
    truncated = len(raw) > SAMPLE_BYTES
    raw = raw[:SAMPLE_BYTES]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw[:-3].decode("utf-8-sig") if truncated else raw.decode("cp1252")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    if truncated and "\n" in text:
        text = text[: text.rfind("\n")]  # drop the cut-off last line
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        return None
    rows: list[list[str]] = []
    more = False
    for row in reader:
        if len(rows) >= PREVIEW_ROWS:
            more = True
            break
        rows.append(row)
    types = [infer_type([r[i] if i < len(r) else "" for r in rows]) for i in range(len(headers))]
    return Preview(headers, rows, types, delimiter, truncated or more)
