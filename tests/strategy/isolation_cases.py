"""Strategy entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

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
    MeasureLink,
    Milestone,
    Strategy,
)
from tests import isolation
from tests.isolation import Tenant


@isolation.seeder
def seed_strategy(t: Tenant) -> None:
    m = t.municipality
    s = Strategy.objects.create(municipality=m, title=t.marker("ST-STRATEGY"), is_published=True)
    f = FieldOfAction.objects.create(municipality=m, strategy=s, title=t.marker("ST-FIELD"))
    g = Goal.objects.create(municipality=m, field=f, title=t.marker("ST-GOAL"))
    measure = Measure.objects.create(
        municipality=m, goal=g, title=t.marker("ST-MEASURE"), description=t.marker("ST-DESC")
    )
    ms = Milestone.objects.create(
        municipality=m, measure=measure, date=date(2026, 5, 1), title=t.marker("ST-MILESTONE")
    )
    link = MeasureLink.objects.create(
        municipality=m, measure=measure, title=t.marker("ST-LINK"), target="/daten/"
    )
    ind = Indicator.objects.create(
        municipality=m, strategy=s, field=f, title=t.marker("ST-INDICATOR"), unit="%"
    )
    val = IndicatorValue.objects.create(
        municipality=m, indicator=ind, date=date(2026, 1, 1), value=Decimal("12.5")
    )
    for name, obj in (
        ("strategy", s),
        ("field", f),
        ("goal", g),
        ("measure", measure),
        ("milestone", ms),
        ("link", link),
        ("indicator", ind),
        ("value", val),
    ):
        t.add(f"strategy.{name}", obj)


def nothing(t: Tenant, obj: Any) -> dict[str, Any]:
    return {}


def strategy_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"title": "Geänderte Strategie", "summary": "", "is_published": "on"}


def field_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "strategy": t["strategy.strategy"].pk,
        "title": "Geändertes Feld",
        "description": "",
        "order": "1",
    }


def goal_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"field": t["strategy.field"].pk, "title": "Geändertes Ziel", "description": "", "order": "1"}


def measure_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "goal": t["strategy.goal"].pk,
        "code": "",
        "title": "Geänderte Maßnahme",
        "description": "x",
        "priority": "mittel",
        "status": "geplant",
        "progress": "10",
        "order": "1",
    }


def indicator_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"strategy": t["strategy.strategy"].pk, "title": "Geänderter Indikator", "unit": "%", "order": "1"}


def version_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"version": f"v-{obj.pk}-{t.key}", "adopted_on": "2025-06-19", "adopted_by": "Stadtrat"}


def milestone_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"date": "2026-06-01", "title": "Neuer Meilenstein"}


def link_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"kind": "page", "module": "", "title": "Leistungen", "target": "/daten/"}


def value_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"date": "2026-02-01", "value": "13"}


isolation.object_url("strategy:field", "strategy.field", shows=["ST-FIELD", "ST-GOAL", "ST-MEASURE"])
isolation.object_url(
    "strategy:measure", "strategy.measure", shows=["ST-MEASURE", "ST-DESC", "ST-MILESTONE", "ST-LINK"]
)
isolation.object_url("strategy:indicator", "strategy.indicator", shows=["ST-INDICATOR"])
isolation.object_url("strategy:strategy_edit", "strategy.strategy", post=strategy_form, shows=["ST-STRATEGY"])
isolation.object_url("strategy:version_add", "strategy.strategy", get=False, post=version_form)
isolation.object_url("strategy:field_edit", "strategy.field", post=field_form, shows=["ST-FIELD"])
isolation.object_url("strategy:goal_edit", "strategy.goal", post=goal_form, shows=["ST-GOAL"])
isolation.object_url(
    "strategy:measure_edit", "strategy.measure", post=measure_form, shows=["ST-MEASURE", "ST-MILESTONE"]
)
isolation.object_url("strategy:milestone_add", "strategy.measure", get=False, post=milestone_form)
isolation.object_url("strategy:link_add", "strategy.measure", get=False, post=link_form)
isolation.object_url("strategy:milestone_toggle", "strategy.milestone", get=False, post=nothing)
isolation.object_url("strategy:milestone_delete", "strategy.milestone", get=False, post=nothing)
isolation.object_url("strategy:link_delete", "strategy.link", get=False, post=nothing)
isolation.object_url(
    "strategy:indicator_edit", "strategy.indicator", post=indicator_form, shows=["ST-INDICATOR"]
)
isolation.object_url("strategy:value_add", "strategy.indicator", get=False, post=value_form)
isolation.object_url("strategy:value_delete", "strategy.value", get=False, post=nothing)
isolation.page("strategy:index", shows=["ST-STRATEGY", "ST-FIELD", "ST-MEASURE", "ST-INDICATOR"])
isolation.page("strategy:manage", shows=["ST-STRATEGY", "ST-MEASURE", "ST-INDICATOR"])
isolation.page("strategy:report_csv", shows=["ST-MEASURE"])
isolation.page("strategy:report_pdf")
isolation.page("barometer", shows=["ST-STRATEGY"])
isolation.object_url("strategy:field_delete", "strategy.field", get=False, post=nothing)
isolation.object_url("strategy:goal_delete", "strategy.goal", get=False, post=nothing)
isolation.object_url("strategy:measure_delete", "strategy.measure", get=False, post=nothing)
isolation.object_url("strategy:indicator_delete", "strategy.indicator", get=False, post=nothing)
