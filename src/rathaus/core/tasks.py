"""Background tasks shared by every module (django-tasks; database backend by default)."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_email(subject: str, body: str, recipients: list[str], reply_to: list[str] | None = None) -> int:
    """Send one plain-text e-mail; the worker retries nothing by itself, failures show in /health."""
    message = EmailMessage(subject=subject, body=body, to=recipients, reply_to=reply_to or None)
    return message.send(fail_silently=False)


def send_email_after_commit(
    subject: str, body: str, recipients: list[str], reply_to: list[str] | None = None
) -> None:
    """Queue a mail once the surrounding transaction has committed (never for a rolled-back write)."""
    if not recipients:
        return
    transaction.on_commit(lambda: send_email.enqueue(subject, body, list(recipients), reply_to))
