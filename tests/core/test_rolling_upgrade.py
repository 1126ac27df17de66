"""Rolling upgrade (docs/operations.md, "Upgrade"): the next release's EXPAND migration runs while
the current code serves, and nothing breaks.

A granian server runs the current code on a production-like installation. The "next release" (a copy
of the source tree plus one expand-style migration: a nullable column on an existing table and a new
table) runs ``migrate`` against the same database while a client keeps requesting pages, the
liveness probe and the readiness report. Every answer is 200 — readiness too, although the database
is now AHEAD of the serving code — and the old code still writes rows of the expanded table. Then
granian gets SIGHUP (its graceful reload: new workers first, old ones stopped after) and still every
request answers. Runs on SQLite and on PostgreSQL (a second database).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests.core.test_backup_restore import target_database  # noqa: F401 - a fresh second database

ROOT = Path(__file__).resolve().parents[2]
HOST = "portal.zeitz.example"
# Longer than a worker needs to start (Django import) on a loaded machine: see docs/operations.md.
RESPAWN_INTERVAL = 45
pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    for port in range(18400, 18500):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18400-18499")


def _env(database_url: str, data: Path, src: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RATHAUS_") and k != "PYTEST_VERSION"}
    env.update(
        {
            "DATABASE_URL": database_url,
            "RATHAUS_SECRET_KEY": "rolling-upgrade-test-secret-key-0123456789abcdefghijklmnop",
            "RATHAUS_HTTPS": "0",
            "RATHAUS_DATA_DIR": str(data),
            "RATHAUS_MANIFEST_STATIC": "0",
            "RATHAUS_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(src),
        }
    )
    return env


def _manage(release: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(release / "manage.py"), *args],
        env={**env, "PYTHONPATH": str(release / "src")},
        cwd=release,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result


EXPAND_MIGRATION = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenancy", "{leaf}")]

    operations = [
        # expand: a nullable column (old code neither reads nor writes it) and a new table
        migrations.AddField(
            "domain", "certificate_note", models.CharField(max_length=100, null=True, blank=True)
        ),
        migrations.CreateModel(
            name="DomainCheck",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("host", models.CharField(max_length=253)),
                ("checked_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
"""


def _wait_until_live(poller: Poller, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while poller._get("/health/live", "10.0.0.9") != 200:
        assert server.poll() is None and time.monotonic() < deadline, "granian did not start"
        time.sleep(0.5)


class Poller(threading.Thread):
    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.stop = threading.Event()
        self.answers: list[tuple[str, str, int | str]] = []
        self.phase = "serving"

    def _get(self, path: str, host: str) -> int | str:
        request = urllib.request.Request(self.base + path, headers={"Host": host})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                response.read()
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except OSError as exc:  # refused or reset connection
            return repr(getattr(exc, "reason", exc))

    def run(self) -> None:
        while not self.stop.is_set():
            for path, host in (("/", HOST), ("/health/live", "10.0.0.9"), ("/health/ready", "10.0.0.9")):
                self.answers.append((self.phase, path, self._get(path, host)))


def test_expand_migration_and_graceful_reload_while_the_current_code_serves(tmp_path, target_database):  # noqa: F811
    # --- the current release, migrated, with one municipality ---------------------------------
    data = tmp_path / "data"
    database_url = (
        f"sqlite:///{data / 'rathaus.sqlite3'}" if connection.vendor == "sqlite" else target_database
    )
    env = _env(database_url, data, ROOT / "src")
    _manage(ROOT, env, "migrate", "--no-input")
    _manage(
        ROOT, env, "create_municipality", "--municipality", "zeitz", "--name", "Zeitz",
        "--ags", "15084590", "--ars", "150840590590", "--prefix", "ZTZ", "--host", HOST,
    )  # fmt: skip

    # --- the next release: the same code plus an expand migration -------------------------------
    release2 = tmp_path / "release2"
    shutil.copytree(ROOT / "src", release2 / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", release2 / "manage.py")
    leaf = max(
        name
        for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()
        if app == "tenancy"
    )
    migrations_dir = release2 / "src" / "rathaus" / "core" / "tenancy" / "migrations"
    (migrations_dir / "9000_domain_certificate_note.py").write_text(EXPAND_MIGRATION.format(leaf=leaf))

    port = _free_port()
    log_path = tmp_path / "granian.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("granian")), "--interface", "wsgi", "--host", "127.0.0.1",
            "--port", str(port), "--workers", "1", "--respawn-interval", str(RESPAWN_INTERVAL),
            "rathaus.wsgi:application",
        ],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    poller = Poller(f"http://127.0.0.1:{port}")
    try:
        _wait_until_live(poller, server)
        poller.start()
        time.sleep(1)
        before = len(poller.answers)

        # the next release migrates the database the current code is serving from
        poller.phase = "migrating"
        _manage(release2, env, "migrate", "--no-input")
        during = len(poller.answers)
        # the current code still writes rows of the expanded table
        poller.phase = "old code writes"
        _manage(ROOT, env, "create_municipality", "--municipality", "zeitz", "--host", "www.zeitz.example")
        time.sleep(1)

        # graceful reload: a new worker first, the old one stopped RESPAWN_INTERVAL later, when the
        # new one long serves (granian stops the old worker after that fixed time, ready or not)
        poller.phase = "reload"
        server.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + RESPAWN_INTERVAL + 120
        while "Stopped old worker" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(2)
        poller.stop.set()
        poller.join(60)
    finally:
        poller.stop.set()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the group of the server this test started
            server.wait(30)
        log.close()
    output = log_path.read_text()

    bad = [a for a in poller.answers if a[2] != 200]
    assert not bad, (len(bad), bad[:6], bad[-3:], output[-1500:])
    assert before > 0 and during > before and len(poller.answers) > during
    assert "HUP signal received" in output and "Stopped old worker" in output
    # the database is ahead of the serving code, and readiness stayed 200 throughout (asserted above)
    check = _manage(ROOT, env, "shell", "-c", "from rathaus import health; print(health._migrations())")
    assert "'ok': True" in check.stdout and "'unknown_applied': 1" in check.stdout
