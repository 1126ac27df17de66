"""Bump generations in the same transaction as every write to a registered table.

An execute wrapper on every database connection looks at each statement. An INSERT, UPDATE or DELETE
on a table that a module registered (registry.register) is followed, on the same connection and so
in the same transaction, by ``generation += 1`` for the table's scopes. This catches every way of
writing: ``save()``, ``delete()``, ``QuerySet.update()``, ``bulk_create()``, many-to-many changes
and raw SQL through Django's connection.

Which municipality: the one of the request that writes (set by the middleware; every view writes
only within request.municipality, ADR 0001). Writes outside a municipality's request (tasks,
management commands, the Django admin) bump the generation of municipality 0, which is part of
every key, so they invalidate that scope for all municipalities: coarse, never stale.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from datetime import date
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from . import registry

_municipality: ContextVar[int] = ContextVar("rathaus_pagecache_municipality", default=0)

_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.I)
_FIRST = frozenset("IUDiud \n")

TABLE = "pagecache_generation"
_UPSERT = (
    "INSERT INTO pagecache_generation (municipality_id, scope, value) VALUES (%s, %s, 1) "
    "ON CONFLICT (municipality_id, scope) DO UPDATE SET value = pagecache_generation.value + 1"
)


_ADVANCE = (
    "INSERT INTO pagecache_generation (municipality_id, scope, value) VALUES (0, %s, %s) "
    "ON CONFLICT (municipality_id, scope) DO UPDATE SET value = pagecache_generation.value + %s"
)

_migrating = False  # migrations run before the counter table exists; post_migrate bumps everything


def migration_started(**kwargs: Any) -> None:
    global _migrating
    _migrating = True


def migration_finished(using: str = "default", **kwargs: Any) -> None:
    """After migrations (data may have changed without counting): bump every scope for everyone."""
    global _migrating
    _migrating = False
    connection = connections[using]
    if "pagecache_generation" in connection.introspection.table_names():
        bump(connection, registry.all_scopes(), 0)


def advance_after_restore(gap: int, since: date) -> list[str]:
    """After a restore (backup registry counter): the counters are the backup's again, and the cache
    (Redis) may hold pages and snapshots stored after the backup under the same values. Every
    platform-wide counter, part of every key, moves ahead by the current time in milliseconds: more
    than any installation bumps, so no key can equal one used before (``gap`` is for numbers issued to
    people and too small here)."""
    step = int(time.time() * 1000)
    scopes = registry.all_scopes()
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        for scope in scopes:
            cursor.execute(_ADVANCE, [scope, step, step])
    return [f"pagecache_generation: +{step} ({len(scopes)} scopes, all municipalities)"]


def set_municipality(municipality_id: int) -> Token[int]:
    return _municipality.set(municipality_id)


def reset_municipality(token: Token[int]) -> None:
    _municipality.reset(token)


def current_municipality() -> int:
    return _municipality.get()


def bump(connection: Any, scopes: tuple[str, ...], municipality_id: int) -> None:
    with connection.cursor() as cursor:
        for scope in scopes:
            cursor.execute(_UPSERT, [0 if registry.is_everywhere(scope) else municipality_id, scope])


def watcher(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    if not sql or sql[0] not in _FIRST or _migrating:
        return execute(sql, params, many, context)
    match = _WRITE.match(sql)
    scopes = registry.scopes_for_table(match.group(1)) if match else ()
    result = execute(sql, params, many, context)
    if scopes:
        # After the write, in its transaction. A write in autocommit mode (no atomic block) commits
        # before this bump commits; the window is one statement long and ends before save()/update()
        # returns (ADR 0017: "the commit/bump race").
        bump(context["connection"], scopes, _municipality.get())
    return result


def install(sender: Any = None, connection: Any = None, **kwargs: Any) -> None:
    if connection is not None and watcher not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, watcher)


def install_on_open_connections() -> None:
    for connection in connections.all(initialized_only=True):
        install(connection=connection)
