"""Writes of the strategy app (audited, transactional) and the computed-indicator snapshot."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import models, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core import figures
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.models import Municipality

from . import search_provider
from .models import FieldOfAction, Goal, Indicator, IndicatorValue, LinkKind, Measure, Strategy

log = logging.getLogger(__name__)


@transaction.atomic
def save(obj: models.Model, *, ctx: ServiceContext | None = None, action: str = "") -> models.Model:
    """Create or update any strategy object edited in the staff forms, audited."""
    created = obj.pk is None
    obj.save()
    _reindex(obj)
    name = obj._meta.model_name
    audit.record(
        action or f"strategy.{name}.{'created' if created else 'changed'}",
        ctx=ctx,
        municipality=getattr(obj, "municipality", None),
        obj=obj,
    )
    return obj


@transaction.atomic
def delete(obj: models.Model, *, ctx: ServiceContext | None = None) -> None:
    audit.record(
        f"strategy.{obj._meta.model_name}.deleted",
        ctx=ctx,
        municipality=getattr(obj, "municipality", None),
        obj=obj,
    )
    obj.delete()
    _reindex(obj)


def _reindex(obj: models.Model) -> None:
    if isinstance(obj, (Strategy, FieldOfAction, Goal, Measure)):
        search_provider.reindex(obj.municipality)


def link_error(kind: str, target: str) -> str | None:
    """Why a measure link target is invalid (German + English), or None."""
    if kind == LinkKind.PAGE:
        if not target.startswith("/") or "//" in target:
            return str(
                _(
                    "Bitte geben Sie einen Pfad auf diesem Portal an, z. B. "
                    "/leistungen/. / Please enter a path on this site."
                )
            )
        try:
            resolve(target.split("?", 1)[0])
        except Resolver404:
            return str(
                _("Diese Seite gibt es auf diesem Portal nicht. / This page does not exist on this site.")
            )
        return None
    if kind == LinkKind.DATASET and figures.dataset_source(target) is None:
        return str(_("Unbekannter Datensatz-Schlüssel. / Unknown dataset key."))
    if kind == LinkKind.INDICATOR and figures.indicator(target) is None:
        return str(_("Unbekannter Kennzahl-Schlüssel. / Unknown indicator key."))
    return None


def live_value(ind: Indicator, municipality: Municipality) -> Decimal | None:
    """The current value of a computed indicator (None for manual ones or when there is no data)."""
    spec = figures.indicator(ind.figures_key) if ind.figures_key else None
    if spec is None:
        return None
    try:
        with transaction.atomic():  # savepoint: a failing query must not break the outer transaction
            value = spec.compute(municipality)
    except Exception:  # a module's bug must not break the roadmap
        log.exception("strategy: computing %s failed", ind.figures_key)
        return None
    if value is None:
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


@transaction.atomic
def snapshot(municipality: Municipality, day: date | None = None) -> int:
    """Store the live value of every computed indicator as the value of the month (first day)."""
    day = (day or timezone.localdate()).replace(day=1)
    n = 0
    for ind in Indicator.objects.for_tenant(municipality).exclude(figures_key=""):
        value = live_value(ind, municipality)
        if value is None:
            continue
        current = IndicatorValue.objects.filter(indicator=ind, date=day).first()
        if current is not None and current.value == value:
            continue  # unchanged: no write
        IndicatorValue.objects.update_or_create(
            indicator=ind,
            date=day,
            defaults={"municipality": municipality, "value": value, "computed": True},
        )
        n += 1
    if n:
        audit.record(
            "strategy.indicators.snapshot", municipality=municipality, changes={"date": str(day), "count": n}
        )
    return n
