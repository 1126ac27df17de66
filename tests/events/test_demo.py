"""The demo programme loads, is realistic (full events with waiting lists) and loads idempotently."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from rathaus.events.models import Event, Registration, RegistrationStatus

pytestmark = pytest.mark.django_db


def test_demo_programme_is_idempotent():
    call_command("load_demo", verbosity=0)
    counts = (Event.objects.count(), Registration.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Event.objects.count(), Registration.objects.count()) == counts
    titles = set(Event.objects.values_list("title", flat=True))
    for expected in (
        "Digitalsprechstunde für Seniorinnen und Senioren",
        "Workshop: Online-Ausweisfunktion nutzen",
        "Grundlagen der Tabellenkalkulation",
        "Bürgerdialog Mobilitätskonzept Zeitz",
        "Unternehmensfrühstück: Digitalisierung im Handwerk",
        "Einführung in Open Data",
    ):
        assert expected in titles
    assert Event.objects.get(title="Grundlagen der Tabellenkalkulation").dates.count() == 4
    full = [
        e for e in Event.objects.all() if e.registrations.filter(status=RegistrationStatus.WAITLIST).exists()
    ]
    assert len(full) >= 2
    for event in Event.objects.all():
        assert event.registrations.filter(status=RegistrationStatus.REGISTERED).count() <= event.capacity
