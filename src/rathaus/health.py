"""GET /health: database, migrations, task queue, stuck jobs, writable storage; 200 when all is well,
503 otherwise."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from rathaus.core.accounts.permissions import public

STALE_TASK_MINUTES = 15


def _database() -> dict[str, Any]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()
    return {"ok": True, "vendor": connections[DEFAULT_DB_ALIAS].vendor}


def _migrations() -> dict[str, Any]:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {"ok": not pending, "pending": len(pending)}


def _tasks() -> dict[str, Any]:
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(minutes=STALE_TASK_MINUTES)
    ready = DBTaskResult.objects.ready()
    waiting = ready.count()
    stale = ready.filter(enqueued_at__lt=cutoff).count()
    failed = (
        DBTaskResult.objects.failed().filter(finished_at__gte=timezone.now() - timedelta(hours=24)).count()
    )
    return {"ok": stale == 0, "waiting": waiting, "stale": stale, "failed_24h": failed}


def _jobs() -> dict[str, Any]:
    """Work still marked running although its worker stopped beating (see rathaus.core.jobs)."""
    from rathaus.core.jobs import services as jobs
    from rathaus.core.jobs.models import WorkerHeartbeat

    stale = jobs.find_stale()
    alive = WorkerHeartbeat.objects.filter(beat_at__gte=timezone.now() - jobs.stale_after()).count()
    return {"ok": not any(stale.values()), "stuck": sum(stale.values()), "by_kind": stale, "workers": alive}


def _storage() -> dict[str, Any]:
    """Write, read and delete a probe file in every file location (media, heritage, mobility)."""
    from rathaus.core import storage

    locations = storage.probe_all()
    return {"ok": all(locations.values()), "locations": locations}


@public
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Any] = {}
    for name, fn in (
        ("database", _database),
        ("migrations", _migrations),
        ("tasks", _tasks),
        ("jobs", _jobs),
        ("storage", _storage),
    ):
        try:
            checks[name] = fn()
        except Exception as exc:  # any failure is reported, never raised
            checks[name] = {"ok": False, "error": exc.__class__.__name__}
    ok = all(c.get("ok") for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
