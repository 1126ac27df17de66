"""Health endpoints (docs/operations.md, section "Health").

- ``GET /health`` and ``GET /health/live`` — liveness for the load balancer: 200 ``{"status": "ok"}``
  while the process runs and the database answers, 503 ``{"status": "error"}`` otherwise. Public and
  deliberately silent: no vendor, no counts.
- ``GET /health/ready`` — readiness for the operator: every check with its details (database,
  migrations the running code needs, cache round trip, task queue, worker heartbeat, stuck jobs,
  storage read and write, read replica state and lag); 200 when all are ok, 503 otherwise. Allowed only with
  ``Authorization: Bearer <RATHAUS_HEALTH_TOKEN>`` or from an address in
  ``RATHAUS_HEALTH_ALLOWED_NETWORKS`` (default: loopback), else 403. ``?scope=node`` runs only the
  checks that differ between app servers (:data:`NODE_CHECKS`): the load balancer's health check.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from rathaus.core.accounts.permissions import public
from rathaus.core.ratelimit import client_ip

logger = logging.getLogger(__name__)

STALE_TASK_MINUTES = 15
# A worker writes its heartbeat every HEARTBEAT_SECONDS (20 s); three missed beats count as gone.
WORKER_SILENT_SECONDS = 60

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


# --- Migrations the running code expects ---------------------------------------------------------


@functools.cache
def expected_migrations() -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """Every migration of the code this process runs, read from disk ONCE (at process start via
    :func:`warm`, else on the first probe) and cached: after a ``git pull`` an old process keeps
    judging the database by the code it actually runs. Value: the migrations a squashed migration
    replaces (empty for an ordinary one)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {
        key: tuple(loader.replacements[key].replaces) if key in loader.replacements else ()
        for key in loader.graph.nodes
    }


def warm() -> None:
    """Called from wsgi.py/asgi.py so the migration set is the one of the code at process start."""
    try:
        expected_migrations()
    except Exception:  # never keep the server from starting; the probe reports it
        logger.exception("Could not read the migrations of the running code")


# --- Checks ---------------------------------------------------------------------------------------


def _database() -> dict[str, Any]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()
    return {"ok": True, "vendor": connections[DEFAULT_DB_ALIAS].vendor}


def _migrations() -> dict[str, Any]:
    """Not ready only when the running code needs a migration the database lacks. Migrations the
    database has and this code does not know (a newer release already migrated: expand/contract)
    are reported but keep the process ready."""
    expected = expected_migrations()
    applied = set(MigrationRecorder(connections[DEFAULT_DB_ALIAS]).applied_migrations())
    missing = sorted(
        f"{app}.{name}"
        for (app, name), replaces in expected.items()
        if (app, name) not in applied and not (replaces and all(r in applied for r in replaces))
    )
    known = set(expected) | {r for replaces in expected.values() for r in replaces}
    newer = len(applied - known)
    return {"ok": not missing, "pending": len(missing), "missing": missing[:20], "unknown_applied": newer}


def _cache() -> dict[str, Any]:
    """Set, read and delete a probe key (Redis in production): every page uses the cache."""
    key = f"health:probe:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    cache.set(key, value, 30)
    ok = cache.get(key) == value
    cache.delete(key)
    return {"ok": ok, "backend": cache.__class__.__name__}


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


def _worker() -> dict[str, Any]:
    """Tasks are waiting but no worker has written a heartbeat within WORKER_SILENT_SECONDS: nothing
    will run them (reported at once, not only after STALE_TASK_MINUTES)."""
    from django_tasks_db.models import DBTaskResult

    from rathaus.core.jobs.models import WorkerHeartbeat

    waiting = DBTaskResult.objects.ready().count()
    alive = WorkerHeartbeat.objects.filter(
        beat_at__gte=timezone.now() - timedelta(seconds=WORKER_SILENT_SECONDS)
    ).count()
    return {"ok": alive > 0 or waiting == 0, "alive": alive, "waiting": waiting}


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


def _replica() -> dict[str, Any]:
    """The read replica's state and lag. Always ok: while it is down or lags beyond
    RATHAUS_DATABASE_REPLICA_MAX_LAG_SECONDS the router reads from the primary (rathaus.core.dbrouting),
    so this node still serves; the operator sees ``state`` and ``reads``."""
    from rathaus.core import dbrouting

    if not dbrouting.replica_configured():
        return {"ok": True, "configured": False}
    state = dbrouting.replica_state(fresh=True)
    return {
        "ok": True,
        "configured": True,
        "state": state["state"],
        "lag_seconds": state.get("lag_seconds"),
        "max_lag_seconds": dbrouting.max_lag_seconds(),
        "reads": "replica" if state["usable"] else "primary",
    }


CHECKS = ("database", "migrations", "cache", "tasks", "worker", "jobs", "storage", "replica")
# ``/health/ready?scope=node`` (the load balancer's check, ops/cluster/haproxy): only what differs
# between app servers. Queue, worker and stuck-job checks concern the whole installation; failing
# them would take every app server out of the load balancer at once (ADR 0020).
NODE_CHECKS = ("database", "migrations", "cache", "storage", "replica")


def run_checks(names: tuple[str, ...] = CHECKS) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}
    for name in names:
        try:
            checks[name] = globals()[f"_{name}"]()
        except Exception as exc:  # any failure is reported, never raised
            logger.warning("Readiness check %s failed: %s", name, exc.__class__.__name__)
            checks[name] = {"ok": False, "error": exc.__class__.__name__}
    return checks


# --- Access to the readiness report ---------------------------------------------------------------


@functools.cache
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def operator_allowed(request: HttpRequest) -> bool:
    """A matching bearer token, or a client address (client_ip(): honours the trusted proxies) in
    RATHAUS_HEALTH_ALLOWED_NETWORKS."""
    token = getattr(settings, "RATHAUS_HEALTH_TOKEN", "")
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    spec = tuple(getattr(settings, "RATHAUS_HEALTH_ALLOWED_NETWORKS", ("127.0.0.0/8", "::1/128")))
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in net for net in _networks(spec) if net.version == address.version)


# --- Views ------------------------------------------------------------------------------------


@public
@never_cache
def live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers and so does the database. Nothing else is told."""
    try:
        _database()
    except Exception as exc:
        logger.warning("Liveness: database unreachable (%s)", exc.__class__.__name__)
        return JsonResponse({"status": "error"}, status=503)
    return JsonResponse({"status": "ok"})


@public  # access is decided by operator_allowed(): token or internal network
@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: the detailed report for the operator."""
    if not operator_allowed(request):
        detail = (
            "Nur mit Token (Authorization: Bearer) oder aus einem freigegebenen Netz. / "
            "Only with a token (Authorization: Bearer) or from an allowed network."
        )
        return JsonResponse({"status": "forbidden", "detail": detail}, status=403)
    checks = run_checks(NODE_CHECKS if request.GET.get("scope") == "node" else CHECKS)
    ok = all(c.get("ok") for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
