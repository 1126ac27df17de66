"""Who may do what in a municipality. Every view declares its rule with one of these decorators."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseForbidden, HttpResponseNotFound
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from rathaus.core.context import ServiceContext

from .models import Membership, Role

View = Callable[..., HttpResponseBase]
# The role checks answer for a view's request or for a service's context alike.
Subject = HttpRequest | ServiceContext


def membership(subject: Subject) -> Membership | None:
    """The user's membership in the municipality of the request (or context), cached on it."""
    if isinstance(subject, ServiceContext):
        if "membership" not in subject.cache:
            subject.cache["membership"] = _lookup(subject.user, subject.municipality)
        found: Membership | None = subject.cache["membership"]
        return found
    if not hasattr(subject, "_rathaus_membership"):
        from rathaus.core.pagecache.private import per_user

        # Cached per user and municipality under the "memberships" counters: a role granted or
        # taken away shows on the next request (ADR 0017).
        request = subject
        subject._rathaus_membership = per_user(  # type: ignore[attr-defined]
            request,
            "membership",
            ("memberships",),
            lambda: _lookup(request.user, getattr(request, "municipality", None)),
        )
    return subject._rathaus_membership  # type: ignore[attr-defined,no-any-return]


def _lookup(user: Any, muni: Any) -> Membership | None:
    if user.is_authenticated and muni is not None:
        return Membership.objects.filter(user=user, municipality=muni).first()
    return None


def is_platform_admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def is_municipality_admin(request: Subject) -> bool:
    m = membership(request)
    return is_platform_admin(request.user) or (m is not None and m.role == Role.ADMIN)


def is_staff_member(request: Subject) -> bool:
    """Any staff role in this municipality (staff, module manager, admin) or platform admin."""
    return is_platform_admin(request.user) or membership(request) is not None


def manages_module(request: Subject, module: str) -> bool:
    m = membership(request)
    if is_municipality_admin(request):
        return True
    return m is not None and m.role == Role.MODULE_MANAGER and module in (m.modules or [])


def has_mfa(user: Any, request: HttpRequest | None = None) -> bool:
    """Whether the user has a second factor; with the request, cached under the "account" counters."""
    if request is not None and request.user == user:
        from rathaus.core.pagecache.private import per_user

        return bool(per_user(request, "mfa", ("account",), lambda: has_mfa(user)))
    from allauth.mfa.models import Authenticator

    return bool(
        Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()
    )


def _guard(check: Callable[[HttpRequest], bool], *, need_mfa: bool) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request):
                raise PermissionDenied
            if need_mfa and not has_mfa(request.user, request):
                messages.warning(
                    request,
                    _(
                        "Für Verwaltungsseiten ist eine Zwei-Faktor-Authentisierung nötig. "
                        "Bitte richten Sie sie ein."
                    ),
                )
                return redirect("mfa_activate_totp")
            return view(request, *args, **kwargs)

        wrapped.rathaus_access = check.__name__  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: View) -> View:
    """Marks a view as deliberately open to everyone (checked by the URL access test)."""
    view.rathaus_access = "public"  # type: ignore[attr-defined]
    return view


def authenticated(request: HttpRequest) -> bool:
    return True


def login_required(view: View) -> View:
    return _guard(authenticated, need_mfa=False)(view)


def staff_required(view: View) -> View:
    return _guard(is_staff_member, need_mfa=True)(view)


def admin_required(view: View) -> View:
    return _guard(is_municipality_admin, need_mfa=True)(view)


def module_required(module: str) -> Callable[[View], View]:
    def check(request: HttpRequest) -> bool:
        return manages_module(request, module)

    check.__name__ = f"module:{module}"
    return _guard(check, need_mfa=True)


def operator(request: HttpRequest) -> bool:
    """An operator's machine endpoint (/metrics): ``Authorization: Bearer <RATHAUS_METRICS_TOKEN>``,
    or a client address in RATHAUS_METRICS_ALLOWED_NETWORKS. A request that carries
    X-Forwarded-For while no trusted proxy is configured was relayed by something (a reverse proxy
    on the same machine would make every visitor look like 127.0.0.1): only the token counts then."""
    import hmac
    import ipaddress

    from django.conf import settings

    from rathaus.core.ratelimit import client_ip

    token = str(getattr(settings, "RATHAUS_METRICS_TOKEN", "") or "")
    auth = request.headers.get("authorization", "")
    if token and auth.startswith("Bearer "):
        return hmac.compare_digest(auth[len("Bearer ") :].strip().encode(), token.encode())
    if request.headers.get("x-forwarded-for") and not settings.RATHAUS_TRUSTED_PROXY_COUNT:
        return False
    try:
        address = ipaddress.ip_address(client_ip(request).split("%")[0])
    except ValueError:
        return False
    for network in getattr(settings, "RATHAUS_METRICS_ALLOWED_NETWORKS", []):
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def operator_required(view: View) -> View:
    """For machine endpoints without a login: 403 for a wrong bearer token, else 404 when refused
    (the endpoint does not reveal itself to the public)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not operator(request):
            if request.headers.get("authorization", "").startswith("Bearer "):
                return HttpResponseForbidden(
                    "Zugriff verweigert: ungültiges Token. / Access denied: invalid token.\n",
                    content_type="text/plain; charset=utf-8",
                )
            return HttpResponseNotFound(
                "Nicht gefunden. / Not found.\n", content_type="text/plain; charset=utf-8"
            )
        return view(request, *args, **kwargs)

    wrapped.rathaus_access = "operator"  # type: ignore[attr-defined]
    return wrapped
