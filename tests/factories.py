"""Test data factories (factory-boy): one place that knows what a valid row of each model needs.

    muni = MunicipalityFactory(hosts=["zeitz.testserver"])
    user = UserFactory(email="a@example.org", mfa=True)           # verified e-mail, PASSWORD
    staff = UserFactory(roles=[(muni, Role.STAFF)])                 # with a membership
    advisor = AdvisorFactory(municipality=muni)
    slot = SlotFactory(advisor=advisor, topics=[TopicFactory(municipality=muni)])

Every factory writes to the database (``DjangoModelFactory``), so a test using one needs the
``db`` fixture. Values a test asserts on are passed explicitly; the defaults are only valid. The
helpers of ``tests/conftest.py`` (``make_municipality``, ``make_user``, ``grant``) build through
these factories.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from factory.django import DjangoModelFactory

from rathaus.catalog.models import Service
from rathaus.consulting.models import Advisor, Mode, Slot, Topic
from rathaus.core.accounts.mfa import activate_totp
from rathaus.core.accounts.models import Department, Membership, Role, User
from rathaus.core.tenancy.models import Domain, Municipality

PASSWORD = "Test-Passwort-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


# --- tenancy and accounts -----------------------------------------------------------------------


class MunicipalityFactory(DjangoModelFactory):
    """A municipality; ``hosts=[...]`` adds its domains (the first is the primary one)."""

    class Meta:
        model = Municipality
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"gemeinde-{n}")
    name = factory.Sequence(lambda n: f"Gemeinde {n}")
    official_name = factory.LazyAttribute(lambda o: f"Stadt {o.name}")
    ags = factory.Sequence(lambda n: f"{15000000 + n:08d}")
    ars = factory.Sequence(lambda n: f"{150000000000 + n:012d}")
    state = "15"
    email = factory.LazyAttribute(lambda o: f"info@{o.slug}.example")
    address = factory.LazyAttribute(lambda o: f"Rathaus\nMarkt 1\n00000 {o.name}")

    @factory.post_generation
    def hosts(obj: Municipality, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        for i, host in enumerate(extracted or []):
            Domain.objects.create(municipality=obj, host=host, is_primary=i == 0)


class UserFactory(DjangoModelFactory):
    """A person with a verified e-mail address and the test password.

    ``mfa=True`` activates TOTP, ``superuser=True`` makes a platform administrator,
    ``verified=False`` leaves the address unconfirmed, ``roles=[(muni, role), …]`` adds memberships.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        superuser = False

    email = factory.Sequence(lambda n: f"person{n}@example.org")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        superuser = kwargs.pop("is_superuser", False)
        kwargs.pop("is_staff", None)
        return model_class.objects.create_user(
            kwargs.pop("email"), PASSWORD, is_superuser=superuser, is_staff=superuser, **kwargs
        )

    is_superuser = factory.LazyAttribute(lambda o: o.superuser)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        if extracted is None or extracted:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)

    @factory.post_generation
    def mfa(obj: User, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        if extracted:
            activate_totp(obj, TOTP_SECRET)

    @factory.post_generation
    def roles(
        obj: User, create: bool, extracted: list[tuple[Municipality, str]] | None, **kwargs: Any
    ) -> None:
        for muni, role in extracted or []:
            MembershipFactory(user=obj, municipality=muni, role=role)


class MembershipFactory(DjangoModelFactory):
    """A person's role in a municipality (``modules`` for a module manager)."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    role = Role.STAFF
    modules = factory.LazyFunction(list)


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Fachbereich {n}")


# --- catalog ------------------------------------------------------------------------------------


class ServiceFactory(DjangoModelFactory):
    """A service (Leistung) of the catalog."""

    class Meta:
        model = Service

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Leistung {n}")
    summary = "Kurzbeschreibung der Leistung."
    themenfeld = "umwelt"


# --- consulting -----------------------------------------------------------------------------------


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic

    municipality = factory.SubFactory(MunicipalityFactory)
    slug = "online-ausweis"
    name = "Online-Ausweis und BundID"
    name_en = "Online ID card"


class AdvisorFactory(DjangoModelFactory):
    """A named advisor; without ``user`` an advisor whose slots the hub's managers publish."""

    class Meta:
        model = Advisor

    municipality = factory.SubFactory(MunicipalityFactory)
    display_name = factory.Sequence(lambda n: f"Beraterin {n}")


class SlotFactory(DjangoModelFactory):
    """A published slot ``in_hours`` from now lasting ``minutes``; ``topics=[...]`` offers topics."""

    class Meta:
        model = Slot
        skip_postgeneration_save = True

    class Params:
        in_hours = 72
        minutes = 45

    advisor = factory.SubFactory(AdvisorFactory)
    municipality = factory.SelfAttribute("advisor.municipality")
    starts_at = factory.LazyAttribute(
        lambda o: timezone.now().replace(microsecond=0) + timedelta(hours=o.in_hours)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=o.minutes))
    mode = Mode.ON_SITE
    location = "Digital Hub Zeitz"

    @factory.post_generation
    def topics(obj: Slot, create: bool, extracted: list[Topic] | None, **kwargs: Any) -> None:
        if extracted:
            obj.topics.set(extracted)
