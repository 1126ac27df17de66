"""Demo data of consulting: Zeitz's advisors with free slots and a few bookings; idempotent."""

from __future__ import annotations

import pytest
from django.utils import timezone

from rathaus.consulting import demo, queries
from rathaus.consulting.models import Advisor, Booking, Slot, Topic
from rathaus.core.tenancy.models import Municipality
from rathaus.demo import core_demo


@pytest.mark.django_db
def test_demo_is_realistic_and_idempotent():
    core_demo.municipalities(None)
    core_demo.accounts(None)
    demo.consulting(None)
    counts = (Topic.objects.count(), Advisor.objects.count(), Slot.objects.count(), Booking.objects.count())
    demo.consulting(None)
    assert (
        Topic.objects.count(),
        Advisor.objects.count(),
        Slot.objects.count(),
        Booking.objects.count(),
    ) == counts

    zeitz = Municipality.objects.get(slug="zeitz")
    assert counts[0] == 5 and counts[1] == 4 and counts[3] == 3
    assert Advisor.objects.filter(municipality=zeitz, organisation__icontains="Digitallotsin").exists()
    assert Advisor.objects.filter(municipality=zeitz, user__email="lotsin@zeitz.example").exists()
    free = queries.free_slots(zeitz)
    assert free.count() >= 20
    last = max(s.starts_at for s in free)
    assert (last - timezone.now()).days <= 28
    assert not Slot.objects.exclude(municipality=zeitz).exists()
    for b in Booking.objects.select_related("slot"):
        assert b.slot.topics.filter(pk=b.topic_id).exists()
        assert b.slot.starts_at > timezone.now()
