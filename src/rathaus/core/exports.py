"""The one CSV/XLSX exporter every module uses (docs/architecture.md, "Exports").

One convention for every CSV download:

* delimiter ``;``, quote ``"`` where needed, line end CRLF, UTF-8 with a byte order mark: German
  Excel opens such a file in columns and with umlauts by a double click (with ``,`` it puts every
  line into one cell, without the BOM it reads cp1252); LibreOffice, pandas (``sep=";"``,
  ``encoding="utf-8-sig"``) and the open-data preview (which sniffs the delimiter) read it as well.
* numbers given as ``int``/``float``/``Decimal`` are written as they are (a dot as decimal
  separator: machine-readable); ``None`` is an empty cell.
* every text cell passes :func:`guard` (spreadsheet formula injection, OWASP "CSV Injection"): a
  cell that starts with ``= + - @``, a TAB or a CR, also after leading blanks, gets a leading
  apostrophe, so a spreadsheet shows it as text instead of running it. A text that already starts
  with an apostrophe followed by such a character gets one more, so that :func:`unguard` (used by
  CSV re-imports) gives back exactly the original text.

XLSX files are written with openpyxl's write-only mode; text goes into typed string cells, which
a spreadsheet does not evaluate (openpyxl would otherwise turn a text starting with ``=`` into a
formula), and passes the same guard: the cell stays harmless when someone edits it or saves the
sheet as CSV.

Do not call ``csv.writer`` or openpyxl in a module: ``tests/core/test_exports.py`` fails for it.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

DELIMITER = ";"
BOM = "\ufeff"
LINE_END = "\r\n"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BLANKS = " \u00a0\n"

Row = Sequence[Any]


def _dangerous(text: str) -> bool:
    if text[:1] in _FORMULA_START:
        return True
    rest = text.lstrip(_BLANKS)
    return rest != text and rest[:1] in _FORMULA_START


def guard(value: str) -> str:
    """Text for a CSV cell that no spreadsheet evaluates as a formula."""
    if _dangerous(value) or (value[:1] == "'" and (_dangerous(value[1:]) or value[1:2] == "'")):
        return "'" + value
    return value


def unguard(value: str) -> str:
    """The inverse of :func:`guard` for re-importing an exported file."""
    if value[:1] == "'" and (_dangerous(value[1:]) or value[1:2] == "'"):
        return value[1:]
    return value


def cell(value: Any) -> str:
    """One CSV cell: numbers unchanged, ``None`` empty, everything else as guarded text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    return guard(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Row], *, bom: bool = True) -> Iterator[str]:
    """Stream a CSV file line by line (BOM first); every cell passes :func:`cell`."""
    writer = csv.writer(_Echo(), delimiter=DELIMITER, lineterminator=LINE_END)
    if bom:
        yield BOM
    for row in rows:
        yield writer.writerow([cell(v) for v in row])


def csv_text(rows: Iterable[Row], *, bom: bool = True) -> str:
    return "".join(csv_lines(rows, bom=bom))


def write_csv(stream: Any, rows: Iterable[Row], *, bom: bool = False) -> None:
    """Write CSV to an open text stream (management commands), same convention, no BOM by default."""
    for line in csv_lines(rows, bom=bom):
        stream.write(line)


def disposition(filename: str, *, inline: bool = False) -> str:
    """A ``Content-Disposition`` value (RFC 6266, non-ASCII names as ``filename*``)."""
    return content_disposition_header(not inline, filename) or ""


def csv_response(rows: Iterable[Row], filename: str, *, inline: bool = False) -> StreamingHttpResponse:
    """A streaming CSV download; rows are read lazily (keep querysets chunked)."""
    response = StreamingHttpResponse(csv_lines(rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = disposition(filename, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _xlsx_cell(ws: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    c = WriteOnlyCell(ws, value=guard(str(value)))
    c.data_type = "s"  # text, never a formula
    return c


def xlsx_response(sheets: Iterable[tuple[str, Iterable[Row]]], filename: str) -> FileResponse:
    """An XLSX download with one sheet per ``(title, rows)``, written to a temporary file."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(str(title)[:31])
        for row in rows:
            ws.append([_xlsx_cell(ws, v) for v in row])
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - handed to FileResponse
    handle.close()
    try:
        wb.save(handle.name)
        stream = open(handle.name, "rb")  # noqa: SIM115 - closed by FileResponse
    finally:
        os.unlink(handle.name)  # the open handle keeps the data until the response is sent
    response = FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = [
    "BOM",
    "CSV_CONTENT_TYPE",
    "DELIMITER",
    "csv_lines",
    "csv_response",
    "csv_text",
    "disposition",
    "guard",
    "unguard",
    "write_csv",
    "xlsx_response",
]
