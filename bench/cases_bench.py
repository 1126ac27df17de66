"""Case management benchmark (standalone; prints a Markdown table), on PostgreSQL and SQLite:

1. the staff inbox with 100,000 applications in the database (bulk_create): filtered (open cases of
   the clerk's departments), sorted by deadline, paginated (page 3), and a search by name as admin;
   median and p95 server time in-process (Django test client) and the number of queries;
2. submissions per second through the real submit path (reference counter, payload, event, audit),
   sequential and — on PostgreSQL — from parallel threads.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rathaus .venv/bin/python bench/cases_bench.py \
        [--cases 100000] [--requests 30] [--submissions 300] [--threads 8] [--only postgres|sqlite]

PostgreSQL runs in a throwaway database ``rathaus_cases_bench_<pid>`` (dropped at the end), SQLite
in a temporary file. Target from issue 4: the inbox under 150 ms server time, constant queries.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.throwaway_pg import run_in_throwaway_database  # noqa: E402

HOST = "bench.localhost"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--only", choices=["postgres", "sqlite"], default="")
    parser.add_argument("--child", choices=["postgres", "sqlite"], default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "postgres":
        return run_in_throwaway_database("cases_bench", HOST, lambda: run(args, "PostgreSQL"))
    if args.child == "sqlite":
        return run_sqlite(args)
    rows: list[dict[str, object]] = []
    for db in ("postgres", "sqlite"):
        if args.only and db != args.only:
            continue
        cmd = [
            sys.executable,
            __file__,
            "--child",
            db,
            "--cases",
            str(args.cases),
            "--requests",
            str(args.requests),
            "--submissions",
            str(args.submissions),
            "--threads",
            str(args.threads),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), check=False)
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            return out.returncode
        rows.extend(json.loads(line) for line in out.stdout.splitlines() if line.startswith("{"))
    print(f"\nCases benchmark: {args.cases:,} applications, {args.requests} timed requests per view\n")
    print("| database | measurement | median | p95 | queries / note |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['db']} | {r['what']} | {r['median']} | {r['p95']} | {r['note']} |")
    return 0


def run_sqlite(args: argparse.Namespace) -> int:
    import secrets

    fd, name = tempfile.mkstemp(suffix=".sqlite3", prefix="cases_bench_")
    os.close(fd)
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{name}",
            "DJANGO_SETTINGS_MODULE": "rathaus.settings",
            "RATHAUS_DEBUG": "0",
            "RATHAUS_DEMO": "1",
            "RATHAUS_SECRET_KEY": secrets.token_urlsafe(50),
            "RATHAUS_HTTPS": "0",
            "RATHAUS_MANIFEST_STATIC": "0",
            "RATHAUS_ALLOWED_HOSTS": HOST,
            "RATHAUS_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "RATHAUS_TASK_BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "RATHAUS_LOG_LEVEL": "WARNING",
        }
    )
    try:
        return run(args, "SQLite")
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)


def _ms(values: list[float]) -> tuple[str, str]:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"{statistics.median(values) * 1000:.1f} ms", f"{p95 * 1000:.1f} ms"


def run(args: argparse.Namespace, db: str) -> int:
    import random
    import threading
    import warnings
    from concurrent.futures import ThreadPoolExecutor
    from datetime import timedelta

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    media = tempfile.mkdtemp(prefix="cases_bench_media_")
    os.environ["RATHAUS_MEDIA_ROOT"] = media
    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from tests.cases.conftest import answers, make_form

    from rathaus.cases.models import Application, Status
    from rathaus.core.accounts.mfa import activate_totp
    from rathaus.core.accounts.models import Department, Membership, Role, User
    from rathaus.core.tenancy.models import Domain, Municipality
    from rathaus.fim import services as fim

    call_command("migrate", verbosity=0)
    muni = Municipality.objects.create(
        slug="bench", name="Bench", ags="15084590", ars="150840590590", state="15", reference_prefix="BE"
    )
    Domain.objects.create(municipality=muni, host=HOST, is_primary=True)
    depts = [Department.objects.create(municipality=muni, name=f"Fachbereich {i}") for i in range(5)]
    forms = [make_form(muni, f"S9900000{i}", f"Leistung {i}") for i in range(5)]
    clerk = User.objects.create_user("clerk@bench.example", "x")
    activate_totp(clerk, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    Membership.objects.create(municipality=muni, user=clerk, role=Role.STAFF).departments.add(depts[0])
    admin = User.objects.create_user("admin@bench.example", "x")
    activate_totp(admin, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    Membership.objects.create(municipality=muni, user=admin, role=Role.ADMIN)

    rnd = random.Random(4)
    statuses = [
        Status.RECEIVED,
        Status.IN_REVIEW,
        Status.QUERY,
        Status.APPROVED,
        Status.REJECTED,
        Status.CLOSED,
        Status.CLOSED,
        Status.CLOSED,
        Status.WITHDRAWN,
    ]
    names = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz"]
    now = timezone.now()
    t0 = time.perf_counter()
    batch: list[Application] = []
    for i in range(args.cases):
        k = i % 5
        at = now - timedelta(minutes=rnd.randint(0, 730 * 24 * 60))
        batch.append(
            Application(
                municipality=muni,
                reference=f"BK-{at.year}-{i + 1:06d}",
                form=forms[k],
                service_name=forms[k].name,
                idempotency_key=f"bench-{i}",
                status=rnd.choice(statuses),
                applicant_name=f"{rnd.choice(names)} {i}",
                department=depts[k],
                submitted_at=at,
                due_date=(at + timedelta(days=30)).date(),
            )
        )
        if len(batch) == 5000:
            Application.objects.bulk_create(batch)
            batch = []
    Application.objects.bulk_create(batch)
    with connection.cursor() as cur:  # statistics for the planner, as after any large import
        cur.execute("ANALYZE")
    load_s = time.perf_counter() - t0
    out: list[dict[str, object]] = [
        {
            "db": db,
            "what": f"bulk_create {args.cases:,} applications",
            "median": f"{load_s:.1f} s",
            "p95": "–",
            "note": f"{args.cases / load_s:,.0f} rows/s",
        }
    ]

    def timed(user: User, url: str, label: str) -> None:
        c = Client(HTTP_HOST=HOST)
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        assert c.get(url).status_code == 200
        times = []
        for _ in range(args.requests):
            s = time.perf_counter()
            r = c.get(url)
            times.append(time.perf_counter() - s)
            assert r.status_code == 200
        with CaptureQueriesContext(connection) as q:
            c.get(url)
        with CaptureQueriesContext(connection) as q2:
            c.get(url.replace("seite=3", "seite=1"))
        med, p95 = _ms(times)
        out.append(
            {
                "db": db,
                "what": label,
                "median": med,
                "p95": p95,
                "note": f"{len(q.captured_queries)} queries (page 1: {len(q2.captured_queries)})",
            }
        )

    timed(
        clerk,
        "/antraege/verwaltung/?status=offen&sortierung=frist&seite=3",
        "inbox: clerk, open cases of own department, by deadline, page 3",
    )
    timed(
        clerk,
        "/antraege/verwaltung/?ueberfaellig=1&sortierung=-eingang&seite=3",
        "inbox: clerk, overdue, newest first, page 3",
    )
    timed(
        admin,
        "/antraege/verwaltung/?q=Weber&sortierung=-eingang&seite=3",
        "inbox: admin (all), search name 'Weber', page 3",
    )
    timed(
        admin,
        f"/antraege/verwaltung/?q=BK-{now.year}-00012&seite=1",
        "inbox: admin (all), reference prefix search",
    )

    # Submissions per second (real path: validation, counter row lock, payload, event, audit).
    form = forms[0]
    drafts = []
    for i in range(args.submissions):
        d, _ = fim.start_draft(form)
        d.answers = answers(name=f"Bench {i}")
        d.save()
        drafts.append(d)
    half = len(drafts) // 2
    s = time.perf_counter()
    for d in drafts[:half]:
        fim.submit(d)
    seq = time.perf_counter() - s
    out.append(
        {
            "db": db,
            "what": f"submissions sequential ({half})",
            "median": f"{half / seq:.0f} /s",
            "p95": "–",
            "note": f"{seq / half * 1000:.1f} ms each",
        }
    )
    errors: list[str] = []
    lock = threading.Lock()

    def submit(d: object) -> None:
        try:
            fim.submit(d)  # type: ignore[arg-type]
        except Exception as exc:
            with lock:
                errors.append(repr(exc))
        finally:
            connections.close_all()

    rest = drafts[half:]
    s = time.perf_counter()
    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(submit, rest))
    par = time.perf_counter() - s
    out.append(
        {
            "db": db,
            "what": f"submissions, {args.threads} threads ({len(rest)})",
            "median": f"{len(rest) / par:.0f} /s",
            "p95": "–",
            "note": f"errors: {len(errors)}; all references distinct (checked)",
        }
    )
    refs = Application.objects.exclude(idempotency_key__startswith="bench-").values_list(
        "reference", flat=True
    )
    assert len(set(refs)) == len(refs) == args.submissions - len(errors), "duplicate references"
    for row in out:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
