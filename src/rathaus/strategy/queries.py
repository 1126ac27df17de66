"""Reads of the strategy app: the tree, progress figures, the status report, the Digitalbarometer."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse

from rathaus.core import figures
from rathaus.core.pagecache.data import snapshot
from rathaus.core.tenancy.models import Municipality

from .models import FieldOfAction, Indicator, IndicatorValue, Measure, MeasureStatus, Strategy

log = logging.getLogger(__name__)


def current_strategy(municipality: Municipality, *, staff: bool = False) -> Strategy | None:
    qs = Strategy.objects.for_tenant(municipality)
    if not staff:
        qs = qs.filter(is_published=True)
    return qs.prefetch_related("versions").order_by("-pk").first()


def public_measures(municipality: Municipality) -> QuerySet[Measure]:
    return Measure.objects.for_tenant(municipality).filter(goal__field__strategy__is_published=True)


def public_fields(municipality: Municipality) -> QuerySet[FieldOfAction]:
    return FieldOfAction.objects.for_tenant(municipality).filter(strategy__is_published=True)


def public_indicators(municipality: Municipality) -> QuerySet[Indicator]:
    return Indicator.objects.for_tenant(municipality).filter(strategy__is_published=True)


def tree(strategy: Strategy) -> list[FieldOfAction]:
    """Fields → goals → measures in three queries."""
    return list(strategy.fields.prefetch_related("goals__measures__lead_department"))


@dataclass
class Progress:
    measures: int = 0
    done: int = 0
    in_progress: int = 0
    planned: int = 0
    deferred: int = 0
    average: Decimal | None = None

    @property
    def done_share(self) -> Decimal | None:
        if not self.measures:
            return None
        return (Decimal(self.done) * 100 / self.measures).quantize(Decimal("0.1"))


def _progress_of(qs: QuerySet[Measure]) -> Progress:
    row = qs.aggregate(
        measures=Count("pk"),
        done=Count("pk", filter=Q(status=MeasureStatus.DONE)),
        in_progress=Count("pk", filter=Q(status=MeasureStatus.IN_PROGRESS)),
        planned=Count("pk", filter=Q(status=MeasureStatus.PLANNED)),
        deferred=Count("pk", filter=Q(status=MeasureStatus.DEFERRED)),
        average=Avg("progress"),
    )
    avg = row.pop("average")
    return Progress(**row, average=Decimal(str(avg)).quantize(Decimal("0.1")) if avg is not None else None)


def progress(municipality: Municipality) -> Progress:
    """One aggregate query over the published strategy's measures."""
    return _progress_of(public_measures(municipality))


def progress_by_field(strategy: Strategy) -> list[tuple[FieldOfAction, Decimal | None, int]]:
    rows = strategy.fields.annotate(avg=Avg("goals__measures__progress"), n=Count("goals__measures"))
    return [
        (f, Decimal(str(f.avg)).quantize(Decimal("0.1")) if f.avg is not None else None, f.n) for f in rows
    ]


def latest_values(indicators: list[Indicator]) -> dict[int, IndicatorValue]:
    out: dict[int, IndicatorValue] = {}
    for v in IndicatorValue.objects.filter(indicator__in=indicators).order_by("indicator_id", "date"):
        out[v.indicator_id] = v
    return out


@dataclass
class BarometerFigure:
    key: str
    module: str
    label: str
    unit: str
    method: str
    value: Any
    source_url: str


@dataclass
class BarometerGroup:
    module: str
    figures: list[BarometerFigure] = field(default_factory=list)


MODULE_NAMES = {
    "catalog": "Leistungen (OZG)",
    "cases": "Anträge",
    "services": "Verwaltungsleistungen und Anträge",
    "participation": "Beteiligung",
    "fim": "Online-Formulare",
    "hub": "Digital Hub",
    "events": "Veranstaltungen",
    "consulting": "Beratung",
    "surveys": "Beteiligung",
    "heritage": "Kulturerbe",
    "mobility": "Mobilität",
    "strategy": "Digitalstrategie",
    "opendata": "Offene Daten",
}


# Figures over rolling windows ("last 12 months") may lag the clock by at most this; every change of
# data shows at once (the snapshot is keyed by the page cache's generation counters, ADR 0017).
BAROMETER_SNAPSHOT_SECONDS = 600


def barometer(municipality: Municipality) -> list[BarometerGroup]:
    """Every registered indicator with its value, grouped by module (module order as registered). The
    values come from a snapshot that any committed change of a module's data replaces at once."""
    values, _failed = snapshot(
        municipality,
        "strategy.barometer",
        lambda: barometer_values(municipality),
        seconds=BAROMETER_SNAPSHOT_SECONDS,
        keep=lambda computed: not computed[1],  # a failed computation is tried again on the next miss
    )
    groups: dict[str, BarometerGroup] = {}
    for ind in figures.indicators():
        url = ""
        if ind.source_url_name:
            try:
                url = reverse(ind.source_url_name)
            except NoReverseMatch:
                url = ""
        groups.setdefault(ind.module, BarometerGroup(ind.module)).figures.append(
            BarometerFigure(
                ind.key, ind.module, str(ind.label), str(ind.unit), str(ind.method), values.get(ind.key), url
            )
        )
    return list(groups.values())


def barometer_values(municipality: Municipality) -> tuple[dict[str, Any], bool]:
    """The live value of every registered indicator (None where a module's computation fails), and
    whether any failed."""
    values: dict[str, Any] = {}
    failed = False
    for ind in figures.indicators():
        try:
            with transaction.atomic():  # savepoint, see services.live_value
                values[ind.key] = ind.compute(municipality)
        except Exception:  # one module's failure must not break the page
            log.exception("barometer: computing %s failed", ind.key)
            values[ind.key] = None
            failed = True
    return values, failed
