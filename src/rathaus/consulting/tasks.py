"""Background tasks of consulting (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from rathaus.core.tenancy.models import Municipality

from . import services


@task()
def send_reminders(municipality_id: int) -> int:
    """Send the due appointment reminders of one municipality (each booking's reminder once)."""
    municipality = Municipality.objects.get(pk=municipality_id)
    return services.send_reminders(municipality)


def enqueue_reminders() -> int:
    """Queue the reminder task for every active municipality (called by a scheduler, e.g. cron)."""
    count = 0
    for muni_id in Municipality.objects.filter(is_active=True).values_list("pk", flat=True):
        send_reminders.enqueue(muni_id)
        count += 1
    return count
