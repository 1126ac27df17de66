"""What the applicant does: withdraw, answer a query."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rathaus.cases.models import (
    Application,
    AttachmentKind,
    Message,
    MessageKind,
    Status,
)
from rathaus.core.accounts.models import User
from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext

from .attachments import atomic_with_files, check_attachment, setting_for, store_attachment
from .workflow import IllegalTransition, transition


def withdraw(
    app: Application, *, actor: User | None = None, ctx: ServiceContext | None = None
) -> Application:
    """Rücknahme by the applicant: possible until a decision."""
    return transition(app, Status.WITHDRAWN, actor=actor, ctx=ctx, by_applicant=True)


def answer_query(
    app: Application,
    body: str,
    *,
    files: list[tuple[str, bytes]] | None = None,
    actor: User | None = None,
    ctx: ServiceContext | None = None,
) -> Message:
    """The applicant answers a Rückfrage (optionally with attachments); the case goes back to review."""
    if app.status != Status.QUERY:
        raise IllegalTransition(_("Zu diesem Antrag ist keine Rückfrage offen."))
    setting = setting_for(app.form)
    files = files or []
    count = app.attachments.filter(kind__in=[AttachmentKind.APPLICATION, AttachmentKind.MESSAGE]).count()
    types = [check_attachment(setting, name, data, count + n) for n, (name, data) in enumerate(files)]
    with atomic_with_files(app.municipality_id) as staged:
        msg = Message.objects.create(
            municipality_id=app.municipality_id,
            application=app,
            kind=MessageKind.ANSWER,
            from_applicant=True,
            author=actor if getattr(actor, "is_authenticated", False) else None,
            body=body,
        )
        for (name, data), media_type in zip(files, types, strict=True):
            store_attachment(
                staged,
                municipality_id=app.municipality_id,
                name=name,
                data=data,
                media_type=media_type,
                kind=AttachmentKind.MESSAGE,
                application=app,
                message=msg,
            )
        record("cases.answered", ctx=ctx, actor=actor, municipality=app.municipality, obj=app)
        transition(app, Status.IN_REVIEW, actor=actor, ctx=ctx, by_applicant=True)
    return msg
