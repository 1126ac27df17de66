"""The background task path end to end: enqueue in the database, run by the real worker command."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from rathaus.core import tasks

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_mail_is_queued_in_database_and_sent_by_worker(client, muni_a):
    from django_tasks_db.models import DBTaskResult

    # django-tasks resets its backends when TASKS changes (setting_changed signal).
    with override_settings(TASKS=DB_TASKS):
        tasks.send_email_after_commit("Betreff / subject", "Text", ["stadt@example.org"])
        assert DBTaskResult.objects.count() == 1
        assert len(mail.outbox) == 0  # queued, not sent yet

        health = client.get("/health/ready").json()
        assert health["checks"]["tasks"]["waiting"] == 1

        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["stadt@example.org"]
    assert DBTaskResult.objects.successful().count() == 1


@pytest.mark.django_db
def test_mail_is_not_queued_when_transaction_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tasks.send_email_after_commit("x", "y", ["a@example.org"])
        raise RuntimeError("abort")
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_recipients_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.send_email_after_commit("x", "y", [])
    assert callbacks == []
    assert mail.outbox == []
