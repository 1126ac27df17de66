"""Background tasks of the Digital Hub (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from rathaus.core.tenancy.models import Municipality

from . import services


@task()
def release_no_shows(municipality_id: int | None = None) -> int:
    """Release bookings nobody checked in for (see ResourceGroup.no_show_grace_minutes)."""
    muni = Municipality.objects.get(pk=municipality_id) if municipality_id is not None else None
    return services.release_no_shows(muni)
