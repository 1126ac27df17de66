"""Request id and request metrics for every request (first in settings.MIDDLEWARE)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import context, metrics

REQUEST_ID_HEADER = "X-Request-ID"
# Scrapes of /metrics are not counted (they would dominate the request count).
UNCOUNTED_PREFIXES = ("/metrics",)


class ObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request.request_id = context.request_id_from(request.headers.get(REQUEST_ID_HEADER))  # type: ignore[attr-defined]
        token = context.current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            context.current_request.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id  # type: ignore[attr-defined]
        if not request.path_info.startswith(UNCOUNTED_PREFIXES):
            metrics.observe_request(
                request.method,
                response.status_code,
                context.municipality_slug(request),
                time.perf_counter() - started,
            )
        return response
