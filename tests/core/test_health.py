"""Health (issue 22): /health and /health/live are a silent liveness answer for the load balancer;
/health/ready is the detailed readiness report for the operator (token or internal network), 503 as
soon as one dependency fails — while liveness stays 200."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings
from django.utils import timezone

from rathaus import health

HOST = "zeitz.testserver"
DEAD_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def _live(path: str = "/health", host: str = HOST):
    return Client(HTTP_HOST=host).get(path)


def _ready(**extra):
    return Client(HTTP_HOST=HOST).get("/health/ready", **extra)


def _assert_live():
    for path in ("/health", "/health/live"):
        response = _live(path)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


def _waiting_task(**fields):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        task_path="rathaus.tests.nothing",
        queue_name="default",
        backend_name="default",
        args_kwargs={"args": [], "kwargs": {}},
        priority=0,
        status="READY",
        **fields,
    )


def _beat():
    from rathaus.core.jobs.models import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1, started_at=now, beat_at=now)


# --- Liveness -----------------------------------------------------------------------------------


def test_liveness_says_ok_and_nothing_else(muni_a):
    for path in ("/health", "/health/live"):
        response = _live(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
        assert response.json() == {"status": "ok"}
        body = response.content.decode()
        assert "vendor" not in body and "sqlite" not in body and "postgres" not in body


def test_liveness_without_any_municipality(db):
    assert _live("/health", "irgendwas.example").status_code == 200
    assert _live("/health/live", "irgendwas.example").status_code == 200


def test_liveness_503_when_database_fails(muni_a, monkeypatch):
    def broken():
        raise RuntimeError("secret detail")

    monkeypatch.setattr(health, "_database", broken)
    response = _live()
    assert response.status_code == 503
    assert response.json() == {"status": "error"}


# --- Readiness: access --------------------------------------------------------------------------


def test_readiness_ok_from_loopback(muni_a):
    response = _ready()
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert set(data["checks"]) == set(health.CHECKS)
    assert all(check["ok"] for check in data["checks"].values())
    assert data["checks"]["migrations"]["pending"] == 0
    assert data["checks"]["database"]["vendor"] in {"sqlite", "postgresql"}


def test_readiness_refused_from_outside_without_token(muni_a):
    response = _ready(REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 403
    assert "checks" not in response.json()
    assert response.json()["status"] == "forbidden" and "Token" in response.json()["detail"]
    # A forged X-Forwarded-For does not help without trusted proxies.
    assert _ready(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403


@override_settings(RATHAUS_HEALTH_TOKEN="s3cret-token")
def test_readiness_with_bearer_token(muni_a):
    outside = {"REMOTE_ADDR": "203.0.113.5"}
    assert _ready(HTTP_AUTHORIZATION="Bearer s3cret-token", **outside).status_code == 200
    assert _ready(HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 403
    assert _ready(HTTP_AUTHORIZATION="s3cret-token", **outside).status_code == 403


def test_empty_token_setting_opens_nothing(muni_a, settings):
    settings.RATHAUS_HEALTH_TOKEN = ""
    assert _ready(REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_readiness_from_allowed_network_behind_proxy(muni_a, settings):
    settings.RATHAUS_HEALTH_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.RATHAUS_TRUSTED_PROXY_COUNT = 1
    # the proxy (127.0.0.1) forwards a client from the internal network …
    assert _ready(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 200
    # … or one from outside: the proxy's own loopback address does not count.
    assert _ready(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 403


# --- Readiness: each failing dependency ---------------------------------------------------------


def test_cache_unreachable_not_ready_but_alive(muni_a):
    with override_settings(CACHES=DEAD_REDIS):
        response = _ready()
        assert response.status_code == 503
        assert response.json()["checks"]["cache"]["ok"] is False
        _assert_live()


def test_waiting_tasks_without_worker_heartbeat_not_ready(muni_a):
    _waiting_task()
    response = _ready()
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {"ok": False, "alive": 0, "waiting": 1}
    _assert_live()
    _beat()
    response = _ready()
    assert response.status_code == 200
    assert response.json()["checks"]["worker"] == {"ok": True, "alive": 1, "waiting": 1}


def test_old_heartbeat_counts_as_no_worker(muni_a):
    from rathaus.core.jobs.models import WorkerHeartbeat

    _waiting_task()
    _beat()
    WorkerHeartbeat.objects.update(
        beat_at=timezone.now() - timedelta(seconds=health.WORKER_SILENT_SECONDS + 5)
    )
    assert _ready().json()["checks"]["worker"]["ok"] is False


def test_stale_task_not_ready(muni_a):
    _beat()
    result = _waiting_task()
    assert _ready().status_code == 200  # fresh: merely waiting, a worker is there
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=result.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=health.STALE_TASK_MINUTES + 5)
    )
    response = _ready()
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"] == {"ok": False, "waiting": 1, "stale": 1, "failed_24h": 0}
    _assert_live()


def test_storage_failure_not_ready(muni_a, monkeypatch):
    from rathaus.core import storage

    monkeypatch.setattr(storage, "probe_all", lambda: {"media": False, "heritage": True})
    response = _ready()
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {
        "ok": False,
        "locations": {"media": False, "heritage": True},
    }
    _assert_live()


def test_check_raising_is_reported_without_detail(muni_a, monkeypatch):
    def broken():
        raise RuntimeError("secret detail")

    monkeypatch.setattr(health, "_jobs", broken)
    response = _ready()
    assert response.status_code == 503
    assert response.json()["checks"]["jobs"] == {"ok": False, "error": "RuntimeError"}
    assert "secret detail" not in response.content.decode()
    _assert_live()


# --- Readiness: migrations of the running code --------------------------------------------------


def test_migration_the_code_needs_and_database_lacks_not_ready(muni_a, monkeypatch):
    expected = dict(health.expected_migrations())
    expected[("jobs", "9999_needed_by_this_code")] = ()
    monkeypatch.setattr(health, "expected_migrations", lambda: expected)
    response = _ready()
    assert response.status_code == 503
    migrations = response.json()["checks"]["migrations"]
    assert migrations["ok"] is False and migrations["pending"] == 1
    assert migrations["missing"] == ["jobs.9999_needed_by_this_code"]
    _assert_live()


def test_newer_applied_migration_keeps_old_code_ready(muni_a):
    """Expand/contract: a newer release migrated the database; the old processes stay in service."""
    MigrationRecorder(connection).record_applied("jobs", "9999_from_the_next_release")
    response = _ready()
    assert response.status_code == 200
    migrations = response.json()["checks"]["migrations"]
    assert migrations["ok"] is True and migrations["unknown_applied"] == 1


def test_squashed_migration_counts_when_its_originals_are_applied(muni_a, monkeypatch):
    recorder = MigrationRecorder(connection)
    recorder.record_applied("jobs", "8001_a")
    recorder.record_applied("jobs", "8002_b")
    expected = dict(health.expected_migrations())
    expected[("jobs", "8001_squashed_8002")] = (("jobs", "8001_a"), ("jobs", "8002_b"))
    monkeypatch.setattr(health, "expected_migrations", lambda: expected)
    migrations = _ready().json()["checks"]["migrations"]
    assert migrations["ok"] is True and migrations["unknown_applied"] == 0


def test_migrations_are_read_from_disk_once(muni_a, monkeypatch):
    """After a git pull the disk holds the next release; the running process must not re-read it."""
    health.expected_migrations()  # process start (wsgi.py calls health.warm())

    def disk_read(*args, **kwargs):
        pytest.fail("readiness re-read the migrations from disk")

    monkeypatch.setattr(health, "MigrationLoader", disk_read)
    assert _ready().status_code == 200
    assert _ready().status_code == 200


def test_node_scope_leaves_installation_wide_checks_to_the_operator(muni_a):
    """The load balancer asks ?scope=node: no worker for a waiting task is not this node's fault."""
    _waiting_task()
    assert _ready().status_code == 503
    response = Client(HTTP_HOST=HOST).get("/health/ready?scope=node")
    assert response.status_code == 200
    assert set(response.json()["checks"]) == set(health.NODE_CHECKS)
    assert response.json()["checks"]["replica"] == {"ok": True, "configured": False}
    outsider = Client(HTTP_HOST=HOST, REMOTE_ADDR="203.0.113.9")
    assert outsider.get("/health/ready?scope=node").status_code == 403
