"""Staff actions in the inbox: review, assign, notes, due dates, queries to the applicant."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from rathaus.cases import letters
from rathaus.cases.models import (
    Application,
    Message,
    MessageKind,
    Note,
    Status,
)
from rathaus.core.accounts.models import User
from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext

from .mails import _notify
from .workflow import _locked, transition


def start_review(app: Application, *, ctx: ServiceContext) -> Application:
    return transition(app, Status.IN_REVIEW, ctx=ctx)


def assign(app: Application, user: User | None, *, ctx: ServiceContext) -> Application:
    with transaction.atomic():
        fresh = _locked(app)
        before = fresh.assignee_id
        fresh.assignee = user
        fresh.save(update_fields=["assignee"])
        record(
            "cases.assigned",
            ctx=ctx,
            obj=fresh,
            changes={"assignee": [before, user.pk if user else None]},
        )
    app.refresh_from_db()
    return app


def add_note(app: Application, body: str, *, ctx: ServiceContext) -> Note:
    with transaction.atomic():
        note = Note.objects.create(
            municipality_id=app.municipality_id, application=app, author=ctx.actor, body=body
        )
        record("cases.note", ctx=ctx, obj=app)
    return note


def set_due_date(app: Application, due: date, *, ctx: ServiceContext) -> Application:
    with transaction.atomic():
        fresh = _locked(app)
        before = fresh.due_date
        fresh.due_date = due
        fresh.save(update_fields=["due_date"])
        record("cases.deadline", ctx=ctx, obj=fresh, changes={"due_date": [str(before), str(due)]})
    app.refresh_from_db()
    return app


def ask(app: Application, body: str, *, ctx: ServiceContext) -> Message:
    """Rückfrage: a message to the applicant; the case waits for the answer."""
    with transaction.atomic():
        transition(app, Status.QUERY, ctx=ctx)
        msg = Message.objects.create(
            municipality_id=app.municipality_id,
            application=app,
            kind=MessageKind.QUERY,
            author=ctx.actor,
            body=body,
        )
        record("cases.query", ctx=ctx, obj=app)
        _notify(
            app,
            lambda: _("Rückfrage zu Ihrem Antrag %(ref)s") % {"ref": app.reference},
            lambda: (
                _(
                    "Zu Ihrem Antrag „%(s)s“ hat die Verwaltung eine Rückfrage. "
                    "Bitte antworten Sie im Postfach."
                )
                % {"s": app.service_name}
            ),
        )
    return msg


MissingReasons = letters.MissingReasons
