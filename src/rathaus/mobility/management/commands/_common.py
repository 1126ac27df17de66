"""Shared helpers of the mobility management commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from rathaus.core.tenancy.models import Municipality
from rathaus.core.tenancy.services import get_municipality


def municipality_option(slug: str | None) -> Municipality:
    """--municipality SLUG, or the only municipality when there is exactly one."""
    if slug:
        try:
            return get_municipality(slug)
        except Municipality.DoesNotExist as exc:
            raise CommandError(f"Unbekannte Kommune / unknown municipality: {slug}") from exc
    munis = list(Municipality.objects.all()[:2])
    if len(munis) != 1:
        raise CommandError("Bitte --municipality SLUG angeben / please give --municipality SLUG.")
    return munis[0]
