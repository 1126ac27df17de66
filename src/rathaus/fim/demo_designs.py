# ruff: noqa: E501 - long German texts are data; wrapping them would hurt their readability
"""Demo: three Zeitz forms built with the form designer (issue 18), for local services without a
FIM schema. ``rathaus.fim.demo`` builds them through the designer's own functions (every change is
checked like a change made in the browser), publishes them and links them to their catalogue service.
Labels refer to elements by their label; ids are assigned by the designer."""

from __future__ import annotations

from typing import Any

CONSENT = {
    "type": "bool",
    "label": "Einwilligung in die Verarbeitung Ihrer Angaben",
    "required": True,
    "help": "Wir verarbeiten Ihre Angaben nur für diesen Antrag (Art. 6 Abs. 1 lit. e DSGVO).",
}
CONTACT = [
    {"type": "text", "label": "Familienname", "required": True, "max_length": 120},
    {"type": "text", "label": "Vorname", "required": True, "max_length": 80},
    {"type": "text", "label": "Straße", "required": True, "max_length": 120},
    {"type": "text", "label": "Hausnummer", "required": True, "max_length": 10},
    {"type": "text", "label": "Postleitzahl", "required": True, "pattern": "[0-9]{5}"},
    {"type": "text", "label": "Ort", "required": True, "max_length": 80},
    {"type": "text", "label": "E-Mail-Adresse", "required": True, "max_length": 254},
    {"type": "text", "label": "Telefon", "max_length": 40},
]

DESIGNS: list[dict[str, Any]] = [
    {
        "title": "Sondernutzungserlaubnis für ein Straßencafé",
        "service": "Sondernutzungserlaubnis für öffentliche Straßen",
        "definition": "Mit diesem Antrag beantragen Gastronomiebetriebe in Zeitz Tische und Stühle auf "
        "Gehweg oder Platz (Außengastronomie). Bitte beantragen Sie spätestens zwei Wochen vor Beginn.",
        "legal_basis": "StrG LSA § 18; Sondernutzungssatzung der Stadt Zeitz",
        "codelists": {
            "zeitraum": (
                "Zeitraum der Außengastronomie",
                "01;Saison (1. April bis 31. Oktober)\n02;Ganzjährig\n03;Einzelne Tage",
            ),
        },
        "steps": [
            {
                "label": "Betrieb und antragstellende Person",
                "items": [
                    {"type": "text", "label": "Name des Betriebs", "required": True, "max_length": 200},
                    *CONTACT,
                ],
            },
            {
                "label": "Fläche und Zeitraum",
                "help": "Die Fläche muss einen Gehweg von mindestens 1,50 m frei lassen.",
                "items": [
                    {"type": "text", "label": "Lage der Fläche (Straße und Hausnummer)", "required": True},
                    {
                        "type": "num",
                        "label": "Länge der Fläche in Metern",
                        "required": True,
                        "min_value": "0.5",
                        "max_value": "50",
                    },
                    {
                        "type": "num",
                        "label": "Tiefe der Fläche in Metern",
                        "required": True,
                        "min_value": "0.5",
                        "max_value": "10",
                    },
                    {
                        "type": "num_int",
                        "label": "Anzahl der Tische",
                        "required": True,
                        "min_value": "1",
                        "max_value": "40",
                    },
                    {"type": "select", "label": "Zeitraum", "required": True, "codelist": "zeitraum"},
                    {"type": "date", "label": "Beginn", "required": True},
                    {"type": "date", "label": "Ende", "required": True},
                    {"type": "bool", "label": "Heizstrahler oder Markisen geplant"},
                    {
                        "type": "text",
                        "label": "Angaben zu Heizstrahlern oder Markisen",
                        "required": True,
                        "max_length": 1000,
                    },
                    {
                        "type": "file",
                        "label": "Lageplan mit Maßen",
                        "required": True,
                        "media_types": ["application/pdf", "image/jpeg", "image/png"],
                        "max_size_mb": 5,
                        "help": "PDF, JPEG oder PNG, höchstens 5 MB.",
                    },
                ],
            },
            {"label": "Erklärung", "items": [CONSENT]},
        ],
        "rules": [
            {
                "action": "only_if",
                "field": "Heizstrahler oder Markisen geplant",
                "targets": ["Angaben zu Heizstrahlern oder Markisen"],
            },
        ],
    },
    {
        "title": "Zuschuss für Vereine",
        "service": "Zuschuss für Vereine (Vereinsförderung)",
        "definition": "Gemeinnützige Vereine aus Zeitz beantragen hier einen Zuschuss für ein Vorhaben "
        "(z. B. Jugendarbeit, Vereinsfest, Anschaffung). Der Zuschuss beträgt höchstens 2.500 Euro.",
        "legal_basis": "Richtlinie der Stadt Zeitz zur Förderung von Vereinen",
        "codelists": {
            "art": (
                "Art des Vereins",
                "01;Sportverein\n02;Kulturverein\n03;Sozialer Verein\n04;Sonstiger Verein",
            ),
        },
        "steps": [
            {
                "label": "Verein",
                "items": [
                    {"type": "text", "label": "Name des Vereins", "required": True, "max_length": 200},
                    {
                        "type": "text",
                        "label": "Vereinsregisternummer",
                        "pattern": "VR [0-9]{1,6}",
                        "help": "z. B. VR 1234",
                    },
                    {"type": "select", "label": "Art des Vereins", "required": True, "codelist": "art"},
                    {
                        "type": "num_int",
                        "label": "Anzahl der Mitglieder",
                        "required": True,
                        "min_value": "1",
                        "max_value": "10000",
                    },
                    {"type": "bool", "label": "Der Verein ist als gemeinnützig anerkannt"},
                    {
                        "type": "file",
                        "label": "Freistellungsbescheid des Finanzamts",
                        "required": True,
                        "media_types": ["application/pdf"],
                        "max_size_mb": 5,
                    },
                ],
            },
            {
                "label": "Vorhaben",
                "items": [
                    {
                        "type": "text",
                        "label": "Bezeichnung des Vorhabens",
                        "required": True,
                        "max_length": 200,
                    },
                    {"type": "text", "label": "Beschreibung", "required": True, "max_length": 2000},
                    {"type": "date", "label": "Geplanter Beginn", "required": True},
                    {"type": "num_currency", "label": "Gesamtkosten", "required": True, "min_value": "0"},
                    {
                        "type": "num_currency",
                        "label": "Beantragter Zuschuss",
                        "required": True,
                        "min_value": "1",
                        "max_value": "2500",
                    },
                    {
                        "type": "label",
                        "label": "Hinweis",
                        "content": "Bitte bewahren Sie Rechnungen und Belege für den Verwendungsnachweis auf.",
                    },
                ],
            },
            {
                "label": "Vertretung des Vereins",
                "items": [
                    {
                        "group": {"label": "Vorstandsmitglied", "min": 1, "max": 3},
                        "items": [
                            {"type": "text", "label": "Name", "required": True, "max_length": 200},
                            {
                                "type": "text",
                                "label": "Funktion im Vorstand",
                                "required": True,
                                "max_length": 100,
                            },
                        ],
                    },
                    {
                        "type": "text",
                        "label": "IBAN des Vereinskontos",
                        "required": True,
                        "pattern": "DE[0-9]{2} ?([0-9]{4} ?){4}[0-9]{2}",
                    },
                ],
            },
            {"label": "Erklärung", "items": [CONSENT]},
        ],
        "rules": [
            {
                "action": "only_if",
                "field": "Der Verein ist als gemeinnützig anerkannt",
                "targets": ["Freistellungsbescheid des Finanzamts"],
            },
        ],
    },
    {
        "title": "Anmietung Bürgerhaus",
        "service": "Anmietung Bürgerhaus",
        "definition": "Säle im Bürgerhaus Zeitz mieten Sie für Feiern, Vereinsveranstaltungen und Tagungen. "
        "Wir bestätigen die Reservierung schriftlich.",
        "legal_basis": "Benutzungs- und Entgeltordnung für das Bürgerhaus Zeitz",
        "codelists": {
            "anlass": (
                "Art der Veranstaltung",
                "01;Private Feier\n02;Vereinsveranstaltung\n03;Gewerbliche Veranstaltung",
            ),
            "saal": (
                "Saal",
                "01;Großer Saal (bis 250 Personen)\n02;Kleiner Saal (bis 60 Personen)\n03;Seminarraum (bis 20 Personen)",
            ),
        },
        "steps": [
            {
                "label": "Veranstaltung",
                "items": [
                    {"type": "text", "label": "Anlass", "required": True, "max_length": 200},
                    {
                        "type": "select",
                        "label": "Art der Veranstaltung",
                        "required": True,
                        "codelist": "anlass",
                    },
                    {"type": "select", "label": "Saal", "required": True, "codelist": "saal"},
                    {"type": "date", "label": "Datum", "required": True},
                    {
                        "type": "text",
                        "label": "Uhrzeit (von bis)",
                        "required": True,
                        "pattern": "[0-2][0-9]:[0-5][0-9] ?- ?[0-2][0-9]:[0-5][0-9]",
                        "help": "z. B. 14:00-22:00",
                    },
                    {
                        "type": "num_int",
                        "label": "Erwartete Personen",
                        "required": True,
                        "min_value": "1",
                        "max_value": "250",
                    },
                    {"type": "bool", "label": "Nutzung der Küche"},
                    {
                        "group": {"label": "Angaben zum Verein", "min": 0, "max": 1},
                        "items": [
                            {"type": "text", "label": "Name des Vereins", "required": True, "max_length": 200}
                        ],
                    },
                ],
            },
            {"label": "Mieterin oder Mieter", "items": [*CONTACT]},
            {"label": "Erklärung", "items": [CONSENT]},
        ],
        "rules": [
            {
                "action": "require",
                "field": "Art der Veranstaltung",
                "equals": "02",
                "targets": ["Angaben zum Verein"],
            },
        ],
    },
]
