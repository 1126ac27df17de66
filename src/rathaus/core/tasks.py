"""Background tasks shared by every module (django-tasks; database backend by default).

Mails: the task table (django-tasks-db) keeps a task's arguments and result for 30 days, and it is
part of every backup. So a queued mail's recipients and text never go into task arguments:
:func:`send_email_after_commit` stores them in ``jobs.OutgoingMail`` and queues only the row's id;
:func:`send_stored_email` sends the mail and deletes the row, whether sending worked or not.
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django_tasks import task

logger = logging.getLogger(__name__)


class MailDeliveryFailed(Exception):
    """Sending failed; the message names the mail's id and the error class, never an address."""


@task()
def send_stored_email(mail_id: int) -> int:
    """Send the stored mail ``mail_id`` and delete it. Failures show in /health and /metrics; the mail
    is not retried (its content is gone), and the error stored with the task names no recipient."""
    from rathaus.core.jobs.models import OutgoingMail

    stored = OutgoingMail.objects.filter(pk=mail_id).first()
    if stored is None:
        logger.warning("Outgoing mail %s no longer exists (already sent or purged)", mail_id)
        return 0
    try:
        message = EmailMessage(
            subject=stored.subject,
            body=stored.body,
            to=list(stored.recipients),
            reply_to=list(stored.reply_to) or None,
        )
        sent = message.send(fail_silently=False)
    except Exception as exc:
        # The SMTP error may quote the address: keep only its class in the task's traceback.
        logger.error("Outgoing mail %s failed: %s", mail_id, exc.__class__.__name__)
        raise MailDeliveryFailed(f"mail {mail_id}: {exc.__class__.__name__}") from None
    finally:
        OutgoingMail.objects.filter(pk=mail_id).delete()
    return sent


@task()
def send_email(subject: str, body: str, recipients: list[str], reply_to: list[str] | None = None) -> int:
    """Kept only for tasks queued by a release before the stored-mail change (rolling upgrade): the
    new code never queues it. Remove in the release after next."""
    message = EmailMessage(subject=subject, body=body, to=recipients, reply_to=reply_to or None)
    return message.send(fail_silently=False)


def send_email_after_commit(
    subject: str, body: str, recipients: list[str], reply_to: list[str] | None = None
) -> None:
    """Queue a mail once the surrounding transaction has committed (never for a rolled-back write).

    The mail is stored now (in the caller's transaction, so a rollback removes it too); the task gets
    only its id."""
    if not recipients:
        return
    from rathaus.core.jobs.models import OutgoingMail

    stored = OutgoingMail.objects.create(
        subject=subject, body=body, recipients=list(recipients), reply_to=list(reply_to or [])
    )
    mail_id = stored.pk
    transaction.on_commit(lambda: send_stored_email.enqueue(mail_id))


def purge_outgoing_mails() -> int:
    """Delete stored mails older than OutgoingMail.KEEP_DAYS (left by a worker that died)."""
    from datetime import timedelta

    from django.utils import timezone

    from rathaus.core.jobs.models import OutgoingMail

    cutoff = timezone.now() - timedelta(days=OutgoingMail.KEEP_DAYS)
    deleted, _ = OutgoingMail.objects.filter(created_at__lt=cutoff).delete()
    return deleted
