"""Public roadmap (/digitalstrategie/), the Digitalbarometer (/digitalbarometer/) and staff pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db import models
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core import exports
from rathaus.core.accounts.permissions import module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.pdf import Document
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest
from rathaus.core.ui import charts

from . import queries, services
from .forms import (
    FieldForm,
    GoalForm,
    IndicatorForm,
    LinkForm,
    MeasureForm,
    MilestoneForm,
    StrategyForm,
    ValueForm,
    VersionForm,
)
from .models import (
    FieldOfAction,
    Goal,
    Indicator,
    IndicatorValue,
    Measure,
    MeasureLink,
    MeasureStatus,
    Milestone,
    Strategy,
    StrategyVersion,
)


def fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, (int, float, Decimal)):
        decimals = 0 if Decimal(str(value)) == Decimal(str(value)).to_integral_value() else 1
        text = number_format(round(Decimal(str(value)), decimals), decimal_pos=decimals, force_grouping=True)
    else:
        text = str(value)
    return f"{text} {unit}".strip()


# --- Public roadmap ---------------------------------------------------------------------------------


@public
def index(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    strategy = queries.current_strategy(muni)
    if strategy is None:
        return render(request, "strategy/index.html", {"strategy": None})
    fields = queries.tree(strategy)
    by_field = queries.progress_by_field(strategy)
    chart = charts.bar_chart(
        _("Fortschritt je Handlungsfeld (Durchschnitt der Maßnahmen)"),
        [(f.title, avg) for f, avg, _n in by_field],
        unit="%",
        value_heading=_("Fortschritt"),
        maximum=100,
        decimals=0,
    )
    prog = queries.progress(muni)
    status_chart = charts.bar_chart(
        _("Maßnahmen nach Status"),
        [
            (_("abgeschlossen"), prog.done),
            (_("in Umsetzung"), prog.in_progress),
            (_("geplant"), prog.planned),
            (_("zurückgestellt"), prog.deferred),
        ],
        value_heading=_("Anzahl"),
    )
    indicators = list(strategy.indicators.all())
    latest = queries.latest_values(indicators)
    indicator_rows = [
        (
            i,
            fmt(i.baseline_value, i.unit),
            # The latest stored value (computed ones: the monthly snapshot; live on the indicator page).
            f"{fmt(latest[i.pk].value, i.unit)} ({latest[i.pk].date:%m/%Y})" if i.pk in latest else "–",
            fmt(i.target_value, i.unit),
        )
        for i in indicators
    ]
    return render(
        request,
        "strategy/index.html",
        {
            "strategy": strategy,
            "fields": fields,
            "chart": chart,
            "status_chart": status_chart,
            "progress": prog,
            "indicators": indicators,
            "indicator_rows": indicator_rows,
            "versions": list(strategy.versions.all()),
        },
    )


@public
def field(request: RathausRequest, pk: int) -> HttpResponse:
    f = tenant_object_or_404(
        queries.public_fields(request.municipality).select_related("strategy"), request, pk=pk
    )
    goals = list(f.goals.prefetch_related("measures__lead_department"))
    measures = [m for g in goals for m in g.measures.all()]
    chart = charts.bar_chart(
        _("Fortschritt der Maßnahmen"),
        [(str(m), m.progress) for m in measures],
        unit="%",
        value_heading=_("Fortschritt"),
        maximum=100,
    )
    return render(
        request,
        "strategy/field.html",
        {
            "field": f,
            "goals": goals,
            "chart": chart,
            "indicators": list(f.indicators.all()),
        },
    )


@public
def measure(request: RathausRequest, pk: int) -> HttpResponse:
    m = tenant_object_or_404(
        queries.public_measures(request.municipality).select_related("goal__field", "lead_department"),
        request,
        pk=pk,
    )
    return render(
        request,
        "strategy/measure.html",
        {
            "measure": m,
            "milestones": list(m.milestones.all()),
            "links": _link_rows(m, request.municipality),
            "budget_planned": fmt(m.budget_planned, "€"),
            "budget_spent": fmt(m.budget_spent, "€"),
        },
    )


def _link_rows(m: Measure, muni: Any) -> list[tuple[str, str, str]]:
    """(title, href, module) of a measure's links; dataset/indicator keys become portal pages."""
    from rathaus.opendata.queries import module_dataset_path

    rows = []
    for link in m.links.all():
        href = link.target
        if link.kind == "dataset":
            href = module_dataset_path(muni, link.target) or "/daten/"
        elif link.kind == "indicator":
            href = "/digitalbarometer/#" + slugify(link.target)
        rows.append((link.title, href, queries.MODULE_NAMES.get(link.module, link.module)))
    return rows


def _indicator_context(ind: Indicator, muni: Any) -> dict[str, Any]:
    values = list(ind.values.all())
    live = services.live_value(ind, muni) if ind.is_computed else None
    rows = [(f"{v.date:%m/%Y}", v.value) for v in values]
    chart = charts.bar_chart(
        _("Verlauf: %(title)s") % {"title": ind.title},
        rows,
        unit=ind.unit,
        value_heading=_("Wert"),
        decimals=0 if all(v.value == v.value.to_integral_value() for v in values) else 1,
        markers=[ind.target_value] * len(rows) if ind.target_value is not None else None,
        marker_heading=_("Zielwert") if ind.target_value is not None else None,
    )
    return {
        "indicator": ind,
        "values": values,
        "live": fmt(live, ind.unit),
        "has_live": live is not None,
        "chart": chart,
        "baseline": fmt(ind.baseline_value, ind.unit),
        "target": fmt(ind.target_value, ind.unit),
    }


@public
def indicator(request: RathausRequest, pk: int) -> HttpResponse:
    ind = tenant_object_or_404(
        queries.public_indicators(request.municipality).select_related("field"), request, pk=pk
    )
    return render(request, "strategy/indicator.html", _indicator_context(ind, request.municipality))


def _report_rows(muni: Any) -> list[list[str]]:
    rows = []
    for m in (
        queries.public_measures(muni)
        .select_related("goal__field", "lead_department")
        .order_by("goal__field__order", "goal__field_id", "goal__order", "goal_id", "order", "pk")
    ):
        rows.append(
            [
                m.goal.field.title,
                m.goal.title,
                m.code,
                m.title,
                m.get_status_display(),
                str(m.progress),
                m.lead_department.name if m.lead_department else "",
                m.start.isoformat() if m.start else "",
                m.end.isoformat() if m.end else "",
                str(m.budget_planned or ""),
                str(m.budget_spent or ""),
            ]
        )
    return rows


REPORT_HEADERS = [
    "Handlungsfeld",
    "Ziel",
    "Kennung",
    "Maßnahme",
    "Status",
    "Fortschritt (%)",
    "Federführung",
    "Beginn",
    "Ende",
    "Budget geplant (EUR)",
    "Budget verausgabt (EUR)",
]


@public
def report_csv(request: RathausRequest) -> StreamingHttpResponse:
    muni = request.municipality
    if queries.current_strategy(muni) is None:
        raise Http404

    def lines() -> Iterator[Any]:
        yield REPORT_HEADERS
        yield from _report_rows(muni)

    return exports.csv_response(lines(), "digitalstrategie-statusbericht.csv")


@public
def report_pdf(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    strategy = queries.current_strategy(muni)
    if strategy is None:
        raise Http404
    prog = queries.progress(muni)
    doc = Document(
        municipality_name=muni.official_name or muni.name, title=f"Statusbericht: {strategy.title}"
    )
    version = strategy.versions.first()
    doc.fields(
        [
            ("Stand", timezone.localdate().strftime("%d.%m.%Y")),
            ("Fassung", str(version) if version else "–"),
            ("Maßnahmen", str(prog.measures)),
            ("abgeschlossen", f"{prog.done} ({fmt(prog.done_share, '%')})"),
            ("in Umsetzung", str(prog.in_progress)),
            ("geplant", str(prog.planned)),
            ("zurückgestellt", str(prog.deferred)),
            ("durchschnittlicher Fortschritt", fmt(prog.average, "%")),
        ]
    )
    doc.heading("Maßnahmen")
    doc.table(
        ["Handlungsfeld", "Maßnahme", "Status", "Fortschritt", "Federführung"],
        [[r[0], f"{r[2]} {r[3]}".strip(), r[4], f"{r[5]} %", r[6]] for r in _report_rows(muni)],
    )
    indicators = list(strategy.indicators.all())
    latest = queries.latest_values(indicators)
    if indicators:
        doc.heading("Indikatoren")
        doc.table(
            ["Indikator", "Ausgangswert", "aktueller Wert", "Zielwert"],
            [
                [
                    i.title,
                    f"{fmt(i.baseline_value, i.unit)} ({i.baseline_year or '–'})",
                    fmt(latest[i.pk].value, i.unit) if i.pk in latest else "–",
                    f"{fmt(i.target_value, i.unit)} ({i.target_year or '–'})",
                ]
                for i in indicators
            ],
        )
    response = HttpResponse(doc.output(), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="digitalstrategie-statusbericht.pdf"'
    return response


# --- Digitalbarometer ------------------------------------------------------------------------------


@public
def barometer(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    groups = queries.barometer(muni)
    for g in groups:
        g.name = queries.MODULE_NAMES.get(g.module, g.module)  # type: ignore[attr-defined]
        for f in g.figures:
            f.display = fmt(f.value, f.unit)  # type: ignore[attr-defined]
    strategy = queries.current_strategy(muni)
    return render(
        request,
        "strategy/barometer.html",
        {
            "groups": groups,
            "strategy": strategy,
            "progress": queries.progress(muni) if strategy else None,
        },
    )


def _barometer_rows(muni: Any) -> list[dict[str, Any]]:
    rows = []
    for g in queries.barometer(muni):
        for f in g.figures:
            value = f.value
            if isinstance(value, Decimal):
                value = float(value)
            rows.append(
                {
                    "key": f.key,
                    "module": f.module,
                    "label": f.label,
                    "value": value,
                    "unit": f.unit,
                    "method": f.method,
                    "source": f.source_url,
                }
            )
    return rows


@public
def barometer_csv(request: RathausRequest) -> StreamingHttpResponse:
    rows: list[list[Any]] = [["key", "module", "label", "value", "unit", "method", "source"]]
    base = request.build_absolute_uri("/").rstrip("/")
    stamp = timezone.now().replace(microsecond=0).isoformat()
    for r in _barometer_rows(request.municipality):
        rows.append(
            [
                r["key"],
                r["module"],
                r["label"],
                r["value"],
                r["unit"],
                r["method"],
                base + r["source"] if r["source"] else "",
            ]
        )
    return exports.csv_response(rows, f"digitalbarometer-{stamp[:10]}.csv", inline=True)


@public
def barometer_json(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    payload = {
        "municipality": muni.name,
        "ags": muni.ags,
        "generated": timezone.now().replace(microsecond=0).isoformat(),
        "figures": _barometer_rows(muni),
    }
    return HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )


# --- Staff ------------------------------------------------------------------------------------------

M = "strategy"


@module_required(M)
def manage(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    strategies = list(Strategy.objects.for_tenant(muni).prefetch_related("versions"))
    trees = [(s, queries.tree(s), list(s.indicators.all())) for s in strategies]
    return render(request, "strategy/staff/manage.html", {"trees": trees})


def _edit(
    request: RathausRequest,
    form_class: type,
    instance: models.Model | None,
    title: str,
    *,
    initial: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    back: str = "strategy:manage",
) -> HttpResponse:
    muni = request.municipality
    form = form_class(request.POST or None, instance=instance, municipality=muni, initial=initial)
    if request.method == "POST" and form.is_valid():
        obj = services.save(form.save(commit=False), ctx=ServiceContext.from_request(request))
        messages.success(request, _("Gespeichert."))
        if hasattr(obj, "get_absolute_url") and isinstance(obj, (Measure, Indicator)):
            return redirect(f"strategy:{obj._meta.model_name}_edit", pk=obj.pk)
        return redirect(back)
    delete_names: dict[type[models.Model], str] = {
        FieldOfAction: "field_delete",
        Goal: "goal_delete",
        Measure: "measure_delete",
        Indicator: "indicator_delete",
    }
    name = delete_names.get(type(instance)) if instance is not None else None
    delete_url = reverse(f"strategy:{name}", args=[instance.pk]) if name and instance is not None else ""
    ctx = {"form": form, "title": title, "object": instance, "delete_url": delete_url}
    ctx.update(extra or {})
    return render(request, "strategy/staff/edit.html", ctx)


@module_required(M)
@require_http_methods(["GET", "POST"])
def strategy_edit(request: RathausRequest, pk: int | None = None) -> HttpResponse:
    obj = tenant_object_or_404(Strategy, request, pk=pk) if pk else None
    extra = {}
    if obj is not None:
        extra = {
            "versions": list(obj.versions.all()),
            "version_form": VersionForm(municipality=request.municipality),
            "strategy": obj,
        }
    return _edit(
        request, StrategyForm, obj, _("Strategie bearbeiten") if obj else _("Neue Strategie"), extra=extra
    )


@module_required(M)
@require_POST
def version_add(request: RathausRequest, pk: int) -> HttpResponse:
    strategy = tenant_object_or_404(Strategy, request, pk=pk)
    form = VersionForm(request.POST, municipality=request.municipality)
    if form.is_valid():
        v = form.save(commit=False)
        v.strategy = strategy
        if StrategyVersion.objects.filter(strategy=strategy, version=v.version).exists():
            messages.error(request, _("Diese Version gibt es schon."))
        else:
            services.save(v, ctx=ServiceContext.from_request(request))
            messages.success(request, _("Die Fassung wurde eingetragen."))
    else:
        messages.error(
            request, _("Bitte prüfen Sie die Angaben zur Fassung: %(e)s") % {"e": form.errors.as_text()}
        )
    return redirect("strategy:strategy_edit", pk=strategy.pk)


@module_required(M)
@require_http_methods(["GET", "POST"])
def field_edit(request: RathausRequest, pk: int | None = None) -> HttpResponse:
    obj = tenant_object_or_404(FieldOfAction, request, pk=pk) if pk else None
    return _edit(request, FieldForm, obj, _("Handlungsfeld bearbeiten") if obj else _("Neues Handlungsfeld"))


@module_required(M)
@require_http_methods(["GET", "POST"])
def goal_edit(request: RathausRequest, pk: int | None = None) -> HttpResponse:
    obj = tenant_object_or_404(Goal, request, pk=pk) if pk else None
    return _edit(request, GoalForm, obj, _("Ziel bearbeiten") if obj else _("Neues Ziel"))


@module_required(M)
@require_http_methods(["GET", "POST"])
def measure_edit(request: RathausRequest, pk: int | None = None) -> HttpResponse:
    obj = tenant_object_or_404(Measure, request, pk=pk) if pk else None
    extra = {}
    if obj is not None:
        muni = request.municipality
        extra = {
            "measure": obj,
            "milestones": list(obj.milestones.all()),
            "links": list(obj.links.all()),
            "milestone_form": MilestoneForm(municipality=muni),
            "link_form": LinkForm(municipality=muni),
        }
    return _edit(
        request, MeasureForm, obj, _("Maßnahme bearbeiten") if obj else _("Neue Maßnahme"), extra=extra
    )


@module_required(M)
@require_POST
def milestone_add(request: RathausRequest, pk: int) -> HttpResponse:
    m = tenant_object_or_404(Measure, request, pk=pk)
    form = MilestoneForm(request.POST, municipality=request.municipality)
    if form.is_valid():
        ms = form.save(commit=False)
        ms.measure = m
        services.save(ms, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Der Meilenstein wurde eingetragen."))
    else:
        messages.error(request, _("Bitte prüfen Sie den Meilenstein: %(e)s") % {"e": form.errors.as_text()})
    return redirect("strategy:measure_edit", pk=m.pk)


@module_required(M)
@require_POST
def milestone_toggle(request: RathausRequest, pk: int) -> HttpResponse:
    ms = tenant_object_or_404(Milestone, request, pk=pk)
    ms.done = not ms.done
    services.save(ms, ctx=ServiceContext.from_request(request))
    return redirect("strategy:measure_edit", pk=ms.measure_id)


@module_required(M)
@require_POST
def milestone_delete(request: RathausRequest, pk: int) -> HttpResponse:
    ms = tenant_object_or_404(Milestone, request, pk=pk)
    measure_pk = ms.measure_id
    services.delete(ms, ctx=ServiceContext.from_request(request))
    return redirect("strategy:measure_edit", pk=measure_pk)


@module_required(M)
@require_POST
def link_add(request: RathausRequest, pk: int) -> HttpResponse:
    m = tenant_object_or_404(Measure, request, pk=pk)
    form = LinkForm(request.POST, municipality=request.municipality)
    if form.is_valid():
        link = form.save(commit=False)
        link.measure = m
        services.save(link, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Die Verknüpfung wurde eingetragen."))
        return redirect("strategy:measure_edit", pk=m.pk)
    muni = request.municipality
    return render(
        request,
        "strategy/staff/edit.html",
        {
            "form": MeasureForm(instance=m, municipality=muni),
            "title": _("Maßnahme bearbeiten"),
            "object": m,
            "measure": m,
            "milestones": list(m.milestones.all()),
            "links": list(m.links.all()),
            "milestone_form": MilestoneForm(municipality=muni),
            "link_form": form,
        },
        status=422,
    )


@module_required(M)
@require_POST
def link_delete(request: RathausRequest, pk: int) -> HttpResponse:
    link = tenant_object_or_404(MeasureLink, request, pk=pk)
    measure_pk = link.measure_id
    services.delete(link, ctx=ServiceContext.from_request(request))
    return redirect("strategy:measure_edit", pk=measure_pk)


@module_required(M)
@require_http_methods(["GET", "POST"])
def indicator_edit(request: RathausRequest, pk: int | None = None) -> HttpResponse:
    obj = tenant_object_or_404(Indicator, request, pk=pk) if pk else None
    extra = {}
    if obj is not None:
        extra = {
            "indicator": obj,
            "values": list(obj.values.all()),
            "value_form": ValueForm(municipality=request.municipality),
        }
    return _edit(
        request, IndicatorForm, obj, _("Indikator bearbeiten") if obj else _("Neuer Indikator"), extra=extra
    )


@module_required(M)
@require_POST
def value_add(request: RathausRequest, pk: int) -> HttpResponse:
    ind = tenant_object_or_404(Indicator, request, pk=pk)
    form = ValueForm(request.POST, municipality=request.municipality)
    if form.is_valid():
        v = form.save(commit=False)
        existing = IndicatorValue.objects.filter(indicator=ind, date=v.date).first()
        if existing is not None:
            existing.value, existing.computed = v.value, False
            v = existing
        v.indicator = ind
        services.save(v, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Der Wert wurde gespeichert."))
    else:
        messages.error(request, _("Bitte prüfen Sie den Wert: %(e)s") % {"e": form.errors.as_text()})
    return redirect("strategy:indicator_edit", pk=ind.pk)


@module_required(M)
@require_POST
def value_delete(request: RathausRequest, pk: int) -> HttpResponse:
    v = tenant_object_or_404(IndicatorValue, request, pk=pk)
    ind_pk = v.indicator_id
    services.delete(v, ctx=ServiceContext.from_request(request))
    return redirect("strategy:indicator_edit", pk=ind_pk)


def _delete(request: RathausRequest, model: type[models.Model], pk: int) -> HttpResponse:
    obj = tenant_object_or_404(model, request, pk=pk)
    services.delete(obj, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Gelöscht: %(name)s") % {"name": obj})
    return redirect("strategy:manage")


@module_required(M)
@require_POST
def field_delete(request: RathausRequest, pk: int) -> HttpResponse:
    return _delete(request, FieldOfAction, pk)


@module_required(M)
@require_POST
def goal_delete(request: RathausRequest, pk: int) -> HttpResponse:
    return _delete(request, Goal, pk)


@module_required(M)
@require_POST
def measure_delete(request: RathausRequest, pk: int) -> HttpResponse:
    return _delete(request, Measure, pk)


@module_required(M)
@require_POST
def indicator_delete(request: RathausRequest, pk: int) -> HttpResponse:
    return _delete(request, Indicator, pk)


@module_required(M)
@require_POST
def snapshot(request: RathausRequest) -> HttpResponse:
    n = services.snapshot(request.municipality)
    messages.success(
        request, _("%(n)s berechnete Indikatoren wurden für diesen Monat festgehalten.") % {"n": n}
    )
    return redirect("strategy:manage")


__all__ = ["MeasureStatus"]
