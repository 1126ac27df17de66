"""Demo data: both survey templates, and the Mobilitätsbefragung Zeitz running with generated responses."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step

from . import services, structure
from .models import Answer, Kind, Response, Survey
from .templates_data import DIGITAL, MOBILITY

DEMO_RESPONSES = 300
SEED = 6  # issue number: deterministic answers on every machine


@demo_step(500)
def survey_templates(cmd: Any) -> None:
    muni = Municipality.objects.get(slug="zeitz")
    for spec in (MOBILITY, DIGITAL):
        if not Survey.objects.for_tenant(muni).filter(title=spec["title"], is_template=True).exists():
            services.build_from_spec(muni, spec, is_template=True)


@demo_step(510)
def mobility_survey(cmd: Any) -> None:
    muni = Municipality.objects.get(slug="zeitz")
    survey = Survey.objects.for_tenant(muni).filter(title=MOBILITY["title"], is_template=False).first()
    if survey is None:
        survey = services.build_from_spec(muni, MOBILITY, is_template=False)
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        survey.is_published = True
        survey.opens_at = now - timedelta(days=21)
        survey.closes_at = now + timedelta(days=60)
        survey.save()
    if not Response.objects.filter(survey=survey).exists():
        generate_responses(survey, DEMO_RESPONSES, seed=SEED)


def random_answers(s: structure.Structure, rng: random.Random) -> dict[str, Any]:
    """A plausible, valid set of answers (conditions respected through structure.prune)."""
    answers: dict[str, Any] = {}
    for q in s.ordered_questions():
        if not q.required and rng.random() < 0.15:
            continue
        opts = [o for o in s.options.get(q.pk, []) if not o.is_other]
        if q.kind == Kind.SINGLE:
            weights = [len(opts) - i for i in range(len(opts))]
            answers[str(q.pk)] = {"o": rng.choices(opts, weights=weights)[0].pk}
        elif q.kind == Kind.MULTIPLE:
            k = rng.randint(max(1, q.min_choices or 1), min(len(opts), q.max_choices or len(opts)))
            chosen = rng.sample(opts, k)
            answers[str(q.pk)] = {"o": [o.pk for o in opts if o in chosen]}
        elif q.kind == Kind.SCALE:
            answers[str(q.pk)] = {
                "n": min(
                    q.scale_max, max(q.scale_min, round(rng.gauss((q.scale_min + q.scale_max) / 2, 1.1)))
                )
            }
        elif q.kind == Kind.YES_NO:
            answers[str(q.pk)] = {"n": int(rng.random() < 0.4)}
        elif q.kind == Kind.NUMBER:
            lo, hi = (
                q.min_value if q.min_value is not None else 0,
                q.max_value if q.max_value is not None else 100,
            )
            answers[str(q.pk)] = {"n": max(lo, min(hi, int(rng.gauss(47, 16))))}
        elif q.kind == Kind.MATRIX:
            answers[str(q.pk)] = {
                "m": {str(r.pk): rng.randint(q.scale_min, q.scale_max) for r in s.rows.get(q.pk, [])}
            }
        elif q.kind == Kind.RANKING:
            order = [o.pk for o in opts]
            rng.shuffle(order)
            answers[str(q.pk)] = {"r": order}
        elif q.kind == Kind.DATE:
            answers[str(q.pk)] = {"d": f"{rng.randint(1990, 2024)}-{rng.randint(1, 12):02d}-01"}
        elif q.kind in (Kind.TEXT_SHORT, Kind.TEXT_LONG) and rng.random() < 0.2:
            answers[str(q.pk)] = {"t": rng.choice(TEXTS)}
    return structure.prune(s, answers)


TEXTS = [
    "Kreuzung Altmarkt / Schützenstraße: Ampelphase für Fußgänger zu kurz.",
    "Radweg an der Geraer Straße endet plötzlich.",
    "Bahnhofsvorplatz abends schlecht beleuchtet.",
    "Schulweg Kayna: kein Gehweg an der Landstraße.",
    "Brühl: Autos parken auf dem Gehweg.",
    "Mehr Fahrradbügel am Rathaus.",
]


@transaction.atomic
def generate_responses(survey: Survey, count: int, *, seed: int = 0) -> None:
    """Deterministic random responses, bulk-inserted; tallies rebuilt from the Answer table."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    s = structure.load(survey)
    today = timezone.localdate()
    segments = ["citizen"] * 7 + ["business"] * 2 + [""]
    responses = []
    for _i in range(count):
        day = today - timedelta(days=rng.randint(0, 20))
        responses.append(
            Response(
                municipality=survey.municipality,
                survey=survey,
                segment=rng.choice(segments) if survey.ask_segment else "",
                data=random_answers(s, rng),
                submitted_on=day.replace(day=1) if survey.anonymized else day,
            )
        )
    Response.objects.bulk_create(responses, batch_size=500)
    created = list(Response.objects.filter(survey=survey).order_by("id"))
    rows = []
    for resp in created:
        for key, value in resp.data.items():
            q = s.questions[int(key)]
            for option_id, row_id, number, text in structure.answer_rows(q, value):
                rows.append(
                    Answer(
                        response=resp,
                        survey=survey,
                        question=q,
                        option_id=option_id,
                        row_id=row_id,
                        number=number,
                        text=text,
                        segment=resp.segment,
                    )
                )
    Answer.objects.bulk_create(rows, batch_size=2000)
    services.rebuild_tallies(survey)
