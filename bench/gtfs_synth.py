"""Synthetic GTFS feed generator for the mobility benchmark (standalone, polars + numpy).

    .venv/bin/python bench/gtfs_synth.py OUT_DIR [--stops 20000] [--routes 1000] [--trips 400000]
        [--days 365] [--stops-per-trip 20] [--seed 1] [--zip]

Stops are scattered over a 200 km × 200 km box in central Germany (around Zeitz). Each route runs
along a chain of nearby stops; the stop_times of a trip follow its route (2 minutes per stop, both
directions). ``stop_times`` = trips × stops per trip (--stops-per-trip, default 20): the defaults give
8,000,000 stop_times. Services: weekday, Saturday, Sunday over ``days``
days from 2026-01-01, plus a few calendar_dates exceptions. Times go beyond 24:00 for late trips.
"""

from __future__ import annotations

import argparse
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

CENTRE_LAT, CENTRE_LON = 51.05, 12.14


def generate(
    out: Path, stops: int, routes: int, trips: int, days: int, *, stops_per_trip: int = 20, seed: int = 1
) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    # ~200 km box: 1.8° latitude, 2.9° longitude.
    lat = CENTRE_LAT + rng.uniform(-0.9, 0.9, stops)
    lon = CENTRE_LON + rng.uniform(-1.45, 1.45, stops)
    stop_ids = np.array([f"S{i}" for i in range(stops)])
    pl.DataFrame(
        {
            "stop_id": stop_ids,
            "stop_name": [f"Haltestelle {i}" for i in range(stops)],
            "stop_lat": lat.round(6),
            "stop_lon": lon.round(6),
        }
    ).write_csv(out / "stops.txt")
    per_route = stops_per_trip
    route_types = rng.choice([3, 3, 3, 3, 700, 2, 0, 715], routes)
    pl.DataFrame(
        {
            "route_id": [f"R{i}" for i in range(routes)],
            "agency_id": "A",
            "route_short_name": [str(i) for i in range(routes)],
            "route_type": route_types,
        }
    ).write_csv(out / "routes.txt")
    pl.DataFrame(
        {
            "agency_id": ["A"],
            "agency_name": ["Synthetischer Verkehr"],
            "agency_url": ["https://example.org"],
            "agency_timezone": ["Europe/Berlin"],
        }
    ).write_csv(out / "agency.txt")
    start = date(2026, 1, 1)
    end = start + timedelta(days=days - 1)
    fmt = "%Y%m%d"
    pl.DataFrame(
        {
            "service_id": ["WD", "SA", "SU"],
            "monday": [1, 0, 0],
            "tuesday": [1, 0, 0],
            "wednesday": [1, 0, 0],
            "thursday": [1, 0, 0],
            "friday": [1, 0, 0],
            "saturday": [0, 1, 0],
            "sunday": [0, 0, 1],
            "start_date": [start.strftime(fmt)] * 3,
            "end_date": [end.strftime(fmt)] * 3,
        }
    ).write_csv(out / "calendar.txt")
    holidays = [d for d in (date(2026, 5, 1), date(2026, 10, 3)) if start <= d <= end]
    pl.DataFrame(
        {
            "service_id": [s for _ in holidays for s in ("WD", "SU")],
            "date": [d.strftime(fmt) for d in holidays for _ in (0, 1)],
            "exception_type": [2, 1] * len(holidays),
        },
        schema={"service_id": pl.String, "date": pl.String, "exception_type": pl.Int64},
    ).write_csv(out / "calendar_dates.txt")
    # Route stop chains: a random anchor stop and its nearest neighbours along x.
    order = np.argsort(lon)
    anchors = rng.integers(0, max(1, stops - per_route), routes)
    chains = order[anchors[:, None] + np.arange(per_route)[None, :]]  # routes × per_route stop indexes
    trip_route = rng.integers(0, routes, trips)
    trip_dir = rng.integers(0, 2, trips)
    trip_service = rng.choice(np.array(["WD", "SA", "SU"]), trips, p=[0.7, 0.17, 0.13])
    trip_start = rng.integers(5 * 3600, 24 * 3600 + 30 * 60, trips) // 60 * 60
    trip_ids = np.char.add("T", np.arange(trips).astype(str))
    pl.DataFrame(
        {
            "route_id": np.char.add("R", trip_route.astype(str)),
            "service_id": trip_service,
            "trip_id": trip_ids,
            "direction_id": trip_dir,
        }
    ).write_csv(out / "trips.txt")
    seq = np.tile(np.arange(per_route), trips)
    t_idx = np.repeat(np.arange(trips), per_route)
    pos = np.where(trip_dir[t_idx] == 0, seq, per_route - 1 - seq)
    stop_idx = chains[trip_route[t_idx], pos]
    secs = trip_start[t_idx] + seq * 120
    st = pl.DataFrame({"t": t_idx, "stop": stop_idx, "seq": seq + 1, "secs": secs})
    hms = (
        (pl.col("secs") // 3600).cast(pl.String).str.zfill(2)
        + ":"
        + (pl.col("secs") % 3600 // 60).cast(pl.String).str.zfill(2)
        + ":"
        + (pl.col("secs") % 60).cast(pl.String).str.zfill(2)
    )
    st.select(
        (pl.lit("T") + pl.col("t").cast(pl.String)).alias("trip_id"),
        hms.alias("arrival_time"),
        hms.alias("departure_time"),
        (pl.lit("S") + pl.col("stop").cast(pl.String)).alias("stop_id"),
        pl.col("seq").alias("stop_sequence"),
    ).write_csv(out / "stop_times.txt")
    return {"stops": stops, "routes": routes, "trips": trips, "stop_times": trips * per_route}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--stops", type=int, default=20_000)
    p.add_argument("--routes", type=int, default=1_000)
    p.add_argument("--trips", type=int, default=400_000)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--stops-per-trip", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--zip", action="store_true", help="also write OUT_DIR.zip")
    a = p.parse_args()
    t = time.perf_counter()
    counts = generate(a.out, a.stops, a.routes, a.trips, a.days, stops_per_trip=a.stops_per_trip, seed=a.seed)
    if a.zip:
        with zipfile.ZipFile(a.out.with_suffix(".zip"), "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(a.out.glob("*.txt")):
                zf.write(f, f.name)
    print(f"{counts} in {time.perf_counter() - t:.1f} s → {a.out}")


if __name__ == "__main__":
    main()
