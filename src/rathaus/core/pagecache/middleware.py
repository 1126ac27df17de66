"""Serve anonymous GETs of registered pages from the shared cache (ADR 0017).

Sits right after the language middleware: a hit skips CSRF, authentication, messages and the view.
For every request it also records the municipality whose writes the request makes (writes.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from . import shared, writes

# Paths whose writes may concern any municipality: they bump the generation of municipality 0.
PLATFORM_PREFIXES = ("/django-admin/",)


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        municipality = getattr(request, "municipality", None)
        own = municipality is not None and not request.path_info.startswith(PLATFORM_PREFIXES)
        token = writes.set_municipality(municipality.pk if own else 0)  # type: ignore[union-attr]
        try:
            scopes = shared.page_scopes(request) if municipality is not None else None
            if municipality is None or scopes is None or shared.seconds() <= 0:
                return self.get_response(request)
            # Counters first, before the view reads any data (ADR 0017, the commit/bump race); kept
            # on the request for the shared fragments of pages rendered for signed-in visitors.
            found = shared.generations(municipality.pk)
            request._pagecache_generations = found  # type: ignore[attr-defined]
            if not shared.request_is_shareable(request):
                return self.get_response(request)
            key, hit = shared.cached_response(request, municipality, scopes, found)
            if hit is not None:
                cached: HttpResponseBase = hit
                cached[shared.HEADER] = "hit"
                return cached
            response = self.get_response(request)
            if shared.response_is_storable(request, response):
                shared.store(key, response)
                response[shared.HEADER] = "miss"
            return response
        finally:
            writes.reset_municipality(token)
