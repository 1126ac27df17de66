"""Shared helpers of the mobility management commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from rathaus.core.tenancy import services as tenancy
from rathaus.core.tenancy.models import Municipality


def municipality_option(slug: str | None) -> Municipality:
    """--municipality SLUG, or the only municipality when there is exactly one."""
    muni = tenancy.municipality_option(slug)
    if muni is not None:
        return muni
    munis = list(Municipality.objects.all()[:2])
    if len(munis) != 1:
        raise CommandError("Bitte --municipality SLUG angeben / please give --municipality SLUG.")
    return munis[0]
