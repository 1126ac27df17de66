"""Figures the surveys module publishes through rathaus.core.figures."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from rathaus.core.tenancy.models import Municipality

from .models import Survey


def survey_count(municipality: Municipality) -> int:
    return Survey.objects.for_tenant(municipality).filter(is_published=True, is_template=False).count()


def published_results_modified(municipality: Municipality) -> datetime | None:
    now = timezone.now()
    closed = Survey.objects.for_tenant(municipality).filter(
        is_published=True, is_template=False, publish_results=True, closes_at__lte=now
    )
    return closed.order_by("-closes_at").values_list("closes_at", flat=True).first()
