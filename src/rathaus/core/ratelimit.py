"""A small fixed-window rate limiter on the shared cache (works across processes with Redis)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest


def client_key(request: HttpRequest) -> str:
    ip = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(ip.encode()).hexdigest()[:16]


def hit(request: HttpRequest, action: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; False when the caller has exceeded ``limit`` in the current window."""
    muni = getattr(request, "municipality", None)
    key = f"rl:{action}:{getattr(muni, 'pk', 0)}:{client_key(request)}"
    added = cache.add(key, 1, window_seconds)
    if added:
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window_seconds)
        return True
    return count <= limit
