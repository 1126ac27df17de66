"""Public API of the tenancy app: resolve hosts, look up objects within one municipality."""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from rathaus.core.context import ServiceContext

from .models import Domain, Municipality

M = TypeVar("M", bound=models.Model)

_CACHE_PREFIX = "tenancy:host:"


def normalise_host(host: str) -> str:
    host = (host or "").strip().lower()
    if host.startswith("["):  # IPv6 literal with optional port
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def municipality_for_host(host: str) -> Municipality | None:
    """The active municipality served under ``host``, or None. Cached briefly per host."""
    host = normalise_host(host)
    key = _CACHE_PREFIX + host
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    domain = (
        Domain.objects.select_related("municipality").filter(host=host, municipality__is_active=True).first()
    )
    muni = domain.municipality if domain else None
    cache.set(key, muni or False, settings.TENANT_CACHE_SECONDS)
    return muni


def forget_host_cache(*hosts: str) -> None:
    cache.delete_many([_CACHE_PREFIX + normalise_host(h) for h in hosts])


def get_municipality(slug: str) -> Municipality:
    """For management commands: ``--municipality SLUG``; raises Municipality.DoesNotExist."""
    return Municipality.objects.get(slug=slug)


def municipality_option(slug: str | None) -> Municipality | None:
    """The ``--municipality SLUG`` of a management command: None without a slug (all municipalities),
    a CommandError with a clear message for an unknown one."""
    if not slug:
        return None
    from django.core.management.base import CommandError

    try:
        return get_municipality(slug)
    except Municipality.DoesNotExist as exc:
        raise CommandError(f"Unbekannte Kommune / unknown municipality: {slug}") from exc


def primary_host(municipality: Municipality) -> str:
    domain = municipality.domains.order_by("-is_primary", "id").first()
    return domain.host if domain else "localhost"


def public_url(municipality: Municipality, path: str, ctx: ServiceContext | None = None) -> str:
    """The absolute address of ``path`` on the municipality's portal, for mails, feeds and documents.

    With the context of a request (``ServiceContext.from_request``) of the same municipality the
    request's own scheme, host and port (``ctx.origin``) are used;
    without one (a task, a command) the primary domain with the configured scheme (RATHAUS_HTTPS)
    and port (RATHAUS_PUBLIC_PORT, set by `make run`), so that links in the demo's mails work.
    """
    if ctx is not None and ctx.origin and ctx.municipality == municipality:
        return ctx.origin + path
    scheme = "https" if getattr(settings, "HTTPS", False) else "http"
    port = str(getattr(settings, "PUBLIC_PORT", "") or "")
    default_port = "443" if scheme == "https" else "80"
    authority = primary_host(municipality)
    if port and port != default_port:
        authority = f"{authority}:{port}"
    return f"{scheme}://{authority}{path}"


def tenant_object_or_404(
    model_or_qs: type[M] | models.QuerySet[M], scope: HttpRequest | ServiceContext, **lookup: Any
) -> M:
    """Fetch one object of the municipality of the request (or service context) or raise 404
    (never 403: IDs stay unguessable)."""
    municipality = getattr(scope, "municipality", None)
    if municipality is None:
        raise Http404
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    return get_object_or_404(qs.filter(municipality=municipality), **lookup)
