"""DSGVO: a person's applications exported with their account, erased with it."""

from __future__ import annotations

from typing import Any

from rathaus.cases.models import (
    Application,
)
from rathaus.core.accounts.models import User


def export_user_applications(user: User) -> tuple[str, Any]:
    apps = (
        Application.objects.filter(applicant=user)
        .select_related("municipality", "submission")
        .prefetch_related("events", "messages", "attachments")
    )
    return (
        "cases_applications",
        [
            {
                "municipality": a.municipality.name,
                "reference": a.reference,
                "service": a.service_name,
                "status": a.status,
                "submitted_at": a.submitted_at.isoformat(),
                "answers": (a.submission.payload.get("answers") if a.submission else None),
                "attachments": [{"name": f.name, "sha256": f.sha256} for f in a.attachments.all()],
                "messages": [
                    {
                        "kind": m.kind,
                        "from_applicant": m.from_applicant,
                        "body": m.body,
                        "at": m.created_at.isoformat(),
                    }
                    for m in a.messages.all()
                ],
                "events": [{"status": e.to_status, "at": e.created_at.isoformat()} for e in a.events.all()],
            }
            for a in apps
        ],
    )


def erase_user_applications(user: User) -> None:
    """Account deletion: open and finished applications stay with the authority (legal duty to
    keep records until the retention period); the account link and guest access are removed."""
    Application.objects.filter(applicant=user).update(applicant=None)
    Application.objects.filter(assignee=user).update(assignee=None)
