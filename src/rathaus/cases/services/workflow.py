"""The workflow: every legal status transition, who may make it, and the status events."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.cases.models import (
    DECIDED,
    FINAL,
    Application,
    Status,
    StatusEvent,
)
from rathaus.core.accounts.models import User
from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext
from rathaus.fim import services as fim

S = Status
# Every legal transition: (from, to) -> who may make it ("staff", "applicant").
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    # An application with a fee waits until the payment provider confirms (rathaus.payments).
    (S.PAYMENT_DUE, S.RECEIVED): frozenset({"system"}),
    (S.PAYMENT_DUE, S.WITHDRAWN): frozenset({"applicant", "staff", "system"}),
    (S.RECEIVED, S.IN_REVIEW): frozenset({"staff"}),
    (S.RECEIVED, S.QUERY): frozenset({"staff"}),
    (S.RECEIVED, S.WITHDRAWN): frozenset({"applicant", "staff"}),
    (S.IN_REVIEW, S.QUERY): frozenset({"staff"}),
    (S.IN_REVIEW, S.APPROVED): frozenset({"staff"}),
    (S.IN_REVIEW, S.REJECTED): frozenset({"staff"}),
    (S.IN_REVIEW, S.PARTIAL): frozenset({"staff"}),
    (S.IN_REVIEW, S.WITHDRAWN): frozenset({"applicant", "staff"}),
    (S.QUERY, S.IN_REVIEW): frozenset({"applicant", "staff"}),
    (S.QUERY, S.WITHDRAWN): frozenset({"applicant", "staff"}),
    (S.APPROVED, S.CLOSED): frozenset({"staff"}),
    (S.REJECTED, S.CLOSED): frozenset({"staff"}),
    (S.PARTIAL, S.CLOSED): frozenset({"staff"}),
}


class IllegalTransition(Exception):
    pass


class AttachmentRejected(fim.SubmissionRejected):
    pass


def allowed_targets(status: str, role: str = "staff") -> list[str]:
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == status and role in roles]


def can_transition(status: str, to: str, role: str = "staff") -> bool:
    return role in TRANSITIONS.get((status, to), frozenset())


def _locked(app: Application) -> Application:
    fresh: Application = Application.objects.select_for_update().get(pk=app.pk)
    return fresh


def transition(
    app: Application,
    to: str,
    *,
    actor: User | None = None,
    ctx: ServiceContext | None = None,
    by_applicant: bool = False,
    note: str = "",
    system: bool = False,
) -> Application:
    """Move the application to ``to`` (row locked); IllegalTransition for anything not in the table."""
    role = "system" if system else ("applicant" if by_applicant else "staff")
    with transaction.atomic():
        fresh = _locked(app)
        if not can_transition(fresh.status, to, role):
            raise IllegalTransition(
                _("Der Statuswechsel von „%(a)s“ nach „%(b)s“ ist nicht zulässig.")
                % {"a": Status(fresh.status).label, "b": Status(to).label if to in Status.values else to}
            )
        before = fresh.status
        fresh.status = to
        now = timezone.now()
        fields = ["status"]
        if to in DECIDED:
            fresh.decided_at = now
            fields.append("decided_at")
        if to in FINAL:
            fresh.closed_at = now
            fields.append("closed_at")
        fresh.save(update_fields=fields)
        _event(fresh, before, to, actor=actor, by_applicant=by_applicant, note=note)
        record(
            "cases.status",
            ctx=ctx,
            actor=actor,
            municipality=fresh.municipality,
            obj=fresh,
            changes={"status": [before, to]},
        )
    app.refresh_from_db()
    return app


def _event(
    app: Application, before: str, to: str, *, actor: User | None, by_applicant: bool, note: str = ""
) -> None:
    StatusEvent.objects.create(
        municipality_id=app.municipality_id,
        application=app,
        from_status=before,
        to_status=to,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        by_applicant=by_applicant,
        note=note[:500],
    )
