"""The reminder command and task: due reminders once, per municipality, bad arguments refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from rathaus.events import services, tasks
from tests.conftest import make_user

from .conftest import make_event

pytestmark = pytest.mark.django_db


def seat(event, email: str) -> None:
    services.register(event, name=email, email=email, user=make_user(email))


def soon(muni, title: str):
    start = timezone.now().replace(microsecond=0) + timedelta(hours=3)
    return make_event(muni, title=title, dates=[(start, start + timedelta(hours=1))])


def test_command_sends_each_reminder_once(muni_a, muni_b, capsys, django_capture_on_commit_callbacks):
    seat(soon(muni_a, "Zeitz bald"), "a@example.org")
    seat(soon(muni_b, "Musterstadt bald"), "b@example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_event_reminders", "--municipality", "zeitz")
        call_command("send_event_reminders", "--municipality", "zeitz")
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    out = capsys.readouterr().out
    assert "zeitz: 1 Erinnerung(en)" in out and "zeitz: 0 Erinnerung(en)" in out
    assert "Zeitz bald" in mail.outbox[0].subject


def test_command_hours_option_and_bad_arguments(muni_a, django_capture_on_commit_callbacks):
    start = timezone.now() + timedelta(hours=30)
    seat(make_event(muni_a, dates=[(start, start + timedelta(hours=1))]), "c@example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_event_reminders", "--municipality", "zeitz")
        assert mail.outbox == []
        call_command("send_event_reminders", "--municipality", "zeitz", "--hours", "48")
    assert len(mail.outbox) == 1
    with pytest.raises(CommandError):
        call_command("send_event_reminders", "--municipality", "gibt-es-nicht")
    with pytest.raises(CommandError):
        call_command("send_event_reminders", "--hours", "0")


def test_task_runs_for_all_municipalities(muni_a, muni_b, django_capture_on_commit_callbacks):
    seat(soon(muni_a, "A"), "a@example.org")
    seat(soon(muni_b, "B"), "b@example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.send_event_reminders.enqueue()
    assert result.return_value == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
