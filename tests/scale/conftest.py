"""Real PostgreSQL services for the scale tests: a streaming replica (pg_basebackup -R of the suite's
PostgreSQL) and a pgbouncer in transaction pooling mode, each on a port of 18900-18999."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from ops.cluster import pg

REPLICA_PORT = 18901
PGBOUNCER_PORT = 18902


_as_postgres = pg.as_postgres
_wait_port = pg.wait_port


def _primary() -> tuple[str, int]:
    s = connection.settings_dict
    return s["HOST"] or "127.0.0.1", int(s["PORT"] or 5432)


@pytest.fixture(scope="session")
def streaming_replica(django_db_setup, django_db_blocker) -> Iterator[int]:
    """A hot standby of the suite's PostgreSQL on REPLICA_PORT; yields the port."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("a streaming replica needs PostgreSQL (DATABASE_URL=postgres://…)")
    if not pg.available():
        pytest.skip(f"PostgreSQL 15 server binaries not found in {pg.PG_BIN}")
    host, port = _primary()
    root = Path(tempfile.mkdtemp(prefix="rathaus-scale2-replica-"))
    try:
        data = pg.base_backup_standby(root, REPLICA_PORT, host, port)
        pg.start(data, REPLICA_PORT, root / "replica.log")
    except pg.PgError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(str(exc))
    try:
        yield REPLICA_PORT
    finally:
        pg.stop(data, mode="immediate")
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
