"""The production topology of Rathaus on 127.0.0.1 (issue 19; docs/operations.md, "A cluster on one
machine"; ADR 0020).

    haproxy ─┬─ granian app server 1 ─┐        ┌─ PostgreSQL primary (own initdb) ─ streaming ─▶ replica
             └─ granian app server 2 ─┼─ pgbouncer (transaction pooling) ──────────────────────┘
    worker 1, worker 2 (run_worker) ──┘   Redis (the running server, own db) · moto_server (S3)

Every part is the real engine, started as production starts it; nothing is mocked. ``make cluster``
runs :func:`main`: writes the configuration into ``var/cluster/``, starts everything, migrates, loads
the demo data, prints the URL and stops everything on Ctrl-C. tests/scale/test_cluster.py drives the
same :class:`Cluster` (kills and restarts app servers and workers).

Nodes share nothing on disk: every node (app server, worker, the ``manage.py`` commands) gets a
data directory of its own under ``<root>/nodes/<name>`` (file cache, work folders of running
imports, temporary files), as separate machines would. Every stored file — attachments, heritage
masters and tiles, GTFS and grid Parquet, import uploads — is in S3 (moto_server); a node that
needs a file by path fetches it into its own file cache (docs/storage.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ops.cluster import pg

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
HOST = "zeitz.localhost"


def free_base_port(low: int = 18300, high: int = 18400, size: int = 20) -> int:
    """The first block of ``size`` ports in [low, high) where nothing listens."""
    for base in range(low, high - size + 1, size):
        if all(_port_free(p) for p in range(base, base + size)):
            return base
    raise RuntimeError(f"no {size} free ports in {low}-{high - 1}")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Proc:
    name: str
    cmd: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.popen = subprocess.Popen(
            self.cmd,
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes its children too
        )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole process group: a crash, no cleanup."""
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self, timeout: float = 20) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class Cluster:
    root: Path
    base_port: int = 18300
    apps: int = 2
    workers: int = 2
    redis_url: str = "redis://127.0.0.1:6379/3"
    extra_env: dict[str, str] = field(default_factory=dict)
    app_procs: list[Proc] = field(default_factory=list)
    worker_procs: list[Proc] = field(default_factory=list)
    services: list[Proc] = field(default_factory=list)
    _pg_data: list[Path] = field(default_factory=list)

    # Ports: base = haproxy, base+1.. = app servers, base+10.. = the backing services.
    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.base_port}/"

    @property
    def haproxy_port(self) -> int:
        return self.base_port

    def app_port(self, i: int) -> int:
        return self.base_port + 1 + i

    @property
    def primary_port(self) -> int:
        return self.base_port + 10

    @property
    def replica_port(self) -> int:
        return self.base_port + 11

    @property
    def pgbouncer_port(self) -> int:
        return self.base_port + 12

    @property
    def s3_port(self) -> int:
        return self.base_port + 13

    @property
    def stats_port(self) -> int:
        return self.base_port + 14

    @property
    def primary_url(self) -> str:
        """Straight to the primary (migrations, checks); the nodes go through pgbouncer."""
        return f"postgres://postgres@127.0.0.1:{self.primary_port}/rathaus"

    # --- configuration ---------------------------------------------------------------------------

    def env(self, node: str = "manage") -> dict[str, str]:
        """The environment of one node: the same settings everywhere, a local disk of its own."""
        secret_file = self.root / "secret_key"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(50))
        local = self.root / "nodes" / node
        env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "DATABASE_URL")}
        env.update(
            DJANGO_SETTINGS_MODULE="rathaus.settings",
            PYTHONPATH=str(ROOT / "src"),
            RATHAUS_SECRET_KEY=secret_file.read_text().strip(),
            RATHAUS_DEBUG="0",
            RATHAUS_DEMO="1",
            RATHAUS_HTTPS="0",
            RATHAUS_MANIFEST_STATIC="1",
            RATHAUS_STATIC_ROOT=str(self.root / "static"),
            RATHAUS_PUBLIC_PORT=str(self.haproxy_port),
            RATHAUS_TRUSTED_PROXY_COUNT="1",
            RATHAUS_LOG_FORMAT="plain",
            RATHAUS_LOG_LEVEL="WARNING",
            # Database: every node through pgbouncer; reads of public pages from the replica.
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{self.pgbouncer_port}/rathaus",
            RATHAUS_DATABASE_REPLICA_URL=f"postgres://postgres@127.0.0.1:{self.pgbouncer_port}/rathaus_replica",
            RATHAUS_DATABASE_POOLER="pgbouncer",
            RATHAUS_TASK_BACKEND="django_tasks_db.DatabaseBackend",
            RATHAUS_REDIS_URL=self.redis_url,
            # Files: every stored file in S3 (moto_server): media, private files, heritage and mobility
            # (folders heritage/ and mobility/ of the private bucket). The local folders are the
            # node's own (file cache, work folders); no node reads another's disk.
            RATHAUS_STORAGE="s3",
            RATHAUS_S3_ENDPOINT_URL=f"http://127.0.0.1:{self.s3_port}",
            RATHAUS_S3_BUCKET="rathaus-public",
            RATHAUS_S3_PRIVATE_BUCKET="rathaus-private",
            RATHAUS_S3_ACCESS_KEY_ID="rathaus-cluster",
            RATHAUS_S3_SECRET_ACCESS_KEY="rathaus-cluster-secret",  # noqa: S106 - moto accepts any
            RATHAUS_S3_REGION="eu-central-1",
            RATHAUS_DATA_DIR=str(local),
            RATHAUS_MEDIA_ROOT=str(local / "media"),
            RATHAUS_PRIVATE_ROOT=str(local / "private"),
            RATHAUS_HERITAGE_MEDIA_ROOT=str(local / "heritage-media"),
            RATHAUS_MOBILITY_DIR=str(local / "mobility"),
        )
        env.update(self.extra_env)
        return env

    def _write_haproxy(self) -> Path:
        servers = "\n".join(
            f"    server app{i + 1} 127.0.0.1:{self.app_port(i)} check" for i in range(self.apps)
        )
        cfg = self.root / "haproxy.cfg"
        cfg.write_text(
            f"""# Written by ops/cluster/cluster.py
global
    maxconn 2000
    pidfile {self.root / "haproxy.pid"}
    stats socket {self.root / "haproxy.sock"} mode 600 level admin
    log stdout format raw local0 info


defaults
    log global
    mode http
    option httplog
    option forwardfor
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # The readiness check may wait for a replica that is down (pgbouncer gives up after 5 s).
    timeout check 10s
    # A refused connection (the app server is gone) is retried on another server: the request
    # was never sent, so this is safe for POST too.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

frontend web
    bind 127.0.0.1:{self.haproxy_port}
    default_backend app

backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health/ready?scope=node ver HTTP/1.1 hdr Host {HOST}
    http-check expect status 200
    default-server inter 1s fall 2 rise 1 slowstart 0s
{servers}

frontend stats
    bind 127.0.0.1:{self.stats_port}
    stats enable
    stats uri /
"""
        )
        return cfg

    def _write_pgbouncer(self) -> Path:
        root = self.root / "pgbouncer"
        root.mkdir(exist_ok=True)
        (root / "users.txt").write_text('"postgres" ""\n')
        ini = root / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"rathaus = host=127.0.0.1 port={self.primary_port} dbname=rathaus\n"
            f"rathaus_replica = host=127.0.0.1 port={self.replica_port} dbname=rathaus\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.pgbouncer_port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {root / 'users.txt'}\n"
            "pool_mode = transaction\ndefault_pool_size = 10\nmax_client_conn = 500\n"
            "server_reset_query =\nignore_startup_parameters = extra_float_digits,options\n"
            # A replica that is down answers its clients within seconds (the router then reads
            # from the primary) instead of making them wait for a server connection.
            "server_connect_timeout = 2\nserver_login_retry = 1\nquery_wait_timeout = 5\n"
            f"logfile = {root / 'pgbouncer.log'}\npidfile = {root / 'pgbouncer.pid'}\n"
        )
        pg.give_to_postgres(root, *root.iterdir())
        return ini

    # --- start / stop ----------------------------------------------------------------------------

    def _proc(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> Proc:
        return Proc(name, cmd, env or self.env(name), self.root / "logs" / f"{name}.log")

    def app(self, i: int) -> Proc:
        return self._proc(
            f"app{i + 1}",
            [
                *(str(VENV_BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1"),
                *("--port", str(self.app_port(i)), "--workers", "1", "--blocking-threads", "4"),
                "rathaus.wsgi:application",
            ],
        )

    def worker(self, i: int) -> Proc:
        return self._proc(
            f"worker{i + 1}",
            [
                *(sys.executable, "manage.py", "run_worker", "--queue-name", "*"),
                *("--worker-id", f"cluster-worker-{i + 1}", "--interval", "0.2"),
            ],
        )

    def manage(self, *args: str, timeout: float | None = None) -> str:
        env = self.env()
        env["DATABASE_URL"] = self.primary_url  # migrations and commands straight to the primary
        env.pop("RATHAUS_DATABASE_REPLICA_URL")
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def seed_schema(self, source_dsn: str) -> None:
        """Copy the schema and the migration records of an already migrated database (the test
        suite's) into the primary: ``migrate`` then only runs its post-migrate steps. Saves minutes
        on a loaded machine; ``make cluster`` migrates from scratch."""
        dump = str(pg.PG_BIN / "pg_dump")
        psql = [str(pg.PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", self.primary_url]
        for args in (["-s", "--no-owner", "--no-privileges"], ["-a", "-t", "django_migrations"]):
            schema = subprocess.run([dump, *args, source_dsn], capture_output=True, check=True)
            subprocess.run(psql, input=schema.stdout, capture_output=True, check=True)

    def start(  # type: ignore[no-untyped-def]
        self, *, demo: bool = True, static: bool = True, seed_dsn: str | None = None, say=print
    ) -> None:
        for sub in ("logs", "nodes", "static"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        say(f"PostgreSQL primary on {self.primary_port} (initdb)")
        primary = pg.init_primary(self.root / "pg-primary", self.primary_port)
        self._pg_data.append(primary)
        pg.start(primary, self.primary_port, primary.parent / "postgresql.log")  # the postgres user writes it
        pg.as_postgres(
            [str(pg.PG_BIN / "createdb"), *("-h", "127.0.0.1", "-p", str(self.primary_port)), "rathaus"]
        )
        say(f"PostgreSQL replica on {self.replica_port} (pg_basebackup -R)")
        replica = pg.base_backup_standby(
            self.root / "pg-replica", self.replica_port, "127.0.0.1", self.primary_port
        )
        self._pg_data.append(replica)
        pg.start(replica, self.replica_port, replica.parent / "postgresql.log")

        say(f"pgbouncer on {self.pgbouncer_port}, moto_server (S3) on {self.s3_port}")
        ini = self._write_pgbouncer()
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        bouncer = [binary, str(ini)]
        if os.geteuid() == 0:
            bouncer = ["runuser", "-u", "postgres", "--", *bouncer]
        self.services.append(self._proc("pgbouncer", bouncer))
        moto = [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)]
        self.services.append(self._proc("moto", moto))
        for proc in self.services:
            proc.start()
        pg.wait_port(self.pgbouncer_port, 20)
        pg.wait_port(self.s3_port, 30)
        self._create_buckets()

        say("migrate" + (", collectstatic" if static else "") + (", load_demo" if demo else ""))
        if seed_dsn:
            self.seed_schema(seed_dsn)
        self.manage("migrate", "--no-input")
        if static:
            self.manage("collectstatic", "--no-input")
        if demo:
            self.manage("load_demo")

        say(f"{self.apps} granian app servers, {self.workers} workers, haproxy on {self.haproxy_port}")
        self.app_procs = [self.app(i) for i in range(self.apps)]
        self.worker_procs = [self.worker(i) for i in range(self.workers)]
        for proc in (*self.app_procs, *self.worker_procs):
            proc.start()
        for i in range(self.apps):
            self.wait_app(i)
        haproxy = self._proc("haproxy", ["haproxy", "-db", "-f", str(self._write_haproxy())])
        self.services.append(haproxy)
        haproxy.start()
        pg.wait_port(self.haproxy_port, 20)
        self.wait_backends_up(self.apps)

    def _create_buckets(self) -> None:
        import boto3

        env = self.env()
        client = boto3.client(
            "s3",
            endpoint_url=env["RATHAUS_S3_ENDPOINT_URL"],
            aws_access_key_id=env["RATHAUS_S3_ACCESS_KEY_ID"],
            aws_secret_access_key=env["RATHAUS_S3_SECRET_ACCESS_KEY"],
            region_name=env["RATHAUS_S3_REGION"],
        )
        for bucket in (env["RATHAUS_S3_BUCKET"], env["RATHAUS_S3_PRIVATE_BUCKET"]):
            with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
                client.create_bucket(
                    Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": env["RATHAUS_S3_REGION"]}
                )

    def wait_app(self, i: int, seconds: float = 300) -> None:
        """Until app server ``i`` answers its readiness check itself (a busy machine needs minutes)."""
        deadline = time.monotonic() + seconds
        url = f"http://127.0.0.1:{self.app_port(i)}/health/ready?scope=node"
        last = "no answer"
        while time.monotonic() < deadline:
            if not self.app_procs[i].alive():
                raise RuntimeError(f"app server {i + 1} exited; see {self.app_procs[i].log}")
            req = urllib.request.Request(url, headers={"Host": HOST})
            try:
                with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - our own server
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                last = f"{exc.code}: {exc.read()[:500]!r}"
            except OSError as exc:
                last = repr(exc)
            time.sleep(0.5)
        raise TimeoutError(f"app server {i + 1} not ready ({last}); see {self.app_procs[i].log}")

    def backends_up(self) -> int:
        """How many app servers haproxy counts as UP (its stats page, CSV)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/;csv", timeout=5) as response:
            rows = response.read().decode().splitlines()
        return sum(1 for row in rows if row.startswith("app,app") and ",UP" in row)

    def wait_backends_up(self, count: int, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if self.backends_up() >= count:
                    return
            time.sleep(0.3)
        raise TimeoutError(f"haproxy does not see {count} app servers up")

    def stop_replica(self) -> None:
        pg.stop(self._pg_data[1])

    def start_replica(self) -> None:
        replica = self._pg_data[1]
        pg.start(replica, self.replica_port, replica.parent / "postgresql.log")

    def replica_sql(self, query: str) -> None:
        pg.as_postgres(
            [str(pg.PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.replica_port), "-c", query]
        )

    def kill_app(self, i: int) -> None:
        self.app_procs[i].kill()

    def restart_app(self, i: int) -> None:
        self.app_procs[i] = self.app(i)
        self.app_procs[i].start()
        self.wait_app(i)

    def kill_worker(self, i: int) -> None:
        self.worker_procs[i].kill()

    def restart_worker(self, i: int) -> None:
        self.worker_procs[i] = self.worker(i)
        self.worker_procs[i].start()

    def stop(self) -> None:
        for proc in reversed([*self.services, *self.app_procs, *self.worker_procs]):
            proc.stop()
        pidfile = self.root / "pgbouncer" / "pgbouncer.pid"  # runuser may not forward the signal
        if pidfile.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        for data in reversed(self._pg_data):
            pg.stop(data)
        self._pg_data.clear()

    def status(self) -> dict[str, object]:
        url = f"http://127.0.0.1:{self.haproxy_port}/health/ready"
        req = urllib.request.Request(url, headers={"Host": HOST})
        try:
            with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - our own server
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return json.loads(exc.read())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rathaus: the production topology on 127.0.0.1")
    parser.add_argument("--root", type=Path, default=ROOT / "var" / "cluster")
    parser.add_argument("--base-port", type=int, default=18300)
    parser.add_argument("--apps", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--redis-url", default=os.environ.get("RATHAUS_CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/3")
    )
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument(
        "--seed-from",
        metavar="DSN",
        help="copy schema and migration records from this migrated database of the same release "
        "instead of migrating from scratch (faster on a busy machine)",
    )
    args = parser.parse_args(argv)
    if not pg.available():
        print(f"PostgreSQL 15 server binaries not found in {pg.PG_BIN}", file=sys.stderr)
        return 2
    for tool in ("haproxy", "pgbouncer"):
        if not (shutil.which(tool) or Path("/usr/sbin", tool).exists()):
            print(f"{tool} is missing: apt-get install {tool}", file=sys.stderr)
            return 2
    if args.root.exists():  # a fresh cluster every time: old data dirs would clash with initdb
        shutil.rmtree(args.root)
    args.root.mkdir(parents=True)
    cluster = Cluster(args.root, args.base_port, args.apps, args.workers, args.redis_url)
    stop = {"now": False}

    def _interrupt(signum: int, frame: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, _interrupt)
    (args.root / "cluster.pid").write_text(str(os.getpid()))
    try:
        cluster.start(demo=not args.no_demo, seed_dsn=args.seed_from)
        print(f"\n  Rathaus-Cluster läuft / is serving at  {cluster.url}")
        print(f"  haproxy stats: http://127.0.0.1:{cluster.stats_port}/   logs: {args.root / 'logs'}")
        print(f"  primary: {cluster.primary_url}   replica: port {cluster.replica_port}")
        print("  Demo-Logins wie bei `make run` / as for `make run`. Stop: Ctrl-C or `make cluster-stop`.\n")
        while not stop["now"]:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping the cluster …")
        cluster.stop()
        (args.root / "cluster.pid").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
