"""Resolve the municipality from the request's Host header."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template import loader

from .services import municipality_for_host

# Paths that work on any host: the load balancer's health check, the operator's metrics and static
# assets.
TENANT_FREE_PREFIXES = ("/health", "/metrics", "/static/")


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        request.municipality = None  # type: ignore[attr-defined]
        if path.startswith("/static/"):
            # whitenoise (and runserver's static handler) answered every file that exists before this
            # middleware; what reaches it is unknown, and no page of a municipality can render for it.
            return HttpResponseNotFound(b"Not Found", content_type="text/plain; charset=utf-8")
        if path.startswith(TENANT_FREE_PREFIXES):
            return self.get_response(request)
        muni = municipality_for_host(request.get_host())
        if muni is None:
            html = loader.render_to_string("tenancy/unknown_host.html", {"host": request.get_host()})
            return HttpResponseNotFound(html)
        request.municipality = muni  # type: ignore[attr-defined]
        return self.get_response(request)
