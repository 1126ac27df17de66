"""Mobility benchmark: import → stop statistics → Güteklassen → coverage on a synthetic feed
(default 8,000,000 stop_times), next to gtfs-kit's compute_stop_stats on the same feed.

    .venv/bin/python bench/mobility_bench.py [--workdir /tmp/mobility-bench] [--trips 400000]
        [--gtfs-kit-timeout 300] [--skip-gtfs-kit]

Each pipeline runs in its own child process; peak memory is the child's own high-water mark of
resident memory (VmHWM of /proc/self/status, read inside the child after each stage, so a stage's
figure is the peak up to and including that stage). Not ru_maxrss: Linux carries it over fork and
exec, so the child would report the parent's peak (the parent generated the feed). The feed is
generated once (bench/gtfs_synth.py) and read from an unzipped directory by both pipelines.
Population: the Zensus 2011 1-km grid from RATHAUS_TESTDATA (all 214,633 populated cells of
Germany) when present, else a synthetic grid.
The Rathaus pipeline is the code the app runs (rathaus.mobility.gtfs / analysis) without the
database row. Target (issue 8): the whole pipeline under 10 s and 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

DAY = date(2026, 3, 10)  # a Tuesday
WINDOW = (6 * 3600, 20 * 3600)


def rss_mb() -> float:
    """Peak resident memory of this process image in MB (VmHWM; ru_maxrss elsewhere than Linux)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


class Stage:
    """Wall time, CPU time (user + system, all threads) and peak RSS of one stage."""

    def __init__(self, stages: list, name: str) -> None:
        self.stages, self.name = stages, name

    def __enter__(self) -> Stage:
        self.t, self.c = time.perf_counter(), cpu_s()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stages.append((self.name, time.perf_counter() - self.t, cpu_s() - self.c, rss_mb()))


def run_rathaus(feed_dir: Path, work: Path, grid_path: str) -> dict:
    import numpy as np
    import polars as pl

    from rathaus.mobility import analysis, gtfs

    stages: list = []
    t0, c0 = time.perf_counter(), cpu_s()
    dest = work / "parquet"
    shutil.rmtree(dest, ignore_errors=True)
    with Stage(stages, "import (validate + Parquet)"):
        report = gtfs.import_feed(feed_dir, dest)
    feed = analysis.Feed(dest)
    w = analysis.Window(DAY, *WINDOW)
    with Stage(stages, "stop statistics"):
        deps = feed.departures(w)
        stats = analysis.stop_stats(feed, w, deps)
    with Stage(stages, "Güteklassen (categories)"):
        stations = analysis.station_categories(feed, w, feed.boardable_departures(w))
    with Stage(stages, "coverage (incl. reading the grid)"):
        if grid_path:
            cells = pl.read_parquet(grid_path).filter(pl.col("Einwohner") > 0)
            cx, cy, cn = (cells[c].to_numpy().astype(np.float64) for c in ("x", "y", "Einwohner"))
        else:
            rng = np.random.default_rng(1)
            cx, cy = rng.uniform(4_300_000, 4_600_000, 250_000), rng.uniform(2_950_000, 3_250_000, 250_000)
            cn = rng.integers(1, 500, 250_000).astype(np.float64)
        cov = analysis.coverage(stations, cx, cy, cn)
    return {
        "stages": stages,
        "total": time.perf_counter() - t0,
        "cpu": cpu_s() - c0,
        "peak_mb": rss_mb(),
        "stop_times": report.counts.get("stop_times"),
        "departures": int(stats["departures"].sum()),
        "stations_with_category": int(stations["category"].is_not_null().sum()),
        "cells": len(cx),
        "covered_share": round(1 - (cov.share_beyond or 0), 4),
    }


def run_gtfs_kit(feed_dir: Path) -> dict:
    import gtfs_kit as gk

    stages: list = []
    t0, c0 = time.perf_counter(), cpu_s()
    with Stage(stages, "read_feed"):
        feed = gk.read_feed(feed_dir, dist_units="km")
    with Stage(stages, "compute_stop_stats"):
        stats = gk.compute_stop_stats(
            feed, [DAY.strftime("%Y%m%d")], headway_start_time="06:00:00", headway_end_time="20:00:00"
        )
    return {
        "stages": stages,
        "total": time.perf_counter() - t0,
        "cpu": cpu_s() - c0,
        "peak_mb": rss_mb(),
        "departures": int(stats["num_trips"].sum()) if "num_trips" in stats else None,
    }


def child(kind: str, feed_dir: Path, work: Path, grid_path: str, timeout: int) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--feed",
        str(feed_dir),
        "--workdir",
        str(work),
        "--grid",
        grid_path,
    ]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout} s"}
    last_line = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else ""
    if out.returncode != 0:
        return {"error": f"exit {out.returncode}: {last_line}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mobility-bench")
    p.add_argument("--trips", type=int, default=400_000)
    p.add_argument("--stops", type=int, default=20_000)
    p.add_argument("--routes", type=int, default=1_000)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--gtfs-kit-timeout", type=int, default=300)
    p.add_argument("--skip-gtfs-kit", action="store_true")
    p.add_argument("--child", choices=("rathaus", "gtfs_kit"))
    p.add_argument("--feed", type=Path)
    p.add_argument("--grid", default="")
    a = p.parse_args()
    if a.child:
        result = run_rathaus(a.feed, a.workdir, a.grid) if a.child == "rathaus" else run_gtfs_kit(a.feed)
        print(json.dumps(result))
        return 0

    from bench.gtfs_synth import generate

    a.workdir.mkdir(parents=True, exist_ok=True)
    feed_dir = a.workdir / f"feed-{a.stops}-{a.routes}-{a.trips}-{a.days}"
    if not (feed_dir / "stop_times.txt").exists():
        t = time.perf_counter()
        generate(feed_dir, a.stops, a.routes, a.trips, a.days)
        print(f"generated {feed_dir} in {time.perf_counter() - t:.1f} s")
    testdata = Path(os.environ.get("RATHAUS_TESTDATA") or ROOT.parent / "shared" / "data")
    grid = testdata / "population" / "zensus2011_1km" / "continuous_Einwohner.parquet"
    grid_path = str(grid) if grid.exists() else ""

    load = os.getloadavg()
    rathaus = child("rathaus", feed_dir, a.workdir, grid_path, 600)
    kit = (
        {"error": "skipped"}
        if a.skip_gtfs_kit
        else child("gtfs_kit", feed_dir, a.workdir, "", a.gtfs_kit_timeout)
    )

    print()
    print(
        f"Feed: {a.stops:,} stops, {a.routes:,} routes, {a.trips:,} trips; date {DAY}, window 06:00–20:00;"
        f" grid: {'Zensus 2011 (Germany)' if grid_path else 'synthetic'}"
    )
    print()
    print(
        f"Load average before the run: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs"
    )
    print()
    print("| pipeline | stage | wall time (s) | CPU time (s) | peak RSS so far (MB) |")
    print("|---|---|---:|---:|---:|")
    for name, res in (("Rathaus (polars)", rathaus), ("gtfs-kit", kit)):
        if "error" in res:
            print(f"| {name} | – | {res['error']} | – | – |")
            continue
        for stage, secs, cpu, mb in res["stages"]:
            print(f"| {name} | {stage} | {secs:.2f} | {cpu:.2f} | {mb:.0f} |")
        print(
            f"| **{name}** | **total** | **{res['total']:.2f}** | **{res['cpu']:.2f}** "
            f"| **{res['peak_mb']:.0f}** |"
        )
    if "error" not in rathaus:
        print()
        print(
            f"Rathaus: {rathaus['stop_times']:,} stop_times imported, "
            f"{rathaus['departures']:,} departures in the window, "
            f"{rathaus['stations_with_category']:,} stops with a category, {rathaus['cells']:,} grid cells, "
            f"{100 * rathaus['covered_share']:.1f} % of residents within 1,000 m of a served stop."
        )
        ok = rathaus["total"] < 10 and rathaus["peak_mb"] < 1024
        print(f"Target (< 10 s, < 1 GB): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
