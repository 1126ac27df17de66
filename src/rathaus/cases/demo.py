"""Demo: Zeitz applications for the demo online forms (fim/demo_schemas) in every state, mapped to the
Bürgerservice, so that sachbearbeitung@zeitz.example finds a filled inbox.

Every application goes the way of a real one: a draft with the answers, validated and submitted by
the form engine (``rathaus.fim.services.submit``), stored by this module's submit handler with its
attachments; only the dates and the processing states are set afterwards. The demo citizen account
„Kim Beispiel“ (buerger@zeitz.example) owns only applications with Kim's own name and address; the
others were filed by guests under their own names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from rathaus.core.accounts.models import Department, User
from rathaus.core.storage import private_storage
from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step
from rathaus.fim import queries as fim_queries
from rathaus.fim import services as fim

from .models import Application, Message, MessageKind, ServiceSetting, Status, StatusEvent

DEPARTMENT = "Bürgerservice und Einwohnermeldeamt"
CITIZEN_EMAIL = "buerger@zeitz.example"
BEWOHNERPARKEN, HUNDESTEUER, GEWERBE = "S15990001", "S15990002", "S15990003"
DEMO_PDF = b"%PDF-1.4\n% Rathaus Demo-Anhang\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class Person:
    last: str
    first: str
    street: str
    number: str
    born: str
    email: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def mail(self) -> str:
        return self.email or f"{self.first.lower()}.{self.last.lower()}@example.org"


# The demo citizen account: its applications carry this name and address.
KIM = Person("Beispiel", "Kim", "Kalkstraße", "7", "1988-04-12", CITIZEN_EMAIL)


@dataclass(frozen=True)
class DemoApplication:
    key: str
    schema_id: str
    person: Person
    days_ago: int
    path: list[str] = field(default_factory=list)
    query: str = ""
    own: bool = False  # filed by the demo citizen account (then ``person`` is KIM)
    details: dict[str, Any] = field(default_factory=dict)


APPLICATIONS: list[DemoApplication] = [
    DemoApplication(
        "demo-park-1", BEWOHNERPARKEN, Person("Schulze", "Anna", "Schützenplatz", "3", "1979-06-02"), 1
    ),
    DemoApplication(
        "demo-park-2",
        BEWOHNERPARKEN,
        Person("Krause", "Thomas", "Rahnestraße", "14", "1965-11-23"),
        4,
        [Status.IN_REVIEW],
        details={"zone": "B", "plate": "ZZ-TK 714"},
    ),
    DemoApplication(
        "demo-park-3",
        BEWOHNERPARKEN,
        KIM,
        9,
        [Status.IN_REVIEW, Status.QUERY],
        "Bitte reichen Sie die Bescheinigung Ihres Arbeitgebers über die Nutzung des Dienstwagens nach.",
        own=True,
        details={"holder": "Elstertal Werkzeugbau GmbH", "plate": "ZZ-EW 88"},
    ),
    DemoApplication(
        "demo-park-4",
        BEWOHNERPARKEN,
        Person("Hoffmann", "Peter", "Brüderstraße", "21", "1958-01-30"),
        45,
        [Status.IN_REVIEW],
    ),
    DemoApplication(
        "demo-park-5",
        BEWOHNERPARKEN,
        Person("Richter", "Sabine", "Domherrenstraße", "5", "1990-08-17"),
        20,
        [Status.IN_REVIEW, Status.APPROVED],
        details={"zone": "C"},
    ),
    DemoApplication(
        "demo-park-6",
        BEWOHNERPARKEN,
        Person("Neumann", "Lukas", "Steinstraße", "9", "1996-03-08"),
        60,
        [Status.IN_REVIEW, Status.REJECTED, Status.CLOSED],
    ),
    DemoApplication(
        "demo-park-7",
        BEWOHNERPARKEN,
        Person("Becker", "Marie", "Wendische Straße", "2", "2001-12-01"),
        12,
        [Status.WITHDRAWN],
    ),
    DemoApplication(
        "demo-hund-1",
        HUNDESTEUER,
        KIM,
        30,
        [Status.IN_REVIEW, Status.APPROVED],
        own=True,
        details={"dog": "Bruno", "breed": "Labrador-Mischling", "chip": "276098106543210"},
    ),
    DemoApplication(
        "demo-hund-2",
        HUNDESTEUER,
        Person("Weber", "Jana", "Altmarkt", "11", "1984-05-19"),
        2,
        details={"dog": "Lotte", "breed": "Dackel", "reduction": "02"},
    ),
    DemoApplication(
        "demo-gewerbe-1",
        GEWERBE,
        Person("Lange", "Marco", "Naumburger Straße", "40", "1975-09-09"),
        6,
        [Status.IN_REVIEW],
        details={"company": "Lange Fahrradwerkstatt GmbH", "rechtsform": "03"},
    ),
    DemoApplication(
        "demo-gewerbe-2",
        GEWERBE,
        Person("Yilmaz", "Fatma", "Rahnestraße", "3", "1992-02-14"),
        3,
        details={"company": "Café am Altmarkt", "rechtsform": "01", "art": "05", "permit": True},
    ),
]

# The Tenor only: the letter (cases.letters) adds letterhead, address, salutation, reasons,
# Rechtsbehelfsbelehrung and closing itself.
DECISION_TEMPLATE = (
    "über Ihren Antrag „{leistung}“ vom {eingang} (Aktenzeichen {aktenzeichen}) wird wie folgt "
    "entschieden:\n\n{entscheidung}."
)


def _file(municipality: Municipality, key: str, name: str) -> dict[str, Any]:
    """A small PDF in the storage, as the form engine keeps an uploaded file in a draft."""
    path = private_storage().save(f"fim/{municipality.pk}/demo-{key}/{name}", ContentFile(DEMO_PDF))
    return {"name": name, "path": path, "size": len(DEMO_PDF)}


def _person(prefix: str, p: Person) -> dict[str, Any]:
    """The person group of the demo schemas (fields F<prefix>1…4, address group G<prefix>5)."""
    return {
        f"F{prefix}1": p.last,
        f"F{prefix}2": p.first,
        f"F{prefix}3": p.born,
        f"F{prefix}4": p.mail,
        f"G{prefix}5": [
            {f"F{prefix}6": p.street, f"F{prefix}7": p.number, f"F{prefix}8": "06712", f"F{prefix}9": "Zeitz"}
        ],
    }


def answers_for(municipality: Municipality, a: DemoApplication, today: date) -> dict[str, Any]:
    """Draft answers for one demo application (nested by step, as the form engine stores them)."""
    d = a.details
    consent = {"_allgemein0": [{"F159900001": "ja"}]}
    p = a.person
    if a.schema_id == BEWOHNERPARKEN:
        initials = (p.first[:1] + p.last[:1]).upper()
        answers = {
            **consent,
            "G159900100": [_person("15990010", p)],
            "G159900200": [
                {
                    "F159900201": d.get("plate", f"ZZ-{initials} {100 + a.days_ago}"),
                    "F159900202": d.get("zone", "A"),
                    "F159900203": "02" if "holder" in d else "01",
                    "F159900204": _file(municipality, a.key, "fahrzeugschein.pdf"),
                    "F159900205": (today - timedelta(days=a.days_ago) + timedelta(days=14)).isoformat(),
                }
            ],
        }
        if "holder" in d:
            answers["G159900300"] = [
                {"F159900301": d["holder"], "F159900302": _file(municipality, a.key, "nutzungsnachweis.pdf")}
            ]
        return answers
    if a.schema_id == HUNDESTEUER:
        reduction = d.get("reduction", "01")
        return {
            **consent,
            "G159900800": [_person("15990080", p)],
            "G159900400": [
                {
                    "F159900401": d.get("dog", "Bello"),
                    "F159900402": d.get("breed", "Mischling"),
                    "F159900403": (today - timedelta(days=a.days_ago + 400)).isoformat(),
                    "F159900404": (today - timedelta(days=a.days_ago + 7)).isoformat(),
                    "F159900405": "false",
                    "F159900406": "false",
                    "F159900408": d.get("chip", ""),
                }
            ],
            "G159900500": [
                {
                    "F159900501": reduction,
                    **(
                        {"F159900502": _file(municipality, a.key, "assistenzhund-ausweis.pdf")}
                        if reduction == "02"
                        else {}
                    ),
                }
            ],
        }
    rechtsform = d.get("rechtsform", "01")
    answers = {
        **consent,
        "G159900600": [_person("15990060", p)],
        "G159900700": [
            {
                "F159900701": d.get("company", ""),
                "F159900702": rechtsform,
                "F159900703": d.get("art", "01"),
                "F159900704": "Reparatur und Verkauf von Fahrrädern und Zubehör"
                if rechtsform == "03"
                else "Betrieb eines Cafés mit Ausschank alkoholfreier Getränke und Verkauf von Kuchen",
                "F159900705": (today + timedelta(days=30)).isoformat(),
                "F159900706": "2",
                "F159900707": "true" if d.get("permit") else "false",
                **({"F159900708": _file(municipality, a.key, "erlaubnis.pdf")} if d.get("permit") else {}),
            }
        ],
    }
    if rechtsform in ("03", "04"):
        answers["G159900710"] = [{"F159900711": "Amtsgericht Stendal", "F159900712": "HRB 31415"}]
    return answers


def _setting(form: Any, dept: Department | None) -> ServiceSetting:
    setting, _created = ServiceSetting.objects.get_or_create(
        municipality=form.municipality,
        form=form,
        defaults={
            "department": dept,
            "deadline_days": 14,
            "retention_days": 730,
            "decision_template": DECISION_TEMPLATE,
        },
    )
    if setting.decision_template.startswith("Sehr geehrte/r"):  # the demo's text before the letter layout
        setting.decision_template = DECISION_TEMPLATE
        setting.save(update_fields=["decision_template"])
    return setting


def _process(app: Application, a: DemoApplication, setting: ServiceSetting, clerk: Any) -> None:
    """Dates and processing states of a submitted demo application."""
    from . import services

    at = timezone.now() - timedelta(days=a.days_ago)
    app.submitted_at = at
    app.due_date = timezone.localdate(at) + timedelta(days=setting.deadline_days)
    app.assignee = clerk if a.path else None
    before: str = Status.RECEIVED
    for step in a.path:
        StatusEvent.objects.create(
            municipality=app.municipality,
            application=app,
            from_status=before,
            to_status=step,
            actor=None if step == Status.WITHDRAWN else clerk,
            by_applicant=step == Status.WITHDRAWN,
        )
        before = step
    app.status = before
    if before in (Status.APPROVED, Status.REJECTED, Status.PARTIAL, Status.CLOSED):
        app.decided_at = at + timedelta(days=5)
        outcome = Status.REJECTED if Status.REJECTED in a.path else Status.APPROVED
        app.decision_text = services.render_decision(
            app, outcome, "Die Angaben wurden geprüft.", setting.decision_template
        )
        Message.objects.create(
            municipality=app.municipality,
            application=app,
            kind=MessageKind.DECISION,
            author=clerk,
            body=app.decision_text,
        )
    if before in (Status.CLOSED, Status.WITHDRAWN):
        app.closed_at = at + timedelta(days=6)
    app.save()
    if a.query:
        Message.objects.create(
            municipality=app.municipality, application=app, kind=MessageKind.QUERY, author=clerk, body=a.query
        )


@demo_step(400)
def zeitz_applications(cmd: Any) -> None:
    zeitz = Municipality.objects.filter(slug="zeitz").first()
    if zeitz is None:
        return
    forms = {f.schema_id: f for f in fim_queries.published_forms(zeitz)}
    missing = sorted({a.schema_id for a in APPLICATIONS} - set(forms))
    if missing:
        cmd.stdout.write(f"Antrags-Demo übersprungen: Formulare fehlen ({', '.join(missing)}).")
        return
    dept = Department.objects.filter(municipality=zeitz, name=DEPARTMENT).first()
    citizen = User.objects.filter(email=CITIZEN_EMAIL).first()
    clerk = User.objects.filter(email="sachbearbeitung@zeitz.example").first()
    today = timezone.localdate()
    for a in APPLICATIONS:
        if Application.objects.filter(municipality=zeitz, idempotency_key=a.key).exists():
            continue
        form = forms[a.schema_id]
        setting = _setting(form, dept)
        user = citizen if a.own else None
        with transaction.atomic():
            draft, _token = fim.start_draft(form, user=user)
            draft.answers = answers_for(zeitz, a, today)
            if user is None:
                draft.email = a.person.mail
            draft.save(update_fields=["answers", "email", "updated_at"])
            fim.submit(draft, key=a.key)
            app = Application.objects.get(municipality=zeitz, idempotency_key=a.key)
            _process(app, a, setting, clerk)
