"""Queued mails keep no personal data in the task table (docs/operations.md, "Background worker").

The task table (django-tasks-db) keeps arguments, results and tracebacks for 30 days and is in every
backup: a queued mail stores recipients and text in ``jobs.OutgoingMail`` and the task carries only
the row's id; the worker deletes the row when it sends (or fails to send).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rathaus.core import tasks
from rathaus.core.jobs.models import OutgoingMail

ADDRESS = "erika.mustermann@example.org"
BODY = "Ihr Antrag ZZ-2026-000001 zur Sondernutzung Markt 3 ist eingegangen."
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

pytestmark = pytest.mark.django_db(transaction=True)


def _task_table_text() -> str:
    rows = DBTaskResult.objects.values(
        "args_kwargs", "return_value", "exception_class_path", "traceback", "task_path"
    )
    return json.dumps(list(rows), default=str)


def _run_worker() -> None:
    call_command("run_worker", "--batch", "--no-startup-delay", "--queue-name", "*", "--worker-id", "w-mail")


def test_task_table_holds_no_address_or_body_before_and_after_sending():
    with override_settings(TASKS=DB_TASKS):
        with transaction.atomic():
            tasks.send_email_after_commit(
                "Eingangsbestätigung", BODY, [ADDRESS], reply_to=["amt@zeitz.example"]
            )
        queued = _task_table_text()
        assert DBTaskResult.objects.count() == 1
        assert ADDRESS not in queued and BODY not in queued and "amt@zeitz.example" not in queued
        assert "send_stored_email" in queued
        assert OutgoingMail.objects.count() == 1  # the content waits outside the task table

        _run_worker()

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [ADDRESS] and sent.body == BODY and sent.reply_to == ["amt@zeitz.example"]
    after = _task_table_text()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert ADDRESS not in after and BODY not in after
    assert not OutgoingMail.objects.exists()  # purged at send


def test_a_failed_send_leaves_no_address_in_the_traceback_and_purges_the_mail(settings):
    settings.EMAIL_BACKEND = "tests.core.test_queued_mail_privacy.RefusingBackend"
    with override_settings(TASKS=DB_TASKS):
        with transaction.atomic():
            tasks.send_email_after_commit("Betreff", BODY, [ADDRESS])
        _run_worker()
    result = DBTaskResult.objects.get()
    assert result.status == "FAILED"
    text = _task_table_text()
    assert "MailDeliveryFailed" in text and "SMTPRecipientsRefused" in text
    assert ADDRESS not in text and BODY not in text
    assert not OutgoingMail.objects.exists()


def test_a_rolled_back_transaction_stores_and_queues_nothing():
    with override_settings(TASKS=DB_TASKS), pytest.raises(RuntimeError), transaction.atomic():
        tasks.send_email_after_commit("Betreff", BODY, [ADDRESS])
        raise RuntimeError("rollback")
    assert not OutgoingMail.objects.exists() and not DBTaskResult.objects.exists()


def test_stored_mails_left_by_a_dead_worker_are_purged_after_a_week():
    old = OutgoingMail.objects.create(subject="s", body=BODY, recipients=[ADDRESS])
    OutgoingMail.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    fresh = OutgoingMail.objects.create(subject="s", body=BODY, recipients=[ADDRESS])
    assert tasks.purge_outgoing_mails() == 1
    assert list(OutgoingMail.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_a_mail_task_whose_row_is_gone_sends_nothing():
    tasks.send_stored_email.call(424242)
    assert mail.outbox == []


class RefusingBackend:
    """An SMTP server that refuses the recipient (the error quotes the address, as smtplib's does)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: list[object]) -> int:
        import smtplib

        raise smtplib.SMTPRecipientsRefused({ADDRESS: (550, b"no such user " + ADDRESS.encode())})
