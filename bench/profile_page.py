"""Profile one page in-process with the Django test client and cProfile (no server, no load).

    .venv/bin/python bench/profile_page.py [PATH] [--requests N] [--top N] [--sort cumulative|tottime]

Builds the same throwaway database as ``bench/run.py`` (production settings, DEBUG off, demo
data), warms the caches, prints the mean in-process time per request of PATH (default ``/``)
next to ``/bench/bare``, then the cProfile listing of N requests to PATH. ``--as citizen|staff|manager``
signs the client in as the demo citizen, the demo clerk or the demo municipality admin. ``--data DIR``
keeps the database in DIR and reuses it on the next run (faster when profiling several pages;
delete DIR to rebuild). ``--database-url postgres://…`` runs on a throwaway PostgreSQL database on that
server (created and dropped, as ``bench/run.py`` does) and also prints the statements per request
that reached the server, counted below Django (health checks included).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import ROOT, database, manage, server_env


def child(path: str, requests: int, top: int, sort: str, as_user: str) -> None:
    import cProfile
    import pstats
    import time

    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    if as_user:
        from bench.prepare import citizen_email, session_for

        emails = {"staff": "sachbearbeitung@zeitz.example", "manager": "admin@zeitz.example"}
        email = citizen_email() if as_user == "citizen" else emails[as_user]
        client.cookies["sessionid"] = session_for(email)
    for warm_path in (path, "/bench/bare"):
        for _ in range(50):
            response = client.get(warm_path)
            assert response.status_code == 200, (warm_path, response.status_code)

    sent = _count_server_statements()
    for timed_path in ("/bench/bare", path):
        if sent is not None:
            sent.clear()
        start = time.perf_counter()
        for _ in range(requests):
            _new_request()
            client.get(timed_path)
        per_request = (time.perf_counter() - start) / requests * 1000
        statements = f", {len(sent) / requests:.2f} statements sent to the server" if sent is not None else ""
        print(f"{timed_path}: {per_request:.3f} ms per request in-process ({requests} requests){statements}")
        if sent:
            print("  " + "\n  ".join(sorted({sql[:100] for sql in sent})))

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    pstats.Stats(profiler).strip_dirs().sort_stats(sort).print_stats(top)


def _new_request() -> None:
    # What Django's request_started does for a reused connection (the test client leaves it out).
    from django.db import close_old_connections

    close_old_connections()


def _count_server_statements() -> list[str] | None:
    """PostgreSQL: every statement psycopg sends, below Django's wrappers (so health checks too)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    import psycopg

    sent: list[str] = []
    original = psycopg.Cursor.execute

    def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(query if isinstance(query, str) else str(query))
        return original(self, query, *args, **kwargs)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description="Profile a page with the Django test client.")
    parser.add_argument("path", nargs="?", default="/")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    parser.add_argument("--as", dest="as_user", default="", choices=["", "citizen", "staff", "manager"])
    parser.add_argument("--data", default="", help="keep (and reuse) the database in this directory")
    parser.add_argument("--database-url", default="", help="PostgreSQL server for a throwaway database")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.path, args.requests, args.top, args.sort, args.as_user)
        return 0
    if args.database_url and args.data:
        parser.error("--data keeps a SQLite database; with --database-url the database is a throwaway one")
    with tempfile.TemporaryDirectory(prefix="rathaus-profile-") as tmp, database(args) as database_url:
        data = Path(args.data).resolve() if args.data else Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        env = server_env(data, database_url)
        if not (data / "prepared").exists():
            manage(env, "migrate", "--no-input")
            manage(env, "load_demo")
            manage(env, "collectstatic", "--no-input")
            if args.data:
                (data / "prepared").write_text("ok\n")
        cmd = [sys.executable, __file__, args.path, "--child", "--requests", str(args.requests)]
        cmd += ["--top", str(args.top), "--sort", args.sort, "--as", args.as_user]
        return subprocess.run(cmd, cwd=ROOT, env=env, timeout=600, check=False).returncode


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
