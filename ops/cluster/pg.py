"""PostgreSQL server processes for the cluster and the scale tests: a primary of its own (initdb) and
a hot standby taken with ``pg_basebackup -R``, started with ``pg_ctl`` from the Debian server
binaries. As root every server command runs as the ``postgres`` user (``runuser``)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("RATHAUS_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PgError(RuntimeError):
    pass


def as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def give_to_postgres(*paths: Path) -> None:
    if os.geteuid() == 0:
        for p in paths:
            shutil.chown(p, "postgres", "postgres")


def wait_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def _write_conf(data: Path, root: Path, port: int, extra: str) -> None:
    (data / "postgresql.conf").write_text(
        f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n"
        "shared_buffers = 32MB\nfsync = off\nmax_connections = 100\n" + extra
    )
    (data / "pg_hba.conf").write_text(
        "local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n"
    )
    (data / "pg_ident.conf").write_text("")
    give_to_postgres(*(data / f for f in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf")))


def init_primary(root: Path, port: int) -> Path:
    """A new, empty primary in ``root/data`` (trust auth on 127.0.0.1, replication allowed)."""
    root.mkdir(parents=True, exist_ok=True)
    give_to_postgres(root)
    data = root / "data"
    done = as_postgres(
        [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
    )
    if done.returncode != 0:
        raise PgError(f"initdb failed:\n{done.stdout}{done.stderr}")
    _write_conf(data, root, port, "wal_level = replica\nmax_wal_senders = 5\nsynchronous_commit = off\n")
    return data


def base_backup_standby(root: Path, port: int, primary_host: str, primary_port: int) -> Path:
    """``pg_basebackup -R`` of the primary into ``root/data``, configured as a hot standby on ``port``."""
    root.mkdir(parents=True, exist_ok=True)
    give_to_postgres(root)
    data = root / "data"
    backup = as_postgres(
        [
            *(str(PG_BIN / "pg_basebackup"), "-h", primary_host, "-p", str(primary_port)),
            *("-U", "postgres", "-D", str(data), "-R", "-X", "stream", "-c", "fast"),
        ],
        timeout=300,
    )
    if backup.returncode != 0:
        raise PgError(
            "pg_basebackup failed; the primary must allow replication connections from 127.0.0.1 "
            f"(pg_hba.conf: 'host replication all 127.0.0.1/32 trust', see .ci/run):\n{backup.stderr}"
        )
    _write_conf(
        data, root, port, "hot_standby = on\nmax_standby_streaming_delay = 30s\nhot_standby_feedback = on\n"
    )
    return data


def start(data: Path, port: int, log: Path) -> None:
    done = as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"])
    if done.returncode != 0:
        text = log.read_text() if log.exists() else ""
        raise PgError(f"PostgreSQL in {data} did not start: {done.stdout}{done.stderr}\n{text}")
    wait_port(port, 30)


def stop(data: Path, mode: str = "fast") -> None:
    if (data / "postmaster.pid").exists():
        as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", mode, "-w", "-t", "60", "stop"])


def available() -> bool:
    return (PG_BIN / "pg_basebackup").exists() and (PG_BIN / "initdb").exists()
