from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rathaus.strategy.models import (
    FieldOfAction,
    Goal,
    Indicator,
    IndicatorValue,
    Measure,
    MeasureStatus,
    Strategy,
)


def make_strategy(
    muni: Any, *, published: bool = True, title: str = "Digitalstrategie 2030"
) -> dict[str, Any]:
    s = Strategy.objects.create(municipality=muni, title=title, is_published=published)
    f = FieldOfAction.objects.create(municipality=muni, strategy=s, title=f"{title}: Digitale Verwaltung")
    g = Goal.objects.create(municipality=muni, field=f, title="Alles online")
    m1 = Measure.objects.create(
        municipality=muni,
        goal=g,
        code="M 1",
        title="Online-Anträge",
        description="x",
        status=MeasureStatus.DONE,
        progress=100,
    )
    m2 = Measure.objects.create(
        municipality=muni,
        goal=g,
        code="M 2",
        title="E-Akte",
        description="y",
        status=MeasureStatus.IN_PROGRESS,
        progress=40,
    )
    m3 = Measure.objects.create(
        municipality=muni,
        goal=g,
        code="M 3",
        title="Chatbot",
        description="z",
        status=MeasureStatus.PLANNED,
        progress=0,
    )
    ind = Indicator.objects.create(
        municipality=muni,
        strategy=s,
        field=f,
        title="Gigabit-Haushalte",
        unit="%",
        baseline_value=Decimal(38),
        baseline_year=2024,
        target_value=Decimal(95),
        target_year=2030,
    )
    IndicatorValue.objects.create(
        municipality=muni, indicator=ind, date=date(2025, 6, 1), value=Decimal("44.5")
    )
    return {"strategy": s, "field": f, "goal": g, "measures": [m1, m2, m3], "indicator": ind}
