from __future__ import annotations

from django_tasks import task

from rathaus.core.tenancy.models import Municipality

from . import services


@task()
def sync_module_datasets(municipality_id: int | None = None) -> int:
    """Bring the module datasets of one (or every active) municipality up to date."""
    munis = Municipality.objects.filter(is_active=True)
    if municipality_id is not None:
        munis = munis.filter(pk=municipality_id)
    return sum(services.sync_module_datasets(m) for m in munis)
