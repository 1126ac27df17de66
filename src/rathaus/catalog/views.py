"""Pages of the service catalog. Views are thin: parse input, call a service or query, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rathaus.appointments import queries as appointment_queries
from rathaus.core import exports
from rathaus.core.accounts.models import Department
from rathaus.core.accounts.permissions import manages_module, module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest, SignedInRequest
from rathaus.core.ui.services import render_markdown
from rathaus.identity import queries as identity_queries
from rathaus.payments import queries as payments_queries

from . import jsonld, queries, services
from .forms import CsvImportForm, ServiceFilterForm, ServiceForm
from .models import MODULE_FIELDS, Service

MODULE = "services"


def _field_label(name: str) -> Any:
    field = Service._meta.get_field(name) if name in _FIELD_NAMES else None
    return getattr(field, "verbose_name", name)


_FIELD_NAMES = {f.name for f in Service._meta.get_fields()}


# --- Public ------------------------------------------------------------------------------------


@public
def service_list(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    situations = list(queries.life_situations(muni))
    form = ServiceFilterForm(request.GET or None, situations=situations)
    form.is_valid()  # invalid fields are left out of cleaned_data (and shown as errors)
    data: dict[str, Any] = getattr(form, "cleaned_data", {})
    letter = (request.GET.get("buchstabe") or "").upper()
    letter = letter if letter in queries.LETTERS or letter == "#" else ""
    flt = queries.ServiceFilter(
        q=(data.get("q") or "").strip(),
        themenfeld=data.get("themenfeld") or "",
        lebenslage=data.get("lebenslage") or "",
        letter=letter,
    )
    page = Paginator(queries.public_services(muni, flt), queries.PAGE_SIZE).get_page(request.GET.get("seite"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "seite" and v])
    in_use = queries.letters_in_use(muni)
    letters = [(c, c in in_use) for c in queries.LETTERS] + ([("#", True)] if "#" in in_use else [])
    return render(
        request,
        "catalog/list.html",
        {
            "form": form,
            "page": page,
            "services": page.object_list,
            "query": query,
            "filtered": bool(query),
            "letters": letters,
            "letter": letter,
            "flt": flt,
        },
    )


@public
def service_detail(request: RathausRequest, pk: int) -> HttpResponse:
    muni = request.municipality
    service = tenant_object_or_404(queries.service_detail(muni), request, pk=pk)
    form_url = queries.online_form_url(muni, service.leika, service.pk)
    url = request.build_absolute_uri(reverse("catalog:detail", args=[service.pk]))
    labels = {f: _field_label(f) for f in MODULE_FIELDS}
    modules = [
        {"key": f, "title": labels[f], "html": render_markdown(getattr(service, f))}
        for f in MODULE_FIELDS
        if getattr(service, f).strip()
    ]
    return render(
        request,
        "catalog/detail.html",
        {
            "service": service,
            "modules": modules,
            "documents_html": render_markdown(service.unterlagen),
            "costs_html": render_markdown(service.kosten),
            "form_url": form_url,
            "apply_url": form_url or service.online_url,
            "reifegrad_label": queries.shown_reifegrad(service, bool(form_url or service.online_url)).label,
            "department": service.department,
            "life_situations": list(service.life_situations.all()),
            "fee": payments_queries.fee_for_service(service),
            "jsonld": jsonld.script_tag(
                jsonld.service_data(
                    service,
                    url,
                    request.build_absolute_uri(form_url) if form_url else None,
                    offers=payments_queries.offer_for_service(service),
                )
            ),
            "can_manage": manages_module(request, MODULE),
            "appointment_url": appointment_queries.booking_url(muni, service),
            "identification": identity_queries.service_requirement_label(muni, service),
        },
    )


# --- Staff (module "services") -----------------------------------------------------------------


@module_required(MODULE)
def manage(request: RathausRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:200]
    page = Paginator(queries.staff_services(request.municipality, q), 50).get_page(request.GET.get("seite"))
    query = urlencode({"q": q}) if q else ""
    return render(
        request,
        "catalog/staff/list.html",
        {"page": page, "services": page.object_list, "q": q, "query": query, "import_form": CsvImportForm()},
    )


@module_required(MODULE)
@require_http_methods(["GET", "POST"])
def manage_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    muni = request.municipality
    service = tenant_object_or_404(Service, request, pk=pk) if pk else Service(municipality=muni)
    form = ServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_service(
                form.save(commit=False),
                life_situations=form.cleaned_data["life_situations"],
                actor=request.user,
                ctx=ServiceContext.from_request(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Die Leistung wurde gespeichert."))
            return redirect("catalog:manage_edit", saved.pk)
    return render(
        request,
        "catalog/staff/edit.html",
        {"form": form, "service": service if pk else None},
        status=400 if form.errors else 200,
    )


@module_required(MODULE)
def manage_history(request: RathausRequest, pk: int) -> HttpResponse:
    service = tenant_object_or_404(Service, request, pk=pk)
    records = list(
        service.history.select_related("history_user").order_by("-history_date", "-history_id")[:100]
    )
    muni = request.municipality
    situations = dict(queries.life_situations(muni).values_list("pk", "name"))
    departments = dict(Department.objects.for_tenant(muni).values_list("pk", "name"))

    def shown(field_name: str, value: Any) -> Any:
        if field_name == "life_situations":
            return ", ".join(str(situations.get(row.get("lifesituation"), "?")) for row in value or [])
        if field_name == "department":
            return departments.get(value, value) if value else ""
        return value

    entries = []
    for record in records:
        previous = record.prev_record
        changes = []
        if previous is not None:
            for change in record.diff_against(previous).changes:
                changes.append(
                    {
                        "label": _field_label(change.field),
                        "old": shown(change.field, change.old),
                        "new": shown(change.field, change.new),
                    }
                )
        entries.append({"record": record, "changes": changes, "created": previous is None})
    return render(request, "catalog/staff/history.html", {"service": service, "entries": entries})


def _upload_name(request: RathausRequest) -> str:
    upload = request.FILES.get("file")
    return str(getattr(upload, "name", "") or "upload.csv")


@module_required(MODULE)
@require_http_methods(["GET", "POST"])
def manage_import(request: RathausRequest) -> HttpResponse:
    """Upload a CSV file: the file is checked for size and encoding here, its rows in an import
    job (rathaus.core.jobs.imports); the user goes on to the job page."""
    form = CsvImportForm(request.POST or None, request.FILES or None)
    errors: list[services.RowError] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"]
        try:
            services.decode_csv(data)
            job, started = imports.start_import(
                ServiceContext.from_request(request), "catalog.csv", _upload_name(request), data
            )
        except services.CsvImportError as exc:
            errors = exc.errors
        except imports.ImportFailed as exc:
            errors = [services.RowError(0, "-", exc.message)]
        else:
            if not started:
                messages.info(request, _("Diese Datei wird schon importiert oder wurde gerade importiert."))
            return redirect(imports.job_url(job))
    status = 400 if (errors or form.errors) else 200
    return render(
        request,
        "catalog/staff/import.html",
        {"form": form, "errors": errors, "columns": services.COLUMNS},
        status=status,
    )


@module_required(MODULE)
def manage_export(request: RathausRequest) -> StreamingHttpResponse:
    muni = request.municipality
    return exports.csv_response(services.export_rows(muni), f"leistungen-{muni.slug}.csv")


@module_required(MODULE)
@require_http_methods(["GET", "POST"])
def manage_life_situations(request: SignedInRequest) -> HttpResponse:
    muni = request.municipality
    error = ""
    if request.method == "POST":
        try:
            order = int(request.POST.get("order") or 100)
            if not 0 <= order <= 32767:
                raise ValueError
        except ValueError:
            error = _("Die Reihenfolge muss eine Zahl zwischen 0 und 32767 sein.")
        else:
            try:
                services.add_life_situation(
                    muni,
                    request.POST.get("name", ""),
                    order,
                    actor=request.user,
                    ctx=ServiceContext.from_request(request),
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("Die Lebenslage wurde angelegt."))
                return redirect("catalog:manage_life_situations")
    return render(
        request,
        "catalog/staff/life_situations.html",
        {"situations": queries.life_situations(muni), "error": error, "posted": request.POST},
        status=400 if error else 200,
    )
