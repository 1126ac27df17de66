"""One vs two app servers behind haproxy (issue 19): requests per second of the home page and
``/leistungen/`` through the real cluster of ops/cluster (haproxy, granian, pgbouncer, PostgreSQL
primary + replica, Redis, moto_server).

    .venv/bin/python bench/cluster_bench.py [--seconds 10] [--users 20] [--rounds 2] [--seed-from DSN]
        [--app-cpus 0,0.5] [--redis-url redis://127.0.0.1:6379/5]

Starts the cluster once (both app servers), then for each CPU setting, round and page: locust
(bench/locustfile.py) against haproxy with app server 2 disabled in haproxy (runtime API), then with
both. Prints one Markdown table per CPU setting with req/s, p95, the ratio two/one, the app servers'
CPU time per request and how often their quota throttled them.

On a machine with N cores the ratio is bounded by what the cores give: locust, haproxy, PostgreSQL,
pgbouncer and Redis share them with the servers. ``--app-cpus`` therefore also measures with a fixed
CPU quota per app server (a cgroup per server process group, CFS bandwidth control: cgroup v2
``cpu.max`` or v1 ``cpu.cfs_quota_us``; needs root): with 0.5 CPU each, one server has half a core and
two have one core together, leaving the other core to everything else — the app servers, not the
machine, are the bottleneck, which the throttled share shows. ``0`` = no quota (the plain machine).
The cluster uses its own Redis database (default 5, not the cluster test's 3).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from ops.cluster.cluster import Cluster, free_base_port  # noqa: E402

from bench.run import RESULTS, Endpoint, Target, run_locust  # noqa: E402

PAGES = ("/", "/leistungen/")
CPU_PERIOD_US = 100_000


class CpuQuota:
    """One cgroup with a CPU quota per app server (CFS bandwidth control), created under the cpu
    controller of cgroup v2 or v1 and removed again by :meth:`remove`."""

    def __init__(self, name: str) -> None:
        v2 = Path("/sys/fs/cgroup")
        if (v2 / "cgroup.controllers").exists():
            if "cpu" not in (v2 / "cgroup.subtree_control").read_text().split():
                (v2 / "cgroup.subtree_control").write_text("+cpu")
            self.v2, self.path = True, v2 / name
        else:
            self.v2, self.path = False, Path("/sys/fs/cgroup/cpu") / name
        self.path.mkdir()
        # The quota is the cap; a high weight makes sure the server gets it when other processes on
        # the machine compete (without it, a loaded machine rather than the quota would limit it).
        if self.v2:
            (self.path / "cpu.weight").write_text("1000")
        else:
            (self.path / "cpu.shares").write_text("10240")

    def add_process_group(self, pgid: int) -> None:
        for pid in _process_group(pgid):
            with contextlib.suppress(ProcessLookupError, OSError):
                (self.path / "cgroup.procs").write_text(str(pid))

    def set(self, cpus: float) -> None:
        quota = int(cpus * CPU_PERIOD_US) if cpus > 0 else -1
        if self.v2:
            (self.path / "cpu.max").write_text(f"{quota if quota > 0 else 'max'} {CPU_PERIOD_US}")
        else:
            (self.path / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
            (self.path / "cpu.cfs_quota_us").write_text(str(quota))

    def throttle_counts(self) -> tuple[int, int]:
        """(periods, throttled periods) so far."""
        stat = dict(line.split() for line in (self.path / "cpu.stat").read_text().splitlines())
        return int(stat.get("nr_periods", 0)), int(stat.get("nr_throttled", 0))

    def remove(self) -> None:
        parent = self.path.parent / "cgroup.procs"
        for pid in (self.path / "cgroup.procs").read_text().split():
            with contextlib.suppress(ProcessLookupError, OSError):
                parent.write_text(pid)
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def _process_group(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid:  # field 5 of stat: the process group
                    pids.append(int(entry.name))
    return pids


def cpu_seconds(pgid: int) -> float:
    """User + system CPU time of a process group's live processes (all their threads)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _process_group(pgid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / ticks


def haproxy_cmd(cluster: Cluster, command: str) -> str:
    """A command on haproxy's runtime API (the stats socket of ops/cluster)."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(cluster.root / "haproxy.sock"))
        s.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def set_servers(cluster: Cluster, count: int) -> None:
    for i in range(cluster.apps):
        state = "ready" if i < count else "maint"
        haproxy_cmd(cluster, f"set server app/app{i + 1} state {state}")
    cluster.wait_backends_up(count)
    time.sleep(0.5)


def _p95(response_times: dict[int, int]) -> int:
    seen, total = 0, sum(response_times.values())
    for ms, n in sorted(response_times.items()):
        seen += n
        if seen >= 0.95 * total:
            return ms
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed-from", metavar="DSN", help="as ops/cluster: copy a migrated schema")
    parser.add_argument(
        "--app-cpus",
        default="0,0.5",
        help="CPU quota per app server, comma-separated settings to measure; 0 = none (default 0,0.5)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("RATHAUS_CLUSTER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
        help="Redis of the cluster (default database 5; the cluster test uses 3)",
    )
    args = parser.parse_args(argv)
    settings = [float(c) for c in args.app_cpus.split(",")]
    RESULTS.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="rathaus-cluster-bench-"))
    root.chmod(0o755)
    cluster = Cluster(root, base_port=free_base_port(), apps=2, workers=1, redis_url=args.redis_url)
    quotas: list[CpuQuota] = []
    print(f"starting the cluster in {root} (Redis {args.redis_url}) …", flush=True)
    try:
        cluster.start(seed_dsn=args.seed_from, say=lambda line: print(f"  {line}", flush=True))
        if any(c > 0 for c in settings):
            tag = f"rathaus-cluster-bench-{os.getpid()}"
            for i, proc in enumerate(cluster.app_procs):
                assert proc.popen is not None
                quota = CpuQuota(f"{tag}-app{i + 1}")
                quotas.append(quota)
                quota.add_process_group(proc.popen.pid)
        base = f"http://127.0.0.1:{cluster.haproxy_port}"
        for path in PAGES:  # warm the page caches of both servers and of Redis
            for _ in range(20):
                urllib.request.urlopen(base + path, timeout=30).read()  # noqa: S310 - our own cluster
        failures = 0
        tables = []
        for cpus in settings:
            for quota in quotas:
                quota.set(cpus)
            rps: dict[tuple[str, int], list[float]] = {}
            p95: dict[tuple[str, int], list[int]] = {}
            cpu_ms: dict[tuple[str, int], list[float]] = {}
            throttled: dict[tuple[str, int], list[float]] = {}
            loads: list[float] = []
            for r in range(args.rounds):
                for path in PAGES:
                    for count in (1, 2):
                        set_servers(cluster, count)
                        name = f"cluster-{count}-{path.strip('/') or 'home'}-{cpus:g}cpu-{r}"
                        before_cpu = [cpu_seconds(p.popen.pid) for p in cluster.app_procs if p.popen]
                        before_thr = [q.throttle_counts() for q in quotas]
                        loads.append(os.getloadavg()[0])
                        target = Target(Endpoint(path), path)
                        result = run_locust(base, target, args.seconds, args.users, name)
                        loads.append(os.getloadavg()[0])
                        after_cpu = [cpu_seconds(p.popen.pid) for p in cluster.app_procs if p.popen]
                        used = sum(a - b for a, b in zip(after_cpu, before_cpu, strict=True))
                        failures += result.failures
                        k = (path, count)
                        rps.setdefault(k, []).append(result.requests / max(result.seconds, 0.001))
                        p95.setdefault(k, []).append(_p95(result.response_times))
                        # includes the second of spawning and locust's stop: a slight overestimate
                        cpu_ms.setdefault(k, []).append(used * 1000 / max(result.requests, 1))
                        if quotas:
                            shares = []
                            for q, (p0, t0) in zip(quotas[:count], before_thr[:count], strict=True):
                                p1, t1 = q.throttle_counts()
                                shares.append((t1 - t0) / max(p1 - p0, 1))
                            throttled.setdefault(k, []).append(sum(shares) / len(shares))
            lines = [
                f"\n{os.cpu_count()} CPUs; app server CPU quota: "
                + (f"{cpus:g} CPU each" if cpus > 0 else "none")
                + f"; load average (1 min) during the runs {min(loads):.1f}–{max(loads):.1f}; "
                f"{args.users} users, {args.seconds} s × {args.rounds} rounds per row\n",
                "| page | 1 app server req/s | 2 app servers req/s | ratio 2/1 | p95 1 / 2 (ms) "
                "| app CPU ms/request 1 / 2 | throttled 1 / 2 |",
                "|---|---:|---:|---:|---:|---:|---:|",
            ]
            for path in PAGES:
                one = sum(rps[(path, 1)]) / len(rps[(path, 1)])
                two = sum(rps[(path, 2)]) / len(rps[(path, 2)])
                c1 = sum(cpu_ms[(path, 1)]) / len(cpu_ms[(path, 1)])
                c2 = sum(cpu_ms[(path, 2)]) / len(cpu_ms[(path, 2)])
                thr = "–"
                if throttled and cpus > 0:
                    s1 = sum(throttled[(path, 1)]) / len(throttled[(path, 1)])
                    s2 = sum(throttled[(path, 2)]) / len(throttled[(path, 2)])
                    thr = f"{s1:.0%} / {s2:.0%}"
                lines.append(
                    f"| `{path}` | {one:.0f} | {two:.0f} | {two / one:.2f} | "
                    f"{max(p95[(path, 1)])} / {max(p95[(path, 2)])} | {c1:.1f} / {c2:.1f} | {thr} |"
                )
            tables.append("\n".join(lines))
            print(tables[-1], flush=True)
        print(f"\nfailures: {failures}")
        return 1 if failures else 0
    finally:
        cluster.stop()
        for quota in quotas:
            quota.remove()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
