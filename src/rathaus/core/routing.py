"""URL resolution remembered per path, for the request handler and the page cache.

Django resolves every request by walking the URL patterns, one regular expression after the other
(included URLconfs nested): for a staff page deep in the list that is ~100-200 µs, a sixth of a
cached signed-in page. The result depends only on the path and the URLconf (no translated routes,
no ``i18n_patterns``), so it is remembered per (path, URLconf) in a bounded LRU. Each request gets
its own copy of the match (a middleware's ``process_view`` may change the keyword arguments).
Settings changes (tests) clear it, as Django clears its own resolver cache.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import django
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler
from django.core.handlers.wsgi import WSGIHandler as DjangoWSGIHandler
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.urls import Resolver404, ResolverMatch, resolve

# Longer paths (probes, garbage) are resolved each time: they would only fill the memo.
MAX_PATH = 256


@lru_cache(maxsize=8192)
def _resolved(path: str, urlconf: str) -> ResolverMatch | None:
    try:
        return resolve(path, urlconf)
    except Resolver404:
        return None


def resolved(path: str, urlconf: str | None = None) -> ResolverMatch | None:
    """The match of ``path`` (None for no match), remembered; the caller's own copy."""
    urlconf = urlconf or settings.ROOT_URLCONF
    if len(path) > MAX_PATH:
        try:
            return resolve(path, urlconf)
        except Resolver404:
            return None
    match = _resolved(path, urlconf)
    if match is None:
        return None
    own: ResolverMatch = object.__new__(ResolverMatch)  # ResolverMatch refuses copy.copy (pickling)
    own.__dict__.update(match.__dict__)
    for name in ("kwargs", "captured_kwargs", "extra_kwargs"):
        if isinstance(getattr(match, name, None), dict):
            setattr(own, name, dict(getattr(match, name)))
    return own


def view_name(path: str, urlconf: str | None = None) -> str | None:
    urlconf = urlconf or settings.ROOT_URLCONF
    if len(path) > MAX_PATH:
        match = resolved(path, urlconf)
        return match.view_name if match else None
    match = _resolved(path, urlconf)
    return match.view_name if match else None


def clear(**kwargs: Any) -> None:
    _resolved.cache_clear()


setting_changed.connect(clear)  # ROOT_URLCONF (or what a URLconf reads from settings) may have changed


class _RememberedResolution:
    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        match = None if hasattr(request, "urlconf") else resolved(request.path_info)
        if match is None:  # a request's own URLconf (Django sets it up), or no match (Resolver404)
            django_match: ResolverMatch = super().resolve_request(request)  # type: ignore[misc]
            return django_match
        request.resolver_match = match
        return match


class WSGIHandler(_RememberedResolution, DjangoWSGIHandler):
    pass


class ASGIHandler(_RememberedResolution, DjangoASGIHandler):
    pass


def get_wsgi_application() -> WSGIHandler:
    """``django.core.wsgi.get_wsgi_application`` with the remembered resolution."""
    django.setup(set_prefix=False)
    return WSGIHandler()


def get_asgi_application() -> ASGIHandler:
    django.setup(set_prefix=False)
    return ASGIHandler()
