"""The one CSV/XLSX exporter (rathaus.core.exports): formula guard, convention, and that every
module uses it (issue 14, point 1)."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from rathaus.core import exports
from rathaus.core.audit import services as audit
from tests.conftest import HOST_A, client_for
from tests.exports import csv_rows

# The values of the issue and the OWASP list (also after leading blanks).
HOSTILE = [
    '=HYPERLINK("http://x")',
    "@cmd|calc",
    "+1",
    "-1+1",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\u00a0@SUM(A1)",
    "\n-2",
]
HARMLESS = ["Zeitz", "a=b", "", "1", "E-Mail", "'quoted'", "x\n=y"]


@pytest.mark.parametrize("value", HOSTILE)
def test_guard_neutralises_hostile_text(value):
    guarded = exports.guard(value)
    assert guarded == "'" + value
    assert exports.unguard(guarded) == value


@pytest.mark.parametrize("value", HARMLESS)
def test_guard_leaves_harmless_text_alone(value):
    assert exports.guard(value) == value
    assert exports.unguard(value) == value


@pytest.mark.parametrize("value", ["'=1", "''=1", "'@x", "''", "'", "'''a"])
def test_guard_round_trips_texts_that_start_with_an_apostrophe(value):
    assert exports.unguard(exports.guard(value)) == value


def test_numbers_stay_numbers_and_none_is_empty():
    line = exports.csv_text([[-1, 2.5, Decimal("-3.25"), None, True, "-1"]], bom=False)
    assert line == "-1;2.5;-3.25;;True;'-1\r\n"


def test_one_convention_bom_semicolon_crlf_quoting():
    text = exports.csv_text([["a", "b;c"], ['say "hi"', "zwei\nZeilen"]])
    assert text.startswith("\ufeff")
    assert text == '\ufeffa;"b;c"\r\n"say ""hi""";"zwei\nZeilen"\r\n'
    assert csv_rows(text) == [["a", "b;c"], ['say "hi"', "zwei\nZeilen"]]


def test_csv_response_streams_with_disposition(db):
    response = exports.csv_response(iter([["h"], ["=1"]]), "Übersicht 2026.csv")
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    expected = "attachment; filename*=utf-8''%C3%9Cbersicht%202026.csv"
    assert response["Content-Disposition"] == expected
    assert csv_rows(response) == [["h"], ["'=1"]]
    inline = exports.csv_response([], "a.csv", inline=True)
    assert inline["Content-Disposition"] == 'inline; filename="a.csv"'


def test_xlsx_cells_are_text_never_formulas():
    from openpyxl import load_workbook

    response = exports.xlsx_response([("Blatt", [["Kopf", "Zahl"], *([v, -1] for v in HOSTILE)])], "a.xlsx")
    data = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(data)).active
    cells = list(ws.iter_rows(min_row=2))
    assert all(c[0].data_type == "s" for c in cells)  # no "f" (formula)
    assert [c[0].value for c in cells] == ["'" + v for v in HOSTILE]
    assert all(c[1].value == -1 for c in cells)
    assert b"<f>" not in data


SRC = Path(exports.__file__).resolve().parents[1]
WRITER = re.compile(r"csv\.(writer|DictWriter)\(|\bopenpyxl\b|content_type=[\"']text/csv")
# Files that may write CSV themselves: the exporter, and the GTFS demo feed (feed files in the
# GTFS format, which prescribes ',' and no BOM; not a download).
ALLOWED = {"core/exports.py", "mobility/demo.py"}


def test_no_module_writes_csv_or_xlsx_without_the_core_exporter():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in ALLOWED or "/migrations/" in rel:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if WRITER.search(line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "use rathaus.core.exports:\n" + "\n".join(offenders)


def test_the_guard_itself_is_checked_by_the_scan():
    # The pattern finds what an unguarded export would contain (the scan above can fail).
    assert WRITER.search("w = csv.writer(buf)") and WRITER.search('HttpResponse(x, content_type="text/csv")')
    assert WRITER.search("from openpyxl import Workbook")


@pytest.mark.django_db
def test_audit_log_csv_neutralises_hostile_values(admin_a, muni_a):
    for i, value in enumerate(HOSTILE[:4]):
        audit.record("catalog.service.updated", municipality=muni_a, object_repr=value, object_id=str(i))
    response = client_for(HOST_A, admin_a).get("/verwaltung/protokoll.csv")
    rows = csv_rows(response)
    objects = {r[5] for r in rows[1:]}
    assert objects == {"'" + v for v in HOSTILE[:4]}
    # nothing in any cell can start a formula
    assert not any(c and c[0] in "=+-@" for r in rows for c in r)
