"""Background work of the case management (django-tasks)."""

from __future__ import annotations

import logging

from django_tasks import task

from rathaus.core.tenancy.models import Municipality

from . import services

logger = logging.getLogger(__name__)


@task()
def erase_expired_cases(municipality_slug: str = "") -> int:
    """Retention: erase the personal data of closed applications past their service's retention."""
    muni = Municipality.objects.get(slug=municipality_slug) if municipality_slug else None
    count = services.erase_expired(muni)
    logger.info("erase_expired_cases: %d applications erased (%s)", count, municipality_slug or "all")
    return count
