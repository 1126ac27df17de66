"""Django's authentication middleware with the signed-in user read through the cache (issue 15).

``request.user`` is what ``django.contrib.auth.get_user`` returns, cached under the user's id and the
"users" counters (``rathaus.core.pagecache.private.cached_user``): a signed-in request costs no
query for its user while nothing about users changed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def get_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        from rathaus.core.pagecache.private import cached_user

        request._cached_user = cached_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
