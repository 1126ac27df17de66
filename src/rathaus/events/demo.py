"""Demo data: the programme of the Digital Hub Zeitz over the next three months.

Idempotent: events are found by title, registrations by e-mail; dates are set relative to the day
of the first run and never moved afterwards. Some events are full and have a waiting list.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from rathaus.core.accounts.models import User
from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step

from . import search_provider, services
from .models import Event, EventStatus, EventType, Registration, RegistrationStatus

HUB = "Digital Hub Zeitz, Veranstaltungsraum (Erdgeschoss)"
HUB_ADDRESS = "Altmarkt 16, 06712 Zeitz"
HUB_ACCESS = (
    "Stufenloser Eingang vom Altmarkt, barrierefreies WC im Erdgeschoss, induktive Höranlage im "
    "Veranstaltungsraum. Gebärdensprachdolmetschung bitte zwei Wochen vorher anfragen."
)
ORGANISER = "Digital Hub Zeitz (Stadt Zeitz und IT-Partner)"
ORGANISER_EMAIL = "digitalhub@stadt-zeitz.example"

GUESTS = [
    ("Ingrid Hoffmann", "ingrid.hoffmann@example.org"),
    ("Werner Schulze", "werner.schulze@example.org"),
    ("Renate Krüger", "renate.krueger@example.org"),
    ("Helmut Wagner", "helmut.wagner@example.org"),
    ("Gisela Richter", "gisela.richter@example.org"),
    ("Dieter Neumann", "dieter.neumann@example.org"),
    ("Monika Braun", "monika.braun@example.org"),
    ("Klaus Zimmermann", "klaus.zimmermann@example.org"),
    ("Ursula Hartmann", "ursula.hartmann@example.org"),
    ("Bernd Lange", "bernd.lange@example.org"),
    ("Sabine Schmitt", "sabine.schmitt@example.org"),
    ("Jörg Krause", "joerg.krause@example.org"),
]


def _on(day: date, start: tuple[int, int], end: tuple[int, int]) -> tuple[datetime, datetime]:
    return (
        timezone.make_aware(datetime.combine(day, time(*start))),
        timezone.make_aware(datetime.combine(day, time(*end))),
    )


def _weekday_after(base: date, days: int, weekday: int) -> date:
    d = base + timedelta(days=days)
    return d + timedelta(days=(weekday - d.weekday()) % 7)


def programme(today: date) -> list[dict[str, Any]]:
    tue = _weekday_after(today, 5, 1)
    course_start = _weekday_after(today, 14, 2)
    return [*_hub_courses(tue, course_start), *_dialogues(today), *_later_workshops(today, tue)]


def _hub_courses(tue: date, course_start: date) -> list[dict[str, Any]]:
    """Consultation, workshop and course of the Digital Hub in the next weeks."""
    return [
        {
            "title": "Digitalsprechstunde für Seniorinnen und Senioren",
            "event_type": EventType.CONSULTATION,
            "summary": (
                "Smartphone, Tablet, Online-Banking: Ehrenamtliche Digitallotsen helfen bei Ihren Fragen."
            ),
            "description": (
                "Bringen Sie Ihr Gerät und Ihre Fragen mit – ob Videotelefonie mit den Enkeln, "
                "Fahrplanauskunft oder sichere Passwörter. Wir nehmen uns Zeit, in Ruhe und ohne "
                "Fachsprache.\n\n"
                "Kaffee und Tee stehen bereit."
            ),
            "dates": [_on(tue, (10, 0), (12, 0))],
            "capacity": 8,
            "targets": {"for_citizens": True},
            "tags": ["Senioren", "Smartphone", "Digitale Teilhabe"],
            "registrations": 10,  # full, two on the waiting list
        },
        {
            "title": "Workshop: Online-Ausweisfunktion nutzen",
            "event_type": EventType.WORKSHOP,
            "summary": (
                "Personalausweis mit PIN aktivieren, AusweisApp einrichten und Verwaltungsleistungen online"
                " beantragen."
            ),
            "description": (
                "Schritt für Schritt: Wir prüfen, ob Ihre Online-Ausweisfunktion eingeschaltet ist, "
                "richten die "
                "AusweisApp auf dem eigenen Smartphone ein und stellen gemeinsam einen Antrag im "
                "Serviceportal.\n\n"
                "Bitte mitbringen: Personalausweis, PIN-Brief (falls vorhanden), Smartphone mit NFC."
            ),
            "dates": [_on(tue + timedelta(days=9), (17, 0), (19, 0))],
            "capacity": 12,
            "targets": {"for_citizens": True},
            "tags": ["Online-Ausweis", "Digitale Verwaltung"],
            "registrations": 7,
        },
        {
            "title": "Grundlagen der Tabellenkalkulation",
            "event_type": EventType.COURSE,
            "summary": (
                "Kurs an vier Abenden: Tabellen anlegen, rechnen, sortieren und Diagramme erstellen – mit "
                "LibreOffice Calc."
            ),
            "description": (
                "Für Einsteigerinnen und Einsteiger aus Vereinen, kleinen Betrieben und der "
                "Verwaltung. Jeder Abend "
                "baut auf dem vorherigen auf; bitte nehmen Sie an allen vier Terminen teil. Laptops "
                "stellt der "
                "Digital Hub, eigene Geräte sind willkommen."
            ),
            "dates": [_on(course_start + timedelta(weeks=w), (18, 0), (20, 0)) for w in range(4)],
            "capacity": 10,
            "targets": {"for_citizens": True, "for_businesses": True, "for_administration": True},
            "tags": ["Weiterbildung", "Office"],
            "registrations": 11,  # full, one on the waiting list
        },
    ]


def _dialogues(today: date) -> list[dict[str, Any]]:
    """The citizen dialogue on mobility and the business breakfast."""
    return [
        {
            "title": "Bürgerdialog Mobilitätskonzept Zeitz",
            "event_type": EventType.DIALOGUE,
            "summary": (
                "Wie kommen wir künftig durch Zeitz? Die Stadt stellt erste Ergebnisse des "
                "Mobilitätskonzepts vor und diskutiert mit Ihnen."
            ),
            "description": (
                "Bus, Rad, Fußwege und Parken: Das Planungsbüro stellt die Analyse vor, danach sammeln"
                " wir an "
                "Thementischen Ihre Hinweise. Die Ergebnisse fließen in das Mobilitätskonzept ein.\n\n"
                "Der Bürgerdialog wird zusätzlich per Video übertragen; Fragen sind auch online möglich."
            ),
            "dates": [_on(_weekday_after(today, 30, 3), (18, 30), (20, 30))],
            "capacity": 60,
            "targets": {"for_citizens": True, "for_businesses": True},
            "tags": ["Mobilität", "Beteiligung"],
            "venue": "Rathaus Zeitz, Ratssaal",
            "address": "Altmarkt 1, 06712 Zeitz",
            "online_url": "https://meet.stadt-zeitz.example/buergerdialog-mobilitaet",
            "registrations": 5,
        },
        {
            "title": "Unternehmensfrühstück: Digitalisierung im Handwerk",
            "event_type": EventType.EVENT,
            "summary": (
                "Betriebe aus dem Burgenlandkreis berichten: digitale Auftragsannahme, E-Rechnung und "
                "Fördermittel."
            ),
            "description": (
                "Bei Kaffee und Brötchen berichten zwei Handwerksbetriebe aus der Region von ihren "
                "Erfahrungen. "
                "Die Wirtschaftsförderung informiert über Förderprogramme des Landes Sachsen-Anhalt, der "
                "IT-Partner des Digital Hubs zur Pflicht zur E-Rechnung."
            ),
            "dates": [_on(_weekday_after(today, 40, 4), (8, 0), (10, 0))],
            "capacity": 25,
            "targets": {"for_businesses": True},
            "tags": ["Wirtschaft", "E-Rechnung"],
            "registrations": 4,
        },
    ]


def _later_workshops(today: date, tue: date) -> list[dict[str, Any]]:
    """Open data, the follow-up consultation and the e-file workshop for the administration."""
    return [
        {
            "title": "Einführung in Open Data",
            "event_type": EventType.WORKSHOP,
            "summary": (
                "Was sind offene Daten, wo findet man sie und was kann man damit anfangen? Mit Beispielen "
                "aus Zeitz."
            ),
            "description": (
                "Wir zeigen das Open-Data-Portal der Stadt, laden gemeinsam Datensätze herunter und "
                "bauen eine "
                "kleine Auswertung – ganz ohne Programmierkenntnisse. Auch online möglich."
            ),
            "dates": [_on(_weekday_after(today, 60, 2), (17, 0), (19, 0))],
            "capacity": 15,
            "targets": {"for_citizens": True, "for_businesses": True, "for_administration": True},
            "tags": ["Open Data", "Weiterbildung"],
            "online_url": "https://meet.stadt-zeitz.example/open-data",
            "registrations": 3,
        },
        {
            "title": "Digitalsprechstunde für Seniorinnen und Senioren (Folgetermin)",
            "event_type": EventType.CONSULTATION,
            "summary": (
                "Der nächste Termin der Digitalsprechstunde: Hilfe zu Smartphone, Tablet und Internet."
            ),
            "description": (
                "Wie jeden Monat: Digitallotsen beantworten Ihre Fragen in Ruhe und ohne Fachsprache."
            ),
            "dates": [_on(tue + timedelta(weeks=5), (10, 0), (12, 0))],
            "capacity": 8,
            "targets": {"for_citizens": True},
            "tags": ["Senioren", "Smartphone", "Digitale Teilhabe"],
            "registrations": 2,
        },
        {
            "title": "Verwaltung digital: E-Akte in der Praxis",
            "event_type": EventType.WORKSHOP,
            "summary": "Interne Schulung für Beschäftigte der Stadtverwaltung zur elektronischen Akte.",
            "description": "Praxisnahe Schulung mit Übungsakten. Nur für Beschäftigte der Stadt Zeitz.",
            "dates": [_on(_weekday_after(today, 21, 0), (9, 0), (12, 0))],
            "capacity": 12,
            "targets": {"for_administration": True},
            "tags": ["Verwaltung", "Weiterbildung"],
            "is_public": False,
            "registrations": 0,
        },
    ]


@demo_step(50)
def events_programme(cmd: Any) -> None:
    muni = Municipality.objects.filter(slug="zeitz").first()
    if muni is None:
        return
    today = timezone.localdate()
    manager = User.objects.filter(email="hub@zeitz.example").first()
    citizen = User.objects.filter(email="buerger@zeitz.example").first()
    for spec in programme(today):
        event = Event.objects.filter(municipality=muni, title=spec["title"]).first()
        if event is None:
            event = Event(
                municipality=muni,
                title=spec["title"],
                event_type=spec["event_type"],
                summary=spec["summary"],
                description=spec["description"],
                organiser=ORGANISER,
                organiser_email=ORGANISER_EMAIL,
                venue=spec.get("venue", HUB),
                address=spec.get("address", HUB_ADDRESS),
                online_url=spec.get("online_url", ""),
                accessibility=HUB_ACCESS,
                capacity=spec["capacity"],
                is_public=spec.get("is_public", True),
                status=EventStatus.PUBLISHED,
                for_citizens=spec["targets"].get("for_citizens", False),
                for_businesses=spec["targets"].get("for_businesses", False),
                for_administration=spec["targets"].get("for_administration", False),
            )
            services.save_event(event, dates=spec["dates"], tag_names=spec["tags"], actor=manager)
        _demo_registrations(
            event, spec["registrations"], citizen if spec["title"].startswith("Workshop") else None
        )
        search_provider.sync(event)


def _demo_registrations(event: Event, count: int, citizen: User | None) -> None:
    """Seat holders first, then the waiting list; written directly so that no e-mails go out."""
    people = [(u.display_name or u.email, u.email, u) for u in [citizen] if u] + [
        (n, e, None) for n, e in GUESTS
    ]
    base = event.created_at - timedelta(days=3)
    for i, (name, email, user) in enumerate(people[:count]):
        if Registration.objects.filter(event=event, email=email).exists():
            continue
        placed = base + timedelta(hours=i)
        reg = Registration(
            municipality=event.municipality,
            event=event,
            user=user,
            name=name,
            email=email,
            requested_at=placed,
            confirmed_at=placed,
            queued_at=placed,
            queue_number=i + 1,
            status=RegistrationStatus.REGISTERED if i < event.capacity else RegistrationStatus.WAITLIST,
        )
        services.renew_tokens(reg)
        reg.save()
    placed_count = Registration.objects.filter(event=event, queue_number__isnull=False).count()
    if event.last_queue_number < placed_count:
        Event.objects.filter(pk=event.pk).update(last_queue_number=placed_count)
