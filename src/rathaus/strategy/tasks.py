from __future__ import annotations

from django_tasks import task

from rathaus.core.tenancy.models import Municipality

from . import services


@task()
def snapshot_indicators(municipality_id: int | None = None) -> int:
    """Monthly: store the live value of every computed indicator in its time series."""
    munis = Municipality.objects.filter(is_active=True)
    if municipality_id is not None:
        munis = munis.filter(pk=municipality_id)
    return sum(services.snapshot(m) for m in munis)
