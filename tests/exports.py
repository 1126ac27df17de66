"""Reading downloads written by rathaus.core.exports (the one CSV convention) in tests."""

from __future__ import annotations

import csv
import io
from typing import Any

from rathaus.core import exports


def body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        # Reading to the end closes the response: the test client's wrapper does it with the
        # connection-closing signal switched off. Closing it again here would fire request_finished,
        # which on PostgreSQL closes the connection that holds the test's transaction.
        return b"".join(response.streaming_content)
    return bytes(response.content)


def csv_text(response_or_text: Any) -> str:
    """The text without the BOM (a response, bytes or str)."""
    raw = response_or_text
    if not isinstance(raw, str | bytes):
        raw = body(raw)
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    return raw.removeprefix(exports.BOM)


def csv_rows(response_or_text: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_text(response_or_text)), delimiter=exports.DELIMITER))


def csv_dicts(response_or_text: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text(response_or_text)), delimiter=exports.DELIMITER))


def xlsx_rows(response: Any) -> list[list[Any]]:
    """Every row of every sheet, in order (cells as values)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(body(response)))
    return [list(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]
