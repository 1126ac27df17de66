"""A small fixed-window rate limiter on the shared cache (works across processes with Redis)."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind N trusted reverse proxies (RATHAUS_TRUSTED_PROXY_COUNT) it is the
    N-th address from the right of X-Forwarded-For; without that setting the header is ignored, since
    anyone can send it."""
    count = settings.RATHAUS_TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for", "")
    if count > 0 and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return str(request.META.get("REMOTE_ADDR", ""))


def client_key(request: HttpRequest) -> str:
    return hashlib.sha256(client_ip(request).encode()).hexdigest()[:16]


def hit(request: HttpRequest, action: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; False when the caller has exceeded ``limit`` in the current window.

    The counter lives in the shared cache (Redis in production), so every process and node counts
    together. The window's number is part of the key: Django's Redis ``incr`` is EXISTS then INCR,
    and a key that expires between the two comes back from INCR without a lifetime; with the window
    in the key such a stray counter can never block the next window.
    """
    muni = getattr(request, "municipality", None)
    window = int(time.time() // window_seconds)
    key = f"rl:{action}:{getattr(muni, 'pk', 0)}:{client_key(request)}:{window}"
    added = cache.add(key, 1, window_seconds)
    if added:
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window_seconds)
        return True
    return count <= limit
