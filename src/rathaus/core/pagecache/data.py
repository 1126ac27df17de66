"""Data snapshots under the generation counters (ADR 0017, "Data snapshots").

``snapshot(municipality, "strategy.barometer", compute, seconds=600)`` returns what ``compute()``
returned for the municipality, cached under the counters of every public scope (or the given ones):
any committed write to data of those scopes changes the key at once, exactly as for cached pages
(the counters are read before ``compute()`` reads data). ``seconds`` only bounds how far figures over
rolling time windows ("last 30 days") may lag the clock when no data changes. ``keep(value)``
false: the value is returned but not stored (a computation that partly failed is tried again).

Inside an open transaction the value is computed live and not stored: counters read there may include
the transaction's own uncommitted bump, which a rollback would hand out again to other data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router

from . import registry, shared

T = TypeVar("T")
_MISSING = object()


def snapshot(
    municipality: Any,
    name: str,
    compute: Callable[[], T],
    *,
    seconds: int,
    scopes: tuple[str, ...] | None = None,
    keep: Callable[[T], bool] | None = None,
) -> T:
    from .models import Generation

    alias = router.db_for_read(Generation) or DEFAULT_DB_ALIAS
    in_transaction = connections[alias].in_atomic_block or connections[DEFAULT_DB_ALIAS].in_atomic_block
    if seconds <= 0 or shared.seconds() <= 0 or in_transaction:
        return compute()
    found = shared.generations(municipality.pk)  # counters first, before compute() reads data
    wanted = scopes if scopes is not None else registry.public_scopes()
    parts = "\n".join(
        [
            name,
            str(municipality.pk),
            str(shared.settings_epoch()),
            shared.generations_part(municipality, wanted, found),
        ]
    )
    key = "pd:" + hashlib.blake2b(parts.encode(), digest_size=20).hexdigest()
    stored = cache.get(key, _MISSING)
    if stored is not _MISSING:
        return cast(T, stored)
    value = compute()
    if keep is None or keep(value):
        cache.set(key, value, seconds)
    return value
