"""Staff setup pages of the Terminvergabe (/termine/verwaltung/einrichtung/): locations, counters,
opening hours, blocked days, per-service settings and staff availability. Plain HTML forms, scoped
to the municipality; a foreign id in the address is a 404."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core.accounts.permissions import module_required
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.models import TenantOwned
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest

from . import services
from . import setup_forms as f
from .models import Availability, BlockedDay, Counter, Location, OpeningHours, ServiceSetting
from .views import MODULE

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# kind (URL part) -> (model, form, heading)
KINDS: dict[str, tuple[type[TenantOwned], type[f.SetupForm], StrOrPromise]] = {
    "standort": (Location, f.LocationForm, gettext_lazy("Standort")),
    "schalter": (Counter, f.CounterForm, gettext_lazy("Schalter")),
    "oeffnungszeit": (OpeningHours, f.OpeningHoursForm, gettext_lazy("Öffnungszeit")),
    "schliesstag": (BlockedDay, f.BlockedDayForm, gettext_lazy("Schließtag")),
    "leistung": (ServiceSetting, f.ServiceSettingForm, gettext_lazy("Termineinstellung einer Leistung")),
    "dienstzeit": (Availability, f.AvailabilityForm, gettext_lazy("Dienstzeit")),
}


def _kind(kind: str) -> tuple[type[TenantOwned], type[f.SetupForm], StrOrPromise]:
    try:
        return KINDS[kind]
    except KeyError:
        raise Http404 from None


@module_required(MODULE)
def overview(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    today = timezone.localdate()
    locations = Location.objects.for_tenant(muni).prefetch_related(
        "counters",
        "opening_hours",
        Prefetch("blocked_days", queryset=BlockedDay.objects.filter(day__gte=today)),
    )
    settings = (
        ServiceSetting.objects.for_tenant(muni)
        .select_related("service", "location")
        .order_by("service__name")
    )
    availabilities = (
        Availability.objects.for_tenant(muni)
        .select_related("staff", "counter__location")
        .prefetch_related("services__service")
        .order_by("counter__location__name", "counter__name", "weekday", "starts")
    )
    return render(
        request,
        "appointments/setup.html",
        {"locations": locations, "settings": settings, "availabilities": availabilities},
    )


def _form_page(request: RathausRequest, kind: str, obj: TenantOwned | None) -> HttpResponse:
    _model, form_class, heading = _kind(kind)
    muni = request.municipality
    initial = {}
    if obj is None and "location" in form_class.base_fields:
        wanted = request.GET.get("standort", "")
        if wanted.isdigit():
            initial["location"] = wanted
    form = form_class(
        request.POST if request.method == "POST" else None, instance=obj, municipality=muni, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        services.save_setup(ServiceContext.from_request(request), kind, form)
        messages.success(request, _("Gespeichert."))
        return redirect("appointments:setup")
    return render(
        request, "appointments/setup_form.html", {"form": form, "obj": obj, "kind": kind, "heading": heading}
    )


@module_required(MODULE)
@require_http_methods(["GET", "POST"])
def new(request: RathausRequest, kind: str) -> HttpResponse:
    return _form_page(request, kind, None)


@module_required(MODULE)
@require_http_methods(["GET", "POST"])
def edit(request: RathausRequest, kind: str, pk: int) -> HttpResponse:
    model = _kind(kind)[0]
    return _form_page(request, kind, tenant_object_or_404(model.objects.all(), request, pk=pk))


@module_required(MODULE)
@require_POST
def delete(request: RathausRequest, kind: str, pk: int) -> HttpResponse:
    model = _kind(kind)[0]
    obj = tenant_object_or_404(model.objects.all(), request, pk=pk)
    try:
        services.delete_setup(ServiceContext.from_request(request), kind, obj)
    except services.AppointmentError as exc:
        messages.error(request, exc.message)
        return redirect("appointments:setup_edit", kind=kind, pk=pk)
    messages.success(request, _("Gelöscht."))
    return redirect("appointments:setup")
