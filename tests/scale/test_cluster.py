"""The production topology on one machine (ops/cluster; issue 19): a citizen journey through haproxy
while one app server and one worker are killed with SIGKILL and restarted.

Real engines only: haproxy, two granian app servers, two ``run_worker`` processes, a PostgreSQL
primary of its own (initdb) with a streaming replica (``pg_basebackup -R``), pgbouncer in transaction
mode, Redis (db 3) and moto_server as S3. Heritage and mobility files live in one directory all nodes
share (until they move onto the storage API). The test runs in the PostgreSQL pass of CI only (the
topology does not depend on the suite's database; running it twice would only cost time).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from ops.cluster import pg
from ops.cluster.cluster import HOST, ROOT, Cluster, free_base_port

FAST_JOBS = {
    "RATHAUS_JOB_HEARTBEAT_SECONDS": "0.5",
    "RATHAUS_JOB_STALE_SECONDS": "3",
    "RATHAUS_JOB_RECOVER_SECONDS": "1",
    "RATHAUS_JOB_MAX_ATTEMPTS": "2",
    "RATHAUS_MANIFEST_STATIC": "0",  # no collectstatic in the test: pages only link static files
    "RATHAUS_DATABASE_REPLICA_MAX_LAG_SECONDS": "2",
    "RATHAUS_DATABASE_REPLICA_CHECK_SECONDS": "0.5",
}
PASSWORD = "Cluster-Test-Passwort-2026"


def _missing() -> str | None:
    if not pg.available():
        return f"PostgreSQL 15 server binaries in {pg.PG_BIN}"
    for tool in ("haproxy", "pgbouncer"):
        if not (shutil.which(tool) or Path("/usr/sbin", tool).exists()):
            return f"{tool} (Debian package {tool}, installed by .ci/run)"
    return None


@pytest.fixture(scope="module")
def cluster(django_db_setup) -> Iterator[Cluster]:
    if connection.vendor != "postgresql":
        pytest.skip("the cluster test runs in the PostgreSQL pass (DATABASE_URL=postgres://…)")
    if os.environ.get("RATHAUS_CLUSTER_TEST") != "1":
        pytest.skip("the cluster test runs with RATHAUS_CLUSTER_TEST=1 (several minutes; docs/scaling.md)")
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the cluster test needs {missing}")
        pytest.skip(f"the cluster test needs {missing}")
    root = Path(tempfile.mkdtemp(prefix="rathaus-cluster-"))
    root.chmod(0o755)  # the postgres user keeps its data directories below it
    c = Cluster(root, base_port=free_base_port(), extra_env=FAST_JOBS)
    try:
        # The suite's test database is migrated already: its schema seeds the primary (seconds
        # instead of a full migrate; `migrate` still runs and finds nothing to do).
        c.start(static=False, seed_dsn=_suite_dsn(), say=lambda line: None)
        yield c
    except Exception:
        _dump_logs(root)
        raise
    finally:
        c.stop()
        shutil.rmtree(root, ignore_errors=True)


def _suite_dsn() -> str:
    s = connection.settings_dict
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    name = s["NAME"] if s["NAME"].startswith("test") else (s.get("TEST") or {}).get("NAME")
    return f"postgresql://{s['USER'] or 'postgres'}@{host}:{port}/{name or 'test_' + s['NAME']}"


def _dump_logs(root: Path) -> None:
    for log in sorted((root / "logs").glob("*.log")):
        print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")


class Browser:
    """A browser through haproxy that retries what failed (connection lost, 502/503/504), as a user
    presses reload or submits again; every retry is recorded."""

    def __init__(self, cluster: Cluster) -> None:
        import requests

        self.base = f"http://127.0.0.1:{cluster.haproxy_port}"
        self.session = requests.Session()
        self.retried: list[tuple[str, str, str]] = []

    def request(self, method: str, path: str, **kw: Any) -> Any:
        import requests

        for _attempt in range(8):
            headers = {"Host": HOST, "X-CSRFToken": self.session.cookies.get("csrftoken", "")}
            try:
                response = self.session.request(
                    method, self.base + path, headers=headers, allow_redirects=False, timeout=60, **kw
                )
            except requests.ConnectionError as exc:
                self.retried.append((method, path, exc.__class__.__name__))
                time.sleep(0.5)
                continue
            if response.status_code in (502, 503, 504):
                self.retried.append((method, path, str(response.status_code)))
                time.sleep(0.5)
                continue
            return response
        raise AssertionError(f"{method} {path} failed 8 times: {self.retried[-3:]}")

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, Any] | None = None, files: Any = None) -> Any:
        return self.request("POST", path, data=data or {}, files=files)


def _sql(cluster: Cluster, query: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(cluster.primary_url, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def _node(cluster: Cluster, *args: str) -> dict[str, Any]:
    env = cluster.env()
    env["DATABASE_URL"] = cluster.primary_url
    env.pop("RATHAUS_DATABASE_REPLICA_URL")
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("cluster_node.py")), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _wait(condition: Callable[[], Any], seconds: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out: {what}")


def _big_image(path: Path) -> None:
    """A 6000×6000 JPEG: its tiling takes long enough to kill the worker in the middle of it."""
    import pyvips

    (pyvips.Image.perlin(6000, 6000, cell_size=256) * 120 + 128).cast("uchar").bandjoin([0, 0]).copy(
        interpretation="srgb"
    ).write_to_file(str(path), Q=80)


def _weekday_ahead(days: int = 9) -> date:
    day = date.today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# The marker makes pytest-django create the suite's test database even when this test runs alone: the
# cluster's primary is seeded from its schema (pytest-django sets up only databases that tests use).
@pytest.mark.django_db
def test_citizen_journey_survives_a_killed_app_server_and_a_killed_worker(cluster: Cluster, tmp_path: Path):
    assert cluster.backends_up() == 2
    # A real standby, caught up (after load_demo's writes it may lag for a moment).
    _wait(lambda: cluster.status()["checks"]["replica"]["state"] == "ok", 60, "replica caught up")
    assert cluster.status()["checks"]["storage"]["ok"]
    _replica_lags_and_fails(cluster)
    apps_before = _sql(cluster, "SELECT count(*) FROM cases_application")[0][0]
    browser = Browser(cluster)

    # 1. Sign up and confirm the address (mail from whichever app server handled the request).
    email = f"cluster-{os.getpid()}@example.org"
    assert browser.get("/konto/signup/").status_code == 200
    signed = browser.post("/konto/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    assert signed.status_code == 302, signed.text[:2000]
    link = f"/konto/confirm-email/{_node(cluster, 'confirm-key', email)['key']}/"  # as in the mail
    assert browser.get(link).status_code == 200
    assert browser.post(link).status_code == 302  # confirmed and logged in (session in Redis)

    # 2. App server 1 dies (SIGKILL) in the middle of the journey; haproxy sends everything to 2.
    cluster.kill_app(0)
    steps = _node(cluster, "form-steps", "demo-hund-2")
    form = steps["form"]
    assert browser.post(f"/formulare/{form}/").status_code == 302
    uploads: list[bytes] = []
    for n, data in enumerate(steps["steps"]):
        plain = {k: v for k, v in data.items() if not isinstance(v, dict)}
        files = {
            k: (v["file"], base64.b64decode(v["b64"]), "application/pdf")
            for k, v in data.items()
            if isinstance(v, dict)
        }
        uploads += [f[1] for f in files.values()]
        response = browser.post(
            f"/formulare/{form}/schritt/{n}/", {**plain, "next": "1"}, files=files or None
        )
        assert response.status_code == 302, (n, response.text[:3000])
    review = f"/formulare/{form}/pruefen/"
    assert steps["name"].split()[-1] in browser.get(review).text
    assert browser.post(review).status_code == 302
    # The response of the submit got lost (the client does not know): it submits again.
    again = browser.post(review)
    assert again.status_code in (200, 302, 404)
    cluster.restart_app(0)  # back in the pool after its readiness check
    cluster.wait_backends_up(2)

    # 3. Book a desk in the Digital Hub; the retried POST books nothing twice.
    day = _weekday_ahead(20)  # beyond the demo's own bookings, within the group's 28 days
    desk_id, opens, closes = _sql(
        cluster,
        "SELECT r.id, h.opens, h.closes FROM hub_resource r JOIN hub_resourcegroup g ON g.id = r.group_id "
        "JOIN hub_openinghours h ON h.location_id = g.location_id AND h.weekday = %s "
        "WHERE r.kind = 'desk' AND g.name = 'Offene Arbeitsplätze' ORDER BY r.id LIMIT 1",
        day.weekday(),
    )[0]
    # Desks are booked in half days: the whole opening time is two of them.
    booking = {"day": day.isoformat(), "start": f"{opens:%H:%M}", "end": f"{closes:%H:%M}", "weeks": "1"}
    assert browser.get(f"/digital-hub/buchen/{desk_id}/").status_code == 200
    first = browser.post(f"/digital-hub/buchen/{desk_id}/", booking)
    assert first.status_code == 302, re.findall(r"kern-alert.{0,600}", first.text, re.S)
    assert browser.post(f"/digital-hub/buchen/{desk_id}/", booking).status_code == 200  # refused: taken

    # 4. A heritage image is tiled by a worker; the worker is killed in the middle of it.
    image_file = tmp_path / "stadtansicht.jpg"
    _big_image(image_file)
    image = _node(cluster, "add-image", str(image_file))
    task_sql = (
        "SELECT id, status, worker_ids FROM django_tasks_database_dbtaskresult "
        "WHERE task_path LIKE %s AND args_kwargs::text LIKE %s"
    )
    task_args = ("%tile_image", f"%[{image['pk']}]%")
    running = _wait(
        lambda: next((r for r in _sql(cluster, task_sql, *task_args) if r[1] == "RUNNING"), None),
        60,
        "the tiling task running",
        interval=0.05,
    )
    victim = int(running[2][-1].rsplit("-", 1)[1]) - 1
    cluster.kill_worker(victim)
    done = _wait(
        lambda: next(
            (r for r in _sql(cluster, task_sql, *task_args) if r[1] in ("SUCCESSFUL", "FAILED")), None
        ),
        120,
        "the tiling task finished on the other worker",
        interval=0.3,
    )
    cluster.restart_worker(victim)
    assert done[1] == "SUCCESSFUL"
    assert done[2] == [f"cluster-worker-{victim + 1}", f"cluster-worker-{2 - victim}"]  # moved over
    assert len(_sql(cluster, task_sql, *task_args)) == 1  # re-run, not duplicated
    assert _sql(cluster, "SELECT status FROM heritage_objectimage WHERE id = %s", image["pk"]) == [("ready",)]
    # Anonymous reads come from the replica, which may replay the worker's commit up to the allowed
    # lag later (on a loaded machine it did): the image is public within that bound, not at once.
    info = _public_soon(browser, f"/iiif/{image['image_id']}/info.json")
    assert info.json()["width"] == 6000
    size = info.json()["tiles"][0]["width"]
    tile = browser.get(f"/iiif/{image['image_id']}/0,0,{size},{size}/{size},/0/default.jpg")
    assert tile.status_code == 200 and tile.content[:3] == b"\xff\xd8\xff"

    # 5. Staff upload a GTFS feed through haproxy; a worker imports it into the shared storage, and
    #    the published feed's Parquet files serve from every app server.
    from bench.gtfs_synth import generate

    feed = tmp_path / "feed"
    generate(feed, stops=40, routes=3, trips=30, days=7)
    feed_zip = tmp_path / "feed.zip"
    with zipfile.ZipFile(feed_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(feed.iterdir()):
            zf.write(part, part.name)
    staff = Browser(cluster)
    _staff_login(cluster, staff, "admin@zeitz.example")
    assert staff.get("/mobilitaet/verwaltung/").status_code == 200
    uploaded = staff.post(
        "/mobilitaet/verwaltung/",
        {"name": "Clustertest"},
        files={"file": ("feed.zip", feed_zip.read_bytes(), "application/zip")},
    )
    assert uploaded.status_code == 302, re.findall(r"kern-alert.{0,600}", uploaded.text, re.S)
    job_page = uploaded.headers["Location"]
    job_id = int(re.findall(r"\d+", job_page)[-1])
    status = _wait(
        lambda: (
            (r := _sql(cluster, "SELECT status, message FROM jobs_importjob WHERE id = %s", job_id))
            and r[0][0] in ("done", "failed")
            and r[0]
        ),
        180,
        "the GTFS import job finished in a worker",
        interval=0.5,
    )
    assert status[0] == "done", status
    assert "feed.zip" in staff.get(job_page).text  # the job page, through haproxy
    feed_id = _sql(cluster, "SELECT id FROM mobility_feedversion WHERE name = 'Clustertest'")
    assert len(feed_id) == 1
    published = staff.post(f"/mobilitaet/verwaltung/fahrplan/{feed_id[0][0]}/veroeffentlichen/")
    assert published.status_code == 302

    def synthetic(response: Any) -> bool:  # the new feed's stops ("Haltestelle N"), not the demo's
        names = [f["properties"]["name"] for f in response.json()["features"]]
        return bool(names) and all(n.startswith("Haltestelle ") for n in names)

    answers = set()
    for _ in range(4):  # round robin: both app servers read the storage (anonymous, from the replica)
        stops = _public_soon(browser, "/mobilitaet/haltestellen.geojson", synthetic)
        answers.add(stops.content)
    assert len(answers) == 1  # the same answer from both app servers

    # Nothing lost, nothing twice.
    users = _sql(cluster, "SELECT id FROM accounts_user WHERE email = %s", email)
    assert len(users) == 1
    user_id = users[0][0]
    apps = _sql(cluster, "SELECT id FROM cases_application WHERE applicant_id = %s", user_id)
    assert len(apps) == 1 and _sql(cluster, "SELECT count(*) FROM cases_application")[0][0] == apps_before + 1
    attachments = _sql(
        cluster, "SELECT path, sha256 FROM cases_attachment WHERE application_id = %s", apps[0][0]
    )
    assert len(attachments) >= len(uploads) > 0
    client = _s3(cluster)
    for path, sha in attachments:
        body = client.get_object(Bucket="rathaus-private", Key=path)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == sha
    for upload in uploads:
        assert hashlib.sha256(upload).hexdigest() in {sha for _p, sha in attachments}
    bookings = _sql(
        cluster, "SELECT count(*) FROM hub_booking WHERE user_id = %s AND status = 'confirmed'", user_id
    )
    assert bookings[0][0] == 1
    # Every request that failed was retried and then answered; list them for the log.
    print(f"retried requests: {browser.retried}")
    assert all(method in ("GET", "POST") for method, _p, _r in browser.retried)


def _public_soon(browser: Browser, path: str, ready: Callable[[Any], Any] | None = None) -> Any:
    """GET ``path`` until it answers 200 (and ``ready(response)`` holds) within the lag the router
    allows the replica (FAST_JOBS: MAX_LAG, probed every CHECK seconds), plus a margin for the
    replay itself; a page that stays wrong longer is a defect, not lag."""
    bound = float(FAST_JOBS["RATHAUS_DATABASE_REPLICA_MAX_LAG_SECONDS"])
    bound += float(FAST_JOBS["RATHAUS_DATABASE_REPLICA_CHECK_SECONDS"]) + 3
    last: list[Any] = []

    def answered() -> Any:
        response = browser.get(path)
        last[:] = [response]
        return response.status_code == 200 and (ready is None or ready(response)) and response

    started = time.monotonic()
    try:
        response = _wait(answered, bound, f"{path} public", interval=0.2)
        print(f"{path}: public after {time.monotonic() - started:.1f} s (replica lag allowed: {bound:.1f} s)")
        return response
    except AssertionError:
        raise AssertionError(f"{path}: {last[0].status_code} {last[0].text[:500]}") from None


def _staff_login(cluster: Cluster, browser: Browser, email: str) -> None:
    """The demo staff member signs in through haproxy: password, then the TOTP code (2FA)."""
    from rathaus.demo.core_demo import DEMO_PASSWORD

    assert browser.get("/konto/login/").status_code == 200
    first = browser.post("/konto/login/", {"login": email, "password": DEMO_PASSWORD})
    assert first.status_code == 302, first.text[:500]
    assert "/konto/2fa/authenticate/" in first.headers["Location"]
    for _attempt in range(3):  # a code at the end of its period may be outdated on arrival
        code = _node(cluster, "totp-code", email)["code"]
        done = browser.post("/konto/2fa/authenticate/", {"code": code})
        if done.status_code == 302:
            return
    raise AssertionError(f"2FA sign-in of {email} failed: {done.text[:500]}")


def _s3(cluster: Cluster) -> Any:
    import boto3

    env = cluster.env()
    return boto3.client(
        "s3",
        endpoint_url=env["RATHAUS_S3_ENDPOINT_URL"],
        aws_access_key_id=env["RATHAUS_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["RATHAUS_S3_SECRET_ACCESS_KEY"],
        region_name=env["RATHAUS_S3_REGION"],
    )


def _replica_report(cluster: Cluster) -> dict[str, Any]:
    return cluster.status()["checks"]["replica"]


def _replica_lags_and_fails(cluster: Cluster) -> None:
    """The replica lags (replay paused), then is down: public pages keep answering from the primary,
    /health/ready says so, and the replica is used again once it is back."""
    service = _sql(cluster, "SELECT id FROM catalog_service ORDER BY id LIMIT 1")[0][0]
    page = f"/leistungen/{service}/"
    visitor = Browser(cluster)
    assert visitor.get(page).status_code == 200
    cluster.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        code = (
            "from rathaus.catalog.models import Service; "
            f"s = Service.objects.get(pk={service}); s.name = 'Replik-Test'; s.save()"
        )
        cluster.manage("shell", "-c", code)
        report = _wait(lambda: (r := _replica_report(cluster))["state"] == "lagging" and r, 20, "lagging")
        assert report["reads"] == "primary" and report["lag_seconds"] > 2 and report["ok"]
        # Every app server answers from the primary: the new name, which the replica has not replayed.
        for _ in range(4):
            assert "Replik-Test" in visitor.get(page).text
    finally:
        cluster.replica_sql("SELECT pg_wal_replay_resume()")
    _wait(lambda: _replica_report(cluster)["state"] == "ok", 30, "replica caught up")

    cluster.stop_replica()
    try:
        _wait(lambda: _replica_report(cluster)["state"] == "down", 30, "replica reported down")
        for _ in range(4):
            response = visitor.get(page)
            assert response.status_code == 200 and "Replik-Test" in response.text
        assert cluster.backends_up() == 2  # a missing replica takes no app server out
    finally:
        cluster.start_replica()
    report = _wait(lambda: (r := _replica_report(cluster))["state"] == "ok" and r, 30, "replica back")
    assert report["reads"] == "replica"
    assert not visitor.retried
