"""FIM form engine timings: import of the largest schema, rendering a 100-field step, validating a submission.

Run: RATHAUS_ALLOW_DEV_SECRET=1 .venv/bin/python bench/fim_bench.py
Targets: import < 1 s, render step (100 fields) < 50 ms, validate full submission < 20 ms (median).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rathaus.settings")
os.environ.setdefault("RATHAUS_ALLOW_DEV_SECRET", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402

from rathaus.fim import engine  # noqa: E402
from rathaus.fim.importers.xdf import codelists_from_dir, parse_xdf  # noqa: E402
from rathaus.fim.services import xsd_dir  # noqa: E402


def timed(fn: Any, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def hundred_field_definition() -> dict[str, Any]:
    fields = []
    for i in range(100):
        dt = ["text", "date", "num_currency", "bool", "num_int"][i % 5]
        fields.append(
            {
                "kind": "field",
                "id": f"F{i}",
                "version": "1",
                "name": f"Feld {i}",
                "label": f"Feld {i}",
                "help": "Hinweis",
                "min": 1,
                "max": 1,
                "rules": [],
                "feldart": "input",
                "datentyp": dt,
                "codelist": None,
                "content": "",
                "media_types": [],
                "max_size": None,
                "max_length": 80 if dt == "text" else None,
            }
        )
    group = {
        "kind": "group",
        "id": "G1",
        "version": "1",
        "name": "G",
        "label": "Große Gruppe",
        "help": "",
        "min": 1,
        "max": 1,
        "rules": [],
        "children": fields,
    }
    return {"items": [group], "rules": [], "codelists": {}, "schema_id": "S", "version": "1"}


def main() -> None:
    data_dir = Path(settings.RATHAUS_TESTDATA) / "fim" / "schemas"
    rows: list[tuple[str, float, float]] = []
    schemas = (
        sorted(data_dir.rglob("*.xml"), key=lambda p: p.stat().st_size, reverse=True)
        if data_dir.is_dir()
        else []
    )
    schemas = [p for p in schemas if "genericode" not in p.name and p.name != "WaBeKa.xml"]
    if schemas:
        largest = schemas[0]
        raw = largest.read_bytes()
        lists = codelists_from_dir(largest.parent, largest)
        xsd = xsd_dir()
        parse_xdf(raw, codelists=lists, xsd_dir=xsd, allow_missing_codelists=True)  # warm the XSD cache
        ms = timed(lambda: parse_xdf(raw, codelists=lists, xsd_dir=xsd, allow_missing_codelists=True), 10)
        rows.append(
            (f"import {largest.name} ({len(raw) // 1024} KB, XSD {'on' if xsd else 'off'})", ms, 1000)
        )
    else:
        print(f"test data missing ({data_dir}): import timing skipped")

    defn = hundred_field_definition()

    def render() -> None:
        form = engine.StepForm(defn, 0, {})
        render_to_string(
            "fim/_group.html",
            {"group": form.layout, "fields": form.bound_fields_by_name(), "interactive": True},
        )

    rows.append(("render step with 100 fields", timed(render, 30), 50))
    answers = {"G1": [{f"F{i}": ["Text", "2024-05-01", "12,50", "true", "7"][i % 5] for i in range(100)}]}
    payload, invalid = engine.validate_all(defn, answers)
    assert not invalid and payload
    rows.append(
        ("validate full submission (100 fields)", timed(lambda: engine.validate_all(defn, answers), 30), 20)
    )

    print(f"{'measurement':<60} {'median ms':>10} {'target ms':>10}  ok")
    for name, ms, target in rows:
        print(f"{name:<60} {ms:>10.1f} {target:>10.0f}  {'yes' if ms < target else 'NO'}")


if __name__ == "__main__":
    main()
