"""Retention: decided cases are erased after their retention period."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from rathaus.cases.models import (
    FINAL,
    Application,
    ServiceSetting,
)
from rathaus.core.audit.services import record
from rathaus.core.tenancy.models import Municipality
from rathaus.fim import services as fim

from .attachments import delete_files
from .workflow import _locked

DEFAULT_RETENTION_DAYS = 730


def expired(municipality: Municipality | None = None, now: datetime | None = None) -> QuerySet[Application]:
    """Closed or withdrawn applications whose service's retention period has passed."""
    from django.db.models import Q

    now = now or timezone.now()
    qs = Application.objects.filter(status__in=FINAL, erased_at__isnull=True, closed_at__isnull=False)
    settings_qs = ServiceSetting.objects.all()
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
        settings_qs = settings_qs.filter(municipality=municipality)
    # One condition per retention period in use (a handful), so the database does the date maths.
    by_days: dict[int, list[int]] = {}
    for form_id, days in settings_qs.values_list("form_id", "retention_days"):
        by_days.setdefault(days, []).append(form_id)
    configured = [f for ids in by_days.values() for f in ids]
    cond = Q(closed_at__lt=now - timedelta(days=DEFAULT_RETENTION_DAYS)) & ~Q(form_id__in=configured)
    for days, ids in by_days.items():
        cond |= Q(form_id__in=ids, closed_at__lt=now - timedelta(days=days))
    return qs.filter(cond)


def erase(app: Application, *, reason: str = "retention") -> None:
    """Erase the personal data of one application; keep an anonymous statistical record."""
    paths: list[str] = []
    with transaction.atomic():
        fresh = _locked(app)
        paths = [p for p in fresh.attachments.values_list("path", flat=True) if p]
        fresh.attachments.all().delete()
        fresh.messages.all().delete()
        fresh.notes.all().delete()
        fresh.events.update(note="", actor=None)
        if fresh.submission is not None:
            fim.erase_submission(fresh.submission)
        fresh.applicant = None
        fresh.applicant_name = ""
        fresh.applicant_email = ""
        fresh.guest_token_hash = ""
        fresh.assignee = None
        fresh.decision_text = ""
        fresh.metadata = {}
        fresh.erased_at = timezone.now()
        fresh.save()
        record(
            "cases.erased",
            municipality=fresh.municipality,
            obj=fresh,
            changes={"reason": [None, reason]},
        )
        transaction.on_commit(lambda: delete_files(paths))


def erase_expired(municipality: Municipality | None = None, now: datetime | None = None) -> int:
    count = 0
    for app in expired(municipality, now).select_related("municipality").iterator():
        erase(app)
        count += 1
    return count
