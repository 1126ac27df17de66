"""Demo data: the Bürgerbüro Zeitz with two counters (Schalter), opening hours, two staff members and
four bookable services (Personalausweis, Reisepass, Meldebescheinigung, Beglaubigung).

Idempotent: found by slug / name / e-mail; runs after the catalogue (step 60).
"""

from __future__ import annotations

from datetime import time
from typing import Any

from allauth.account.models import EmailAddress

from rathaus.catalog.models import Service
from rathaus.core.accounts.mfa import activate_totp
from rathaus.core.accounts.models import Membership, Role, User
from rathaus.core.tenancy.models import Municipality
from rathaus.demo.core_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from rathaus.demo.registry import demo_step

from .models import Availability, Counter, Location, OpeningHours, ServiceSetting

# (catalogue name, minutes, at most at once, lead time in hours)
SERVICES = [
    ("Personalausweis beantragen", 20, 3, 2),
    ("Reisepass beantragen", 20, 3, 2),
    ("Meldebescheinigung", 10, 2, 1),
    ("Beglaubigung von Dokumenten", 10, 5, 1),
]
# Mo, Di, Do 8–12 and 13–18 (Do), Di 13–16, Fr 8–12; Sa closed.
HOURS = [
    (0, time(8), time(12)),
    (1, time(8), time(12)),
    (1, time(13), time(16)),
    (2, time(8), time(12)),
    (3, time(8), time(12)),
    (3, time(13), time(18)),
    (4, time(8), time(12)),
]
STAFF = [
    ("buergerbuero1@zeitz.example", "Petra Lange (Bürgerbüro)", "Schalter 1"),
    ("buergerbuero2@zeitz.example", "Jens Krüger (Bürgerbüro)", "Schalter 2"),
]


def _staff(muni: Municipality, email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, display_name=name)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    activate_totp(user, DEMO_TOTP_SECRET)
    Membership.objects.get_or_create(
        municipality=muni, user=user, defaults={"role": Role.MODULE_MANAGER, "modules": ["services"]}
    )
    return user


def load(muni: Municipality) -> Location | None:
    services = {
        s.name: s for s in Service.objects.for_tenant(muni).filter(name__in=[n for n, *_ in SERVICES])
    }
    if not services:
        return None
    location, _ = Location.objects.get_or_create(
        municipality=muni,
        slug="buergerbuero",
        defaults={
            "name": "Bürgerbüro Zeitz",
            "address": "Altmarkt 1, 06712 Zeitz (Erdgeschoss, barrierefrei)",
            "buffer_minutes": 5,
            "step_minutes": 10,
        },
    )
    if not location.opening_hours.exists():
        OpeningHours.objects.bulk_create(
            [
                OpeningHours(municipality=muni, location=location, weekday=d, opens=o, closes=c)
                for d, o, c in HOURS
            ]
        )
    settings = []
    for name, minutes, most, lead in SERVICES:
        service = services.get(name)
        if service is None:
            continue
        setting, _ = ServiceSetting.objects.get_or_create(
            service=service,
            defaults={
                "municipality": muni,
                "location": location,
                "duration_minutes": minutes,
                "max_quantity": most,
                "lead_time_hours": lead,
            },
        )
        settings.append(setting)
    for email, name, counter_name in STAFF:
        user = _staff(muni, email, name)
        counter, _ = Counter.objects.get_or_create(municipality=muni, location=location, name=counter_name)
        if not Availability.objects.filter(counter=counter, staff=user).exists():
            for weekday, opens, closes in HOURS:
                a = Availability.objects.create(
                    municipality=muni, staff=user, counter=counter, weekday=weekday, starts=opens, ends=closes
                )
                a.services.set(settings)
    return location


@demo_step(65)
def appointments(cmd: Any) -> None:
    zeitz = Municipality.objects.filter(slug="zeitz").first()
    if zeitz is not None:
        load(zeitz)
