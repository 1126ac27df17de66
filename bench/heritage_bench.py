"""Digital collection benchmark (standalone; prints a Markdown table):

1. faceted search over N published objects (default 100,000, bulk-created with realistic facets):
   median and p95 server time in-process (Django test client) of random facet/full-text queries,
   and the number of queries per search (constant); then the first search after a change (the
   previous in-memory facet index answers while it is rebuilt), the time until the search shows
   the change, the build alone and the index's size;
2. OAI-PMH ListRecords throughput (records per second of server time) following resumption
   tokens, oai_dc and lido;
3. tiling throughput in megapixels/s of one synthetic image: pyvips (pyramidal TIFF + IIIF 3 tiles,
   what the upload task does) next to a Pillow baseline that cuts the same pyramid of JPEG tiles.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rathaus .venv/bin/python bench/heritage_bench.py \
        [--objects 100000] [--requests 60] [--harvest 20000] [--megapixels 24]

A throwaway database ``rathaus_heritage_bench_<pid>`` is created on that server and dropped at the end.
Targets from issue 7: faceted search p95 < 100 ms, ListRecords >= 2,000 records/s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.throwaway_pg import run_in_throwaway_database  # noqa: E402

HOST = "bench.localhost"
PLACES = ["Zeitz", "Naumburg", "Weißenfels", "Leipzig", "Halle (Saale)", "Gera", "Altenburg", "Merseburg"]
MATERIALS = [
    "Holz",
    "Papier",
    "Leinwand",
    "Stahl",
    "Weide",
    "Silber",
    "Pergament",
    "Glas",
    "Keramik",
    "Textil",
]
CREATORS = [f"Werkstatt {i:03d}" for i in range(400)]
WORDS = ["Kinderwagen", "Schloss", "Dom", "Urkunde", "Ansicht", "Stadtplan", "Fotografie", "Bildnis", "Markt"]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60, help="timed searches")
    parser.add_argument("--harvest", type=int, default=20_000, help="records per ListRecords run")
    parser.add_argument("--megapixels", type=int, default=24, help="size of the tiling test image")
    parser.add_argument("--explain", action="store_true", help="print the plans of the index build queries")
    parser.add_argument("--tiling-only", action="store_true", help="only the tiling comparison (no database)")
    args = parser.parse_args()
    if args.tiling_only:
        return run(args)
    return run_in_throwaway_database("heritage_bench", HOST, lambda: run(args))


def seed(  # type: ignore[no-untyped-def]
    args: argparse.Namespace,
    slug: str = "bench",
    host: str = HOST,
    ags: str = "15084590",
    vacuum: bool = True,
):
    """A municipality with ``args.objects`` published objects (also used by heritage_scale_bench)."""
    from django.utils import timezone

    from rathaus.core.tenancy.models import Domain, Municipality
    from rathaus.heritage import edtf, services
    from rathaus.heritage.models import RIGHTS, FacetValue, HeritageObject, ObjectType, Status

    muni = Municipality.objects.create(
        slug=slug,
        name=slug.capitalize(),
        ags=ags,
        ars=ags[:5] + "0" + ags[5:] + "590",
        state="15",
        address="Markt 1",
        email=f"sammlung@{slug}.example",
    )
    Domain.objects.create(municipality=muni, host=host, is_primary=True)
    colls = [
        services.save_collection(
            muni,
            {
                "slug": f"set{i}",
                "title_de": f"Bestand {i}",
                "level": "fonds",
                "is_public": True,
                "parent": None,
            },
        )
        for i in range(8)
    ]
    rnd = random.Random(7)
    types = ObjectType.values
    rights = [r[0] for r in RIGHTS[:6]]
    now = timezone.now()
    through = HeritageObject.collections.through
    batch = 5000
    t0 = time.perf_counter()
    for start in range(0, args.objects, batch):
        objs = []
        for i in range(start, min(args.objects, start + batch)):
            year = rnd.randint(1200, 1990)
            dating = rnd.choice(
                [str(year), f"um {year}", f"{year // 10}X", f"{year}/{year + rnd.randint(1, 30)}"]
            )
            span = edtf.parse(dating)
            o = HeritageObject(
                municipality=muni,
                inventory_number=f"B-{i:07d}",
                object_type=rnd.choice(types),
                title_de=f"{rnd.choice(WORDS)} {i}",
                title_en=f"Object {i}",
                description=f"{rnd.choice(WORDS)} aus {rnd.choice(PLACES)}, Beschreibung {i}.",
                actors=[{"name": rnd.choice(CREATORS), "role": "Hersteller"}],
                dating=dating,
                date_earliest=span.earliest,
                date_latest=span.latest,
                places=[{"label": rnd.choice(PLACES)}],
                materials=[{"label": m} for m in rnd.sample(MATERIALS, 2)],
                subjects=[{"label": rnd.choice(WORDS)}],
                institution="Museum Schloss Moritzburg Zeitz",
                image_rights=rnd.choice(rights),
                status=Status.PUBLISHED,
                published_at=now,
                datestamp=now - __import__("datetime").timedelta(seconds=args.objects - i),
                has_image=rnd.random() < 0.6,
            )
            o.search_text = services.search_text_of(o)
            objs.append(o)
        HeritageObject.objects.bulk_create(objs, batch_size=1000)
        chosen = [rnd.choice(colls) for _ in objs]
        facets = [
            fv
            for o, c in zip(objs, chosen, strict=True)
            for fv in services.facet_rows(o, [(c.set_spec, c.title_de)])
        ]
        FacetValue.objects.bulk_create(facets, batch_size=5000)
        through.objects.bulk_create(
            [through(heritageobject_id=o.pk, collection_id=c.pk) for o, c in zip(objs, chosen, strict=True)],
            batch_size=5000,
        )
    from django.db import connection

    if vacuum and connection.vendor == "postgresql":
        with connection.cursor() as cur:
            # What autovacuum does in production: statistics and the visibility map (index-only scans).
            cur.execute("VACUUM ANALYZE")
    return muni, time.perf_counter() - t0


KINDS = ["type", "material", "date range", "type+material", "full text", "place+sort"]


def bench_search(args: argparse.Namespace) -> tuple[float, float, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from rathaus.heritage.models import ObjectType

    client = Client(HTTP_HOST=HOST)
    rnd = random.Random(1)
    queries = []
    for _ in range(args.requests):
        params = []
        kind = rnd.randrange(6)
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
        queries.append((kind, "/sammlung/?" + "&".join(params)))
    client.get(queries[0][1])  # warm-up
    times = []
    by_kind: dict[str, list[float]] = {}
    nq = 0
    for kind, url in queries:
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        by_kind.setdefault(KINDS[kind], []).append(times[-1])
        assert r.status_code == 200, (url, r.status_code)
        nq = max(nq, len(ctx.captured_queries))
    times.sort()
    for name, values in sorted(by_kind.items()):
        print(f"  search {name}: median {statistics.median(values):.0f} ms over {len(values)} requests")
    if args.explain:
        print_facet_plan()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], nq


def print_facet_plan() -> None:
    """EXPLAIN ANALYZE of the two queries of the facet index build (PostgreSQL fast path)."""
    from django.db import connection

    from rathaus.core.tenancy.models import Municipality
    from rathaus.heritage import search_index

    muni = Municipality.objects.get(slug="bench")
    params = {"m": muni.pk, "facets": [str(f) for f in search_index.INDEXED_FACETS]}
    with connection.cursor() as cur:
        for sql in (search_index._PG_TERMS, search_index._PG_IDS):
            cur.execute("EXPLAIN ANALYZE " + sql, params)
            print("\n".join(r[0] for r in cur.fetchall()))


def bench_rebuild(rounds: int = 3) -> tuple[float, float, float, float]:
    """After a change (version raised): the first search (the previous index answers while a
    background thread rebuilds, as the index of 100,000 objects takes longer than
    SYNC_REBUILD_SECONDS), the time until the search shows the change, the build alone (seconds)
    and the size of the index in MiB."""
    from django.test import Client

    from rathaus.core.tenancy.models import Municipality
    from rathaus.heritage import queries, search_index

    muni = Municipality.objects.get(slug="bench")
    client = Client(HTTP_HOST=HOST)
    first, caught_up, build = [], [], []
    for _ in range(rounds):
        search_index.mark_changed(muni.pk)
        t = time.perf_counter()
        client.get("/sammlung/?typ=painting")
        first.append(time.perf_counter() - t)
        search_index.wait_for_rebuilds()
        caught_up.append(time.perf_counter() - t)
        t = time.perf_counter()
        index = search_index.FacetIndex.build(muni.pk, -1, queries.SORTS["titel"])
        build.append(time.perf_counter() - t)
    arrays = [v for v in vars(index).values() if hasattr(v, "nbytes")]
    size = sum(a.nbytes for a in arrays) + index.texts.estimated_size()
    return statistics.median(first), statistics.median(caught_up), statistics.median(build), size / 2**20


def bench_oai(args: argparse.Namespace, prefix: str) -> float:
    """Records per second of server time, following resumption tokens like a harvester (the
    harvester's own XML parsing is not counted: a regular expression finds the token)."""
    import re

    from django.test import Client

    token_re = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
    client = Client(HTTP_HOST=HOST)
    params = {"verb": "ListRecords", "metadataPrefix": prefix}
    n = 0
    server = 0.0
    while n < args.harvest:
        t = time.perf_counter()
        r = client.get("/oai", params)
        server += time.perf_counter() - t
        assert r.status_code == 200, r.content[:300]
        n += r.content.count(b"<record>")
        match = token_re.search(r.content)
        if not match:
            break
        params = {"verb": "ListRecords", "resumptionToken": match.group(1).decode()}
    return n / server


def bench_tiling(args: argparse.Namespace) -> tuple[float, float, float, float]:
    import pyvips
    from PIL import Image

    from rathaus.heritage import media

    side = int((args.megapixels * 1_000_000 * 1.5) ** 0.5)
    w, h = side, int(side / 1.5)
    mp = w * h / 1_000_000
    tmp = Path(tempfile.mkdtemp(prefix="heritage-bench-"))
    src = tmp / "original.jpg"
    noise = pyvips.Image.gaussnoise(w, h, mean=128, sigma=40)
    img = noise.bandjoin([noise.rot180() if noise.width == noise.height else noise, noise]).cast("uchar")
    img = img.copy(interpretation="srgb")
    img.jpegsave(str(src), Q=85)

    t = time.perf_counter()
    media.build_pyramid(src)
    vips_s = time.perf_counter() - t
    # Like for like with the Pillow baseline: one pyramid of 256 px JPEG tiles straight from the file.
    t = time.perf_counter()
    pyvips.Image.new_from_file(str(src), access="sequential").dzsave(
        str(tmp / "dz"), layout="iiif3", tile_size=media.TILE_SIZE, overlap=0, suffix=".jpg[Q=85]"
    )
    dz_s = time.perf_counter() - t

    Image.MAX_IMAGE_PIXELS = None
    out = tmp / "pillow"
    out.mkdir()
    t = time.perf_counter()
    level_img = Image.open(src)
    level_img.load()
    scale = 1
    while True:
        lw, lh = level_img.size
        for y in range(0, lh, media.TILE_SIZE):
            for x in range(0, lw, media.TILE_SIZE):
                tile = level_img.crop((x, y, min(lw, x + media.TILE_SIZE), min(lh, y + media.TILE_SIZE)))
                tile.save(out / f"{scale}_{x}_{y}.jpg", "JPEG", quality=85)
        if max(lw, lh) <= media.TILE_SIZE:
            break
        level_img = level_img.resize((max(1, lw // 2), max(1, lh // 2)), Image.Resampling.LANCZOS)
        scale *= 2
    pillow_s = time.perf_counter() - t
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return mp, mp / vips_s, mp / dz_s, mp / pillow_s


def print_tiling(
    args: argparse.Namespace, mp: float, full: float, dz: float, pillow: float, header: bool = True
) -> None:
    if header:
        print(f"\n## Tiling benchmark ({mp:.1f} MP synthetic image)\n")
        print("| measure | value | target |")
        print("|---|---|---|")
    print(f"| tiling pyvips, upload task (pyramidal TIFF + IIIF tiles, {mp:.1f} MP) | {full:.1f} MP/s | – |")
    print(f"| tiling pyvips dzsave (JPEG tile pyramid, like the baseline) | {dz:.1f} MP/s | – |")
    print(f"| tiling Pillow baseline (same image, JPEG tile pyramid) | {pillow:.1f} MP/s | – |")
    print(f"| pyvips dzsave / Pillow | {dz / pillow:.1f}x | – |")


def run(args: argparse.Namespace) -> int:
    if args.tiling_only:  # needs no database and no settings
        print_tiling(args, *bench_tiling(args))
        return 0
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _muni, seed_s = seed(args)
    median, p95, nq = bench_search(args)
    first_after_change, caught_up, build_s, index_mib = bench_rebuild()
    dc_rate = bench_oai(args, "oai_dc")
    lido_rate = bench_oai(args, "lido")
    tiling = bench_tiling(args)
    print(f"\n## Digital collection benchmark ({args.objects:,} published objects, PostgreSQL)\n")
    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| bulk seeding ({args.objects:,} objects + facets) | {seed_s:.1f} s | – |")
    print(f"| faceted search, median | {median:.1f} ms | – |")
    print(f"| faceted search, p95 ({args.requests} requests) | {p95:.1f} ms | < 100 ms |")
    print(f"| queries per search (max) | {nq} | constant |")
    print(
        f"| first search after a change (previous index answers) | {first_after_change * 1000:.0f} ms | – |"
    )
    print(f"| search shows the change after (background rebuild) | {caught_up:.2f} s | – |")
    print(f"| facet index build alone | {build_s:.2f} s | – |")
    print(f"| facet index size per process | {index_mib:.0f} MiB | – |")
    print(f"| OAI-PMH ListRecords oai_dc | {dc_rate:,.0f} records/s | >= 2,000 |")
    print(f"| OAI-PMH ListRecords lido | {lido_rate:,.0f} records/s | >= 2,000 |")
    print_tiling(args, *tiling, header=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
