"""One vs two app servers behind haproxy (issue 19): requests per second of the home page and
``/leistungen/`` through the real cluster of ops/cluster (haproxy, granian, pgbouncer, PostgreSQL
primary + replica, Redis, moto_server).

    .venv/bin/python bench/cluster_bench.py [--seconds 10] [--users 20] [--rounds 2] [--seed-from DSN]

Starts the cluster once (both app servers), then for each round and page: locust (bench/locustfile.py)
against haproxy with app server 2 disabled in haproxy (runtime API), then with both. Prints one
Markdown table with req/s, p95 and the ratio two/one. On a machine with N cores the ratio is bounded
by what the cores give: locust, haproxy, PostgreSQL, pgbouncer and Redis share them with the servers.
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed-from", metavar="DSN", help="as ops/cluster: copy a migrated schema")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="rathaus-cluster-bench-"))
    root.chmod(0o755)
    cluster = Cluster(root, base_port=free_base_port(), apps=2, workers=1)
    print(f"starting the cluster in {root} …", flush=True)
    try:
        cluster.start(seed_dsn=args.seed_from, say=lambda line: print(f"  {line}", flush=True))
        base = f"http://127.0.0.1:{cluster.haproxy_port}"
        rps: dict[tuple[str, int], list[float]] = {}
        p95: dict[tuple[str, int], list[int]] = {}
        failures = 0
        for path in PAGES:  # warm the page caches of both servers and of Redis
            for _ in range(20):
                urllib.request.urlopen(base + path, timeout=30).read()  # noqa: S310 - our own cluster
        for r in range(args.rounds):
            for path in PAGES:
                for count in (1, 2):
                    set_servers(cluster, count)
                    name = f"cluster-{count}-{path.strip('/') or 'home'}-{r}"
                    result = run_locust(base, Target(Endpoint(path), path), args.seconds, args.users, name)
                    failures += result.failures
                    rps.setdefault((path, count), []).append(result.requests / max(result.seconds, 0.001))
                    times = sorted(result.response_times.items())
                    seen, total, q = 0, sum(result.response_times.values()), 0
                    for ms, n in times:
                        seen += n
                        if seen >= 0.95 * total:
                            q = ms
                            break
                    p95.setdefault((path, count), []).append(q)
        print(
            f"\n{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {args.users} users, "
            f"{args.seconds} s × {args.rounds} rounds per row; failures: {failures}\n"
        )
        print("| page | 1 app server req/s | 2 app servers req/s | ratio 2/1 | p95 1 / 2 (ms) |")
        print("|---|---:|---:|---:|---:|")
        for path in PAGES:
            one = sum(rps[(path, 1)]) / len(rps[(path, 1)])
            two = sum(rps[(path, 2)]) / len(rps[(path, 2)])
            print(
                f"| `{path}` | {one:.0f} | {two:.0f} | {two / one:.2f} | "
                f"{max(p95[(path, 1)])} / {max(p95[(path, 2)])} |"
            )
        return 1 if failures else 0
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
