"""Decisions: the letter (Bescheid), deciding and closing a case."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import override

from rathaus.cases import letters
from rathaus.cases.models import (
    DECIDED,
    Application,
    Attachment,
    AttachmentKind,
    Message,
    MessageKind,
    Status,
)
from rathaus.core.accounts.models import User
from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext

from .attachments import atomic_with_files, setting_for, store_attachment
from .mails import _notify
from .workflow import IllegalTransition, transition


def build_letter(
    app: Application, outcome: str, reasons: str, *, author: User | None = None, template: str | None = None
) -> letters.DecisionLetter:
    """The decision letter (Bescheid) as it would be sent: for the staff preview and for :func:`decide`.

    MissingReasons for a (partial) refusal without reasons."""
    if outcome not in DECIDED:
        raise IllegalTransition(_("Unbekannte Entscheidung."))
    letters.check_reasons(outcome, reasons)
    if template is None:
        template = setting_for(app.form).decision_template
    with override("de"):
        return letters.build(app, outcome, reasons, template=template, author=author)


def render_decision(app: Application, outcome: str, reasons: str, template: str = "") -> str:
    """The decision letter's text: the service's template with its placeholders filled, inside the letter."""
    with override("de"):
        return letters.build(app, outcome, reasons, template=template).text()


def decide(app: Application, outcome: str, reasons: str, *, ctx: ServiceContext) -> Attachment:
    """Bescheid: status to the outcome, letter as PDF from the service's template, into the Postfach.

    A rejection or partial approval needs reasons (MissingReasons, nothing is changed)."""
    if outcome not in DECIDED:
        raise IllegalTransition(_("Unbekannte Entscheidung."))
    letters.check_reasons(outcome, reasons)
    setting = setting_for(app.form)
    author = ctx.actor
    with atomic_with_files(app.municipality_id) as staged:
        transition(app, outcome, ctx=ctx)
        letter = build_letter(app, outcome, reasons, author=author, template=setting.decision_template)
        text = letter.text()
        with override("de"):
            pdf = letter.pdf()
        app.decision_text = text
        app.save(update_fields=["decision_text"])
        msg = Message.objects.create(
            municipality_id=app.municipality_id,
            application=app,
            kind=MessageKind.DECISION,
            author=ctx.actor,
            body=text,
        )
        att = store_attachment(
            staged,
            municipality_id=app.municipality_id,
            name=f"Bescheid-{app.reference}.pdf",
            data=pdf,
            media_type="application/pdf",
            kind=AttachmentKind.DECISION,
            application=app,
            message=msg,
        )
        record("cases.decided", ctx=ctx, obj=app, changes={"outcome": [None, outcome]})
        _notify(
            app,
            lambda: _("Entscheidung zu Ihrem Antrag %(ref)s") % {"ref": app.reference},
            lambda: (
                _("Über Ihren Antrag „%(s)s“ ist entschieden. Den Bescheid finden Sie im Postfach.")
                % {"s": app.service_name}
            ),
        )
    return att


def close(app: Application, *, ctx: ServiceContext) -> Application:
    return transition(app, Status.CLOSED, ctx=ctx)
