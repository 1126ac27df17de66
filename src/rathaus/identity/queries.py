"""Read paths of the identity app (for its views and for other apps)."""

from __future__ import annotations

from typing import Any

from rathaus.core.accounts.models import User
from rathaus.core.tenancy.models import Municipality
from rathaus.fim import queries as fim_queries

from . import attributes as attrs
from .models import IdentityLink, Level, Provider, ServiceRequirement


def links_of(user: User) -> list[IdentityLink]:
    return list(IdentityLink.objects.filter(user=user).order_by("provider"))


def requirements_by_form(municipality: Municipality) -> dict[int, ServiceRequirement]:
    return {r.form_id: r for r in ServiceRequirement.objects.for_tenant(municipality)}


def requirement_label(form: Any) -> str:
    """E.g. „BundID, substantiell“ for the catalog service page; "" when no login is needed."""
    req = ServiceRequirement.objects.filter(form=form).first()
    if req is None or (req.level == Level.NONE and req.accept_citizen):
        return ""
    kinds = [
        str(label)
        for label, ok in (
            (Provider.BUNDID.label, req.accept_citizen),
            (Provider.MUK.label, req.accept_business),
        )
        if ok
    ]
    level = [str(Level(req.level).label)] if req.level != Level.NONE else []
    return ", ".join([" / ".join(kinds), *level])


def service_requirement_label(municipality: Municipality, service: Any) -> str:
    """The identification the online form of a catalogue service asks for ("" when none)."""
    form = fim_queries.form_of_service(municipality, service.leika, service.pk)
    return requirement_label(form) if form is not None else ""


def level_name(level: int) -> str:
    return attrs.LEVEL_NAMES.get(level, "")
