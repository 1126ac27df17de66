"""Background tasks of the events app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from rathaus.core.tenancy.models import Municipality

from . import services


@task()
def send_event_reminders(municipality_id: int | None = None) -> int:
    """Reminder e-mails for events starting within services.REMINDER_LEAD (idempotent).

    Schedule it (cron or a periodic enqueue) e.g. hourly; without ``municipality_id`` it runs for
    every active municipality.
    """
    munis = Municipality.objects.filter(is_active=True)
    if municipality_id is not None:
        munis = munis.filter(pk=municipality_id)
    return sum(services.send_reminders(m) for m in munis)
