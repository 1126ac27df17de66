"""Open-data benchmark (standalone; prints a Markdown table): DCAT-AP.de catalog generation for a
municipality with 10,000 published datasets of 2 distributions each (themes, keywords, checksums).

Measures wall time and peak Python memory (tracemalloc) for one catalog page (100 datasets) in
Turtle, RDF/XML and JSON-LD, and for all pages in Turtle (what a harvester such as GovData fetches),
plus the number of SQL queries per page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rathaus .venv/bin/python bench/opendata_bench.py \
        [--datasets 10000]

A throwaway database ``rathaus_opendata_bench_<pid>`` is created on that server and dropped at the end.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.throwaway_pg import run_in_throwaway_database  # noqa: E402

HOST = "bench.localhost"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=10_000)
    args = parser.parse_args()
    return run_in_throwaway_database("opendata_bench", HOST, lambda: run(args))


def run(args: argparse.Namespace) -> int:
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from rathaus.core.tenancy.models import Domain, Municipality
    from rathaus.opendata import dcat, vocab
    from rathaus.opendata.models import Dataset, DatasetKeyword, DatasetStatus, DatasetTheme, Distribution

    call_command("migrate", verbosity=0)
    muni = Municipality.objects.create(
        slug="bench",
        name="Benchstadt",
        official_name="Stadt Benchstadt",
        ags="15084590",
        ars="150840590590",
        state="15",
        email="info@bench.example",
    )
    Domain.objects.create(municipality=muni, host=HOST, is_primary=True)
    n = args.datasets
    t0 = time.perf_counter()
    now = timezone.now()
    themes = [c for c, _l in vocab.THEMES]
    Dataset.objects.bulk_create(
        [
            Dataset(
                municipality=muni,
                title=f"Datensatz {i:05}",
                title_en=f"Dataset {i:05}",
                description=f"Beschreibung des Datensatzes {i} mit ein paar "
                f"Sätzen Text über Herkunft und Inhalt.",
                licence=vocab.DEFAULT_LICENCE,
                accrual_periodicity="MONTHLY",
                status=DatasetStatus.PUBLISHED,
                issued=now,
                modified=now,
                contact_name="Stabsstelle Digitalisierung",
                contact_email="digital@bench.example",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    ids = list(Dataset.objects.filter(municipality=muni).order_by("pk").values_list("pk", flat=True))
    DatasetTheme.objects.bulk_create(
        [DatasetTheme(dataset_id=pk, code=themes[i % len(themes)]) for i, pk in enumerate(ids)],
        batch_size=5000,
    )
    DatasetKeyword.objects.bulk_create(
        [
            DatasetKeyword(dataset_id=pk, keyword=k)
            for i, pk in enumerate(ids)
            for k in (f"thema{i % 50}", "Statistik")
        ],
        batch_size=5000,
    )
    Distribution.objects.bulk_create(
        [
            Distribution(
                municipality=muni,
                dataset_id=pk,
                title=f"Datei {j}",
                url=f"https://daten.bench.example/{pk}/{j}.csv",
                format="CSV" if j == 0 else "JSON",
                media_type="text/csv" if j == 0 else "application/json",
                byte_size=123_456 + pk,
                checksum_sha256="ab" * 32,
                modified=now,
            )
            for pk in ids
            for j in range(2)
        ],
        batch_size=5000,
    )
    setup = time.perf_counter() - t0
    base = f"http://{HOST}"
    pages = dcat.page_count(n)
    rows: list[tuple[str, float, float, int, int]] = []

    def measure(label: str, fn, memory_fn=None) -> None:  # type: ignore[no-untyped-def]
        # Time without tracemalloc (it slows allocation-heavy code several times), memory separately.
        with CaptureQueriesContext(connection) as q:
            start = time.perf_counter()
            size = fn()
            elapsed = time.perf_counter() - start
        tracemalloc.start()
        (memory_fn or fn)()
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append((label, elapsed, peak / 1024 / 1024, len(q.captured_queries), size))

    for ext in ("ttl", "rdf", "jsonld"):
        measure(f"one page ({ext}, 100 datasets)", lambda ext=ext: len(dcat.render(muni, base, 1, ext)[0]))
    measure(
        f"all {pages} pages (ttl, {n:,} datasets)",
        lambda: sum(len(dcat.render(muni, base, p, "ttl")[0]) for p in range(1, pages + 1)),
        # peak memory over the first 10 pages: each page is its own graph, so it does not grow
        lambda: sum(len(dcat.render(muni, base, p, "ttl")[0]) for p in range(1, min(pages, 10) + 1)),
    )

    print(f"\nDCAT-AP.de catalog, {n:,} datasets × 2 distributions (setup {setup:.1f} s, PostgreSQL)\n")
    print("| what | time | peak memory (tracemalloc; all pages: first 10) | SQL queries | output |")
    print("|---|---:|---:|---:|---:|")
    for label, elapsed, peak, queries, size in rows:
        print(f"| {label} | {elapsed:.2f} s | {peak:.1f} MiB | {queries} | {size / 1024 / 1024:.1f} MiB |")
    per_page = rows[-1][1] / pages
    print(f"\nper page on average (ttl): {per_page * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
