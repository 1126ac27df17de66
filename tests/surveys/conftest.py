"""Shared survey fixtures: a survey with every question type and a condition."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.core.accounts.models import Role
from rathaus.surveys import services, structure
from rathaus.surveys.models import Question, Survey
from tests.conftest import grant, make_user

ALL_TYPES: dict[str, Any] = {
    "title": "Testumfrage Alle Typen",
    "access": "public",
    "anonymized": False,
    "publish_results": True,
    "ask_segment": True,
    "is_published": True,
    "pages": [
        {
            "title": "Seite Eins",
            "questions": [
                {
                    "code": "single",
                    "kind": "single",
                    "text": "Verkehrsmittel",
                    "required": True,
                    "allow_other": True,
                    "options": ["Bus", "Rad", "Auto"],
                },
                {
                    "code": "multiple",
                    "kind": "multiple",
                    "text": "Zwecke",
                    "min_choices": 1,
                    "max_choices": 2,
                    "options": ["Arbeit", "Einkauf", "Freizeit"],
                },
                {"code": "yes_no", "kind": "yes_no", "text": "Deutschlandticket"},
                {
                    "code": "scale",
                    "kind": "scale",
                    "text": "Zufriedenheit",
                    "scale_min": 1,
                    "scale_max": 5,
                    "scale_low_label": "schlecht",
                    "scale_high_label": "gut",
                },
            ],
        },
        {
            "title": "Seite Zwei",
            "questions": [
                {"code": "bus_why", "kind": "text_short", "text": "Warum Bus?", "if": ("single", "Bus")},
                {"code": "text_long", "kind": "text_long", "text": "Anmerkungen"},
                {"code": "number", "kind": "number", "text": "Alter", "min_value": 14, "max_value": 110},
                {"code": "date", "kind": "date", "text": "Seit wann"},
                {
                    "code": "matrix",
                    "kind": "matrix",
                    "text": "Häufigkeit",
                    "scale_min": 1,
                    "scale_max": 3,
                    "rows": ["Bus", "Bahn"],
                },
                {
                    "code": "ranking",
                    "kind": "ranking",
                    "text": "Prioritäten",
                    "options": ["Takt", "Radwege", "Parken"],
                },
            ],
        },
    ],
}


def build(muni: Any, spec: dict[str, Any] | None = None, **overrides: Any) -> Survey:
    spec = dict(spec or ALL_TYPES)
    spec.update(overrides)
    survey = services.build_from_spec(muni, spec, is_template=False)
    return survey


def q(survey: Survey, text: str) -> Question:
    return Question.objects.get(survey=survey, text=text)


def opt(survey: Survey, text: str, label: str) -> int:
    return q(survey, text).options.get(label=label).pk


def full_answers(survey: Survey) -> dict[str, Any]:
    """A complete, valid set of answers (Bus → the conditional question is shown)."""
    s = structure.load(survey)
    by_text = {x.text: x for x in s.questions.values()}
    rows = s.rows[by_text["Häufigkeit"].pk]
    ranking = [o.pk for o in s.options[by_text["Prioritäten"].pk]]
    return {
        str(by_text["Verkehrsmittel"].pk): {"o": opt(survey, "Verkehrsmittel", "Bus")},
        str(by_text["Zwecke"].pk): {"o": [opt(survey, "Zwecke", "Arbeit")]},
        str(by_text["Deutschlandticket"].pk): {"n": 1},
        str(by_text["Zufriedenheit"].pk): {"n": 4},
        str(by_text["Warum Bus?"].pk): {"t": "Weil er pünktlich ist"},
        str(by_text["Anmerkungen"].pk): {"t": "Mehr Bänke"},
        str(by_text["Alter"].pk): {"n": 42},
        str(by_text["Seit wann"].pk): {"d": "2020-05-01"},
        str(by_text["Häufigkeit"].pk): {"m": {str(rows[0].pk): 3, str(rows[1].pk): 1}},
        str(by_text["Prioritäten"].pk): {"r": list(reversed(ranking))},
    }


@pytest.fixture
def survey(muni_a) -> Survey:
    return build(muni_a)


@pytest.fixture
def manager_a(muni_a):
    user = make_user("umfragen-a@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["participation"])
    return user
