"""``make bench``: throughput and latency of every public page next to a bare Django view.

Steps (all on loopback, all bounded in time):

1. build a fresh database with the demo data (SQLite in a temporary directory, or a throwaway
   PostgreSQL database next to BENCH_DATABASE_URL), ``collectstatic``, production settings (DEBUG
   off); with BENCH_TENANTS=N add N municipalities with one host each (bench/prepare.py), and sign
   in a demo citizen and a demo clerk (sessions for the signed-in rows);
2. start granian (WSGI, one worker) serving ``bench.wsgi`` on a free port of 127.0.0.1;
3. find the detail pages (first link of each list page), warm the caches, then run locust headless
   against each page, alternating with ``/bench/bare`` (bare, page(s), bare, …): a page's ratio is
   its req/s over the mean of the bare rounds right before and after it, so a disturbance on the
   machine hits both alike;
4. print ONE Markdown table (path, req/s, p50, p95, ratio, SQL statements per request, target,
   PASS/FAIL) and write ``bench/results/latest.json``.

The server is always stopped, also on errors, Ctrl-C and SIGTERM. Exit code 0 = PASS, 1 = FAIL
(a target missed or failed requests), 2 = the harness itself could not run.

Knobs (command-line option or environment variable): --users/BENCH_USERS (20),
--duration/BENCH_DURATION seconds per page (10), --rounds/BENCH_ROUNDS (2), --threads/BENCH_THREADS
granian blocking threads (4), --only/BENCH_ONLY (substring of the paths to run),
--quick/BENCH_QUICK=1 (3 s per page in one round, a bare round every 3 pages: about 4 minutes),
--tenants/BENCH_TENANTS (0), BENCH_DATABASE_URL (PostgreSQL server for a throwaway database).
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
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
BIN = Path(sys.executable).parent  # the virtualenv's bin directory (granian, locust live there)
HOST = "127.0.0.1"  # the demo maps this host to Zeitz; the bench never leaves loopback

ANON, SIGNED_IN, STAFF = "anonymous", "citizen", "staff"
# Staff pages a module's managers see (the demo clerk has no module role): the demo municipality admin.
MANAGER = "manager"
# Public pages with a form that POSTs (booking): anonymous, but they carry a CSRF token, so they are
# rendered for each visitor (never shared): measured against the target of signed-in pages.
FORM = "form"
TARGETS = {ANON: 0.5, SIGNED_IN: 0.25, STAFF: 0.25, MANAGER: 0.25, FORM: 0.25}  # issue 15


@dataclass
class Endpoint:
    path: str
    kind: str = ANON  # who asks: anonymous, the signed-in demo citizen, the demo clerk, a manager
    spread: bool = True  # with BENCH_TENANTS: spread over all hosts (False: the demo host only)
    expect: str = ""  # text the body must contain
    detail_of: str = ""  # a detail page: the first link of this list page that matches ``path``
    # ``path`` names a value bench.prepare made (e.g. "{import_job}": the path of an import job)

    @property
    def target(self) -> float:
        return TARGETS[self.kind]


BARE = Endpoint("/bench/bare", expect="bare")
# Every page of issue 15's table, the other public list/feed/dashboard pages and one detail page
# per module (found at run time: the first matching link of the list page).
PAGES = [
    Endpoint("/", expect="Zeitz", spread=False),
    Endpoint("/leistungen/"),
    Endpoint("/leistungen/?q=Hund"),
    Endpoint(r"/leistungen/\d+/", detail_of="/leistungen/", spread=False),
    Endpoint("/formulare/"),
    Endpoint("/veranstaltungen/"),
    Endpoint(r"/veranstaltungen/\d+/", detail_of="/veranstaltungen/", spread=False),
    Endpoint("/events.ics"),
    Endpoint("/sammlung/"),
    Endpoint(r"/sammlung/objekt/[^/\"]+/", detail_of="/sammlung/", spread=False),
    Endpoint("/oai?verb=ListRecords&metadataPrefix=oai_dc"),
    Endpoint("/mobilitaet/"),
    Endpoint("/daten/"),
    Endpoint(r"/daten/\d+/", detail_of="/daten/", spread=False),
    Endpoint("/dcat/catalog.ttl"),
    Endpoint("/ozg-dashboard/"),
    Endpoint("/api/v1/services"),
    Endpoint("/api/v1/events"),
    Endpoint("/digitalstrategie/"),
    Endpoint(r"/digitalstrategie/handlungsfeld/\d+/", detail_of="/digitalstrategie/", spread=False),
    Endpoint("/digitalbarometer/"),
    Endpoint("/umfragen/"),
    Endpoint("/digital-hub/"),
    Endpoint("/beratung/"),
    Endpoint("/termine/"),
    Endpoint("/suche/?q=Hund"),
    Endpoint(r"/aktuelles/\d+/", detail_of="/", spread=False),
    Endpoint(r"/termine/[a-z0-9-]+/", detail_of="/termine/", kind=FORM, spread=False),
    Endpoint(r"/beratung/termin/\d+/buchen/", detail_of="/beratung/", kind=FORM, spread=False),
    Endpoint("/", kind=SIGNED_IN, spread=False, expect="Mein Konto"),
    Endpoint("/antraege/", kind=SIGNED_IN, spread=False),
    Endpoint("/konto/", kind=SIGNED_IN, spread=False),
    Endpoint("/antraege/verwaltung/", kind=STAFF, spread=False),
    Endpoint("{import_job}", kind=MANAGER, spread=False, expect="Import"),  # a failed GTFS import job
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
    cache_states: dict[str, int] = field(default_factory=dict)  # X-Page-Cache etc. of every answer


@dataclass
class Result:
    endpoint: str  # who asks (anonymous, citizen, staff) or "bare"
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
    ratio: float = 0.0
    sql: int | None = None
    target: float = 0.0
    cache: str = ""


def percentile(histogram: dict[int, int], fraction: float) -> int:
    """The response time within which ``fraction`` of the requests finished (locust's definition)."""
    total = sum(histogram.values())
    processed = 0
    for response_time in sorted(histogram, reverse=True):
        processed += histogram[response_time]
        if total - processed <= int(total * fraction):
            return response_time
    return 0


def describe_cache(states: dict[str, int]) -> str:
    """The cache column from the states of all measured answers: one label when (nearly) every
    answer had it, else the shares, e.g. ``hit 71 %, miss 29 %`` (``none``: rendered, no cache)."""
    total = sum(states.values())
    if not total:
        return ""
    ranked = sorted(states.items(), key=lambda item: -item[1])
    if ranked[0][1] >= 0.995 * total:
        return "–" if ranked[0][0] == "none" else ranked[0][0]
    shown = [(state, count) for state, count in ranked if count * 200 >= total]
    return ", ".join(f"{state} {100 * count / total:.0f} %" for state, count in shown)


def combine(endpoint: str, path: str, rounds: list[Round]) -> Result:
    histogram: dict[int, int] = {}
    for r in rounds:
        for response_time, count in r.response_times.items():
            histogram[response_time] = histogram.get(response_time, 0) + count
    requests = sum(r.requests for r in rounds)
    seconds = sum(r.seconds for r in rounds)
    states: dict[str, int] = {}
    for r in rounds:
        for state, count in r.cache_states.items():
            states[state] = states.get(state, 0) + count
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
        cache=describe_cache(states),
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    quick = os.environ.get("BENCH_QUICK", "").strip() not in ("", "0")
    parser.add_argument("--quick", action="store_true", default=quick, help="3 s per page, 1 round")
    parser.add_argument("--users", type=int, default=env_int("BENCH_USERS", 20))
    parser.add_argument("--duration", type=int, default=env_int("BENCH_DURATION", 0), help="seconds per page")
    parser.add_argument("--rounds", type=int, default=env_int("BENCH_ROUNDS", 0))
    parser.add_argument("--threads", type=int, default=env_int("BENCH_THREADS", 4))
    parser.add_argument("--tenants", type=int, default=env_int("BENCH_TENANTS", 0))
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""), help="substring of the paths")
    parser.add_argument(
        "--target", type=float, default=env_float("BENCH_TARGET", 0.0), help="override every page's target"
    )
    args = parser.parse_args(argv)
    args.duration = args.duration or (3 if args.quick else 10)
    args.rounds = args.rounds or (1 if args.quick else 2)
    args.pages_per_bare = 3 if args.quick else 1
    args.database_url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if not 1 <= args.users <= 500:
        parser.error("--users must be between 1 and 500")
    if not 2 <= args.duration <= 600:
        parser.error("--duration must be between 2 and 600 seconds")
    if not 1 <= args.rounds <= args.duration // 2:
        parser.error("--rounds must be between 1 and duration/2 (at least 2 s per round)")
    if not 1 <= args.threads <= 64:
        parser.error("--threads must be between 1 and 64")
    if not 0 <= args.tenants <= 100_000:
        parser.error("--tenants must be between 0 and 100000")
    if args.database_url and not args.database_url.startswith("postgres"):
        parser.error("BENCH_DATABASE_URL must be a postgres:// URL")
    return args


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def server_env(data_dir: Path, database_url: str = "") -> dict[str, str]:
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
            "RATHAUS_ALLOWED_HOSTS": "127.0.0.1,localhost,.bench.test",
            "RATHAUS_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "RATHAUS_LOG_LEVEL": "WARNING",
            # One granian worker: its memory cache is the only one, so sessions may be read through
            # it, as they are through Redis in production (docs/configuration.md).
            "RATHAUS_SESSION_CACHE": "1",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> None:
    cmd = [sys.executable, str(ROOT / "manage.py"), *args]
    log("manage.py " + " ".join(args))
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise HarnessError(f"manage.py {' '.join(args)} took longer than {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise HarnessError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def csrf_secret() -> str:
    """A CSRF cookie value as Django sets it (32 letters and digits)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 5.0, headers: dict[str, str] | None = None) -> tuple[int, bytes, Any]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback URL)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers


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


@dataclass
class Target:
    """An endpoint as measured: its concrete path and the request headers of its visitor."""

    endpoint: Endpoint
    path: str
    cookie: str = ""
    hosts_file: str = ""

    @property
    def label(self) -> str:
        return "bare" if self.endpoint is BARE else self.endpoint.kind

    def headers(self, host: str = "") -> dict[str, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if host:
            headers["Host"] = host
        return headers


def probe(base: str, target: Target, hosts: list[str], requests: int) -> tuple[int | None, str]:
    """Request the page (on every host when spread), check it answers right; the SQL count and the
    page cache state of the last (warm) answer."""
    sql, cache_state = None, ""
    for i in range(requests):
        host = hosts[i % len(hosts)] if hosts and target.hosts_file else ""
        status, body, headers = http_get(base + target.path, timeout=30, headers=target.headers(host))
        expect = target.endpoint.expect
        if status != 200 or (expect and not host and expect.encode() not in body):
            raise HarnessError(
                f"{target.path} ({target.label}, host {host or HOST}): HTTP {status}, {body[:300]!r}"
            )
        sql = int(headers.get("X-Bench-SQL", "0"))
        cache_state = headers.get("X-Page-Cache", "") or ""
        if headers.get("X-Private-Cache"):  # a signed-in page from the visitor's own cached copy
            cache_state = "own " + headers["X-Private-Cache"]
        if headers.get("X-Form-Cache"):  # a form page from the anonymous visitors' copy (own token)
            cache_state = "form " + headers["X-Form-Cache"]
    return sql, cache_state


def warm_hosts(base: str, target: Target, hosts: list[str]) -> None:
    """Spread pages: fill the cache of every host once (a shared cache holds pages × hosts)."""
    if target.hosts_file:
        for host in hosts:
            http_get(base + target.path, timeout=30, headers=target.headers(host))


def check_production(base: str) -> None:
    # DEBUG must be off: an unknown URL gives the plain 404 page, not Django's technical one.
    status, body, _ = http_get(base + "/bench/no-such-page")
    if status != 404 or b"URLconf" in body:
        raise HarnessError(f"the server does not look like DEBUG is off (HTTP {status})")


def find_detail(base: str, endpoint: Endpoint) -> str:
    import re

    status, body, _ = http_get(base + endpoint.detail_of, timeout=30)
    found = re.search(endpoint.path, body.decode("utf-8", "replace")) if status == 200 else None
    if not found:
        raise HarnessError(f"no link matching {endpoint.path} on {endpoint.detail_of} (HTTP {status})")
    return found.group(0)


def run_locust(base: str, target: Target, seconds: int, users: int, name: str) -> Round:
    """One headless locust run of ``seconds`` (plus about a second of spawning) against ``path``."""
    path = target.path
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
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "BENCH_"))}
    env.update(
        {
            "BENCH_PATH": path,
            "BENCH_EXPECT": "" if target.hosts_file else target.endpoint.expect,
            "BENCH_COOKIE": target.cookie,
            "BENCH_HOSTS_FILE": target.hosts_file,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    locust_log = RESULTS / f"{name}.log"
    json_file = json_prefix.with_name(json_prefix.name + ".json")
    json_file.unlink(missing_ok=True)
    cache_file = RESULTS / f"{name}.cache.json"
    cache_file.unlink(missing_ok=True)
    env["BENCH_CACHE_FILE"] = str(cache_file)
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
        cache_states=json.loads(cache_file.read_text()) if cache_file.exists() else {},
    )


def slug(target: Target, index: int) -> str:
    import re

    return f"{index:02d}_" + (re.sub(r"[^A-Za-z0-9]+", "_", target.path).strip("_") or "home")[:40]


def measure(
    base: str, args: argparse.Namespace, targets: list[Target], bares: list[Target], hosts: list[str]
) -> list[Result]:
    """bare, page, …, bare, page, …: groups of ``pages_per_bare`` pages between bare rounds; every round
    of every page lies between two bare rounds, and its ratio is taken against their mean."""
    seconds = max(2, args.duration // args.rounds)
    page_rounds: dict[int, list[Round]] = {i: [] for i in range(len(targets))}
    page_bare_rps: dict[int, list[float]] = {i: [] for i in range(len(targets))}
    bare_rounds: dict[int, list[Round]] = {i: [] for i in range(len(bares))}
    groups = [
        list(range(i, min(i + args.pages_per_bare, len(targets))))
        for i in range(0, len(targets), args.pages_per_bare)
    ]
    counter = 0

    def bare_round(number: int) -> float:
        nonlocal counter
        rps = []
        for b, bare in enumerate(bares):
            probe(base, bare, hosts, 3)
            warm_hosts(base, bare, hosts)  # the tenant and page caches of every host (60 s lifetimes)
            counter += 1
            r = run_locust(base, bare, seconds, args.users, f"locust_{slug(bare, counter)}_{number}")
            bare_rounds[b].append(r)
            rps.append(r.requests / r.seconds if r.seconds else 0.0)
        return rps[-1]  # the bare view as the pages see it (spread when tenants are on)

    for number in range(1, args.rounds + 1):
        before = bare_round(number)
        for group in groups:
            done = []
            for i in group:
                target = targets[i]
                probe(base, target, hosts, 3)  # refill the cache (short lifetimes) and check the answer
                warm_hosts(base, target, hosts)
                counter += 1
                log(
                    f"round {number}/{args.rounds}: {args.users} users, {seconds} s "
                    f"against {target.path} ({target.label})"
                )
                r = run_locust(base, target, seconds, args.users, f"locust_{slug(target, counter)}_{number}")
                page_rounds[i].append(r)
                done.append((i, r))
            after = bare_round(number)
            for i, _r in done:
                page_bare_rps[i].append((before + after) / 2)
            before = after

    results = []
    for b, bare in enumerate(bares):
        res = combine(
            bare.label,
            bare.path if not bare.hosts_file else f"{bare.path} ({len(hosts)} hosts)",
            bare_rounds[b],
        )
        res.sql, probed = probe(base, bare, hosts, 1)
        res.cache = res.cache or probed
        results.append(res)
    for i, target in enumerate(targets):
        path = target.path + (f" ({len(hosts)} hosts)" if target.hosts_file else "")
        res = combine(target.label, path, page_rounds[i])
        bare_rps = sum(page_bare_rps[i]) / len(page_bare_rps[i]) if page_bare_rps[i] else 0.0
        res.ratio = res.rps / bare_rps if bare_rps else 0.0
        res.target = args.target or target.endpoint.target
        res.sql, probed = probe(base, target, hosts[:1], 2)  # twice the same host: the second is warm
        res.cache = res.cache or probed  # what the measured answers said; the probe when none did
        results.append(res)
    return results


def verdict(r: Result) -> str:
    if r.endpoint == "bare":
        return ""
    return "PASS" if r.ratio >= r.target and r.failures == 0 else "FAIL"


def table(results: list[Result]) -> str:
    lines = [
        "| path | visitor | req/s | p50 ms | p95 ms | ratio | SQL | cache | target | result | failures |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---|---:|",
    ]
    for r in results:
        ratio = f"{r.ratio:.2f}" if r.endpoint != "bare" else "–"
        target = f"≥ {r.target:.2f}" if r.endpoint != "bare" else "–"
        lines.append(
            f"| `{r.path}` | {r.endpoint} | {r.rps:.1f} | {r.p50_ms:.0f} | {r.p95_ms:.0f} | {ratio} "
            f"| {r.sql if r.sql is not None else '–'} | {r.cache or '–'} | {target} | {verdict(r) or '–'} "
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


def prepare(env: dict[str, str], tenants: int, hosts_file: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.prepare", "--tenants", str(tenants), "--hosts-file", str(hosts_file)]
    log(f"bench.prepare: sessions{f', {tenants} municipalities' if tenants else ''}")
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise HarnessError(f"bench.prepare failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@contextmanager
def database(args: argparse.Namespace) -> Iterator[str]:
    """'' for SQLite in the data directory, or a throwaway PostgreSQL database (dropped afterwards)."""
    if not args.database_url:
        yield ""
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(args.database_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    name = f"rathaus_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [tool for tool in ("granian", "locust") if not (BIN / tool).exists()]
    if missing:
        log(f"ERROR: {', '.join(missing)} not installed; run `make bench` or `uv sync --group bench`")
        return 2
    signal.signal(signal.SIGTERM, _raise_on_sigterm)  # run the finally blocks that stop the server
    RESULTS.mkdir(exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    loads: list[float] = []
    try:
        with tempfile.TemporaryDirectory(prefix="rathaus-bench-") as tmp, database(args) as db_url:
            data_dir = Path(tmp)
            env = server_env(data_dir, db_url)
            manage(env, "migrate", "--no-input", timeout=900)
            manage(env, "load_demo", timeout=900)
            manage(env, "collectstatic", "--no-input", timeout=900)
            hosts_file = data_dir / "hosts.txt"
            prepared = prepare(env, args.tenants, hosts_file)
            hosts = hosts_file.read_text().split() if args.tenants else []
            with granian(env, free_port(), args.threads, RESULTS / "granian.log") as base:
                check_production(base)
                # A signed-in browser also sends the CSRF cookie its sign-in form set; anonymous
                # visitors of form pages come without one (a first visit: the page creates it).
                csrf = "; csrftoken=" + csrf_secret()
                cookies = {
                    ANON: "",
                    FORM: "",
                    SIGNED_IN: f"sessionid={prepared['citizen']}{csrf}",
                    STAFF: f"sessionid={prepared['staff']}{csrf}",
                    MANAGER: f"sessionid={prepared['manager']}{csrf}",
                }
                spread = str(hosts_file) if hosts else ""
                bares = [Target(BARE, BARE.path)] + (
                    [Target(BARE, BARE.path, hosts_file=spread)] if hosts else []
                )
                targets = []
                for endpoint in PAGES:
                    path = find_detail(base, endpoint) if endpoint.detail_of else endpoint.path
                    path = path.format_map(prepared) if path.startswith("{") else path
                    if args.only and args.only not in path:
                        continue
                    targets.append(
                        Target(endpoint, path, cookies[endpoint.kind], spread if endpoint.spread else "")
                    )
                for target in [*bares, *targets]:
                    probe(base, target, hosts, 10)
                    warm_hosts(base, target, hosts)
                loads.append(os.getloadavg()[0])
                results = measure(base, args, targets, bares, hosts)
                loads.append(os.getloadavg()[0])
    except HarnessError as exc:
        log(f"ERROR: {exc}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130

    pages = [r for r in results if r.endpoint != "bare"]
    failures = sum(r.failures for r in results)
    failed = [r for r in pages if verdict(r) != "PASS"]
    spread_ratio = None
    if args.tenants:
        one, many = results[0], results[1]
        spread_ratio = many.rps / one.rps if one.rps else 0.0
        if spread_ratio < 0.8:
            failed.append(many)
    passed = not failed and failures == 0 and bool(pages)
    db = "PostgreSQL" if args.database_url else "SQLite"
    print()
    print(
        f"Rathaus benchmark: granian 1 worker × {args.threads} threads, locust {args.users} users, "
        f"{args.duration} s per page in {args.rounds} round(s){' (quick)' if args.quick else ''}, "
        f"a bare round every {args.pages_per_bare} page(s), DEBUG off, {db}, warm cache"
        f"{f', {args.tenants} extra municipalities' if args.tenants else ''}; {os.cpu_count()} CPUs, "
        f"load average {' → '.join(f'{x:.1f}' for x in loads)} (/proc/loadavg at start and end)"
    )
    print()
    print(table(results))
    print()
    if spread_ratio is not None:
        print(
            f"bare view over {args.tenants} municipalities / one municipality: {spread_ratio:.2f} "
            "(target ≥ 0.80)"
        )
    print(
        f"{len(pages) - len([r for r in failed if r.endpoint != 'bare'])} of {len(pages)} pages reach their "
        f"target → **{'PASS' if passed else 'FAIL'}**"
    )
    print()

    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "versions": versions(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average": loads},
        "config": {
            "users": args.users,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "quick": args.quick,
            "tenants": args.tenants,
            "granian_workers": 1,
            "granian_threads": args.threads,
            "database": db,
            "debug": False,
        },
        "results": [asdict(r) for r in results],
        "spread_ratio": spread_ratio,
        "verdict": "PASS" if passed else "FAIL",
    }
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    log(f"wrote {(RESULTS / 'latest.json').relative_to(ROOT)}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
