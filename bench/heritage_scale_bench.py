"""Heritage search at scale (issue 19, ADR 0019; standalone, prints a Markdown table):

N small municipalities of M published objects each plus one of B objects on PostgreSQL (default
1,000 × 1,000 + 100,000), then, in a fresh process as a web server would be (Redis as the shared
cache, the page cache off so every request really searches):

- cold first faceted search of the big municipality: built in the process (no snapshot) vs loaded
  from the shared snapshot, and the alternative "PostgreSQL does the facet counts" (the SQL search
  with a GROUP BY over the facet rows of the hits) for the same queries;
- warm p50/p95 for the big municipality and for small ones;
- cold first search of every small municipality (build, then from the snapshot);
- RSS of the process after touching all of them, next to the memory budget and what all indexes
  together would take.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rathaus .venv/bin/python bench/heritage_scale_bench.py
    HERITAGE_SCALE_MUNICIPALITIES=100 HERITAGE_SCALE_BIG=20000 .venv/bin/python bench/heritage_scale_bench.py

Knobs (environment): HERITAGE_SCALE_MUNICIPALITIES (1000), HERITAGE_SCALE_OBJECTS (1000, objects
per small municipality), HERITAGE_SCALE_BIG (100000), HERITAGE_SCALE_REQUESTS (60 timed warm
searches per kind), HERITAGE_SCALE_REDIS_URL (redis://127.0.0.1:6379/0; keys under a random prefix,
deleted at the end), RATHAUS_HERITAGE_SEARCH_MEMORY_MB (the budget under test, 192).
A throwaway database ``rathaus_heritage_scale_bench_<pid>`` is created and dropped at the end.
Targets (issue 19): cold first faceted search at 100,000 objects < 300 ms, warm p95 < 100 ms,
memory per process bounded whatever the number of municipalities.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.heritage_bench import MATERIALS, PLACES, WORDS  # noqa: E402
from bench.throwaway_pg import run_in_throwaway_database  # noqa: E402

DOMAIN = "scale.test"
BIG = "gross"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--municipalities", type=int, default=_env_int("HERITAGE_SCALE_MUNICIPALITIES", 1000))
    parser.add_argument("--objects", type=int, default=_env_int("HERITAGE_SCALE_OBJECTS", 1000))
    parser.add_argument("--big", type=int, default=_env_int("HERITAGE_SCALE_BIG", 100_000))
    parser.add_argument("--requests", type=int, default=_env_int("HERITAGE_SCALE_REQUESTS", 60))
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.measure:
        return measure(args)
    return run_in_throwaway_database("heritage_scale_bench", "." + DOMAIN, lambda: run(args))


# --- seeding (parent process) -------------------------------------------------------------------


def seed(args: argparse.Namespace) -> float:
    """One template municipality with realistic facets (bench/heritage_bench.py, objects created in
    Python), copied in SQL (objects and facet rows): into the other small municipalities, and
    repeatedly into the big one (inventory numbers ``<template>-<k>``; the same facet distribution
    and texts, so the big collection's hit counts are those of the template times the copies)."""
    from django.db import connection

    from bench import heritage_bench
    from rathaus.core.tenancy.models import Domain, Municipality
    from rathaus.heritage.models import FacetValue, HeritageObject

    t0 = time.perf_counter()
    template, _s = heritage_bench.seed(
        argparse.Namespace(objects=args.objects), "m0000", f"m0000.{DOMAIN}", "15100000", vacuum=False
    )
    print(f"  template seeded ({args.objects:,} objects) after {time.perf_counter() - t0:.0f} s", flush=True)
    big = Municipality.objects.create(
        slug=BIG,
        name="Groß",
        ags="15090000",
        ars="150900000590",
        state="15",
        address="Markt 1",
        email="s@gross.example",
    )
    Domain.objects.create(municipality=big, host=f"{BIG}.{DOMAIN}", is_primary=True)
    others = Municipality.objects.bulk_create(
        [
            Municipality(
                slug=f"m{i:04d}",
                name=f"Ort {i}",
                ags=f"151{i:05d}",
                ars=f"151{i:05d}0590",
                state="15",
                address="Markt 1",
                email=f"sammlung@m{i:04d}.example",
            )
            for i in range(1, args.municipalities)
        ]
    )
    Domain.objects.bulk_create(
        [Domain(municipality=m, host=f"{m.slug}.{DOMAIN}", is_primary=True) for m in others]
    )
    obj_cols = [f.column for f in HeritageObject._meta.concrete_fields if f.column != "id"]
    fv_cols = [f.column for f in FacetValue._meta.concrete_fields if f.column != "id"]

    def object_select(inventory: str) -> str:
        values = {
            "municipality_id": "m.id",
            "public_id": "substr(md5(m.id::text || ':' || o.id::text || ':' || k::text), 1, 20)",
            "inventory_number": inventory,
        }
        return ", ".join(values.get(c, f"o.{c}") for c in obj_cols)

    fv_select = ", ".join(
        {"object_id": "n.id", "municipality_id": "n.municipality_id"}.get(c, f"f.{c}") for c in fv_cols
    )
    copy_objects = (
        f"INSERT INTO heritage_heritageobject ({', '.join(obj_cols)}) SELECT {{select}} "  # noqa: S608 (model columns)
        "FROM heritage_heritageobject o CROSS JOIN tenancy_municipality m "
        "CROSS JOIN generate_series(%s, %s) k "
        "WHERE o.municipality_id = %s AND m.id = ANY(%s)"
    )
    copy_facets = (
        f"INSERT INTO heritage_facetvalue ({', '.join(fv_cols)}) SELECT {fv_select} "  # noqa: S608 (model columns)
        "FROM heritage_facetvalue f JOIN heritage_heritageobject o ON o.id = f.object_id "
        "CROSS JOIN generate_series(%s, %s) k "
        "JOIN heritage_heritageobject n ON n.municipality_id = ANY(%s) AND n.inventory_number = {inventory} "
        "WHERE f.municipality_id = %s"
    )
    with connection.cursor() as cur:
        copies = max(1, args.big // max(1, args.objects))
        step = 10
        for k in range(0, copies, step):
            last = min(copies, k + step) - 1
            inventory = "o.inventory_number || '-' || k::text"
            cur.execute(
                copy_objects.format(select=object_select(inventory)), [k, last, template.pk, [big.pk]]
            )
            cur.execute(copy_facets.format(inventory=inventory), [k, last, [big.pk], template.pk])
        print(
            f"  big municipality ({copies * args.objects:,} objects) after {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        ids = [m.pk for m in others]
        chunk = 100
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            cur.execute(
                copy_objects.format(select=object_select("o.inventory_number")), [0, 0, template.pk, part]
            )
            cur.execute(copy_facets.format(inventory="o.inventory_number"), [0, 0, part, template.pk])
            print(
                f"  {start + len(part) + 1:,} small municipalities after {time.perf_counter() - t0:.0f} s",
                flush=True,
            )
        cur.execute("VACUUM ANALYZE")
    return time.perf_counter() - t0


def run(args: argparse.Namespace) -> int:
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    seed_s = seed(args)
    connections.close_all()
    env = {
        **os.environ,
        "RATHAUS_REDIS_URL": os.environ.get("HERITAGE_SCALE_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "RATHAUS_CACHE_KEY_PREFIX": f"heritage-scale-{secrets.token_hex(4)}",
        "RATHAUS_PAGE_CACHE_SECONDS": "0",  # every request searches (no shared page for anonymous visitors)
    }
    child = subprocess.run(
        [sys.executable, __file__, "--measure", *_args(args)], env=env, capture_output=True, text=True
    )
    sys.stderr.write(child.stderr[-4000:])
    if child.returncode != 0:
        print(child.stdout[-4000:])
        return 2
    lines = child.stdout.strip().splitlines()
    print("\n".join(lines[:-1]))
    report(args, seed_s, json.loads(lines[-1]))
    return 0


def _args(args: argparse.Namespace) -> list[str]:
    return [
        f"--municipalities={args.municipalities}",
        f"--objects={args.objects}",
        f"--big={args.big}",
        f"--requests={args.requests}",
    ]


# --- measuring (child process: a fresh "web process") --------------------------------------------


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _urls(n: int, seed: int) -> list[str]:
    from rathaus.heritage.models import ObjectType

    rnd = random.Random(seed)
    urls = []
    for _ in range(n):
        kind = rnd.randrange(6)
        params = []
        if kind in (0, 3):
            params.append(f"typ={rnd.choice(ObjectType.values)}")
        if kind in (1, 3):
            params.append(f"material={rnd.choice(MATERIALS)}")
        if kind == 2:
            y = rnd.randint(1300, 1900)
            params += [f"von={y}", f"bis={y + 99}"]
        if kind == 4:
            params.append(f"q={rnd.choice(WORDS).lower()}")
        if kind == 5:
            params += [f"ort={rnd.choice(PLACES)}", "sortierung=datum"]
        urls.append("/sammlung/?" + "&".join(params))
    return urls


def _stats(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "n": len(values),
        "p50": statistics.median(values),
        "p95": values[max(0, int(len(values) * 0.95 + 0.5) - 1)],
        "max": values[-1],
    }


def measure(args: argparse.Namespace) -> int:
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.cache import caches
    from django.db.models import Count
    from django.test import Client

    from rathaus.core.tenancy.models import Municipality
    from rathaus.heritage import queries, search_index
    from rathaus.heritage.models import FacetKind, FacetValue
    from rathaus.heritage.queries import Params

    out: dict[str, Any] = {"budget_mib": search_index.memory_budget() / 2**20}
    client = Client()

    def get(slug: str, url: str) -> float:
        t = time.perf_counter()
        r = client.get(url, HTTP_HOST=f"{slug}.{DOMAIN}")
        ms = (time.perf_counter() - t) * 1000
        assert r.status_code == 200, (slug, url, r.status_code)
        return ms

    get(BIG, "/sammlung/bestaende/")  # the process's first request (URLs, templates): not the search's
    out["rss_start_mib"] = _rss_mib()
    out["load_start"] = os.getloadavg()[0]
    first = "/sammlung/?typ=painting"
    cache = caches["default"]

    # 1. the big municipality, cold, built in this process (no snapshot anywhere)
    settings.HERITAGE_SEARCH_SNAPSHOT_CACHE = ""
    out["big_cold_build_ms"] = get(BIG, first)
    search_index.clear()
    # 2. with the shared snapshot: the first process builds and publishes it, every cold one loads it
    settings.HERITAGE_SEARCH_SNAPSHOT_CACHE = "default"
    out["big_cold_build_publish_ms"] = get(BIG, first)
    big = Municipality.objects.get(slug=BIG)
    blob = cache.get(search_index._snapshot_key(big.pk))
    out["big_snapshot_mib"] = len(blob) / 2**20
    out["big_index_mib"] = search_index.index_for(big.pk, queries.SORTS["titel"]).nbytes / 2**20
    cold = []
    for url in _urls(20, 3):
        search_index.clear()
        cold.append(get(BIG, url))
    out["big_cold_snapshot"] = _stats(cold)
    loads = []
    for _ in range(5):
        t = time.perf_counter()
        search_index._load_snapshot(big.pk)
        loads.append((time.perf_counter() - t) * 1000)
    out["big_snapshot_load"] = _stats(loads)
    # 3. warm
    get(BIG, "/sammlung/?sortierung=datum")  # the date order is read once per process
    out["big_warm"] = _stats([get(BIG, url) for url in _urls(args.requests, 1)])
    print(f"  big municipality measured, RSS {_rss_mib():.0f} MiB", flush=True)

    # 4. the alternative: PostgreSQL counts the facets of the hits (what ADR 0007 replaced)
    sql = []
    for url in _urls(max(10, args.requests // 2), 1):
        from django.http import QueryDict

        p = Params.from_query(QueryDict(url.split("?", 1)[1]))
        t = time.perf_counter()
        qs = queries.filtered(big, p)
        total = qs.count()
        list(qs.order_by(*queries.SORTS[p.sort])[: queries.PAGE_SIZE])
        list(
            FacetValue.objects.filter(municipality=big, published=True, object_id__in=qs.values("pk"))
            .exclude(facet__in=[FacetKind.SUBJECT, FacetKind.TECHNIQUE])
            .values("facet", "value")
            .annotate(n=Count("*"))
        )
        sql.append((time.perf_counter() - t) * 1000)
        assert total >= 0
    out["big_sql_counts"] = _stats(sql)

    # 5. every small municipality, first search (built here: no snapshot yet), memory afterwards
    smalls = list(Municipality.objects.exclude(slug=BIG).order_by("slug").values_list("pk", "slug"))
    cold_small, total_bytes = [], 0
    for pk, slug in smalls:
        cold_small.append(get(slug, first))
        total_bytes += search_index.index_for(pk, queries.SORTS["titel"]).nbytes
    out["small_cold_build"] = _stats(cold_small)
    get(BIG, first)  # and the big one again
    out["all_indexes_mib"] = (total_bytes + out["big_index_mib"] * 2**20) / 2**20
    out["held_mib"] = search_index.held_bytes() / 2**20
    out["held_count"] = len(search_index._INDEXES)
    out["rss_after_all_mib"] = _rss_mib()
    print(
        f"  all {len(smalls) + 1} municipalities touched, RSS {out['rss_after_all_mib']:.0f} MiB", flush=True
    )

    # 6. a cold process: small ones from their snapshots; warm ones
    search_index.clear()
    sample = random.Random(5).sample(smalls, min(200, len(smalls)))
    out["small_cold_snapshot"] = _stats([get(slug, first) for _pk, slug in sample])
    urls = _urls(args.requests * 2, 2)
    out["small_warm"] = _stats([get(sample[i % len(sample)][1], url) for i, url in enumerate(urls)])
    # 7. touch everything once more, from snapshots (a restarted process serving all municipalities)
    for _pk, slug in smalls:
        get(slug, first)
    get(BIG, first)
    out["rss_end_mib"] = _rss_mib()
    out["held_end_mib"] = search_index.held_bytes() / 2**20
    import resource

    out["rss_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["load_end"] = os.getloadavg()[0]
    cache.delete_many([search_index._snapshot_key(pk) for pk, _slug in [*smalls, (big.pk, BIG)]])
    print(json.dumps(out))
    return 0


def report(args: argparse.Namespace, seed_s: float, m: dict[str, Any]) -> None:
    def lat(s: dict[str, float]) -> str:
        return f"{s['p50']:.0f} / {s['p95']:.0f} / {s['max']:.0f} ms (n={s['n']})"

    def row(measure: str, value: str, target: str = "–") -> None:
        print(f"| {measure} | {value} | {target} |")

    n = args.municipalities
    print(
        f"\n## Heritage search at scale ({n:,} municipalities × {args.objects:,} objects "
        f"+ one of {args.big:,}, PostgreSQL, Redis snapshots)\n"
    )
    print("| measure | value (p50 / p95 / max) | target |")
    print("|---|---|---|")
    row("seeding", f"{seed_s:.0f} s")
    row("big: cold first search, built in the process (no snapshot)", f"{m['big_cold_build_ms']:.0f} ms")
    row("big: cold first search, build + publish the snapshot", f"{m['big_cold_build_publish_ms']:.0f} ms")
    row("big: cold first search, loaded from the snapshot", lat(m["big_cold_snapshot"]), "< 300 ms")
    row("big: snapshot fetch from Redis + decode alone", lat(m["big_snapshot_load"]))
    row("big: warm search", lat(m["big_warm"]), "p95 < 100 ms")
    row("big: alternative, PostgreSQL facet counts (SQL only)", lat(m["big_sql_counts"]))
    row(
        "big: index in memory / snapshot in Redis",
        f"{m['big_index_mib']:.1f} / {m['big_snapshot_mib']:.1f} MiB",
    )
    row("small: cold first search, built", lat(m["small_cold_build"]), "< 300 ms")
    row("small: cold first search, from the snapshot", lat(m["small_cold_snapshot"]), "< 300 ms")
    row("small: warm search", lat(m["small_warm"]), "p95 < 100 ms")
    row(f"all indexes together (if a process held all {n + 1:,})", f"{m['all_indexes_mib']:.0f} MiB")
    row(
        "held after touching all: indexes / budget",
        f"{m['held_mib']:.0f} MiB in {m['held_count']} / {m['budget_mib']:.0f} MiB",
        "≤ budget",
    )
    row(
        "RSS: start / after touching all / after a second round / peak",
        f"{m['rss_start_mib']:.0f} / {m['rss_after_all_mib']:.0f} / {m['rss_end_mib']:.0f} / "
        f"{m['rss_peak_mib']:.0f} MiB",
        "bounded",
    )
    print(f"\nLoad average (1 min), start / end: {m['load_start']:.1f} / {m['load_end']:.1f}")


if __name__ == "__main__":
    raise SystemExit(main())
