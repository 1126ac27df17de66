"""Extensions of the case flow (the payment step, rathaus.payments registers one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.cases.models import (
    Application,
    Status,
)
from rathaus.core.audit.services import record

from .attachments import setting_for
from .mails import _notify, _send_receipt_after_commit
from .workflow import _event, _locked, transition


@dataclass(frozen=True)
class CaseExtension:
    """What another app adds to the case flow without cases naming it (ADR 0006).

    ``hold(app)`` runs inside the transaction that stores a web application; True keeps it in
    "Zahlung offen" (no receipt mail yet). ``applicant_link(app, request)`` gives the applicant's next
    step for such an application (label, url) or None. ``staff_panel(app, request)`` gives HTML for the
    staff case page (or "")."""

    key: str
    hold: Any
    applicant_link: Any
    staff_panel: Any


_extensions: list[CaseExtension] = []


def register_extension(ext: CaseExtension) -> None:
    if all(e.key != ext.key for e in _extensions):
        _extensions.append(ext)


def extensions() -> list[CaseExtension]:
    return list(_extensions)


def payment_confirmed(app: Application, *, note: str = "") -> bool:
    """The fee of an application in "Zahlung offen" is confirmed: it is now "eingegangen".

    Idempotent (False when the application was not waiting any more). The Bearbeitungsfrist counts from
    now; the Eingangsbestätigung goes out now."""
    with transaction.atomic():
        fresh = _locked(app)
        if fresh.status != Status.PAYMENT_DUE:
            return False
        setting = setting_for(fresh.form)
        fresh.status = Status.RECEIVED
        fresh.due_date = timezone.localdate() + timedelta(days=setting.deadline_days)
        fresh.save(update_fields=["status", "due_date"])
        _event(fresh, Status.PAYMENT_DUE, Status.RECEIVED, actor=None, by_applicant=False, note=note)
        record(
            "cases.status",
            municipality=fresh.municipality,
            obj=fresh,
            changes={"status": [Status.PAYMENT_DUE, Status.RECEIVED]},
        )
        _send_receipt_after_commit(fresh, "")
    app.refresh_from_db()
    return True


def payment_expired(app: Application) -> bool:
    """An unpaid application whose payment period has ended is withdrawn by the system (idempotent)."""
    with transaction.atomic():
        fresh = _locked(app)
        if fresh.status != Status.PAYMENT_DUE:
            return False
        transition(fresh, Status.WITHDRAWN, note=_("Gebühr nicht fristgerecht bezahlt"), system=True)
    app.refresh_from_db()
    return True


def notify_applicant(app: Application, subject: Callable[[], str], text: Callable[[], str]) -> None:
    """A short bilingual mail to the applicant (used by extensions, e.g. the payment reminder)."""
    _notify(app, subject, text)
