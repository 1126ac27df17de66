"""Demo data: the Bürgerbüro Zeitz with two counters and four bookable services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rathaus.appointments import demo, queries
from rathaus.appointments.models import Counter, ServiceSetting
from rathaus.catalog import demo as catalog_demo
from rathaus.catalog.demo_data import SERVICES

pytestmark = pytest.mark.django_db


def test_demo_office_is_bookable_and_idempotent(muni_a):
    wanted = {name for name, *_ in demo.SERVICES}
    catalog_demo.load(
        muni_a, [{**spec, "online": False, "reifegrad": 1} for spec in SERVICES if spec["name"] in wanted]
    )
    location = demo.load(muni_a)
    demo.load(muni_a)
    assert location is not None and location.name == "Bürgerbüro Zeitz"
    assert Counter.objects.filter(location=location).count() == 2
    names = set(ServiceSetting.objects.filter(location=location).values_list("service__name", flat=True))
    assert names == {
        "Personalausweis beantragen",
        "Reisepass beantragen",
        "Meldebescheinigung",
        "Beglaubigung von Dokumenten",
    }
    settings = list(queries.bookable_settings(muni_a, location))
    choices = [queries.Choice(s) for s in settings[:2]]
    today = timezone.localdate()
    avail = queries.available(location, choices, today, today + timedelta(days=7))
    assert avail.starts and all(len(options) <= 2 for options in avail.starts.values())
    assert queries.booking_url(muni_a, settings[0].service).startswith("/termine/buergerbuero/")
