"""Fixtures of the events tests: events in municipality A and B, an events manager."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from rathaus.core.accounts.models import Role
from rathaus.events import services
from rathaus.events.models import Event, EventStatus, EventType
from tests.conftest import grant, make_user


def make_event(
    muni: Any,
    *,
    title: str = "Workshop: Online-Ausweisfunktion nutzen",
    capacity: int = 3,
    days: int = 7,
    dates: list | None = None,
    tags: tuple[str, ...] = ("Digitalisierung",),
    **fields: Any,
) -> Event:
    start = timezone.now().replace(microsecond=0, second=0) + timedelta(days=days)
    defaults: dict[str, Any] = {
        "summary": "AusweisApp einrichten und Anträge online stellen.",
        "description": "Bitte Personalausweis mitbringen.",
        "event_type": EventType.WORKSHOP,
        "organiser": "Digital Hub Zeitz",
        "organiser_email": "hub@example.org",
        "venue": "Digital Hub Zeitz",
        "address": "Altmarkt 16, 06712 Zeitz",
        "accessibility": "Stufenloser Zugang",
        "status": EventStatus.PUBLISHED,
        "capacity": capacity,
    }
    defaults.update(fields)
    event = Event(municipality=muni, title=title, **defaults)
    return services.save_event(event, dates=dates or [(start, start + timedelta(hours=2))], tag_names=tags)


@pytest.fixture
def manager_a(muni_a):
    user = make_user("veranstaltungen-a@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["events"])
    return user


@pytest.fixture
def event_a(muni_a) -> Event:
    return make_event(muni_a)


@pytest.fixture
def event_b(muni_b) -> Event:
    return make_event(muni_b, title="Musterstadt-Workshop")
