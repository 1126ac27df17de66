"""Reads of public pages from a PostgreSQL streaming replica (issue 19; docs/scaling.md).

Configured only when ``RATHAUS_DATABASE_REPLICA_URL`` is set (``DATABASES["replica"]``); without
it the router answers ``None`` everywhere and everything runs on ``default`` as before.

- :class:`ReplicaMiddleware` opens a *replica window* for a GET/HEAD request unless the client
  wrote recently (cookie ``rathaus_primary``, valid ``RATHAUS_DATABASE_REPLICA_STICKY_SECONDS``) or
  the path is one of ``RATHAUS_DATABASE_REPLICA_PRIMARY_PATHS``. Every request in which something
  was written (any ``db_for_write``, e.g. a POST, a login, a session save) sets that cookie, so the
  same browser reads its own writes from the primary for the next seconds (read-your-own-writes;
  the sticky time must exceed the replica's lag).
- :class:`PrimaryReplicaRouter` sends a read to ``replica`` only inside such a window and only
  while no transaction is open on ``default`` (a read inside ``transaction.atomic()`` belongs to
  the transaction and stays on the primary; ``select_for_update``/``get_or_create`` read for
  writing and go to the primary anyway). Writes always go to ``default``; migrations run only on
  ``default`` (the replica receives them through replication). Workers, commands and the shell
  never open a window: they read from the primary.
- **Fallback**: a replica that is down or lags more than ``RATHAUS_DATABASE_REPLICA_MAX_LAG_SECONDS``
  is not used: :func:`replica_state` probes it at most every ``RATHAUS_DATABASE_REPLICA_CHECK_SECONDS``
  per process and the router reads from the primary meanwhile. A GET that fails on the replica
  between two probes (it went down a moment ago) is marked down and answered once more from the
  primary by the middleware, so a visitor never sees an error for it. ``/health/ready`` reports the
  state and lag (see rathaus.health).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PRIMARY = "default"
COOKIE = "rathaus_primary"

_window: contextvars.ContextVar[bool] = contextvars.ContextVar("rathaus_replica_window", default=False)
_wrote: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("rathaus_wrote", default=None)
_used: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar(
    "rathaus_replica_used", default=None
)

logger = logging.getLogger(__name__)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


# --- Is the replica usable? (probed per process, at most every CHECK_SECONDS) ----------------------

_lock = threading.Lock()
_state: dict[str, Any] = {"checked": 0.0, "usable": True, "state": "unknown", "lag_seconds": None}


def max_lag_seconds() -> float:
    return float(getattr(settings, "RATHAUS_DATABASE_REPLICA_MAX_LAG_SECONDS", 30))


def _check_seconds() -> float:
    return float(getattr(settings, "RATHAUS_DATABASE_REPLICA_CHECK_SECONDS", 5))


def _probe() -> dict[str, Any]:
    """Ask the replica whether it is a standby and how far its replay lags behind what it received.

    Lag: 0 while everything received is replayed (an idle primary sends nothing, so the age of the
    last replayed transaction says nothing then), else the age of the last replayed transaction."""
    conn = connections[REPLICA]
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_is_in_recovery(), "
                "CASE WHEN pg_last_wal_receive_lsn() IS NULL "
                "          OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                "     ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END, "
                "pg_is_wal_replay_paused()"
            )
            in_recovery, lag, paused = cur.fetchone()
    except Exception as exc:  # down, refused, timed out, not PostgreSQL: the primary serves the reads
        conn.close()  # the next probe opens a fresh connection
        return {"usable": False, "state": "down", "lag_seconds": None, "error": exc.__class__.__name__}
    lag = float(lag or 0)
    if not in_recovery:  # promoted or misconfigured: still a copy of the data, but say so
        return {"usable": True, "state": "not_in_recovery", "lag_seconds": 0.0}
    if lag > max_lag_seconds():
        return {"usable": False, "state": "lagging", "lag_seconds": round(lag, 3), "paused": bool(paused)}
    return {"usable": True, "state": "ok", "lag_seconds": round(lag, 3), "paused": bool(paused)}


def replica_state(*, fresh: bool = False) -> dict[str, Any]:
    """The replica's last probed state (``usable``, ``state``, ``lag_seconds``); probes again when the
    last probe is older than CHECK_SECONDS, or at once with ``fresh=True`` (the health check)."""
    if not replica_configured():
        return {"usable": False, "state": "not_configured", "lag_seconds": None}
    now = time.monotonic()
    if fresh or now - _state["checked"] >= _check_seconds():
        with _lock:
            if fresh or now - _state["checked"] >= _check_seconds():
                result = _probe()
                if result["usable"] != _state["usable"]:
                    logger.warning(
                        "Replica %s: reads go to the %s",
                        result["state"],
                        "replica" if result["usable"] else "primary",
                    )
                # In place and without removing keys: other threads read it without the lock.
                _state.update({"error": None, "paused": None, **result, "checked": time.monotonic()})
    return {k: v for k, v in _state.items() if k != "checked"}


def mark_replica_down(reason: str) -> None:
    with _lock:
        _state.update(usable=False, state="down", lag_seconds=None, error=reason, checked=time.monotonic())


def reset_replica_state() -> None:
    """Forget the last probe (tests; a restarted replica is otherwise seen after CHECK_SECONDS)."""
    with _lock:
        _state.update(checked=0.0, usable=True, state="unknown", lag_seconds=None, error=None, paused=None)


class PrimaryReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if not _window.get() or not replica_configured():
            return None
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        if not replica_state()["usable"]:
            return PRIMARY
        used = _used.get()
        if used is not None and not used:
            used.append(True)
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        wrote = _wrote.get()
        if wrote is not None and not wrote:  # one mark per request is enough
            wrote.append(True)
        return PRIMARY if replica_configured() else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # one database, two copies of it

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        return db != REPLICA


def _sticky_seconds() -> int:
    return int(getattr(settings, "RATHAUS_DATABASE_REPLICA_STICKY_SECONDS", 10))


def _wants_replica(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if any(
        request.path.startswith(p) for p in getattr(settings, "RATHAUS_DATABASE_REPLICA_PRIMARY_PATHS", [])
    ):
        return False
    try:
        until = float(request.COOKIES.get(COOKIE, "0"))
    except ValueError:
        until = 0.0
    return until < time.time()


class ReplicaMiddleware:
    """Opens the replica window for the request and marks clients that wrote (see module doc)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        wrote: list[bool] = []
        used: list[bool] = []
        window = _wants_replica(request)
        window_token = _window.set(window)
        wrote_token = _wrote.set(wrote)
        used_token = _used.set(used)
        try:
            response = self.get_response(request)
            # Django turned an error of an inner layer into a 500 already. When the request read
            # from the replica and the replica no longer answers, it went away since the last
            # probe: answer this GET/HEAD once more, from the primary.
            error = _replica_error() if response.status_code >= 500 and window and used else None
            if error:
                mark_replica_down(error)
                logger.warning("Replica failed during a request; answered again from the primary")
                _window.set(False)
                response = self.get_response(request)
        finally:
            _window.reset(window_token)
            _wrote.reset(wrote_token)
            _used.reset(used_token)
        if wrote or request.method not in ("GET", "HEAD", "OPTIONS"):
            seconds = _sticky_seconds()
            response.set_cookie(
                COOKIE,
                str(int(time.time()) + seconds),
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
            )
        return response


def _replica_error() -> str | None:
    """None while the replica answers, else the class of the error it gives (a fresh connection)."""
    conn = connections[REPLICA]
    try:
        conn.close()
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
        return None
    except Exception as exc:
        conn.close()
        return exc.__class__.__name__


class use_replica:
    """Open a replica window outside a request (a report, a benchmark, a test)."""

    def __enter__(self) -> None:
        self._token = _window.set(True)

    def __exit__(self, *exc: object) -> None:
        _window.reset(self._token)
