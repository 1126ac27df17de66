"""Digital Hub benchmark (standalone; prints a Markdown table):

1. bookings per second under contention on PostgreSQL: T threads book random units of a few desks
   at once (most attempts collide); reports attempts/s, successful bookings/s, refusals, errors,
   and proves afterwards with SQL that no two confirmed bookings of a resource overlap;
2. the availability page (week and month) of a location with 50 resources and realistic bookings:
   median and p95 server time in-process (Django test client) and the number of queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rathaus .venv/bin/python bench/hub_bench.py \
        [--threads 20] [--attempts 2000] [--requests 30]

A throwaway database ``rathaus_hub_bench_<pid>`` is created on that server and dropped at the end.
Target from issue 5: the month view with 50 resources under 100 ms server time, constant queries.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.throwaway_pg import run_in_throwaway_database  # noqa: E402

HOST = "bench.localhost"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--attempts", type=int, default=2000, help="booking attempts in total")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per availability view")
    parser.add_argument("--resources", type=int, default=50)
    args = parser.parse_args()

    return run_in_throwaway_database("hub_bench", HOST, lambda: run(args))


def run(args: argparse.Namespace) -> int:
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from datetime import time as dtime
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from rathaus.core.accounts.models import User
    from rathaus.core.tenancy.models import Domain, Municipality
    from rathaus.hub import services
    from rathaus.hub.models import Booking, BookingUnit, Location, OpeningHours, Resource, ResourceGroup

    call_command("migrate", verbosity=0)
    muni = Municipality.objects.create(
        slug="bench", name="Bench", ags="15084590", ars="150840590590", state="15", address="Markt 1"
    )
    Domain.objects.create(municipality=muni, host=HOST, is_primary=True)
    loc = Location.objects.create(municipality=muni, name="Bench Hub", address="Markt 1")
    for wd in range(5):
        OpeningHours.objects.create(location=loc, weekday=wd, opens=dtime(8), closes=dtime(18))
    group = ResourceGroup.objects.create(
        municipality=muni, location=loc, name="Alle", max_days_ahead=60, max_active_bookings=10_000
    )
    units = [BookingUnit.DAY, BookingUnit.HALF_DAY, BookingUnit.SLOT]
    resources = [
        Resource.objects.create(
            municipality=muni, group=group, name=f"Platz {i:02d}", booking_unit=units[i % 3], slot_minutes=60
        )
        for i in range(args.resources)
    ]
    users = []
    for i in range(args.threads):
        u = User.objects.create_user(f"bench{i}@example.org", "x")
        EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True)
        users.append(u)

    today = services.local(timezone.now()).date()
    days = [today + timedelta(days=d) for d in range(1, 29) if (today + timedelta(days=d)).weekday() < 5]

    # --- 1. contention --------------------------------------------------------------------------
    hot = [r for r in resources if r.booking_unit == BookingUnit.SLOT][:3]  # 3 rooms, 10 slots a day
    hot_days = days[:5]
    per_thread = args.attempts // args.threads
    counts = {"ok": 0, "refused": 0, "error": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(args.threads)

    def worker(idx: int) -> None:
        rnd = random.Random(idx)
        local = {"ok": 0, "refused": 0, "error": 0}
        barrier.wait()
        for _ in range(per_thread):
            r = rnd.choice(hot)
            d = rnd.choice(hot_days)
            h = rnd.randrange(8, 18)
            try:
                services.book(
                    r, users[idx], services.at(d, dtime(h)), services.at(d, dtime(h + 1)), notify=False
                )
                local["ok"] += 1
            except services.BookingError:
                local["refused"] += 1
            except Exception as exc:
                local["error"] += 1
                print("error:", type(exc).__name__, exc, file=sys.stderr)
        connections.close_all()
        with lock:
            for k, v in local.items():
                counts[k] += v

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    attempts = per_thread * args.threads
    with connection.cursor() as cur:
        cur.execute(
            """SELECT count(*) FROM hub_booking a JOIN hub_booking b
               ON a.resource_id = b.resource_id AND a.id < b.id
               AND a.status = 'confirmed' AND b.status = 'confirmed'
               AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"""
        )
        overlaps = cur.fetchone()[0]
    capacity = len(hot) * len(hot_days) * 10

    # --- 2. availability view ------------------------------------------------------------------------
    rnd = random.Random(1)
    filler = []
    for r in resources:
        for d in days:
            if rnd.random() < 0.5:
                if r.booking_unit == BookingUnit.SLOT:
                    h = rnd.randrange(8, 18)
                    s, e = services.at(d, dtime(h)), services.at(d, dtime(h + 1))
                elif r.booking_unit == BookingUnit.HALF_DAY:
                    s, e = (services.at(d, dtime(8)), services.at(d, dtime(13)))
                else:
                    s, e = services.at(d, dtime(8)), services.at(d, dtime(18))
                filler.append(Booking(municipality=muni, resource=r, user=users[0], starts_at=s, ends_at=e))
    Booking.objects.bulk_create(filler, ignore_conflicts=True)
    client = Client(HTTP_HOST=HOST)
    client.force_login(users[0])  # logged in: every free cell carries its booking link
    url = f"/digital-hub/standort/{loc.pk}/"
    view_rows = []
    for view in ("woche", "monat"):
        params = {"ansicht": view, "datum": days[0].isoformat()}
        for _ in range(5):
            assert client.get(url, params).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, params)
        queries = len(ctx.captured_queries)
        timings = []
        for _ in range(args.requests):
            t = time.perf_counter()
            response = client.get(url, params)
            timings.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        view_rows.append((view, statistics.median(timings), p95, queries))

    print()
    print("## Digital Hub benchmark (PostgreSQL)")
    print()
    print("| measurement | value |")
    print("|---|---|")
    print(f"| threads racing | {args.threads} |")
    print(
        f"| booking attempts | {attempts} on {capacity} free hour slots "
        f"({len(hot)} rooms x {len(hot_days)} days) |"
    )
    print(f"| successful bookings | {counts['ok']} |")
    print(f"| clean refusals (overlap) | {counts['refused']} |")
    print(f"| errors (would be 500s) | {counts['error']} |")
    print(f"| overlapping confirmed bookings (SQL check) | {overlaps} |")
    print(f"| wall time | {elapsed:.2f} s |")
    print(f"| attempts per second | {attempts / elapsed:.0f} |")
    print(f"| successful bookings per second | {counts['ok'] / elapsed:.0f} |")
    print()
    print(f"| availability view ({args.resources} resources) | median ms | p95 ms | queries |")
    print("|---|---|---|---|")
    for view, median, p95, queries in view_rows:
        print(f"| {view} | {median:.1f} | {p95:.1f} | {queries} |")
    print()
    month_median = next(m for v, m, _p, _q in view_rows if v == "monat")
    ok = overlaps == 0 and counts["error"] == 0 and counts["ok"] <= capacity
    print(
        f"no double booking: {'PASS' if ok else 'FAIL'}; month view under 100 ms: "
        f"{'PASS' if month_median < 100 else 'FAIL'} ({month_median:.1f} ms)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
