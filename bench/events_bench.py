"""Events benchmark (standalone; prints a Markdown table):

1. registrations per second under contention on PostgreSQL: T threads register (account path, one
   transaction with the event row lock) for a handful of events at once; reports attempts/s,
   seats and waiting-list placements, errors, and proves afterwards with SQL that no event has more
   seat holders than capacity and that placement numbers are unique;
2. the public list page /veranstaltungen/ with 300 events (20 per page, tags, counts): median and
   p95 server time in-process (Django test client) and the number of queries, for page 1 and a
   filtered search.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rathaus .venv/bin/python bench/events_bench.py \
        [--threads 20] [--attempts 2000] [--events 5] [--requests 30]

A throwaway database ``rathaus_events_bench_<pid>`` is created on that server and dropped at the end.
"""

from __future__ import annotations

import argparse
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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--attempts", type=int, default=2000, help="registration attempts in total")
    parser.add_argument("--events", type=int, default=5, help="events raced for at the same time")
    parser.add_argument("--capacity", type=int, default=50)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    args = parser.parse_args()

    return run_in_throwaway_database("events_bench", HOST, lambda: run(args))


def run(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from rathaus.core.accounts.models import User
    from rathaus.core.tenancy.models import Domain, Municipality
    from rathaus.events import services
    from rathaus.events.models import Event, EventStatus, EventType, Registration

    call_command("migrate", verbosity=0)
    muni = Municipality.objects.create(
        slug="bench", name="Bench", ags="15084590", ars="150840590590", state="15", email="b@example.org"
    )
    Domain.objects.create(municipality=muni, host=HOST, is_primary=True)
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)

    def new_event(n: int, capacity: int, tags: list[str]) -> Event:
        s = start + timedelta(hours=n)
        return services.save_event(
            Event(
                municipality=muni,
                title=f"Veranstaltung {n}: Digitalisierung im Handwerk",
                summary="Betriebe berichten von ihren Erfahrungen mit digitaler Auftragsannahme.",
                organiser="Digital Hub",
                venue="Digital Hub",
                capacity=capacity,
                event_type=list(EventType)[n % 5],
                status=EventStatus.PUBLISHED,
            ),
            dates=[(s, s + timedelta(hours=2))],
            tag_names=tags,
        )

    # --- 1. registrations under contention ---------------------------------------------------
    raced = [new_event(i, args.capacity, ["Bench"]) for i in range(args.events)]
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"p{n}@example.org", password=password) for n in range(args.attempts)]
    )
    counter = iter(range(args.attempts))
    lock = threading.Lock()
    results = {"registered": 0, "waitlist": 0, "already": 0, "errors": 0}

    def worker() -> None:
        close_old_connections()
        try:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                user = users[n]
                event = raced[n % len(raced)]
                try:
                    kind = services.register(event, name=user.email, email=user.email, user=user).kind
                except Exception:
                    kind = "errors"
                with lock:
                    results[kind] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM events_event e WHERE (SELECT count(*) FROM events_registration r "
            "WHERE r.event_id = e.id AND r.status = 'registered') > e.capacity"
        )
        overbooked = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM (SELECT event_id, queue_number FROM events_registration "
            "WHERE queue_number IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) d"
        )
        duplicate_numbers = cur.fetchone()[0]
    seats = Registration.objects.filter(status="registered").count()

    # --- 2. list page ------------------------------------------------------------------------
    for n in range(args.events, args.events + 300):
        new_event(n, 20, [f"Thema {n % 12}", "Weiterbildung"])
    client = Client(HTTP_HOST=HOST)

    from django.core.cache import cache

    def timed(path: str, cold: bool = False) -> tuple[float, float, int]:
        client.get(path)  # warm
        times = []
        for _ in range(args.requests):
            if cold:
                cache.clear()
            t = time.perf_counter()
            assert client.get(path).status_code == 200
            times.append((time.perf_counter() - t) * 1000)
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as q:
            client.get(path)
        times.sort()
        return statistics.median(times), times[int(len(times) * 0.95) - 1], len(q)

    pages = {
        "/veranstaltungen/": timed("/veranstaltungen/"),
        "/veranstaltungen/?seite=10": timed("/veranstaltungen/?seite=10"),
        "/veranstaltungen/?q=Handwerk&schlagwort=thema-3": timed(
            "/veranstaltungen/?q=Handwerk&schlagwort=thema-3"
        ),
        "/events.ics (305 events, cached)": timed("/events.ics"),
        "/events.ics (305 events, cold cache)": timed("/events.ics", cold=True),
    }

    print(f"\n## Events benchmark (PostgreSQL {connection.pg_version // 10000}, {args.threads} threads)\n")
    print("| measure | value |")
    print("|---|---|")
    print(
        f"| registration attempts | {args.attempts} on {args.events} events (capacity {args.capacity} each) |"
    )
    print(f"| attempts per second | {args.attempts / elapsed:.0f} |")
    print(f"| seats / waiting list / errors | {seats} / {results['waitlist']} / {results['errors']} |")
    print(f"| events over capacity (SQL check) | {overbooked} |")
    print(f"| duplicate placement numbers (SQL check) | {duplicate_numbers} |")
    print("\n| page | median ms | p95 ms | queries |")
    print("|---|---|---|---|")
    for path, (median, p95, queries) in pages.items():
        print(f"| {path} | {median:.1f} | {p95:.1f} | {queries} |")
    ok = overbooked == 0 and duplicate_numbers == 0 and results["errors"] == 0
    ok = ok and seats == min(args.attempts, args.events * args.capacity)
    print(f"\n{'PASS' if ok else 'FAIL'}: capacity held, placements unique, no errors")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
