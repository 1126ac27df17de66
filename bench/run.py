"""``make bench``: throughput and p95 latency of the home page next to a bare Django view.

Steps (all on loopback, all bounded in time):

1. build a fresh SQLite database with the demo data in a temporary directory
   (``migrate`` + ``load_demo``, ``collectstatic``) with production settings (DEBUG off);
2. start granian (WSGI, one worker) serving ``bench.wsgi`` on a free port of 127.0.0.1;
3. warm the caches, then run locust headless against ``/bench/bare`` and ``/`` separately, in
   alternating rounds (same users, same duration, same server process);
4. print a Markdown table, the ratio home/bare and PASS/FAIL against the target, and write
   ``bench/results/latest.json``.

The server is always stopped, also on errors, Ctrl-C and SIGTERM. Exit code 0 = PASS, 1 = FAIL
(target missed or failed requests), 2 = the harness itself could not run.

Knobs (command-line option or environment variable): --users/BENCH_USERS (20),
--duration/BENCH_DURATION seconds per endpoint (15), --rounds/BENCH_ROUNDS (3: the duration is
split into alternating rounds bare, home, bare, …, so a disturbance hits both alike),
--threads/BENCH_THREADS granian blocking threads (4), --target/BENCH_TARGET ratio home/bare (0.5).
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
BIN = Path(sys.executable).parent  # the virtualenv's bin directory (granian, locust live there)
HOST = "127.0.0.1"  # the demo maps this host to Zeitz; the bench never leaves loopback

# name, path, text the response body must contain
ENDPOINTS = [
    ("bare view", "/bench/bare", "bare"),
    ("home page", "/", "Zeitz"),
]


class HarnessError(RuntimeError):
    """The benchmark could not run (as opposed to: it ran and missed the target)."""


@dataclass
class Round:
    """One locust run against one path, as locust serialises it (--json-file)."""

    requests: int
    failures: int
    seconds: float
    response_times: dict[int, int]  # response time in ms (rounded by locust) -> count
    total_response_ms: float


@dataclass
class Result:
    endpoint: str
    path: str
    requests: int
    failures: int
    seconds: float
    rps: float
    p50_ms: int
    p95_ms: int
    p99_ms: int
    avg_ms: float
    rounds_rps: list[float]


def percentile(histogram: dict[int, int], fraction: float) -> int:
    """The response time within which ``fraction`` of the requests finished (locust's definition)."""
    total = sum(histogram.values())
    processed = 0
    for response_time in sorted(histogram, reverse=True):
        processed += histogram[response_time]
        if total - processed <= int(total * fraction):
            return response_time
    return 0


def combine(endpoint: str, path: str, rounds: list[Round]) -> Result:
    histogram: dict[int, int] = {}
    for r in rounds:
        for response_time, count in r.response_times.items():
            histogram[response_time] = histogram.get(response_time, 0) + count
    requests = sum(r.requests for r in rounds)
    seconds = sum(r.seconds for r in rounds)
    return Result(
        endpoint=endpoint,
        path=path,
        requests=requests,
        failures=sum(r.failures for r in rounds),
        seconds=round(seconds, 3),
        rps=requests / seconds if seconds else 0.0,
        p50_ms=percentile(histogram, 0.50),
        p95_ms=percentile(histogram, 0.95),
        p99_ms=percentile(histogram, 0.99),
        avg_ms=sum(r.total_response_ms for r in rounds) / requests if requests else 0.0,
        rounds_rps=[round(r.requests / r.seconds, 1) if r.seconds else 0.0 for r in rounds],
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=env_int("BENCH_USERS", 20))
    parser.add_argument(
        "--duration", type=int, default=env_int("BENCH_DURATION", 15), help="seconds per endpoint"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=env_int("BENCH_ROUNDS", 3),
        help="split the duration into this many alternating rounds per endpoint",
    )
    parser.add_argument("--threads", type=int, default=env_int("BENCH_THREADS", 4))
    parser.add_argument("--target", type=float, default=env_float("BENCH_TARGET", 0.5))
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 500:
        parser.error("--users must be between 1 and 500")
    if not 3 <= args.duration <= 600:
        parser.error("--duration must be between 3 and 600 seconds")
    if not 1 <= args.rounds <= args.duration // 3:
        parser.error("--rounds must be between 1 and duration/3 (at least 3 s per round)")
    if not 1 <= args.threads <= 64:
        parser.error("--threads must be between 1 and 64")
    return args


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def server_env(data_dir: Path) -> dict[str, str]:
    """Production settings with a throwaway secret, database, static and media root."""
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing from the developer's environment may point the bench at real data or services.
        if not key.startswith(("RATHAUS_", "DJANGO_", "GRANIAN_", "LOCUST_")) and key != "DATABASE_URL"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
            "PYTHONDONTWRITEBYTECODE": "1",
            "RATHAUS_DEBUG": "0",
            "RATHAUS_DEMO": "1",
            "RATHAUS_SECRET_KEY": secrets.token_urlsafe(50),
            "RATHAUS_HTTPS": "0",
            "RATHAUS_DATA_DIR": str(data_dir),
            "RATHAUS_STATIC_ROOT": str(data_dir / "static"),
            "RATHAUS_MEDIA_ROOT": str(data_dir / "media"),
            "RATHAUS_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "RATHAUS_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "RATHAUS_LOG_LEVEL": "WARNING",
        }
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> None:
    cmd = [sys.executable, str(ROOT / "manage.py"), *args]
    log("manage.py " + " ".join(args))
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise HarnessError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback URL)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _load_libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
    except OSError:
        return None


_LIBC = _load_libc()  # loaded before any fork: the pre-exec hook must not import or allocate much
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec (Linux): get SIGTERM when bench/run.py dies, even by SIGKILL."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(cmd: list[str], env: dict[str, str], log_file: Any) -> subprocess.Popen[Any]:
    """Start a child in its own session (its own process group), so it can be stopped as a whole."""
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent if _LIBC is not None else None,  # the finally blocks stop them too
    )


def stop(proc: subprocess.Popen[Any], name: str) -> None:
    """Stop a child started in its own session: SIGTERM to its group, SIGKILL after a grace time."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        log(f"{name} ignored SIGTERM, killing it")
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        proc.wait(timeout=10)


@contextmanager
def granian(env: dict[str, str], port: int, threads: int, log_path: Path) -> Iterator[str]:
    cmd = [
        str(BIN / "granian"),
        "--interface",
        "wsgi",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--blocking-threads",
        str(threads),
        "--no-access-log",
        "--log-level",
        "warning",
        "--working-dir",
        str(ROOT),
        "bench.wsgi:application",
    ]
    base = f"http://{HOST}:{port}"
    with log_path.open("w") as log_file:
        log(f"starting granian on {base} (1 worker, {threads} threads)")
        proc = spawn(cmd, env, log_file)
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise HarnessError(f"granian exited with {proc.returncode}:\n{log_path.read_text()}")
                try:
                    if http_get(base + "/health", timeout=2)[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise HarnessError(f"granian did not become ready in 60 s:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield base
        finally:
            stop(proc, "granian")
            log("granian stopped")


def warm(base: str, requests: int = 50) -> None:
    """Fill the caches (tenant, home page, templates) and check every endpoint answers right."""
    for name, path, expect in ENDPOINTS:
        for _ in range(requests):
            status, body = http_get(base + path)
            if status != 200 or expect.encode() not in body:
                raise HarnessError(f"{name} {path}: HTTP {status}, body {body[:300]!r}")


def check_production(base: str) -> None:
    # DEBUG must be off: an unknown URL gives the plain 404 page, not Django's technical one.
    status, body = http_get(base + "/bench/no-such-page")
    if status != 404 or b"URLconf" in body:
        raise HarnessError(f"the server does not look like DEBUG is off (HTTP {status})")


def run_locust(base: str, path: str, expect: str, seconds: int, users: int, name: str) -> Round:
    """One headless locust run of ``seconds`` (plus about a second of spawning) against ``path``."""
    json_prefix = RESULTS / name  # locust appends .json
    cmd = [
        str(BIN / "locust"),
        "--locustfile",
        str(BENCH_DIR / "locustfile.py"),
        "--headless",
        "--host",
        base,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),  # all users within about a second
        "--run-time",
        f"{seconds + 1}s",
        "--reset-stats",  # measure the steady state, not the ramp-up
        "--stop-timeout",
        "5",
        "--json-file",
        str(json_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    env.update({"BENCH_PATH": path, "BENCH_EXPECT": expect, "PYTHONDONTWRITEBYTECODE": "1"})
    locust_log = RESULTS / f"{name}.log"
    json_file = json_prefix.with_name(json_prefix.name + ".json")
    json_file.unlink(missing_ok=True)
    with locust_log.open("w") as log_file:
        proc = spawn(cmd, env, log_file)
        try:
            code = proc.wait(timeout=seconds + 60)
        except subprocess.TimeoutExpired as exc:
            raise HarnessError(f"locust did not finish against {path}") from exc
        finally:
            stop(proc, "locust")
    if code != 0 or not json_file.exists():
        raise HarnessError(f"locust failed ({code}) against {path}:\n{locust_log.read_text()}")
    entries = [e for e in json.loads(json_file.read_text()) if e["name"] == path]
    if not entries or not entries[0]["num_requests"]:
        raise HarnessError(f"locust made no requests to {path}:\n{locust_log.read_text()}")
    entry = entries[0]
    return Round(
        requests=entry["num_requests"],
        failures=entry["num_failures"],
        seconds=max(0.0, (entry["last_request_timestamp"] or 0) - entry["start_time"]),
        response_times={int(k): v for k, v in entry["response_times"].items()},
        total_response_ms=entry["total_response_time"],
    )


def measure(base: str, args: argparse.Namespace) -> list[Result]:
    """Alternate the endpoints round by round, so a disturbance on the machine hits both alike."""
    seconds = max(3, args.duration // args.rounds)
    rounds: dict[str, list[Round]] = {path: [] for _, path, _ in ENDPOINTS}
    for number in range(1, args.rounds + 1):
        for _, path, expect in ENDPOINTS:
            warm(base, requests=20)  # the caches have short lifetimes; refill before every round
            slug = path.strip("/").replace("/", "_") or "home"
            log(f"round {number}/{args.rounds}: {args.users} users, {seconds} s against {path}")
            rounds[path].append(
                run_locust(base, path, expect, seconds, args.users, f"locust_{slug}_{number}")
            )
    return [combine(name, path, rounds[path]) for name, path, _ in ENDPOINTS]


def table(results: list[Result]) -> str:
    lines = [
        "| endpoint | req/s | p50 ms | p95 ms | failures |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.endpoint} (`{r.path}`) | {r.rps:.1f} | {r.p50_ms:.0f} | {r.p95_ms:.0f} "
            f"| {r.failures} / {r.requests} |"
        )
    return "\n".join(lines)


def git_revision() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() or "unknown"


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("django", "granian", "locust"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "missing"
    return found


def _raise_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [tool for tool in ("granian", "locust") if not (BIN / tool).exists()]
    if missing:
        log(f"ERROR: {', '.join(missing)} not installed; run `make bench` or `uv sync --group bench`")
        return 2
    signal.signal(signal.SIGTERM, _raise_on_sigterm)  # run the finally blocks that stop the server
    RESULTS.mkdir(exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    try:
        with tempfile.TemporaryDirectory(prefix="rathaus-bench-") as tmp:
            data_dir = Path(tmp)
            env = server_env(data_dir)
            manage(env, "migrate", "--no-input")
            manage(env, "load_demo")
            manage(env, "collectstatic", "--no-input")
            with granian(env, free_port(), args.threads, RESULTS / "granian.log") as base:
                check_production(base)
                warm(base)
                results = measure(base, args)
    except HarnessError as exc:
        log(f"ERROR: {exc}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130

    by_path = {r.path: r for r in results}
    bare, home = by_path["/bench/bare"], by_path["/"]
    ratio = home.rps / bare.rps if bare.rps else 0.0
    failures = sum(r.failures for r in results)
    passed = ratio >= args.target and failures == 0 and home.requests > 0
    verdict = "PASS" if passed else "FAIL"
    reason = ""
    if failures:
        reason = f" ({failures} failed requests)"
    elif not passed:
        reason = f" (home page below {args.target:.0%} of the bare view)"

    print()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(
        f"Rathaus benchmark: granian 1 worker × {args.threads} threads, locust {args.users} users, "
        f"{args.duration} s per endpoint in {args.rounds} alternating rounds, DEBUG off, SQLite, "
        f"warm cache; {os.cpu_count()} CPUs, load average {load:.1f}"
    )
    print()
    print(table(results))
    print()
    print(f"home/bare throughput ratio: {ratio:.2f} (target ≥ {args.target:.2f}) → **{verdict}**{reason}")
    print()

    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "versions": versions(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average": load},
        "config": {
            "users": args.users,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "granian_workers": 1,
            "granian_threads": args.threads,
            "database": "sqlite",
            "debug": False,
        },
        "results": [asdict(r) for r in results],
        "ratio_home_bare": round(ratio, 4),
        "target": args.target,
        "verdict": verdict,
    }
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    log(f"wrote {(RESULTS / 'latest.json').relative_to(ROOT)}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
