"""Surveys benchmark (standalone; prints a Markdown table).

For each database (SQLite file in /tmp, PostgreSQL throwaway database):

1. bulk-loads N responses (default 1,000,000) to a 20-question survey with every question type —
   ``Response`` rows with their JSON, the ``Answer`` table (~29 rows per response) and the tallies —
   with executemany (SQLite) or COPY (PostgreSQL);
2. times the staff results page in-process (Django test client, median of R requests) and counts its
   queries; also the page with a segment filter, a filter by answer and a cross-tabulation
   (grouped queries over the Answer table);
3. streams the CSV export of all responses in a fresh subprocess and reports its peak memory
   (``ru_maxrss`` of that process, which includes Python and Django).

    .venv/bin/python bench/surveys_bench.py [--responses 1000000] [--backends sqlite,postgres]
        [--requests 5]

PostgreSQL uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/rathaus) to create and drop
``rathaus_surveys_bench_<pid>``. Targets from issue 6: results page < 1 s server time on both
databases, CSV export peak memory < 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.throwaway_pg import run_in_throwaway_database  # noqa: E402

HOST = "bench.localhost"
BATCH = 50_000


def spec() -> dict:
    pages = []
    questions = []
    for i in range(6):
        questions.append(
            {
                "code": f"s{i}",
                "kind": "single",
                "text": f"Einfachauswahl {i + 1}",
                "options": [f"Antwort {j + 1}" for j in range(5)],
            }
        )
    for i in range(4):
        questions.append(
            {
                "code": f"m{i}",
                "kind": "multiple",
                "text": f"Mehrfachauswahl {i + 1}",
                "max_choices": 3,
                "options": [f"Option {j + 1}" for j in range(6)],
            }
        )
    for i in range(4):
        questions.append(
            {"code": f"l{i}", "kind": "scale", "text": f"Skala {i + 1}", "scale_min": 1, "scale_max": 5}
        )
    for i in range(2):
        questions.append({"code": f"y{i}", "kind": "yes_no", "text": f"Ja/Nein {i + 1}"})
    questions.append({"code": "n", "kind": "number", "text": "Alter", "min_value": 0, "max_value": 100})
    questions.append(
        {
            "code": "x",
            "kind": "matrix",
            "text": "Matrix",
            "rows": ["Bus", "Bahn", "Rad", "Auto"],
            "scale_min": 1,
            "scale_max": 5,
        }
    )
    questions.append({"code": "r", "kind": "ranking", "text": "Rangfolge", "options": ["A", "B", "C", "D"]})
    questions.append({"code": "t", "kind": "text_short", "text": "Freitext"})
    for p in range(4):
        pages.append({"title": f"Seite {p + 1}", "questions": questions[p * 5 : (p + 1) * 5]})
    return {
        "title": "Benchmark-Umfrage",
        "access": "public",
        "is_published": True,
        "ask_segment": True,
        "publish_results": True,
        "pages": pages,
    }


def child_load(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from collections import Counter

    from django.core.management import call_command
    from django.db import connection, transaction

    from rathaus.core.accounts.mfa import activate_totp
    from rathaus.core.accounts.models import Membership, Role, User
    from rathaus.core.tenancy.models import Domain, Municipality
    from rathaus.surveys import services, structure
    from rathaus.surveys.models import Answer, Kind, Response, Tally

    call_command("migrate", verbosity=0)
    muni = Municipality.objects.create(
        slug="bench", name="Bench", ags="15084590", ars="150840590590", state="15"
    )
    Domain.objects.create(municipality=muni, host=HOST, is_primary=True)
    survey = services.build_from_spec(muni, spec(), is_template=False)
    user = User.objects.create_user("bench@example.org", "x")
    activate_totp(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    Membership.objects.create(user=user, municipality=muni, role=Role.ADMIN)
    s = structure.load(survey)
    qs = s.ordered_questions()
    rng = random.Random(6)
    segments = ["citizen"] * 7 + ["business"] * 2 + [""]
    counter: Counter = Counter()
    pg = connection.vendor == "postgresql"
    resp_cols = ["id", "municipality_id", "survey_id", "segment", "data", "submitted_on"]
    ans_cols = [
        "response_id",
        "survey_id",
        "question_id",
        "option_id",
        "row_id",
        "number",
        "text",
        "segment",
        "hidden",
    ]
    # Table and column names are our own constants, not input.
    resp_sql = (
        f"INSERT INTO surveys_response ({', '.join(resp_cols)}) VALUES ({', '.join(['%s'] * len(resp_cols))})"  # noqa: S608
    )
    ans_sql = (
        f"INSERT INTO surveys_answer ({', '.join(ans_cols)}) VALUES ({', '.join(['%s'] * len(ans_cols))})"  # noqa: S608
    )
    t0 = time.perf_counter()
    answer_rows = 0
    from datetime import date

    day = date.today().isoformat()
    plan = []
    for q in qs:
        opts = [o.pk for o in s.options.get(q.pk, [])]
        rows = [str(r.pk) for r in s.rows.get(q.pk, [])]
        plan.append((q, q.kind, opts, rows))
    with transaction.atomic():
        if pg:
            connection.cursor().execute(
                "SET session_replication_role = replica"
            )  # skip FK triggers while loading
        else:
            connection.cursor().execute("PRAGMA foreign_keys = OFF")
        for start in range(0, args.responses, BATCH):
            resp_batch = []
            ans_batch = []
            for rid in range(start + 1, min(args.responses, start + BATCH) + 1):
                seg = rng.choice(segments)
                data: dict = {}
                for q, kind, opts, rows in plan:
                    if kind == Kind.SINGLE:
                        v = {"o": rng.choice(opts)}
                    elif kind == Kind.MULTIPLE:
                        v = {"o": sorted(rng.sample(opts, rng.randint(1, 3)))}
                    elif kind == Kind.SCALE:
                        v = {"n": rng.randint(1, 5)}
                    elif kind == Kind.YES_NO:
                        v = {"n": rng.randint(0, 1)}
                    elif kind == Kind.NUMBER:
                        v = {"n": rng.randint(14, 90)}
                    elif kind == Kind.MATRIX:
                        v = {"m": {r: rng.randint(1, 5) for r in rows}}
                    elif kind == Kind.RANKING:
                        order = opts[:]
                        rng.shuffle(order)
                        v = {"r": order}
                    elif rng.random() < 0.1:
                        v = {"t": "Mehr Busse am Abend"}
                    else:
                        continue
                    data[str(q.pk)] = v
                    counter[(q.pk, seg, "a")] += 1
                    for option_id, row_id, number, text in structure.answer_rows(q, v):
                        ans_batch.append((rid, survey.pk, q.pk, option_id, row_id, number, text, seg, False))
                        key = structure.tally_key(kind, option_id, row_id, number)
                        if key:
                            counter[(q.pk, seg, key)] += 1
                counter[(None, seg, "n")] += 1
                resp_batch.append(
                    (rid, muni.pk, survey.pk, seg, json.dumps(data, separators=(",", ":")), day)
                )
            answer_rows += len(ans_batch)
            if pg:
                raw = connection.connection
                with raw.cursor() as cur:
                    with cur.copy(f"COPY surveys_response ({', '.join(resp_cols)}) FROM STDIN") as cp:
                        for row in resp_batch:
                            cp.write_row(row)
                    with cur.copy(f"COPY surveys_answer ({', '.join(ans_cols)}) FROM STDIN") as cp:
                        for row in ans_batch:
                            cp.write_row(row)
            else:
                with connection.cursor() as cur:
                    cur.executemany(
                        resp_sql,
                        resp_batch,
                    )
                    cur.executemany(
                        ans_sql,
                        ans_batch,
                    )
        Tally.objects.bulk_create(
            [
                Tally(survey=survey, question_id=qid, segment=seg, key=key, count=c)
                for (qid, seg, key), c in counter.items()
            ],
            batch_size=1000,
        )
        if pg:
            connection.cursor().execute("SET session_replication_role = DEFAULT")
            connection.cursor().execute(
                "SELECT setval(pg_get_serial_sequence('surveys_response','id'), %s)", [args.responses]
            )
    load_seconds = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    assert Response.objects.filter(survey=survey).count() == args.responses
    del Answer

    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    url = f"/umfragen/verwaltung/{survey.pk}/ergebnisse/"
    single = qs[0]
    yes_no = qs[14]
    variants = {
        "results page": {},
        "results, segment filter": {"segment": "citizen"},
        "results, filter by answer": {"wenn": f"{yes_no.pk}:v1"},
        "results, cross-tab": {"nach": single.pk},
    }
    out: dict = {"load_seconds": load_seconds, "answers": answer_rows, "survey": survey.pk, "pages": {}}
    client.get(url)  # warm-up: template compilation, first connection
    for label, params in variants.items():
        times = []
        queries = 0
        reps = (
            args.requests if not params.get("wenn") and not params.get("nach") else max(1, args.requests // 2)
        )
        for _i in range(reps):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                r = client.get(url, params)
                times.append(time.perf_counter() - t)
            assert r.status_code == 200, r.status_code
            queries = len(ctx.captured_queries)
        out["pages"][label] = {"median": statistics.median(times), "max": max(times), "queries": queries}
    return out


def child_export(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from django.test import Client

    from rathaus.core.accounts.models import User
    from rathaus.surveys.models import Survey

    survey = Survey.objects.get(title="Benchmark-Umfrage")
    client = Client(HTTP_HOST=HOST)
    client.force_login(
        User.objects.get(email="bench@example.org"), backend="django.contrib.auth.backends.ModelBackend"
    )
    import tracemalloc

    client.get("/")  # warm-up: middleware, session, templates
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t = time.perf_counter()
    r = client.get(f"/umfragen/verwaltung/{survey.pk}/antworten.csv")
    size = 0
    lines = 0
    for chunk in r.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - t
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "bytes": size,
        "lines": lines,
        "rss_before_mb": before / 1024,
        "peak_rss_mb": peak / 1024,
        "traced_peak_mb": traced_peak / 1e6,
    }


def spawn(phase: str, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        phase,
        "--responses",
        str(args.responses),
        "--requests",
        str(args.requests),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{phase} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_backend(args: argparse.Namespace) -> dict:
    load = spawn("load", args)
    export = spawn("export", args)
    return {"load": load, "export": export}


def print_table(responses: int, results: dict[str, dict]) -> None:
    print(f"\n## Surveys benchmark: {responses:,} responses, 20 questions\n")
    print("| database | measure | value | target |")
    print("|---|---|---|---|")
    for db, r in results.items():
        load, export = r["load"], r["export"]
        print(f"| {db} | bulk load ({load['answers']:,} answer rows) | {load['load_seconds']:.1f} s | – |")
        for label, p in load["pages"].items():
            target = "< 1 s" if label == "results page" else "–"
            timing = f"{p['median'] * 1000:.0f} ms ({p['max'] * 1000:.0f} ms), {p['queries']} queries"
            print(f"| {db} | {label}: median server time (max) | {timing} | {target} |")
        size = f"{export['seconds']:.1f} s, {export['bytes'] / 1e6:.0f} MB, {export['lines'] - 1:,} rows"
        print(f"| {db} | CSV export: time, size | {size} | – |")
        loaded = f"Django loaded: {export['rss_before_mb']:.0f} MB"
        peak = f"{export['peak_rss_mb']:.0f} MB"
        print(f"| {db} | CSV export: peak RSS of the whole process ({loaded}) | {peak} | < 200 MB |")
        traced = f"{export['traced_peak_mb']:.1f} MB"
        print(
            f"| {db} | CSV export: peak Python allocations during the export (tracemalloc) | {traced} | – |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=5, help="timed requests per results variant")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--child", choices=["load", "export"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child_load(args) if args.child == "load" else child_export(args)
        print(json.dumps(result))
        return 0

    results: dict[str, dict] = {}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            path = Path(f"/tmp/rathaus_surveys_bench_{os.getpid()}.sqlite3")  # noqa: S108 - a benchmark scratch file
            saved = dict(os.environ)
            os.environ.update(
                {
                    "DATABASE_URL": f"sqlite:///{path}",
                    "DJANGO_SETTINGS_MODULE": "rathaus.settings",
                    "RATHAUS_DEBUG": "0",
                    "RATHAUS_DEMO": "1",
                    "RATHAUS_SECRET_KEY": secrets.token_urlsafe(50),
                    "RATHAUS_HTTPS": "0",
                    "RATHAUS_MANIFEST_STATIC": "0",
                    "RATHAUS_ALLOWED_HOSTS": HOST,
                    "RATHAUS_TASK_BACKEND": "django_tasks.backends.dummy.DummyBackend",
                    "RATHAUS_LOG_LEVEL": "WARNING",
                }
            )
            try:
                results["SQLite"] = run_backend(args)
                print_table(
                    args.responses,
                    {"SQLite": results["SQLite"]},
                )
            finally:
                os.environ.clear()
                os.environ.update(saved)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            holder: dict = {}

            def go(holder: dict = holder) -> int:
                holder.update(run_backend(args))
                return 0

            run_in_throwaway_database("surveys_bench", HOST, go)
            results["PostgreSQL"] = holder
            print_table(args.responses, {"PostgreSQL": holder})

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
