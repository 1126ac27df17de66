"""GET /health: 200 with every check ok, 503 when one fails."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from rathaus import health


def _get(host: str = "zeitz.testserver"):
    return Client(HTTP_HOST=host).get("/health")


def test_health_ok(muni_a):
    response = _get()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert data["status"] == "ok"
    assert set(data["checks"]) == {"database", "migrations", "tasks", "jobs", "storage"}
    assert all(check["ok"] for check in data["checks"].values())
    assert data["checks"]["migrations"]["pending"] == 0
    assert data["checks"]["database"]["vendor"] in {"sqlite", "postgresql"}


def test_health_without_any_municipality(db):
    assert _get("irgendwas.example").status_code == 200


def test_health_503_when_migrations_pending(muni_a, monkeypatch):
    monkeypatch.setattr(health, "_migrations", lambda: {"ok": False, "pending": 3})
    response = _get()
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "error"
    assert data["checks"]["migrations"] == {"ok": False, "pending": 3}
    assert data["checks"]["database"]["ok"]


def test_health_503_when_a_check_raises(muni_a, monkeypatch):
    def broken():
        raise RuntimeError("secret detail")

    monkeypatch.setattr(health, "_database", broken)
    response = _get()
    assert response.status_code == 503
    data = response.json()
    assert data["checks"]["database"] == {"ok": False, "error": "RuntimeError"}
    assert "secret detail" not in response.content.decode()


def test_health_503_with_stale_task(muni_a):
    from django_tasks_db.models import DBTaskResult

    result = DBTaskResult.objects.create(
        task_path="rathaus.tests.nothing",
        queue_name="default",
        backend_name="default",
        args_kwargs={"args": [], "kwargs": {}},
        priority=0,
        status="READY",
    )
    assert _get().status_code == 200  # fresh: merely waiting
    DBTaskResult.objects.filter(pk=result.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=health.STALE_TASK_MINUTES + 5)
    )
    response = _get()
    assert response.status_code == 503
    tasks = response.json()["checks"]["tasks"]
    assert tasks == {"ok": False, "waiting": 1, "stale": 1, "failed_24h": 0}
