from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rathaus.core.tenancy.models import Municipality

from .models import AuditEvent
from .services import events_for


def filtered_events(municipality: Municipality, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    qs = events_for(municipality)
    if filters.get("action"):
        qs = qs.filter(action__startswith=filters["action"])
    if filters.get("actor"):
        qs = qs.filter(actor_label__icontains=filters["actor"])
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    if filters.get("date_from"):
        qs = qs.filter(created_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(created_at__date__lte=filters["date_to"])
    return qs


def action_names(municipality: Municipality) -> list[str]:
    return list(
        AuditEvent.objects.filter(municipality=municipality)
        .values_list("action", flat=True)
        .distinct()
        .order_by("action")
    )
