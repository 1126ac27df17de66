"""Mobility pages: public map and tables, comparison, exports; staff feed management."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core import exports, figures
from rathaus.core.accounts.permissions import module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest
from rathaus.core.ui import charts

from . import analysis, indicators, queries, services
from .forms import AreaForm, DistrictForm, FeedUploadForm, GridUploadForm, WindowForm, initial_data
from .models import District, FeedVersion, MunicipalityArea, PopulationGrid

GROUP_LABELS = {
    analysis.RAIL: "Bahn",
    analysis.TRAM: "Straßenbahn",
    analysis.BUS: "Bus",
    analysis.ON_DEMAND: "Rufbus / On-Demand",
    analysis.OTHER: "Sonstige",
}
MAX_TABLE_ROWS = 500


def tile_url() -> str:
    return str(getattr(settings, "MOBILITY_TILE_URL", "") or "")


UNSAFE_ORIGIN_CHARS = frozenset("{}'\" ;,")


def tile_origin(url: str) -> str:
    """The CSP source of a tile URL template: scheme and host (``{s}`` subdomains → ``*``), or ""
    for anything that is not an absolute http(s) URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    host = parts.netloc.replace("{s}", "*")
    if parts.scheme not in ("http", "https") or not host or any(c in host for c in UNSAFE_ORIGIN_CHARS):
        return ""
    return f"{parts.scheme}://{host}"


def _hhmm(seconds: int | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _current_feed(request: RathausRequest) -> FeedVersion | None:
    """The published version, looked up once per request (the form's default, its initial choice
    and the page's "has a feed" all need it)."""
    if not hasattr(request, "_mobility_current_feed"):
        request._mobility_current_feed = queries.current_feed(request.municipality)  # type: ignore[attr-defined]
    return request._mobility_current_feed  # type: ignore[attr-defined,no-any-return]


def _window_form(request: RathausRequest, prefix: str | None = None) -> WindowForm:
    muni = request.municipality
    current = _current_feed(request)
    keys = [f"{prefix}-{k}" if prefix else k for k in ("fahrplan", "tagestyp", "von", "bis")]
    if any(k in request.GET for k in keys):
        return WindowForm(muni, request.GET, prefix=prefix, current=current)
    data = initial_data(muni, current)
    if prefix:
        data = {f"{prefix}-{k}": v for k, v in data.items()}
    return WindowForm(muni, data, prefix=prefix, current=current)


def _result(request: RathausRequest, prefix: str | None = None) -> tuple[WindowForm, queries.Result | None]:
    form = _window_form(request, prefix)
    if not form.is_valid():
        return form, None
    try:
        chosen = form.window()
        if chosen is None:
            return form, None
        feed, window = chosen
        return form, queries.analyse(feed, window, queries.current_grid(request.municipality))
    except (OSError, pl.exceptions.PolarsError):
        # The Parquet files of the version are missing (data directory not mounted or restored
        # without it): a clear message instead of a server error.
        form.add_error(None, _("Die Fahrplandaten dieses Fahrplanstands sind zurzeit nicht verfügbar."))
        return form, None


def _station_rows(result: queries.Result) -> list[dict[str, Any]]:
    rows = []
    for r in result.stations.head(MAX_TABLE_ROWS).iter_rows(named=True):
        cat = r["category"]
        rows.append(
            {
                "id": r["station_id"],
                "name": r["station_name"],
                "category": analysis.ROMAN[cat - 1] if cat else "–",
                "category_n": cat or 0,
                "group": GROUP_LABELS.get(r["best_group"], r["best_group"]),
                "groups": ", ".join(GROUP_LABELS.get(g, g) for g in r["groups"].split(";")),
                "departures": r["departures"],
                "interval": r["interval_min"],
            }
        )
    return rows


def _coverage_context(result: queries.Result) -> dict[str, Any]:
    cov = result.coverage
    if cov is None:
        return {}
    rows = []
    for key in (*analysis.CLASSES, "none"):
        value = cov.by_class.get(key, 0.0)
        label = _("Güteklasse %(c)s") % {"c": key} if key != "none" else _("keine Güteklasse")
        rows.append((label, round(100 * value / cov.total, 1) if cov.total else None, _int(value)))
    chart = charts.bar_chart(
        _("Anteil der Einwohner je ÖV-Güteklasse"),
        [(label, share) for label, share, _n in rows],
        unit="%",
        decimals=1,
        maximum=100,
        value_heading=_("Anteil"),
    )
    return {
        "coverage_rows": rows,
        "coverage_chart": chart,
        "coverage_total": _int(cov.total),
        "share_ad": _pct(cov.share("ABCD")),
        "share_beyond": _pct(cov.share_beyond),
    }


def _int(value: float) -> str:
    return number_format(round(value), force_grouping=True)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


@public
def index(request: RathausRequest) -> HttpResponse:
    form, result = _result(request)
    context: dict[str, Any] = {
        "form": form,
        "result": result,
        "tile_url": tile_url(),
        "tile_attribution": getattr(settings, "MOBILITY_TILE_ATTRIBUTION", "")
        or "© OpenStreetMap-Mitwirkende",
        "categories": list(enumerate(analysis.ROMAN, start=1)),
    }
    if result is not None:
        query = request.GET.urlencode() if request.GET else _query(form)
        context.update(
            {
                "query": query,
                "stations": _station_rows(result),
                "station_total": result.stations.height,
                "routes": [
                    {
                        **r,
                        "group_label": GROUP_LABELS.get(r["group"], r["group"]),
                        "first": _hhmm(r["first_s"]),
                        "last": _hhmm(r["last_s"]),
                    }
                    for r in result.routes.head(MAX_TABLE_ROWS).iter_rows(named=True)
                ],
                "groups": [
                    {**g, "label": GROUP_LABELS.get(g["group"], g["group"])}
                    for g in result.groups.iter_rows(named=True)
                ],
                "served": result.served_stops,
                "districts": result.districts,
                **_coverage_context(result),
            }
        )
    context["has_feed"] = _current_feed(request) is not None
    response = render(request, "mobility/index.html", context)
    origin = tile_origin(tile_url())
    if origin:
        # Only this page loads tiles: allow the configured tile server here (django-csp merges it
        # into img-src of the settings' policy).
        response._csp_update = {"img-src": [origin]}  # type: ignore[attr-defined]
    return response


def _query(form: WindowForm) -> str:
    from urllib.parse import urlencode

    d = form.cleaned_data
    return urlencode(
        {
            "fahrplan": d["fahrplan"].pk,
            "tagestyp": d["tagestyp"],
            "datum": d["datum"].isoformat() if d.get("datum") else "",
            "von": _hhmm(d["von"]),
            "bis": _hhmm(d["bis"]),
        }
    )


@public
def compare(request: RathausRequest) -> HttpResponse:
    form_a, result_a = _result(request, "a")
    form_b, result_b = _result(request, "b")
    rows = queries.compare(result_a, result_b) if result_a and result_b else []
    changed = [r for r in rows if r["delta"]]
    return render(
        request,
        "mobility/compare.html",
        {
            "form_a": form_a,
            "form_b": form_b,
            "result_a": result_a,
            "result_b": result_b,
            "rows": rows[:MAX_TABLE_ROWS],
            "changed": len(changed),
            "has_feed": _current_feed(request) is not None,
        },
    )


def _bad_request(form: WindowForm) -> JsonResponse:
    return JsonResponse(
        {"error": "Ungültige Auswahl / invalid parameters", "fields": form.errors.get_json_data()}, status=400
    )


@public
def stops_geojson(request: RathausRequest) -> HttpResponse:
    form, result = _result(request)
    if result is None:
        return _bad_request(form)
    features = []
    for r in result.stations.iter_rows(named=True):
        cat = r["category"]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(r["stop_lon"], 6), round(r["stop_lat"], 6)],
                },
                "properties": {
                    "station_id": r["station_id"],
                    "name": r["station_name"],
                    "category": analysis.ROMAN[cat - 1] if cat else None,
                    "category_number": cat,
                    "mode_group": r["best_group"],
                    "departures": r["departures"],
                    "interval_min": r["interval_min"],
                },
            }
        )
    return _geojson(result, features, "haltestellen")


@public
def classes_geojson(request: RathausRequest) -> HttpResponse:
    form, result = _result(request)
    if result is None:
        return _bad_request(form)
    return _geojson(result, analysis.class_polygons(result.stations), "gueteklassen")


def _geojson(result: queries.Result, features: list[dict[str, Any]], name: str) -> HttpResponse:
    w = result.window
    body = {
        "type": "FeatureCollection",
        "metadata": {
            "feed": result.feed.name,
            "demo": result.feed.is_demo,
            "date": w.day.isoformat(),
            "from": _hhmm(w.start_s),
            "to": _hhmm(w.end_s),
            "method": "ÖV-Güteklassen nach ARE (2022), siehe docs/mobility.md",
        },
        "features": features,
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/geo+json")
    response["Content-Disposition"] = f'inline; filename="{name}.geojson"'
    return response


@public
def base_geojson(request: RathausRequest) -> HttpResponse:
    """The offline base map: the municipality's outline and its Ortsteile (no tile server needed)."""
    muni = request.municipality
    features: list[dict[str, Any]] = []
    area = MunicipalityArea.objects.for_tenant(muni).first()
    if area is not None and len(area.polygon) >= 3:
        features.append(_polygon_feature(area.polygon, "gemeinde", muni.name))
    for d in District.objects.for_tenant(muni).order_by("name"):
        if len(d.polygon) >= 3:
            features.append(_polygon_feature(d.polygon, "ortsteil", d.name))
    body = {
        "type": "FeatureCollection",
        "metadata": {
            "municipality": muni.name,
            "source": area.source if area is not None else "",
        },
        "features": features,
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/geo+json")
    response["Content-Disposition"] = 'inline; filename="grundkarte.geojson"'
    return response


def _polygon_feature(ring: list[list[float]], kind: str, name: str) -> dict[str, Any]:
    coords = [[round(float(p[0]), 6), round(float(p[1]), 6)] for p in ring]
    if coords[0] != coords[-1]:
        coords.append(coords[0])  # GeoJSON rings are closed
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [coords]},
        "properties": {"kind": kind, "name": name},
    }


@public
def stops_csv(request: RathausRequest) -> HttpResponseBase:
    """Departures per stop, the same columns as ``manage.py gtfs_stop_stats``."""
    form, result = _result(request)
    if result is None:
        return _bad_request(form)
    stops = result.stops

    def rows() -> Iterator[list[Any]]:
        yield ["stop_id", "stop_name", "departures", "mean_headway_min", "route_types"]
        for r in stops.iter_rows(named=True):
            yield [r["stop_id"], r["stop_name"], r["departures"], r["mean_headway_min"], r["route_types"]]

    return exports.csv_response(rows(), "abfahrten-je-haltestelle.csv")


@public
def indicators_csv(request: RathausRequest) -> HttpResponseBase:
    muni = request.municipality

    def rows() -> Iterator[list[Any]]:
        yield ["key", "label", "value", "unit", "method"]
        for ind, value in figures.compute_all(muni, [i.key for i in figures.indicators("mobility")]):
            yield [ind.key, ind.label, value, ind.unit, ind.method]

    return exports.csv_response(rows(), "mobilitaet-kennzahlen.csv")


@public
def indicators_page(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    values = [
        {"indicator": ind, "value": value}
        for ind, value in figures.compute_all(muni, [i.key for i in figures.indicators("mobility")])
    ]
    result = queries.default_result(muni)
    return render(
        request,
        "mobility/indicators.html",
        {"values": values, "result": result, "modal_split": indicators.modal_split_reference()},
    )


# --- Staff -----------------------------------------------------------------------------------------


@module_required("mobility")
@require_http_methods(["GET", "POST"])
def manage(request: RathausRequest) -> HttpResponse:
    """The staff page; a GTFS upload is checked here for size, type and name, and imported in an
    import job (rathaus.core.jobs.imports): the user goes on to the job page."""
    muni = request.municipality
    form = FeedUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = form.cleaned_data["name"].strip()
        problem = services.feed_name_problem(muni, name)
        if problem:
            form.add_error("name", problem)
        else:
            services.upload_dir()  # an unwritable data folder is the clear storage page now, not later
            try:
                job, started = imports.start_import(
                    ServiceContext.from_request(request),
                    services.FEED_IMPORT_KIND,
                    upload.name or "feed.zip",
                    upload,  # hashed and stored in blocks, never read whole into memory
                    params={"name": name},
                )
            except imports.ImportFailed as exc:
                form.add_error("file", exc.message)
            else:
                if not started:
                    messages.info(
                        request, _("Diese Datei wird schon importiert oder wurde gerade importiert.")
                    )
                return redirect(imports.job_url(job))
        status = 422
    elif request.method == "POST":
        status = 422
    return render(request, "mobility/staff/manage.html", _manage_context(request, form=form), status=status)


def _manage_context(request: RathausRequest, **extra: Any) -> dict[str, Any]:
    muni = request.municipality
    context: dict[str, Any] = {
        "feeds": queries.feeds(muni).select_related("imported_by"),
        "grids": PopulationGrid.objects.for_tenant(muni).order_by("-imported_at"),
        "districts": District.objects.for_tenant(muni).order_by("name"),
        "form": FeedUploadForm(),
        "grid_form": GridUploadForm(),
        "district_form": DistrictForm(),
        "area": MunicipalityArea.objects.for_tenant(muni).first(),
        "area_form": AreaForm(),
    }
    context.update(extra)
    return context


PLAUSIBILITY_MESSAGES = {
    "no_area": _lazy(
        "Für die Kommune ist kein Gemeindegebiet (Umring) und kein Ortsteil hinterlegt; ob der Feed "
        "die Kommune bedient, ist nicht geprüft."
    ),
    "no_stop_inside": _lazy(
        "Keine Haltestelle liegt im Gebiet der Kommune. Bedient der Feed wirklich diese Kommune?"
    ),
    "few_inside": _lazy("Nur %(share)s %% der Haltestellen liegen im Gebiet der Kommune."),
    "expired": _lazy("Der Fahrplan ist abgelaufen (gültig bis %(date)s)."),
    "future": _lazy("Der Fahrplan gilt erst ab %(date)s."),
    "import_warnings": _lazy("Der Prüfbericht des Imports enthält %(count)s Warnung(en)."),
}


def plausibility_context(feed: FeedVersion) -> dict[str, Any]:
    """The stored plausibility facts with the warnings worded in the reader's language."""
    data = dict(feed.report.get("plausibility") or {})
    if not data:
        return {}
    data["messages"] = [
        str(PLAUSIBILITY_MESSAGES[w["code"]]) % w
        for w in data.get("warnings", [])
        if w.get("code") in PLAUSIBILITY_MESSAGES
    ]
    data["route_type_rows"] = [
        {**r, "group": GROUP_LABELS.get(analysis.mode_group(r["route_type"]), "")}
        for r in data.get("route_types", [])
    ]
    return data


@module_required("mobility")
def feed_detail(request: RathausRequest, pk: int) -> HttpResponse:
    feed = tenant_object_or_404(FeedVersion, request, pk=pk)
    return render(
        request,
        "mobility/staff/feed.html",
        {"feed": feed, "report": feed.report, "plausibility": plausibility_context(feed)},
    )


@module_required("mobility")
@require_POST
def feed_publish(request: RathausRequest, pk: int) -> HttpResponse:
    feed = tenant_object_or_404(FeedVersion, request, pk=pk)
    services.publish_feed(feed, ctx=ServiceContext.from_request(request))
    messages.success(
        request,
        _("Der Fahrplanstand „%(name)s“ ist veröffentlicht; der bisherige wurde archiviert.")
        % {"name": feed.name},
    )
    return redirect("mobility:feed_detail", pk=feed.pk)


@module_required("mobility")
@require_POST
def feed_delete(request: RathausRequest, pk: int) -> HttpResponse:
    feed = tenant_object_or_404(FeedVersion, request, pk=pk)
    services.delete_feed(feed, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Der Fahrplanstand wurde gelöscht."))
    return redirect("mobility:manage")


@module_required("mobility")
@require_POST
def grid_upload(request: RathausRequest) -> HttpResponse:
    form = GridUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.NamedTemporaryFile(suffix=Path(upload.name or "x.csv").suffix) as tmp:
            for chunk in upload.chunks():
                tmp.write(chunk)
            tmp.flush()
            try:
                services.import_grid(
                    request.municipality,
                    Path(tmp.name),
                    form.cleaned_data["name"],
                    crs=form.cleaned_data["crs"],
                    source_text=form.cleaned_data["source"],
                    ctx=ServiceContext.from_request(request),
                )
            except services.MobilityError as err:
                form.add_error("file", err.message)
            else:
                messages.success(request, _("Das Bevölkerungsraster wurde importiert."))
                return redirect("mobility:manage")
    return render(request, "mobility/staff/manage.html", _manage_context(request, grid_form=form), status=422)


@module_required("mobility")
@require_POST
def grid_delete(request: RathausRequest, pk: int) -> HttpResponse:
    grid = tenant_object_or_404(PopulationGrid, request, pk=pk)
    services.delete_grid(grid, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Das Bevölkerungsraster wurde gelöscht."))
    return redirect("mobility:manage")


@module_required("mobility")
@require_POST
def district_create(request: RathausRequest) -> HttpResponse:
    form = DistrictForm(request.POST)
    if form.is_valid():
        services.save_district(
            request.municipality,
            form.cleaned_data["name"],
            form.cleaned_data["polygon"],
            ctx=ServiceContext.from_request(request),
        )
        messages.success(request, _("Der Ortsteil wurde gespeichert."))
        return redirect("mobility:manage")
    return render(
        request, "mobility/staff/manage.html", _manage_context(request, district_form=form), status=422
    )


@module_required("mobility")
@require_POST
def area_save(request: RathausRequest) -> HttpResponse:
    form = AreaForm(request.POST)
    if form.is_valid():
        services.save_area(
            request.municipality,
            form.cleaned_data["polygon"],
            source=form.cleaned_data["source"],
            ctx=ServiceContext.from_request(request),
        )
        messages.success(request, _("Das Gemeindegebiet wurde gespeichert."))
        return redirect("mobility:manage")
    return render(request, "mobility/staff/manage.html", _manage_context(request, area_form=form), status=422)


@module_required("mobility")
@require_POST
def district_delete(request: RathausRequest, pk: int) -> HttpResponse:
    district = tenant_object_or_404(District, request, pk=pk)
    services.delete_district(district, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Der Ortsteil wurde gelöscht."))
    return redirect("mobility:manage")
