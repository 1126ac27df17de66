"""Per-user cache of pages for signed-in visitors (ADR 0017, "Private pages").

``@private_page("cases")`` under a view's permission decorator caches the page that view renders for
one signed-in user, in one municipality, language and URL, under the generation counters of the
given scopes (plus ``tenancy``, ``memberships`` and ``account``; the page's own scopes when it is a
declared public page too). The permission decorator still runs on every request; only the view's
work (queries and template) is skipped on a hit.

What makes it safe:

- The key holds the user's id and a fingerprint of the user's row (name, e-mail, password hash,
  flags: a change shows at once), the municipality's fingerprint, host, scheme, language, path,
  query string, ``Accept``, today's date (pages that count overdue items) and the counters, read
  before the view reads any data (the commit/bump race of ADR 0017 applies unchanged).
- Only plain GETs without pending messages and without the replica router's read-your-writes
  cookie; only a 200 without cookies, a view that left the session untouched, and whose only
  CSRF tokens are ``{% csrf_token %}`` inputs.
- The CSRF token is never stored: each ``{% csrf_token %}`` value is replaced by a placeholder
  derived from ``SECRET_KEY`` before storing, and by this request's own token (``get_token``, which
  also makes the CSRF middleware set the cookie when needed) on a hit.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import LazyObject

from rathaus.core.dbrouting import COOKIE as PRIMARY_COOKIE
from rathaus.core.tenancy.types import RathausRequest

from . import registry, shared

View = Callable[..., HttpResponseBase]
HEADER = "X-Private-Cache"
ALWAYS = (registry.TENANCY, "memberships", "account")
_TOKEN_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")([A-Za-z0-9]{32,64})(")')
_CSRF = re.compile(rb"csrf", re.I)


def _placeholder() -> bytes:
    # Not guessable (an applicant could otherwise write it into a field a clerk's page shows), the
    # same in every process sharing the cache.
    return _placeholder_for(settings.SECRET_KEY)


@lru_cache(maxsize=4)
def _placeholder_for(secret_key: str) -> bytes:
    digest = salted_hmac("rathaus.pagecache.private", "csrf-placeholder", secret=secret_key).hexdigest()
    return ("rhtoken" + digest[:40]).encode()


_CSRF_CHARS = CSRF_ALLOWED_CHARS
_CSRF_BYTES_LIMIT = 256 - 256 % len(_CSRF_CHARS)  # unbiased: bytes at or above it are drawn again


def _random_csrf_string(length: int) -> str:
    chars: list[str] = []
    while len(chars) < length:
        for byte in os.urandom(length + 8):
            if byte < _CSRF_BYTES_LIMIT:
                chars.append(_CSRF_CHARS[byte % len(_CSRF_CHARS)])
    return "".join(chars[:length])


def request_token(request: HttpRequest) -> str:
    """What ``django.middleware.csrf.get_token`` returns (the request's secret, masked anew), with
    the mask drawn from one ``os.urandom`` call instead of 32 (a third of a cached page's time went
    to it). Without a secret yet (no CSRF cookie), the new secret comes from the same call (Django
    draws 32 more), stored as ``_add_new_csrf_cookie`` stores it: the response sets the cookie."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None and not settings.CSRF_USE_SESSIONS:
        drawn = _random_csrf_string(2 * CSRF_SECRET_LENGTH)
        secret, mask = drawn[:CSRF_SECRET_LENGTH], drawn[CSRF_SECRET_LENGTH:]
        request.META["CSRF_COOKIE"] = secret
    elif not secret or len(secret) != CSRF_SECRET_LENGTH:
        return get_token(request)
    else:
        mask = _random_csrf_string(CSRF_SECRET_LENGTH)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token: the response (re)sets the cookie
    index = _CSRF_CHARS.index
    cipher = "".join(
        _CSRF_CHARS[(index(x) + index(y)) % len(_CSRF_CHARS)] for x, y in zip(secret, mask, strict=True)
    )
    return mask + cipher


def user_fingerprint(user: Any) -> str:
    user = unwrapped(user)  # request.user is lazy: each of the ~25 reads below would go through it
    fields = [f for f in user._meta.concrete_fields if f.name != "last_login"]
    values = repr([f.value_from_object(user) for f in fields])
    return hashlib.blake2b(values.encode(), digest_size=8).hexdigest()


def unwrapped(user: Any) -> Any:
    """The user object behind ``request.user`` (a ``SimpleLazyObject``), evaluated if need be."""
    if isinstance(user, LazyObject):
        _ = user.pk  # type: ignore[attr-defined]  # evaluates it
        return user._wrapped  # type: ignore[attr-defined]
    return user


def request_user_fingerprint(request: HttpRequest, user: Any) -> str:
    """``user_fingerprint(user)``, computed once per GET request (a signed-in page asks for it up to
    three times: its key, the membership and the second factor). Other methods compute it each time:
    a view may change the user's row before it asks."""
    if request.method not in ("GET", "HEAD"):
        return user_fingerprint(user)
    user = unwrapped(user)
    memo: tuple[Any, str] | None = getattr(request, "_pagecache_user_fingerprint", None)
    if memo is not None and memo[0] is user:
        return memo[1]
    fingerprint = user_fingerprint(user)
    request._pagecache_user_fingerprint = (user, fingerprint)  # type: ignore[attr-defined]
    return fingerprint


def request_generations(request: HttpRequest) -> dict[tuple[int, str], int]:
    """The counters of the request's municipality, read once per request (before the view reads
    data: the middleware reads them for declared pages, otherwise the first caller here)."""
    found: dict[tuple[int, str], int] | None = getattr(request, "_pagecache_generations", None)
    if found is None:
        found = shared.generations(request.municipality.pk)  # type: ignore[attr-defined]
        request._pagecache_generations = found  # type: ignore[attr-defined]
    return found


_MISSING = object()


def per_user(request: HttpRequest, name: str, scopes: tuple[str, ...], compute: Callable[[], Any]) -> Any:
    """``compute()`` (data of the signed-in user in this municipality: membership, second factor),
    cached under the user, the municipality and the counters of ``scopes``; computed live without a
    signed-in user, a municipality or with the page cache off."""
    user = getattr(request, "user", None)
    municipality = getattr(request, "municipality", None)
    if user is None or not user.is_authenticated or municipality is None or shared.seconds() <= 0:
        return compute()
    found = request_generations(request)
    gens = shared.generations_part(municipality, scopes, found)
    epoch = str(shared.settings_epoch())
    fingerprint = request_user_fingerprint(request, user)
    parts = "\n".join([name, str(user.pk), fingerprint, str(municipality.pk), epoch, gens])
    key = "pu:" + hashlib.blake2b(parts.encode(), digest_size=20).hexdigest()
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, shared.seconds())
    return value


def usable(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return (
        request.method == "GET"
        and user is not None
        and user.is_authenticated
        and getattr(request, "municipality", None) is not None
        and PRIMARY_COOKIE not in request.COOKIES
        and len(request.META.get("QUERY_STRING", "")) <= shared.MAX_QUERY_STRING
        and shared.seconds() > 0
        and len(get_messages(request)) == 0  # pending messages: render
    )


def scopes_for(request: HttpRequest, scopes: tuple[str, ...]) -> tuple[str, ...]:
    own = set(ALWAYS) | set(shared.page_scopes(request) or ())
    for scope in scopes:
        own.update(registry.public_scopes() if scope == registry.ALL else (scope,))
    return tuple(sorted(own))


def private_key(request: RathausRequest, scopes: tuple[str, ...], found: dict[tuple[int, str], int]) -> str:
    municipality = request.municipality
    user = request.user
    parts = "\n".join(
        [
            str(user.pk),
            request_user_fingerprint(request, user),
            *shared.request_parts(request),
            shared.municipality_fingerprint(municipality),
            str(shared.settings_epoch()),
            timezone.localdate().isoformat(),
            shared.generations_part(municipality, scopes, found),
        ]
    )
    return "pp:" + hashlib.blake2b(parts.encode(), digest_size=20).hexdigest()


def without_token(request: HttpRequest, content: bytes) -> bytes | None:
    """The page with each CSRF token input's value replaced by the placeholder, or None when the
    page holds the token in any other form (it is then not stored)."""
    replaced, count = _TOKEN_INPUT.subn(rb"\g<1>" + _placeholder() + rb"\g<3>", content)
    if len(_CSRF.findall(replaced)) != count:
        return None  # "csrf" elsewhere (a header for scripts, a meta tag): do not guess
    secret = request.META.get("CSRF_COOKIE", "")
    if secret and secret.encode() in replaced:
        return None
    return replaced


def storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    if len(get_messages(request)) != 0:  # the view queued a message
        return False
    control = response.get("Cache-Control", "").lower()
    if "no-store" in control or "no-cache" in control:
        return False
    return len(response.content) <= shared.MAX_BYTES  # type: ignore[attr-defined]


def _cached(
    request: HttpRequest, key: str, header: str, render: Callable[[], HttpResponseBase]
) -> HttpResponseBase:
    """The stored page under ``key`` with this request's CSRF token, or ``render()``'s page (stored
    without the token when it may be)."""
    entry = cache.get(key)
    if entry is not None:
        status, headers, content = entry
        content = content.replace(_placeholder(), request_token(request).encode())
        hit = HttpResponse(content, status=status)
        for name, value in headers:
            hit[name] = value
        hit[header] = "hit"
        return hit
    response = render()
    if storable(request, response):
        content = without_token(request, response.content)  # type: ignore[attr-defined]
        if content is not None:
            cache.set(key, (response.status_code, list(response.items()), content), shared.seconds())
            response[header] = "miss"
    return response


def private_page(*scopes: str) -> Callable[[View], View]:
    """Cache the view's page per signed-in user under the counters of ``scopes`` (ALL: every
    public scope). Put it *below* the permission decorator."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: RathausRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not usable(request):
                return view(request, *args, **kwargs)
            own = scopes_for(request, scopes)
            found = request_generations(request)  # counters first, before the view reads data
            key = private_key(request, own, found)
            return _cached(request, key, HEADER, lambda: view(request, *args, **kwargs))

        return wrapped

    return decorator


# --- Public pages with a form, for anonymous visitors --------------------------------------------

FORM_HEADER = "X-Form-Cache"


def anonymous_usable(request: HttpRequest) -> bool:
    """A GET that may get (and fill) the shared copy of a form page: the conditions of a shared page
    (no session, no message cookie, no API token, no mark of a recent write, a short query string);
    the CSRF cookie is allowed (the token is this request's own on every answer)."""
    return getattr(request, "municipality", None) is not None and shared.request_is_shareable(request)


def form_key(request: RathausRequest, scopes: tuple[str, ...], found: dict[tuple[int, str], int]) -> str:
    municipality = request.municipality
    parts = "\n".join(
        [
            *shared.request_parts(request),
            shared.municipality_fingerprint(municipality),
            str(shared.settings_epoch()),
            timezone.localdate().isoformat(),
            shared.generations_part(municipality, scopes, found),
        ]
    )
    return "fp:" + hashlib.blake2b(parts.encode(), digest_size=20).hexdigest()


def form_page(*scopes: str) -> Callable[[View], View]:
    """Cache a public page with a form (a CSRF token) for anonymous visitors: one copy per
    municipality, host, language, path, query string, ``Accept`` and day, under the counters of
    ``scopes`` and ``tenancy`` (read before the view reads data), with each ``{% csrf_token %}``
    value replaced by the placeholder when stored and by this request's own token on a hit (which
    also makes the CSRF middleware set the cookie when needed). Signed-in visitors, POSTs and
    requests with a session get the view. Put it *below* ``@public``."""
    own = tuple(sorted({registry.TENANCY, *scopes}))

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: RathausRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not anonymous_usable(request):
                return view(request, *args, **kwargs)
            found = request_generations(request)  # counters first, before the view reads data
            key = form_key(request, own, found)
            return _cached(request, key, FORM_HEADER, lambda: view(request, *args, **kwargs))

        return wrapped

    return decorator


# --- The signed-in user, read through the cache -----------------------------------------------------


def cached_user(request: HttpRequest) -> Any:
    """The session's user as ``django.contrib.auth.get_user`` finds it, cached under the user's id,
    the session's backend and the counters of "users" (every write to a user row bumps it in its
    transaction: a new name, password, or a deactivation shows on the next request). The session's
    hash is compared with the cached user's as Django does; any mismatch (a changed password, an old
    secret) takes Django's own path, which also ends the session. Without a municipality or with the
    page cache off: Django's path."""
    from django.contrib import auth
    from django.utils.crypto import constant_time_compare

    session = request.session
    user_id = session.get(auth.SESSION_KEY)
    backend = session.get(auth.BACKEND_SESSION_KEY)
    session_hash = session.get(auth.HASH_SESSION_KEY)
    municipality = getattr(request, "municipality", None)
    if not (user_id and backend and session_hash) or municipality is None or shared.seconds() <= 0:
        return auth.get_user(request)
    gens = shared.generations_part(municipality, ("users",), request_generations(request))
    parts = "\n".join([str(user_id), backend, str(shared.settings_epoch()), gens])
    key = "au:" + hashlib.blake2b(parts.encode(), digest_size=20).hexdigest()
    user = cache.get(key)
    if user is not None and constant_time_compare(session_hash, user.get_session_auth_hash()):
        return user
    user = auth.get_user(request)
    if user.is_authenticated and str(user.pk) == str(user_id):
        cache.set(key, user, shared.seconds())
    return user
