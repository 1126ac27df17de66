"""Decision letters (Bescheide) as German administrative acts, laid out after DIN 5008.

A letter has: letterhead (authority, department, address), return line and recipient address block
(from the applicant's answers), information block (Aktenzeichen, date of the application, contact),
place and date, subject, salutation, the decision (Tenor, from the service's template), the reasons
(Begründung; required for a full or partial refusal, § 39 VwVfG), the Rechtsbehelfsbelehrung the
municipality configures (§ 37 Abs. 6 VwVfG), closing and signature line.

The letter is written in German (the official language, § 23 VwVfG), whatever the staff's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.core.pdf import Letter as PdfLetter

from .models import DEFAULT_LEGAL_REMEDY, Application, LetterSettings, Status

# Outcomes that refuse the application in full or in part: reasons are required (§ 39 Abs. 1 VwVfG).
NEEDS_REASONS = (Status.REJECTED, Status.PARTIAL)

OUTCOME_TEXT = {
    Status.APPROVED: "Der Antrag wird bewilligt",
    Status.REJECTED: "Der Antrag wird abgelehnt",
    Status.PARTIAL: "Der Antrag wird teilweise bewilligt",
}

DEFAULT_TEMPLATE = (
    "über Ihren Antrag „{leistung}“ vom {eingang} (Aktenzeichen {aktenzeichen}) wird wie folgt "
    "entschieden:\n\n{entscheidung}."
)

PLACEHOLDERS = (
    "{anrede}",
    "{name}",
    "{vorname}",
    "{nachname}",
    "{aktenzeichen}",
    "{leistung}",
    "{eingang}",
    "{entscheidung}",
    "{begruendung}",
    "{datum}",
    "{kommune}",
    "{fachbereich}",
)

# Labels (lower case) of the FIM fields the recipient's data are taken from; first match wins.
LABELS = {
    "salutation": ("anrede", "geschlecht"),
    "title": ("doktorgrad", "akademischer grad", "titel"),
    "first": ("vorname", "vornamen"),
    "last": ("familienname", "nachname", "name"),
    "street": ("straße", "strasse", "straße und hausnummer", "straße, hausnummer"),
    "number": ("hausnummer", "hausnr."),
    "extra": ("adresszusatz", "anschriftenzusatz", "zusatz"),
    "postal_code": ("postleitzahl", "plz"),
    "city": ("ort", "wohnort", "ort/gemeinde", "gemeinde", "stadt"),
}
FEMALE = ("frau", "weiblich", "w")
MALE = ("herr", "männlich", "maennlich", "m")


AUTOMATIC_NOTE = (
    "Dieser Bescheid wurde elektronisch erstellt und ist ohne Unterschrift gültig (§ 37 Abs. 5 VwVfG)."
)


class MissingReasons(ValueError):
    """A (partial) refusal without reasons."""


def check_reasons(outcome: str, reasons: str) -> None:
    if outcome in NEEDS_REASONS and not (reasons or "").strip():
        raise MissingReasons(reasons_required_message())


def reasons_required_message() -> str:
    return _(
        "Eine Ablehnung oder teilweise Bewilligung muss begründet werden (§ 39 VwVfG). "
        "Bitte geben Sie die Begründung ein."
    )


@dataclass
class Recipient:
    salutation: str = ""
    title: str = ""
    first: str = ""
    last: str = ""
    street: str = ""
    number: str = ""
    extra: str = ""
    postal_code: str = ""
    city: str = ""
    fallback_name: str = ""

    @property
    def gender(self) -> str:
        value = self.salutation.strip().lower()
        if value in FEMALE:
            return "f"
        if value in MALE:
            return "m"
        return ""

    @property
    def full_name(self) -> str:
        name = " ".join(p for p in (self.first, self.last) if p)
        return name or self.fallback_name

    @property
    def greeting(self) -> str:
        """„Sehr geehrte Frau Dr. Weber,“, „Sehr geehrter Herr Krause,“ or „Guten Tag Kim Schulz,“."""
        surname = " ".join(p for p in (self.title, self.last) if p)
        if self.last and self.gender == "f":
            return f"Sehr geehrte Frau {surname},"
        if self.last and self.gender == "m":
            return f"Sehr geehrter Herr {surname},"
        return f"Guten Tag {self.full_name}," if self.full_name else "Guten Tag,"

    @property
    def address_lines(self) -> list[str]:
        form = {"f": "Frau", "m": "Herrn"}.get(self.gender, "")
        lines = [" ".join(p for p in (form, self.title, self.full_name) if p)]
        street = " ".join(p for p in (self.street, self.number) if p)
        lines += [line for line in (self.extra, street) if line]
        town = " ".join(p for p in (self.postal_code, self.city) if p)
        if town:
            lines.append(town)
        return [line for line in lines if line]

    @property
    def address_complete(self) -> bool:
        return bool(self.full_name and self.street and self.postal_code and self.city)


def _display_values(defn: dict[str, Any], answers: dict[str, Any]) -> list[tuple[str, str]]:
    """(label in lower case, shown value) of every field in document order, first group instance only."""
    codelists = {c: dict(v.get("items", [])) for c, v in (defn.get("codelists") or {}).items()}
    out: list[tuple[str, str]] = []

    def walk(nodes: list[dict[str, Any]], values: Any) -> None:
        if not isinstance(values, dict):
            return
        for node in nodes:
            raw = values.get(node["id"])
            if node.get("kind") == "group":
                first = raw[0] if isinstance(raw, list) and raw else None
                walk(node.get("children", []), first)
                continue
            if isinstance(raw, dict) or raw in (None, ""):
                continue
            value = str(raw)
            if node.get("codelist"):
                value = str(codelists.get(node["codelist"], {}).get(value, value))
            out.append((str(node.get("label", "")).strip().lower(), value.strip()))

    walk(defn.get("items", []), answers)
    return out


def recipient_of(app: Application) -> Recipient:
    """The addressee from the application's answers (by field label), else the stored name."""
    rec = Recipient(fallback_name=app.applicant_name)
    sub = app.submission
    if sub is None or sub.version is None:
        return rec
    for label, value in _display_values(sub.version.definition, sub.payload.get("answers", {})):
        for attr, labels in LABELS.items():
            if label in labels and not getattr(rec, attr):
                setattr(rec, attr, value[:200])
                break
    return rec


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class DecisionLetter:
    outcome: str
    authority: str
    department: str
    authority_address: list[str]
    return_line: str
    recipient: list[str]
    address_complete: bool
    info: list[tuple[str, str]]
    place_date: str
    subject: str
    salutation: str
    body: str
    reasons: str
    legal_remedy: str
    closing: str
    signature: list[str] = field(default_factory=list)
    automatic_note: str = ""

    @property
    def letterhead(self) -> list[str]:
        return [line for line in [self.authority, self.department, *self.authority_address] if line]

    def text(self) -> str:
        """The letter as plain text (Postfach message, stored decision text)."""
        parts = [
            "\n".join(self.letterhead),
            "\n".join(self.recipient),
            "\n".join(f"{k}: {v}" for k, v in self.info),
            self.place_date,
            self.subject,
            self.salutation,
            self.body,
        ]
        if self.reasons:
            parts.append("Begründung\n" + self.reasons)
        parts.append("Rechtsbehelfsbelehrung\n" + self.legal_remedy)
        parts.append("\n".join([self.closing, *self.signature]))
        if self.automatic_note:
            parts.append(self.automatic_note)
        return "\n\n".join(p for p in parts if p)

    def pdf(self) -> bytes:
        doc = PdfLetter(
            letterhead=self.letterhead,
            return_line=self.return_line,
            recipient=self.recipient,
            info=self.info,
            place_date=self.place_date,
            subject=self.subject,
            title="Bescheid",
        )
        doc.paragraph(self.salutation)
        doc.paragraph(self.body)
        if self.reasons:
            doc.heading("Begründung")
            doc.paragraph(self.reasons)
        doc.heading("Rechtsbehelfsbelehrung")
        doc.paragraph(self.legal_remedy)
        doc.pdf.ln(2)
        doc.paragraph(self.closing)
        doc.pdf.ln(6)
        doc.paragraph("\n".join(self.signature))
        if self.automatic_note:
            doc.pdf.set_font("helvetica", size=8)
            doc.pdf.ln(4)
            doc.pdf.multi_cell(0, 4, self.automatic_note)
        return doc.output()


def letter_settings(municipality: Any) -> LetterSettings:
    found = LetterSettings.objects.filter(municipality=municipality).first()
    return found or LetterSettings(municipality=municipality)


def _date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def build(
    app: Application,
    outcome: str,
    reasons: str,
    *,
    template: str = "",
    author: Any = None,
    settings: LetterSettings | None = None,
    today: date | None = None,
) -> DecisionLetter:
    """The decision letter for ``app`` (nothing is stored)."""
    muni = app.municipality
    conf = settings if settings is not None else letter_settings(muni)
    dept = app.department
    today = today or timezone.localdate()
    authority = conf.authority or muni.official_name or muni.name
    address_text = (dept.address if dept and dept.address else "") or conf.address or muni.address
    address = [line.strip() for line in address_text.splitlines() if line.strip()]
    phone = (dept.phone if dept else "") or conf.phone or muni.phone
    email = (dept.email if dept else "") or conf.email or muni.email
    website = conf.website or muni.website
    rec = recipient_of(app)
    received = _date(timezone.localtime(app.submitted_at).date())
    handler = ""
    if author is not None and getattr(author, "is_authenticated", False):
        handler = (getattr(author, "display_name", "") or "").strip()
    info = [("Aktenzeichen", app.reference), ("Ihr Antrag vom", received)]
    if handler:
        info.append(("Bearbeitung", handler))
    info += [
        (label, value)
        for label, value in (("Telefon", phone), ("E-Mail", email), ("Internet", website))
        if value
    ]
    reasons = (reasons or "").strip()
    values = _Blank(
        anrede=rec.greeting,
        name=rec.full_name or "Antragstellerin oder Antragsteller",
        vorname=rec.first,
        nachname=rec.last,
        aktenzeichen=app.reference,
        leistung=app.service_name,
        eingang=received,
        entscheidung=OUTCOME_TEXT.get(Status(outcome), outcome) if outcome in Status.values else outcome,
        begruendung=reasons,
        datum=_date(today),
        kommune=muni.official_name or muni.name,
        fachbereich=dept.name if dept else "",
    )
    source = template or DEFAULT_TEMPLATE
    body = source.format_map(values).strip()
    reasons_section = "" if "{begruendung}" in source else reasons
    remedy_source = conf.legal_remedy or DEFAULT_LEGAL_REMEDY
    legal_remedy = remedy_source.format_map(
        _Blank(behoerde=authority, anschrift=", ".join(address) or muni.official_name or muni.name)
    )
    signature = [line for line in (conf.signature, handler) if line]
    return DecisionLetter(
        outcome=outcome,
        authority=authority,
        department=dept.name if dept else "",
        authority_address=address,
        return_line=" · ".join([authority, *address]),
        recipient=rec.address_lines,
        address_complete=rec.address_complete,
        info=info,
        place_date=f"{conf.place or muni.name}, {_date(today)}",
        subject=f"Bescheid über Ihren Antrag „{app.service_name}“ (Aktenzeichen {app.reference})",
        salutation=rec.greeting,
        body=body,
        reasons=reasons_section,
        legal_remedy=legal_remedy,
        closing=conf.closing or "Mit freundlichen Grüßen",
        signature=signature,
        automatic_note=AUTOMATIC_NOTE,
    )
