"""Demo data: the advisors of the Digital Hub Zeitz, their topics, free slots and a few bookings.

Idempotent: everything is get_or_create; a later run adds the slots of the new days only.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from rathaus.core.accounts.mfa import activate_totp
from rathaus.core.accounts.models import User
from rathaus.core.tenancy.models import Municipality
from rathaus.demo.core_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from rathaus.demo.registry import demo_step

from .models import Advisor, Booking, BookingStatus, Mode, Slot, Topic

TOPICS = [
    (
        "online-ausweis",
        "Online-Ausweis und BundID",
        "Online ID card and BundID",
        "Online-Ausweisfunktion einrichten, PIN, AusweisApp und BundID-Konto für Online-Anträge.",
    ),
    (
        "handwerk",
        "Digitalisierung im Handwerk",
        "Digitalisation in crafts businesses",
        "Digitale Auftragsabwicklung, E-Rechnung, Terminplanung und Cloud für kleine Betriebe.",
    ),
    (
        "foerdermittel",
        "Fördermittel Digitalisierung",
        "Funding for digitalisation",
        "Förderprogramme von Land und Bund (z. B. Digital Innovation Sachsen-Anhalt) "
        "und wie man sie beantragt.",
    ),
    (
        "sicherheit",
        "Sicherheit im Netz",
        "Online security",
        "Sichere Passwörter, Phishing erkennen, Datensicherung und Schutz vor Betrug am Telefon und im Netz.",
    ),
    (
        "website",
        "Website und Social Media",
        "Website and social media",
        "Eigene Website, Impressum und Datenschutz, Auftritt in sozialen Netzwerken "
        "für Vereine und Betriebe.",
    ),
]

HUB = "Digital Hub Zeitz, Beratungsraum (Erdgeschoss, stufenlos)"

# (display name, organisation, bio, account e-mail or "", notification e-mail, topics, weekly pattern)
# weekly pattern: (weekday 0=Mon, hour, minute, minutes, mode, location)
ADVISORS: list[dict[str, Any]] = [
    {
        "name": "Sandra Köhler",
        "organisation": "Stadt Zeitz – Digitallotsin",
        "bio": "Hilft Bürgerinnen und Bürgern beim ersten Schritt: Online-Ausweis, BundID, "
        "Online-Anträge der Stadt und sichere Nutzung von Smartphone und Computer.",
        "account": "lotsin@zeitz.example",
        "email": "",
        "topics": ["online-ausweis", "sicherheit"],
        "pattern": [
            (1, 10, 0, 45, Mode.ON_SITE, HUB),
            (1, 11, 0, 45, Mode.ON_SITE, HUB),
            (3, 15, 0, 45, Mode.ON_SITE, HUB),
        ],
    },
    {
        "name": "Marco Teichmann",
        "organisation": "IT-Partner des Digital Hubs",
        "bio": "Berät kleine und mittlere Betriebe zu Cloud, E-Rechnung und digitaler Auftragsabwicklung.",
        "account": "beratung@it-partner.example",
        "email": "",
        "topics": ["handwerk", "sicherheit"],
        "pattern": [
            (2, 14, 0, 60, Mode.ONLINE, "Videokonferenz – der Link kommt per E-Mail"),
            (2, 15, 30, 60, Mode.ON_SITE, HUB),
        ],
    },
    {
        "name": "Julia Brandt",
        "organisation": "IT-Partner des Digital Hubs",
        "bio": "Webentwicklerin; unterstützt Vereine und Betriebe bei Website, Impressum und Social Media.",
        "account": "",
        "email": "j.brandt@it-partner.example",
        "topics": ["website", "handwerk"],
        "pattern": [
            (0, 9, 0, 30, Mode.PHONE, "Wir rufen Sie unter der angegebenen Nummer an"),
            (0, 9, 30, 30, Mode.PHONE, "Wir rufen Sie unter der angegebenen Nummer an"),
        ],
    },
    {
        "name": "Thomas Wendler",
        "organisation": "Stadt Zeitz – Wirtschaftsförderung und Digitalisierung",
        "bio": "Ansprechpartner für Unternehmen: Förderprogramme, Ansiedlung und Digitalisierungsprojekte.",
        "account": "",
        "email": "digital@stadt-zeitz.example",
        "topics": ["foerdermittel", "handwerk"],
        "pattern": [(4, 10, 0, 60, Mode.ON_SITE, "Rathaus Zeitz, Altmarkt 1, Zimmer 204 (Aufzug vorhanden)")],
    },
]

# (account, advisor name, topic, index of the advisor's upcoming slot, need)
BOOKINGS = [
    (
        "buerger@zeitz.example",
        "Sandra Köhler",
        "online-ausweis",
        0,
        "Ich möchte die Online-Ausweisfunktion meines Personalausweises einrichten "
        "und weiß meine PIN nicht mehr.",
    ),
    (
        "unternehmen@zeitz.example",
        "Thomas Wendler",
        "foerdermittel",
        0,
        "Wir planen ein neues Auftragsmanagement (12 Beschäftigte) und suchen passende Förderprogramme.",
    ),
    (
        "unternehmen@zeitz.example",
        "Marco Teichmann",
        "handwerk",
        1,
        "Ab 2027 müssen wir E-Rechnungen verschicken. Welche Software passt zu einem Werkzeugbaubetrieb?",
    ),
]


def _account(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, display_name=name)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    activate_totp(user, DEMO_TOTP_SECRET)  # advisors see personal data: MFA like staff
    return user


@demo_step(60)
def consulting(cmd: Any) -> None:
    muni = Municipality.objects.filter(slug="zeitz").first()
    if muni is None:
        return
    topics: dict[str, Topic] = {}
    for slug, name, name_en, description in TOPICS:
        topics[slug], _ = Topic.objects.get_or_create(
            municipality=muni,
            slug=slug,
            defaults={"name": name, "name_en": name_en, "description": description},
        )

    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    advisors: dict[str, Advisor] = {}
    for spec in ADVISORS:
        user = _account(spec["account"], spec["name"]) if spec["account"] else None
        advisor, _ = Advisor.objects.get_or_create(
            municipality=muni,
            display_name=spec["name"],
            defaults={
                "organisation": spec["organisation"],
                "bio": spec["bio"],
                "user": user,
                "email": spec["email"],
            },
        )
        advisors[spec["name"]] = advisor
        wanted = [topics[s] for s in spec["topics"]]
        for offset in range(1, 29):  # the next four weeks
            day = today + timedelta(days=offset)
            for weekday, hour, minute, minutes, mode, location in spec["pattern"]:
                if day.weekday() != weekday:
                    continue
                start = timezone.make_aware(datetime.combine(day, time(hour, minute)), tz)
                slot, created = Slot.objects.get_or_create(
                    municipality=muni,
                    advisor=advisor,
                    starts_at=start,
                    defaults={
                        "ends_at": start + timedelta(minutes=minutes),
                        "mode": mode,
                        "location": location,
                    },
                )
                if created:
                    slot.topics.set(wanted)

    # A few bookings, so "Meine Beratungstermine" and the advisors' view are not empty.
    # Not before tomorrow + 2 days: the booked slots stay cancellable in the demo.
    earliest = timezone.now() + timedelta(days=2)
    for email, advisor_name, topic_slug, index, need in BOOKINGS:
        user = User.objects.filter(email=email).first()
        if user is None:
            continue
        advisor = advisors[advisor_name]
        if Booking.objects.filter(
            municipality=muni, user=user, slot__advisor=advisor, status="active"
        ).exists():
            continue
        free = (
            Slot.objects.filter(advisor=advisor, starts_at__gte=earliest, withdrawn_at__isnull=True)
            .exclude(bookings__status=BookingStatus.ACTIVE)
            .order_by("starts_at")
        )
        candidates = list(free[: index + 1])
        if len(candidates) <= index:
            continue
        slot = candidates[index]
        Booking.objects.create(
            municipality=muni,
            slot=slot,
            user=user,
            topic=topics[topic_slug],
            need=need,
            contact_phone="03441 123456" if slot.mode == Mode.PHONE else "",
            contact_email=user.email if slot.mode == Mode.ONLINE else "",
        )
