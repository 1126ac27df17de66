"""Texts of the demo data (German first, English second). Contact data are demo values."""

from __future__ import annotations

from typing import Any

from rathaus.core.tenancy.models import Municipality


def legal_pages(m: Municipality) -> dict[str, tuple[str, str]]:
    name = m.official_name or m.name
    addr = m.address.replace("\n", "\\\n")
    return {
        "impressum": (
            f"""## Anbieter

{addr}

Telefon: {m.phone}\\
E-Mail: {m.email}

Die {name} ist eine Körperschaft des öffentlichen Rechts. Sie wird vertreten durch
die Oberbürgermeisterin oder den Oberbürgermeister.

## Verantwortlich für den Inhalt

Pressestelle der {name}, Anschrift wie oben.

## Technischer Betrieb

Das Portal wird mit der freien Software Rathaus (EUPL-1.2) von einem öffentlichen
IT-Dienstleister im Auftrag der {name} betrieben.

*Hinweis: Dies sind Demodaten.*
""",
            f"""## Provider

{addr}

Phone: {m.phone}\\
E-mail: {m.email}

{name} is a public-law corporation represented by its mayor.

*Note: this is demo data.*
""",
        ),
        "datenschutz": (
            f"""## Verantwortliche Stelle

{name}, {m.address.splitlines()[-1] if m.address else ""}. Kontakt: {m.email}

## Welche Daten wir verarbeiten

- **Beim Besuch der Website:** technisch notwendige Daten (IP-Adresse, Zeitpunkt, aufgerufene Seite)
  zur Auslieferung und Absicherung des Angebots, gelöscht nach 7 Tagen. Rechtsgrundlage: Art. 6 Abs. 1
  lit. e DSGVO.
- **Mit einem Benutzerkonto:** E-Mail-Adresse, Name und die Vorgänge, die Sie anlegen. Rechtsgrundlage:
  Art. 6 Abs. 1 lit. b und e DSGVO.
- **Cookies:** nur technisch notwendige Cookies (Sitzung, Schutz vor Fälschung von Anfragen, Sprache).
  Es gibt keine Analyse- oder Werbe-Cookies.

## Ihre Rechte

Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung,
Datenübertragbarkeit und Widerspruch. Unter „Mein Konto“ können Sie Ihre Daten selbst herunterladen
und Ihr Konto löschen. Sie können sich beim Landesbeauftragten für den Datenschutz Sachsen-Anhalt
beschweren.

*Hinweis: Dies sind Demodaten.*
""",
            """## Controller

See the legal notice. We process only the data needed to provide this portal and the services you
use. There are no analytics or advertising cookies. Under "My account" you can download all your
data and delete your account.

*Note: this is demo data.*
""",
        ),
        "barrierefreiheit": (
            f"""Die {name} ist bemüht, ihr Portal im Einklang mit dem Behindertengleichstellungsgesetz
des Landes und der Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) barrierefrei zugänglich
zu machen.

## Stand der Vereinbarkeit mit den Anforderungen

Das Portal ist **weitgehend vereinbar** mit der BITV 2.0. Die Seiten werden bei jeder Änderung
automatisch mit axe-core gegen die WCAG 2.1 (Stufen A und AA) geprüft.

## Nicht barrierefreie Inhalte

- Einige ältere PDF-Dokumente im Stadtarchiv sind noch nicht barrierefrei. Wir stellen sie auf Anfrage
  in einem zugänglichen Format bereit.
- Das Video in Deutscher Gebärdensprache wird derzeit erstellt.

## Erstellung dieser Erklärung

Diese Erklärung wurde am 1. Oktober 2026 erstellt. Grundlage ist eine Selbstbewertung.

## Feedback und Kontakt

Sind Ihnen Mängel aufgefallen? Nutzen Sie das Formular „Barriere melden“ oder schreiben Sie an
{m.accessibility_contact_email or m.email}.

## Schlichtungsverfahren

Wenn Sie auf Ihre Rückmeldung keine zufriedenstellende Antwort erhalten, können Sie sich an die
Schlichtungsstelle nach dem Behindertengleichstellungsgesetz des Landes wenden.
""",
            f"""{name} aims to make this portal accessible in accordance with BITV 2.0 (WCAG 2.1 AA).
The portal is **largely compliant**. Please report barriers with the form "Report a barrier".
""",
        ),
        "leichte-sprache": (
            f"""## Herzlich willkommen

Das ist die Internet-Seite von der {name}.

Hier können Sie viele Sachen **online** machen.
Online heißt: im Internet.
Sie müssen dafür nicht ins Rathaus gehen.

## Was finden Sie auf dieser Seite?

- Sie finden **Neuigkeiten** aus der Stadt.
- Sie können **Anträge** stellen.
  Zum Beispiel für einen Ausweis für das Parken.
- Sie können einen **Platz** zum Arbeiten im Digital Hub buchen.
- Sie können bei **Umfragen** mitmachen.
  Dann weiß die Stadt, was Sie denken.

## Haben Sie Fragen?

Dann rufen Sie uns an: {m.phone}

Oder schreiben Sie uns eine E-Mail: {m.email}
""",
            "",
        ),
        "gebaerdensprache": (
            f"""## Informationen in Deutscher Gebärdensprache

Auf dieser Seite stellt sich die {name} in Deutscher Gebärdensprache vor.

**Textfassung des Videos:** Willkommen auf dem Portal der {name}. Hier finden Sie Neuigkeiten,
Online-Anträge, Termine im Digital Hub und Umfragen. Über das Formular „Barriere melden“ können Sie
uns Hinweise geben. Sie erreichen uns per E-Mail unter {m.email}.
""",
            f"""## Information in German Sign Language

Text version of the video: Welcome to the portal of {name}. You will find news, online applications,
Digital Hub bookings and surveys here.
""",
        ),
    }


NOTICES: dict[str, list[dict[str, Any]]] = {
    "zeitz": [
        {
            "date": (2026, 11, 20),
            "title": "Digital Hub Zeitz: Co-Working-Plätze ab sofort buchbar",
            "title_en": "Digital Hub Zeitz: co-working desks can now be booked",
            "teaser": "Im Digital Hub am Altmarkt stehen Arbeitsplätze, ein Besprechungsraum und ein "
            "Veranstaltungsraum bereit. Fünf Plätze nutzt der IT-Partner der Stadt.",
            "teaser_en": "Desks, a meeting room and an event space are available at the Digital Hub.",
            "body": "Buchen können alle mit einem bestätigten Benutzerkonto. **Öffnungszeiten:** "
            "Montag bis Freitag 8 bis 18 Uhr. Der Zugang ist stufenlos.",
        },
        {
            "date": (2026, 11, 12),
            "title": "Mobilitätsbefragung 2026: Wie sind Sie in Zeitz unterwegs?",
            "title_en": "Mobility survey 2026: how do you get around Zeitz?",
            "teaser": "Für das kommunale Mobilitätskonzept fragt die Stadt, wie Sie Bus, Bahn, Rad und "
            "Auto nutzen und wo es hakt.",
            "teaser_en": "For the municipal mobility concept the city asks how you use bus, train, bike "
            "and car.",
            "body": "Die Befragung dauert etwa zehn Minuten und ist anonym.",
        },
        {
            "date": (2026, 11, 3),
            "title": "Bekanntmachung: Sitzung des Stadtrates am 10. Dezember 2026",
            "title_en": "Public notice: city council meeting on 10 December 2026",
            "teaser": "Der Stadtrat der Stadt Zeitz tritt am 10. Dezember 2026 um 17 Uhr im Rathaus, "
            "Altmarkt 1, zu seiner öffentlichen Sitzung zusammen.",
            "teaser_en": "The city council meets in public on 10 December 2026 at 5 pm in the town hall.",
            "body": "Auf der Tagesordnung stehen unter anderem die Digitalstrategie 2030 und der "
            "Haushalt 2027.",
            "official": True,
        },
        {
            "date": (2026, 10, 28),
            "title": "Schloss Moritzburg: Sammlung wird digitalisiert",
            "title_en": "Moritzburg Castle: the collection goes digital",
            "teaser": "Das Museum Schloss Moritzburg, das Stadtarchiv und die Stadtbibliothek "
            "veröffentlichen ihre Bestände schrittweise online.",
            "teaser_en": "The castle museum, city archive and library publish their holdings online.",
            "body": "Den Anfang machen Objekte zur Geschichte des Kinderwagenbaus in Zeitz.",
        },
        {
            "date": (2026, 10, 15),
            "title": "Hundesteuer und Gewerbeanmeldung jetzt online",
            "title_en": "Dog tax and business registration now online",
            "teaser": "Weitere Verwaltungsleistungen nach dem Onlinezugangsgesetz können Sie ohne "
            "Behördengang beantragen.",
            "teaser_en": "More administrative services can now be requested online.",
            "body": "",
        },
    ],
    "musterstadt": [
        {
            "date": (2026, 11, 1),
            "title": "Musterstadt testet das Rathaus-Portal",
            "title_en": "Musterstadt tries the Rathaus portal",
            "teaser": "Die Stadt Musterstadt ist die zweite Kommune auf dieser Plattform.",
            "teaser_en": "Musterstadt is the second municipality on this platform.",
            "body": "",
        }
    ],
}
