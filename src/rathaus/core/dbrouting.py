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
"""

from __future__ import annotations

import contextvars
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


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class PrimaryReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if not _window.get() or not replica_configured():
            return None
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
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
        window_token = _window.set(_wants_replica(request))
        wrote_token = _wrote.set(wrote)
        try:
            response = self.get_response(request)
        finally:
            _window.reset(window_token)
            _wrote.reset(wrote_token)
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


class use_replica:
    """Open a replica window outside a request (a report, a benchmark, a test)."""

    def __enter__(self) -> None:
        self._token = _window.set(True)

    def __exit__(self, *exc: object) -> None:
        _window.reset(self._token)
