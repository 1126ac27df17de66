"""The survey templates shipped with Rathaus (built by ``services.build_from_spec``).

``code`` names a question within the template; ``"if": (code, option label or value)`` adds a
condition "show only if the earlier answer equals / contains".
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

# A question of a template: the Question fields it sets, its options / matrix rows and an optional
# condition ("if" is a keyword, hence the functional form).
QuestionSpec = TypedDict(
    "QuestionSpec",
    {
        "code": str,
        "kind": str,
        "text": str,
        "help_text": NotRequired[str],
        "required": NotRequired[bool],
        "allow_other": NotRequired[bool],
        "min_choices": NotRequired[int],
        "max_choices": NotRequired[int],
        "min_value": NotRequired[int],
        "max_value": NotRequired[int],
        "scale_min": NotRequired[int],
        "scale_max": NotRequired[int],
        "scale_low_label": NotRequired[str],
        "scale_high_label": NotRequired[str],
        "options": NotRequired[list[str]],
        "rows": NotRequired[list[str]],
        "if": NotRequired[tuple[str, str]],
    },
)


class PageSpec(TypedDict):
    title: str
    description: NotRequired[str]
    questions: list[QuestionSpec]


class SurveySpec(TypedDict):
    """A survey template: the Survey settings and its pages."""

    title: str
    title_en: NotRequired[str]
    description: NotRequired[str]
    description_en: NotRequired[str]
    access: NotRequired[str]
    anonymized: NotRequired[bool]
    publish_results: NotRequired[bool]
    ask_segment: NotRequired[bool]
    pages: list[PageSpec]


FREQ = ["täglich", "mehrmals pro Woche", "mehrmals pro Monat", "seltener", "nie"]

MOBILITY: SurveySpec = {
    "title": "Mobilitätsbefragung Zeitz",
    "title_en": "Mobility survey Zeitz",
    "description": (
        "Für das Mobilitätskonzept der Stadt Zeitz möchten wir wissen, wie Sie unterwegs sind: zur Arbeit, "
        "zum Einkaufen, in der Freizeit. Die Befragung dauert etwa 8 Minuten."
    ),
    "description_en": "How do you travel in Zeitz? Your answers feed the city's mobility concept.",
    "access": "public",
    "anonymized": True,
    "publish_results": True,
    "ask_segment": True,
    "pages": [
        {
            "title": "Ihre Wege",
            "questions": [
                {
                    "code": "wohnort",
                    "kind": "single",
                    "text": "In welchem Ortsteil wohnen Sie?",
                    "required": True,
                    "allow_other": True,
                    "options": [
                        "Zeitz Innenstadt",
                        "Zeitz-Ost / Aue",
                        "Zeitz-West",
                        "Theißen",
                        "Luckenau",
                        "Kayna",
                        "Droßdorf",
                        "außerhalb von Zeitz",
                    ],
                },
                {
                    "code": "arbeit",
                    "kind": "single",
                    "text": "Wie kommen Sie meistens zur Arbeit oder Ausbildung?",
                    "required": True,
                    "options": [
                        "zu Fuß",
                        "Fahrrad / Pedelec",
                        "Bus (PVG Burgenlandkreis)",
                        "Bahn (S-Bahn / Regionalbahn)",
                        "Auto (selbst fahrend)",
                        "Auto (mitfahrend)",
                        "ich arbeite nicht / von zu Hause",
                    ],
                },
                {
                    "code": "einkauf",
                    "kind": "single",
                    "text": "Wie erledigen Sie meistens Ihre Einkäufe?",
                    "options": ["zu Fuß", "Fahrrad / Pedelec", "Bus", "Auto", "Lieferung"],
                },
                {
                    "code": "zwecke",
                    "kind": "multiple",
                    "text": "Wofür nutzen Sie den Bus oder die Bahn? (Mehrfachauswahl)",
                    "max_choices": 4,
                    "options": [
                        "Arbeit / Ausbildung",
                        "Einkauf",
                        "Arzt / Behörden",
                        "Freizeit / Besuche",
                        "gar nicht",
                    ],
                },
            ],
        },
        {
            "title": "Häufigkeit und Zufriedenheit",
            "questions": [
                {
                    "code": "haeufigkeit",
                    "kind": "matrix",
                    "text": "Wie oft nutzen Sie die folgenden Verkehrsmittel?",
                    "help_text": "1 = nie, 5 = täglich",
                    "scale_min": 1,
                    "scale_max": 5,
                    "scale_low_label": "nie",
                    "scale_high_label": "täglich",
                    "rows": ["Bus", "Bahn", "Fahrrad", "Auto"],
                },
                {
                    "code": "zufrieden_oepnv",
                    "kind": "scale",
                    "text": "Wie zufrieden sind Sie insgesamt mit Bus und Bahn in Zeitz?",
                    "required": True,
                    "scale_min": 1,
                    "scale_max": 5,
                    "scale_low_label": "sehr unzufrieden",
                    "scale_high_label": "sehr zufrieden",
                },
                {
                    "code": "zufrieden_rad",
                    "kind": "scale",
                    "text": "Wie sicher fühlen Sie sich mit dem Fahrrad in Zeitz?",
                    "scale_min": 1,
                    "scale_max": 5,
                    "scale_low_label": "sehr unsicher",
                    "scale_high_label": "sehr sicher",
                },
                {
                    "code": "deutschlandticket",
                    "kind": "yes_no",
                    "text": "Besitzen Sie ein Deutschlandticket?",
                },
            ],
        },
        {
            "title": "Verbesserungen",
            "questions": [
                {
                    "code": "prioritaeten",
                    "kind": "ranking",
                    "text": (
                        "Was sollte die Stadt zuerst verbessern? "
                        "Bitte bringen Sie die Punkte in eine Reihenfolge."
                    ),
                    "options": [
                        "dichterer Bustakt",
                        "sichere Radwege",
                        "barrierefreie Haltestellen",
                        "Parkplätze in der Innenstadt",
                        "Anschluss an die S-Bahn nach Leipzig",
                    ],
                },
                {
                    "code": "problemstelle",
                    "kind": "text_long",
                    "text": (
                        "Gibt es Stellen in Zeitz, an denen Sie sich als Fußgänger "
                        "oder Radfahrer unsicher fühlen?"
                    ),
                    "help_text": "Bitte nennen Sie Straße oder Kreuzung, keine Namen von Personen.",
                },
                {
                    "code": "alter",
                    "kind": "number",
                    "text": "Wie alt sind Sie?",
                    "min_value": 14,
                    "max_value": 110,
                },
            ],
        },
    ],
}

DIGITAL: SurveySpec = {
    "title": "Digitalisierungsbedarf der Unternehmen",
    "title_en": "Digitalisation needs of local businesses",
    "description": (
        "Der Digital Hub Zeitz möchte sein Beratungs- und Kursangebot auf die Unternehmen der Region "
        "abstimmen. Die Befragung richtet sich an Inhaberinnen, Inhaber und Beschäftigte."
    ),
    "access": "invitation",
    "anonymized": True,
    "publish_results": True,
    "ask_segment": False,
    "pages": [
        {
            "title": "Ihr Unternehmen",
            "questions": [
                {
                    "code": "branche",
                    "kind": "single",
                    "text": "In welcher Branche ist Ihr Unternehmen tätig?",
                    "required": True,
                    "allow_other": True,
                    "options": [
                        "Handwerk",
                        "Handel",
                        "Industrie / Chemie",
                        "Dienstleistung",
                        "Gastgewerbe / Tourismus",
                        "Landwirtschaft",
                    ],
                },
                {
                    "code": "beschaeftigte",
                    "kind": "number",
                    "text": "Wie viele Beschäftigte hat Ihr Unternehmen?",
                    "required": True,
                    "min_value": 1,
                    "max_value": 100000,
                },
                {"code": "gruendung", "kind": "date", "text": "Seit wann besteht Ihr Unternehmen?"},
            ],
        },
        {
            "title": "Stand der Digitalisierung",
            "questions": [
                {
                    "code": "reife",
                    "kind": "matrix",
                    "text": "Wie weit ist Ihr Unternehmen in folgenden Bereichen digitalisiert?",
                    "scale_min": 1,
                    "scale_max": 4,
                    "scale_low_label": "gar nicht",
                    "scale_high_label": "vollständig",
                    "rows": [
                        "Buchhaltung und Rechnungen",
                        "Kundenkontakt und Vertrieb",
                        "Produktion / Leistungserbringung",
                        "Kommunikation mit Behörden",
                    ],
                },
                {
                    "code": "breitband",
                    "kind": "yes_no",
                    "text": "Ist Ihr Betrieb an Glasfaser angeschlossen?",
                    "required": True,
                },
                {
                    "code": "hemmnisse",
                    "kind": "multiple",
                    "text": "Was hemmt die Digitalisierung in Ihrem Unternehmen?",
                    "min_choices": 1,
                    "max_choices": 3,
                    "allow_other": True,
                    "options": [
                        "fehlende Zeit",
                        "Kosten",
                        "fehlendes Fachwissen",
                        "IT-Sicherheit und Datenschutz",
                        "langsames Internet",
                    ],
                },
            ],
        },
        {
            "title": "Unterstützung durch den Digital Hub",
            "questions": [
                {
                    "code": "angebote",
                    "kind": "ranking",
                    "text": "Welche Angebote des Digital Hubs wären für Sie am wichtigsten?",
                    "options": [
                        "Einzelberatung",
                        "Kurse für Beschäftigte",
                        "Co-Working-Arbeitsplätze",
                        "Vernetzung mit anderen Unternehmen",
                    ],
                },
                {
                    "code": "glasfaser_wunsch",
                    "kind": "scale",
                    "text": "Wie wichtig wäre Ihnen ein Glasfaseranschluss in den nächsten zwei Jahren?",
                    "scale_min": 1,
                    "scale_max": 5,
                    "scale_low_label": "unwichtig",
                    "scale_high_label": "sehr wichtig",
                    "if": ("breitband", "0"),
                },
                {
                    "code": "wunsch",
                    "kind": "text_short",
                    "text": "Welches Thema sollte der Digital Hub als Nächstes anbieten?",
                },
            ],
        },
    ],
}

TEMPLATES: dict[str, SurveySpec] = {"mobilitaet": MOBILITY, "digitalisierung": DIGITAL}
