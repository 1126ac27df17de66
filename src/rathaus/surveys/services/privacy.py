"""DSGVO: export and erasure of a person's responses, and the yearly figure."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from rathaus.core.tenancy.models import Municipality
from rathaus.surveys.models import (
    Draft,
    Response,
)

if TYPE_CHECKING:
    from rathaus.core.accounts.models import User


def export_responses(user: User) -> tuple[str, list[dict[str, object]]]:
    """Art. 15: non-anonymized responses given with this account (anonymized ones cannot be found)."""
    rows = Response.objects.filter(user=user).select_related("survey").order_by("id")
    return "surveys_responses", [
        {
            "survey": r.survey.title,
            "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            "answers": r.data,
        }
        for r in rows
    ]


def erase_responses(user: User) -> None:
    """Art. 17: unlink the account (the answers stay as anonymous statistics); drop drafts."""
    Response.objects.filter(user=user).update(user=None)
    Draft.objects.filter(user=user).delete()


def responses_in_last_year(municipality: Municipality) -> int:
    since: date = timezone.localdate().replace(day=1)
    since = since.replace(year=since.year - 1)
    return Response.objects.for_tenant(municipality).filter(submitted_on__gte=since).count()
