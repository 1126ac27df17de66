"""The receipt (PDF) and the mails to the applicant."""

from __future__ import annotations

from collections.abc import Callable

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from rathaus.cases.models import (
    Application,
    AttachmentKind,
)
from rathaus.core.mail import bilingual_body, bilingual_subject
from rathaus.core.pdf import Document
from rathaus.core.tasks import send_email_after_commit
from rathaus.fim import queries as fim_queries


def status_url(app: Application, raw_token: str = "") -> str:
    from django.urls import reverse

    from rathaus.core.tenancy.services import public_url

    if raw_token:
        path = reverse("cases:guest", kwargs={"token": raw_token})
    else:
        path = reverse("cases:detail", kwargs={"pk": app.pk})
    return public_url(app.municipality, path)


def receipt_pdf(app: Application) -> bytes:
    """Eingangsbestätigung: reference, date, every answer, every attachment with its SHA-256."""
    muni = app.municipality
    doc = Document(
        municipality_name=muni.official_name or muni.name,
        title=_("Eingangsbestätigung"),
        subject=f"{app.service_name} – {app.reference}",
    )
    doc.fields(
        [
            (_("Aktenzeichen"), app.reference),
            (_("Leistung"), app.service_name),
            (_("Eingang"), date_format(timezone.localtime(app.submitted_at), "DATETIME_FORMAT")),
            (_("Antragsteller/in"), app.applicant_name or "–"),
            (_("Bearbeitungsfrist"), date_format(app.due_date, "DATE_FORMAT")),
        ]
    )
    sub = app.submission
    if sub is not None:
        defn = sub.version.definition
        for section in fim_queries.answer_rows(defn, sub.payload.get("answers", {})):
            doc.heading(section["title"])
            if section["rows"]:
                doc.table([_("Angabe"), _("Ihre Eingabe")], section["rows"])
    atts = [a for a in app.attachments.all() if a.kind == AttachmentKind.APPLICATION]
    doc.heading(_("Anlagen"))
    if atts:
        doc.table([_("Datei"), _("Größe (Bytes)"), "SHA-256"], [(a.name, a.size, a.sha256) for a in atts])
    else:
        doc.paragraph(_("Keine Anlagen."))
    doc.paragraph(_("Diese Bestätigung wurde maschinell erstellt und ist ohne Unterschrift gültig."))
    return doc.output()


def _send_receipt_after_commit(app: Application, raw_token: str) -> None:
    """Confirmation mail with the PDF receipt. Sent directly after commit (not through the task
    queue): a guest's secret link must not be stored in clear in the task table."""
    if not app.applicant_email:
        return
    pk = app.pk

    def send() -> None:
        fresh = Application.objects.select_related("municipality", "submission__version").get(pk=pk)
        url = status_url(fresh, raw_token)

        def body() -> str:
            text = _(
                "Guten Tag,\n\nIhr Antrag „%(service)s“ ist am %(date)s eingegangen.\nAktenzeichen: %(ref)s\n"
            ) % {
                "service": fresh.service_name,
                "date": date_format(timezone.localtime(fresh.submitted_at), "DATETIME_FORMAT"),
                "ref": fresh.reference,
            }
            if raw_token or fresh.applicant_id:
                text += "\n" + _("Den Stand Ihres Antrags sehen Sie hier:\n%(url)s") % {"url": url} + "\n"
            if raw_token:
                text += "\n" + _(
                    "Bitte geben Sie diesen Link nicht weiter: Wer ihn kennt, kann Ihren Antrag sehen."
                )
            text += "\n\n" + _("Die Eingangsbestätigung finden Sie als PDF im Anhang.")
            return text

        subject = bilingual_subject(lambda: _("Eingangsbestätigung %(ref)s") % {"ref": fresh.reference})
        with override("de"):
            pdf = receipt_pdf(fresh)
        msg = EmailMessage(subject=subject, body=bilingual_body(body), to=[fresh.applicant_email])
        msg.attach(f"Eingangsbestaetigung-{fresh.reference}.pdf", pdf, "application/pdf")
        msg.send(fail_silently=False)

    transaction.on_commit(send, robust=True)


def _send_held_after_commit(app: Application, raw_token: str) -> None:
    """The application waits for its fee ("Zahlung offen"): the applicant gets the link to it, so that
    an abandoned payment can be taken up again (a guest's link exists only in this mail and on the
    confirmation page). Sent directly after commit, like the receipt, never through the task table."""
    if not app.applicant_email:
        return
    pk = app.pk

    def send() -> None:
        fresh = Application.objects.select_related("municipality").get(pk=pk)
        url = status_url(fresh, raw_token)

        def body() -> str:
            text = _(
                "Guten Tag,\n\nIhr Antrag „%(service)s“ ist gespeichert (Aktenzeichen %(ref)s). Er gilt als "
                "eingegangen, sobald die Gebühr bezahlt ist."
            ) % {"service": fresh.service_name, "ref": fresh.reference}
            if raw_token or fresh.applicant_id:
                text += "\n\n" + _("Hier können Sie die Gebühr bezahlen und den Stand sehen:\n%(url)s") % {
                    "url": url
                }
            if raw_token:
                text += "\n\n" + _(
                    "Bitte geben Sie diesen Link nicht weiter: Wer ihn kennt, kann Ihren Antrag sehen."
                )
            return text

        subject = bilingual_subject(
            lambda: _("Antrag gespeichert, Gebühr offen: %(ref)s") % {"ref": fresh.reference}
        )
        EmailMessage(subject=subject, body=bilingual_body(body), to=[fresh.applicant_email]).send(
            fail_silently=False
        )

    transaction.on_commit(send, robust=True)


def _notify(app: Application, subject: Callable[[], str], text: Callable[[], str]) -> None:
    """A short bilingual mail to the applicant (no secret in it: the link points to Meine Anträge
    for account holders; guests are told to use the link from their confirmation mail)."""
    if not app.applicant_email:
        return
    link = status_url(app) if app.applicant_id else ""

    def body() -> str:
        out = str(text()) + "\n\n" + _("Aktenzeichen: %(ref)s") % {"ref": app.reference}
        if link:
            out += "\n" + link
        else:
            out += "\n" + _("Bitte öffnen Sie den Link aus Ihrer Eingangsbestätigung.")
        return out

    send_email_after_commit(bilingual_subject(subject), bilingual_body(body), [app.applicant_email])
