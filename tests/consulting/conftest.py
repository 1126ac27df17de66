"""Fixtures of the consulting tests: topics, advisors, slots in municipality A (Zeitz) and B."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.consulting.models import Advisor, Mode, Slot, Topic
from rathaus.core.accounts.models import Role
from tests.conftest import grant, make_user
from tests.factories import AdvisorFactory, SlotFactory, TopicFactory


def make_topic(muni: Any, slug: str = "online-ausweis", name: str = "Online-Ausweis und BundID") -> Topic:
    return TopicFactory(municipality=muni, slug=slug, name=name)


def make_slot(
    advisor: Advisor,
    topics: list[Topic],
    *,
    in_hours: float = 72,
    minutes: int = 45,
    mode: str = Mode.ON_SITE,
    location: str = "Digital Hub Zeitz",
) -> Slot:
    return SlotFactory(
        advisor=advisor, topics=topics, in_hours=in_hours, minutes=minutes, mode=mode, location=location
    )


@pytest.fixture
def topic(muni_a) -> Topic:
    return make_topic(muni_a)


@pytest.fixture
def topic2(muni_a) -> Topic:
    return make_topic(muni_a, "sicherheit", "Sicherheit im Netz")


@pytest.fixture
def advisor(muni_a) -> Advisor:
    """A named advisor without an account (slots published by the hub's managers)."""
    return AdvisorFactory(
        municipality=muni_a,
        display_name="Thomas Wendler",
        organisation="Wirtschaftsförderung",
        email="wendler@zeitz.example",
    )


@pytest.fixture
def advisor_user(muni_a):
    return make_user("lotsin@zeitz.example", mfa=True)


@pytest.fixture
def own_advisor(muni_a, advisor_user) -> Advisor:
    """An advisor with an account: manages his own slots."""
    return AdvisorFactory(
        municipality=muni_a, display_name="Sandra Köhler", organisation="Digitallotsin", user=advisor_user
    )


@pytest.fixture
def slot(advisor, topic) -> Slot:
    return make_slot(advisor, [topic])


@pytest.fixture
def hub_manager(muni_a):
    user = make_user("hub-a@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["hub"])
    return user


@pytest.fixture
def unverified(db):
    from rathaus.core.accounts.models import User

    return User.objects.create_user("neu@example.org", "Test-Passwort-2026")


@pytest.fixture
def citizen2(db):
    return make_user("zweite@example.org")
