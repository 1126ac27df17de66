"""Read paths of the identity app (for its views and for other apps)."""

from __future__ import annotations

from typing import Any

from . import attributes as attrs
from .models import IdentityLink, Level, ServiceRequirement


def links_of(user: Any) -> list[IdentityLink]:
    return list(IdentityLink.objects.filter(user=user).order_by("provider"))


def requirements_by_form(municipality: Any) -> dict[int, ServiceRequirement]:
    return {r.form_id: r for r in ServiceRequirement.objects.for_tenant(municipality)}


def requirement_label(form: Any) -> str:
    """E.g. „BundID, substantiell“ for the catalog service page; "" when no login is needed."""
    req = ServiceRequirement.objects.filter(form=form).first()
    if req is None or req.level == Level.NONE:
        return ""
    return str(Level(req.level).label)


def level_name(level: int) -> str:
    return attrs.LEVEL_NAMES.get(level, "")
