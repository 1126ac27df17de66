"""Keys, lookups and storage of shared pages: the page cache middleware's machinery, HTTP-level by
nature (it works on the request and the response), so no service module (see ADR 0017, ADR 0025)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections, router
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from rathaus.core import routing
from rathaus.core.dbrouting import COOKIE as PRIMARY_COOKIE
from rathaus.core.tenancy.models import Municipality

from . import registry

MAX_QUERY_STRING = 512
MAX_BYTES = 4 * 1024 * 1024
# Vary headers a shared page may carry: the key holds the language (from the cookie) and Accept.
_SAFE_VARY = {"cookie", "accept-language", "accept-encoding", "accept"}
HEADER = "X-Page-Cache"
# Settings are part of what a page shows (tile server, feature switches). They never change in a
# running server, but tests change them between requests (setting_changed): a new epoch, new keys.
_settings_epoch = 0


def settings_changed(**kwargs: Any) -> None:
    global _settings_epoch
    _settings_epoch += 1


def settings_epoch() -> int:
    return _settings_epoch


def seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 60))


def request_is_shareable(request: HttpRequest) -> bool:
    """Whether the request may get (and fill) a shared page: an anonymous GET that carries nothing of
    its own — no session (so nobody is signed in and no messages wait in it), no message cookie, no
    API token, no long query string, and no mark of a recent write (the replica router's
    read-your-own-writes cookie: that browser must see its own change, not the shared page)."""
    cookies = request.COOKIES
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
        and PRIMARY_COOKIE not in cookies
        and "HTTP_AUTHORIZATION" not in request.META
        and len(request.META.get("QUERY_STRING", "")) <= MAX_QUERY_STRING
        and seconds() > 0
    )


def page_scopes(request: HttpRequest) -> tuple[str, ...] | None:
    """The generations of the page at this path, or None when it is not a cached page."""
    name = routing.view_name(request.path_info, getattr(request, "urlconf", None))
    return registry.page_scopes(name) if name else None


def municipality_fingerprint(municipality: Municipality) -> str:
    values = repr([f.value_from_object(municipality) for f in municipality._meta.concrete_fields])
    return hashlib.blake2b(values.encode(), digest_size=8).hexdigest()


def generations(municipality_id: int) -> dict[tuple[int, str], int]:
    """All counters of the municipality and of municipality 0, in one query (read before rendering).

    Read from the database this request's page reads from (the replica router's choice): a page
    rendered from a lagging replica must be stored under the replica's counters, never under the
    primary's newer ones, or it would outlive the replica's catching up."""
    from .models import Generation

    connection = connections[router.db_for_read(Generation) or DEFAULT_DB_ALIAS]
    if not _stands_in_for_health_check(connection):
        return _read_generations(connection, municipality_id)
    # This read is the request's first statement on a reused connection, so it is the health check
    # too: Django would otherwise send "SELECT 1" first (CONN_HEALTH_CHECKS), a second round trip on
    # every cached page. If the connection has died (server restart, pgbouncer, idle timeout), it is
    # closed and the read runs once more on a new one, as after a failed health check.
    connection.health_check_done = True  # type: ignore[attr-defined]
    try:
        return _read_generations(connection, municipality_id)
    except (OperationalError, InterfaceError):
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None
        return _read_generations(connection, municipality_id)


def _stands_in_for_health_check(connection: Any) -> bool:
    return bool(
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )


def _read_generations(connection: Any, municipality_id: int) -> dict[tuple[int, str], int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT municipality_id, scope, value FROM pagecache_generation "
            "WHERE municipality_id IN (%s, %s)",
            [0, municipality_id],
        )
        return {(row[0], row[1]): row[2] for row in cursor.fetchall()}


def generations_part(
    municipality: Municipality, scopes: tuple[str, ...], found: dict[tuple[int, str], int]
) -> str:
    """The counters of ``scopes`` (the municipality's and the platform-wide one) as part of a key."""
    return ",".join(f"{s}={found.get((municipality.pk, s), 0)}.{found.get((0, s), 0)}" for s in scopes)


def request_parts(request: HttpRequest) -> list[str]:
    """What of a request a cached page depends on: host, scheme, language, path, query, ``Accept``."""
    return [
        request.get_host().lower(),
        request.scheme or "",
        getattr(request, "LANGUAGE_CODE", "") or "",
        request.path_info,
        request.META.get("QUERY_STRING", ""),
        request.META.get("HTTP_ACCEPT", ""),
    ]


def page_key(
    request: HttpRequest,
    municipality: Municipality,
    scopes: tuple[str, ...],
    found: dict[tuple[int, str], int],
) -> str:
    parts = "\n".join(
        [
            *request_parts(request),
            municipality_fingerprint(municipality),
            str(_settings_epoch),
            generations_part(municipality, scopes, found),
        ]
    )
    return "pc:" + hashlib.blake2b(parts.encode(), digest_size=20).hexdigest()


def response_is_storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Only a plain 200 that holds nothing of this visitor: no cookie (CSRF, session, messages), no
    CSRF token in the page, no private or no-store Cache-Control, no Vary on other headers."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # the page holds a CSRF token (get_token was called)
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= _SAFE_VARY:
        return False
    return len(response.content) <= MAX_BYTES  # type: ignore[attr-defined]


def freeze(response: HttpResponseBase) -> tuple[int, list[tuple[str, str]], bytes]:
    return (response.status_code, list(response.items()), response.content)  # type: ignore[attr-defined]


def thaw(entry: tuple[int, list[tuple[str, str]], bytes]) -> HttpResponse:
    status, headers, content = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


def cached_response(
    request: HttpRequest,
    municipality: Municipality,
    scopes: tuple[str, ...],
    found: dict[tuple[int, str], int],
) -> Any:
    from django.core.cache import cache

    key = page_key(request, municipality, scopes, found)
    entry = cache.get(key)
    return key, (thaw(entry) if entry is not None else None)


def store(key: str, response: HttpResponseBase) -> None:
    from django.core.cache import cache

    cache.set(key, freeze(response), seconds())
