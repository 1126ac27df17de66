"""Real PostgreSQL services for the scale tests: a streaming replica (pg_basebackup -R of the suite's
PostgreSQL) and a pgbouncer in transaction pooling mode, each on a port of 18900-18999."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REPLICA_PORT = 18901
PGBOUNCER_PORT = 18902


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def _wait_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def _primary() -> tuple[str, int]:
    s = connection.settings_dict
    return s["HOST"] or "127.0.0.1", int(s["PORT"] or 5432)


@pytest.fixture(scope="session")
def streaming_replica(django_db_setup, django_db_blocker) -> Iterator[int]:
    """A hot standby of the suite's PostgreSQL on REPLICA_PORT; yields the port."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("a streaming replica needs PostgreSQL (DATABASE_URL=postgres://…)")
    if not (PG_BIN / "pg_basebackup").exists():
        pytest.skip(f"PostgreSQL 15 server binaries not found in {PG_BIN}")
    host, port = _primary()
    root = Path(tempfile.mkdtemp(prefix="rathaus-scale2-replica-"))
    data = root / "data"
    shutil.chown(root, "postgres", "postgres") if os.geteuid() == 0 else None
    backup = _as_postgres(
        [str(PG_BIN / "pg_basebackup"), "-h", host, "-p", str(port), "-U", "postgres", "-D", str(data), "-R"],
        timeout=300,
    )
    if backup.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(
            "pg_basebackup failed; the primary must allow replication connections from 127.0.0.1 "
            f"(pg_hba.conf: 'host replication all 127.0.0.1/32 trust', see .ci/run):\n{backup.stderr}"
        )
    (data / "postgresql.conf").write_text(
        f"port = {REPLICA_PORT}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n"
        "hot_standby = on\nshared_buffers = 32MB\nfsync = off\n"
        "max_standby_streaming_delay = 30s\nhot_standby_feedback = on\n"
    )
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (data / "pg_ident.conf").write_text("")
    for f in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
        shutil.chown(data / f, "postgres", "postgres") if os.geteuid() == 0 else None
    start = _as_postgres(
        [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "replica.log"), "-w", "-t", "60", "start"]
    )
    if start.returncode != 0:
        log = (root / "replica.log").read_text() if (root / "replica.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"replica did not start: {start.stdout}{start.stderr}\n{log}")
    try:
        _wait_port(REPLICA_PORT, 30)
        yield REPLICA_PORT
    finally:
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pgbouncer(django_db_setup, django_db_blocker) -> Iterator[int]:
    """pgbouncer (Debian package) in transaction pooling mode in front of the suite's PostgreSQL."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("pgbouncer needs PostgreSQL (DATABASE_URL=postgres://…)")
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        pytest.fail("pgbouncer is not installed (Debian package pgbouncer, see .ci/run)")
    host, port = _primary()
    root = Path(tempfile.mkdtemp(prefix="rathaus-scale2-pgbouncer-"))
    (root / "users.txt").write_text('"postgres" ""\n')
    (root / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={host} port={port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {PGBOUNCER_PORT}\nunix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {root / 'users.txt'}\n"
        "pool_mode = transaction\n"
        "default_pool_size = 4\nmax_client_conn = 200\n"
        "server_reset_query =\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {root / 'pgbouncer.log'}\n"
        f"pidfile = {root / 'pgbouncer.pid'}\n"
    )
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        for f in root.iterdir():
            shutil.chown(f, "postgres", "postgres")
        cmd = ["runuser", "-u", "postgres", "--", binary, str(root / "pgbouncer.ini")]
    else:
        cmd = [binary, str(root / "pgbouncer.ini")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_port(PGBOUNCER_PORT, 20)
        yield PGBOUNCER_PORT
    finally:
        pidfile = root / "pgbouncer.pid"
        if pidfile.exists():  # the pgbouncer process itself (runuser may not forward the signal)
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)
