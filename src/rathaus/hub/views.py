"""Digital Hub pages. Views are thin: parse input, call a service or query, render."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core import exports
from rathaus.core.accounts.permissions import login_required, module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest, SignedInRequest
from rathaus.formats import localize

from . import dashboard as hub_dashboard
from . import ical, queries, services
from .forms import BookingForm, ClosingDayForm, LocationForm, ResourceForm, ResourceGroupForm
from .models import Booking, BookingStatus, CalendarFeed, ClosingDay, Location, Resource, ResourceGroup

VIEWS = {"tag": "day", "woche": "week", "monat": "month"}


def _parse_day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return default


# --- Public ----------------------------------------------------------------------------------------


@public
def index(request: RathausRequest) -> HttpResponse:
    locations = (
        Location.objects.for_tenant(request)
        .filter(is_active=True)
        .prefetch_related("opening_hours")
        .order_by("name")
    )
    return render(request, "hub/index.html", {"locations": locations})


@public
def location(request: RathausRequest, pk: int) -> HttpResponse:
    loc = tenant_object_or_404(Location.objects.filter(is_active=True), request, pk=pk)
    now = timezone.now()
    today = services.local(now).date()
    view_param = request.GET.get("ansicht", "woche")
    view = VIEWS.get(view_param, "week")
    day = _parse_day(request.GET.get("datum"), today)
    grid = queries.availability(
        loc, view, day, now=now, organisations=services.organisation_ids(request.user)
    )
    cells_html = _cells_html(grid, request.user.is_authenticated)
    step = {"day": timedelta(days=1), "week": timedelta(days=7)}.get(view)
    if step is None:  # month
        prev_day = (grid.first - timedelta(days=1)).replace(day=1)
        next_day = grid.last + timedelta(days=1)
    else:
        prev_day, next_day = grid.first - step, grid.first + step
    return render(
        request,
        "hub/location.html",
        {
            "location": loc,
            "grid": grid,
            "view_param": next(k for k, v in VIEWS.items() if v == view),
            "day": day,
            "today": today,
            "prev_day": prev_day,
            "next_day": next_day,
            "hours": loc.opening_hours.all(),
            "rows": list(zip(grid.rows, cells_html, strict=True)),
        },
    )


def _cells_html(grid: queries.Grid, with_links: bool) -> list[str]:
    """The table cells of each row, built here rather than in the template: a month with 50 resources
    has 1,500 cells, and the template language would spend most of the page's time on them."""
    book_word = _("buchen")
    days: dict[Any, str] = {}  # "11.12." / "11 Dec" once per day, not per cell
    out: list[str] = []
    for row in grid.rows:
        base = reverse("hub:book", args=[row.resource.pk])
        name = escape(row.resource.name)
        parts: list[str] = []
        for cell in row.cells:
            label: str = escape(cell.label)
            if with_links and cell.start is not None and cell.end is not None:
                s, e = services.local(cell.start), services.local(cell.end)
                href = f"{base}?datum={s:%Y-%m-%d}&amp;beginn={s:%H:%M}&amp;ende={e:%H:%M}"
                day = days.get(s.date()) or days.setdefault(s.date(), localize(s, "SHORT_DAY_MONTH_FORMAT"))
                sr = f": {name} {book_word}, {day} {s:%H:%M}–{e:%H:%M}"
                label = f'<a class="kern-link" href="{href}">{label}<span class="rh-sr-only">{sr}</span></a>'
            parts.append(f'<td class="kern-table__cell hub-cell hub-cell--{cell.state}">{label}</td>')
        out.append(mark_safe("".join(parts)))  # noqa: S308 - every piece above is escaped or our own markup
    return out


@public
def feed(request: RathausRequest, token: str) -> HttpResponse:
    item = CalendarFeed.objects.for_tenant(request).filter(token=token).select_related("user").first()
    if item is None:
        raise Http404
    bookings = (
        Booking.objects.for_tenant(request)
        .filter(user=item.user, ends_at__gte=timezone.now() - timedelta(days=90))
        .select_related("resource__group__location")
    )
    body = ical.calendar(bookings, _("Meine Buchungen – %(name)s") % {"name": request.municipality.name})
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Booking ----------------------------------------------------------------------------------------


def _bookable(request: RathausRequest, pk: int) -> Resource:
    qs = Resource.objects.filter(is_active=True, group__location__is_active=True).select_related(
        "group__location", "group__organisation"
    )
    resource: Resource = tenant_object_or_404(qs, request, pk=pk)
    return resource


@login_required
@require_http_methods(["GET", "POST"])
def book(request: SignedInRequest, pk: int) -> HttpResponse:
    resource = _bookable(request, pk)
    group = resource.group
    allowed = services.may_book(request.user, group)
    if request.method == "POST" and allowed:
        form = BookingForm(request.POST)
    else:
        initial: dict[str, Any] = {"weeks": 1}
        for field, param in (("day", "datum"), ("start", "beginn"), ("end", "ende")):
            if request.GET.get(param):
                initial[field] = request.GET[param]
        form = BookingForm(initial=initial)
    if request.method == "POST" and allowed and form.is_valid():
        start, end = form.range()
        weeks = form.cleaned_data["weeks"]
        try:
            if weeks == 1:
                services.book(resource, request.user, start, end, ctx=ServiceContext.from_request(request))
                messages.success(request, _("Ihre Buchung ist bestätigt."))
                return redirect("hub:my_bookings")
            results = services.book_weekly(
                resource, request.user, start, end, weeks, ctx=ServiceContext.from_request(request)
            )
        except services.BookingError as err:
            form.add_error(None, err.message)
        else:
            return render(request, "hub/series_result.html", {"resource": resource, "results": results})
    return render(
        request,
        "hub/book.html",
        {
            "form": form,
            "resource": resource,
            "group": group,
            "location": group.location,
            "unit": services.unit_label(resource),
            "allowed": allowed,
            "verified": services.is_verified(request.user),
        },
    )


@login_required
def my_bookings(request: SignedInRequest) -> HttpResponse:
    muni = request.municipality
    bookings = list(services.upcoming_for(request.user, muni)[:200])
    now = timezone.now()
    feed_item = services.feed_for(muni, request.user)
    rows = []
    for b in bookings:
        deadline = b.starts_at - timedelta(hours=b.resource.group.cancellation_deadline_hours)
        rows.append(
            {
                "booking": b,
                "can_cancel": b.status == BookingStatus.CONFIRMED and now <= deadline and b.ends_at > now,
                "can_check_in": b.status == BookingStatus.CONFIRMED
                and b.checked_in_at is None
                and b.starts_at - timedelta(minutes=services.CHECKIN_EARLY_MINUTES) <= now < b.ends_at,
                "deadline": deadline,
            }
        )
    return render(
        request,
        "hub/my_bookings.html",
        {
            "rows": rows,
            "feed_url": request.build_absolute_uri(reverse("hub:feed", args=[feed_item.token])),
        },
    )


def _own_booking(request: RathausRequest, pk: int) -> Booking:
    qs = Booking.objects.filter(user_id=request.user.pk or 0).select_related("resource__group__location")
    booking: Booking = tenant_object_or_404(qs, request, pk=pk)
    return booking


@login_required
@require_POST
def cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    try:
        services.cancel(booking, request.user, ctx=ServiceContext.from_request(request))
    except services.BookingError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Die Buchung wurde storniert."))
    return redirect("hub:my_bookings")


@login_required
@require_POST
def check_in(request: SignedInRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    try:
        services.check_in(booking, request.user, ctx=ServiceContext.from_request(request))
    except services.BookingError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Sie sind eingecheckt. Viel Erfolg bei der Arbeit!"))
    return redirect("hub:my_bookings")


@login_required
def booking_ics(request: SignedInRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    response = HttpResponse(
        ical.calendar([booking], booking.resource.name), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="buchung-{booking.pk}.ics"'
    return response


@login_required
@require_POST
def feed_regenerate(request: SignedInRequest) -> HttpResponse:
    services.regenerate_feed(request.municipality, request.user, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Die Kalender-Adresse wurde erneuert. Die alte Adresse gilt nicht mehr."))
    return redirect("hub:my_bookings")


@login_required
@require_http_methods(["GET", "POST"])
def qr_check_in(request: SignedInRequest, token: str) -> HttpResponse:
    """Target of the QR code at a desk: check in to the current booking of this resource."""
    resource = tenant_object_or_404(
        Resource.objects.select_related("group__location"), request, checkin_token=token
    )
    candidate = services.checkin_candidate(resource, request.user)
    if request.method == "POST" and candidate is not None:
        try:
            services.check_in(candidate, request.user, ctx=ServiceContext.from_request(request))
        except services.BookingError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("Sie sind eingecheckt. Viel Erfolg bei der Arbeit!"))
        return redirect("hub:my_bookings")
    return render(request, "hub/checkin.html", {"resource": resource, "booking": candidate})


# --- Operators --------------------------------------------------------------------------------------


@module_required("hub")
def manage(request: SignedInRequest) -> HttpResponse:
    today = services.local(timezone.now()).date()
    return render(
        request,
        "hub/staff/manage.html",
        {
            "locations": Location.objects.for_tenant(request).order_by("name"),
            "groups": ResourceGroup.objects.for_tenant(request).select_related("location", "organisation"),
            "resources": Resource.objects.for_tenant(request).select_related("group__location"),
            "closing_days": ClosingDay.objects.for_tenant(request)
            .filter(date__gte=today)
            .select_related("location")[:100],
        },
    )


@module_required("hub")
def occupancy(request: SignedInRequest) -> HttpResponse:
    today = services.local(timezone.now()).date()
    day = _parse_day(request.GET.get("woche"), today)
    monday = day - timedelta(days=day.weekday())
    location_ids = list(Location.objects.for_tenant(request).values_list("pk", flat=True))
    usage = queries.occupancy(location_ids, monday, Resource.objects.for_tenant(request))
    return render(
        request,
        "hub/staff/occupancy.html",
        {
            "usage": usage,
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "prev_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
        },
    )


def _edit_page(
    request: RathausRequest, form: Any, title: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    return render(request, "hub/staff/edit.html", {"form": form, "title": title, **(extra or {})})


@module_required("hub")
@require_http_methods(["GET", "POST"])
def location_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    item = (
        tenant_object_or_404(Location, request, pk=pk) if pk else Location(municipality=request.municipality)
    )
    form = LocationForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        services.save_location(
            form.save(commit=False), form.hours(), request.user, ctx=ServiceContext.from_request(request)
        )
        messages.success(request, _("Der Standort wurde gespeichert."))
        return redirect("hub:manage")
    return _edit_page(request, form, _("Standort bearbeiten") if pk else _("Neuer Standort"))


@module_required("hub")
@require_http_methods(["GET", "POST"])
def group_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    muni = request.municipality
    item = tenant_object_or_404(ResourceGroup, request, pk=pk) if pk else ResourceGroup(municipality=muni)
    form = ResourceGroupForm(request.POST or None, instance=item, municipality=muni)
    if request.method == "POST" and form.is_valid():
        services.save_object(form.save(commit=False), request.user, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Die Gruppe wurde gespeichert."))
        return redirect("hub:manage")
    return _edit_page(request, form, _("Gruppe bearbeiten") if pk else _("Neue Gruppe mit Buchungsregeln"))


@module_required("hub")
@require_http_methods(["GET", "POST"])
def resource_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    muni = request.municipality
    item = tenant_object_or_404(Resource, request, pk=pk) if pk else Resource(municipality=muni)
    form = ResourceForm(request.POST or None, instance=item, municipality=muni)
    if request.method == "POST" and form.is_valid():
        services.save_object(form.save(commit=False), request.user, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Die Ressource wurde gespeichert."))
        return redirect("hub:manage")
    extra = {"resource": item if pk else None}
    return _edit_page(request, form, _("Ressource bearbeiten") if pk else _("Neue Ressource"), extra)


@module_required("hub")
@require_http_methods(["GET", "POST"])
def closing_day_create(request: SignedInRequest) -> HttpResponse:
    muni = request.municipality
    form = ClosingDayForm(request.POST or None, instance=ClosingDay(municipality=muni), municipality=muni)
    if request.method == "POST" and form.is_valid():
        services.save_object(form.save(commit=False), request.user, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Der Schließtag wurde eingetragen."))
        return redirect("hub:manage")
    return _edit_page(request, form, _("Neuer Schließtag"))


@module_required("hub")
@require_POST
def closing_day_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    item = tenant_object_or_404(ClosingDay, request, pk=pk)
    services.delete_closing_day(item, request.user, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Der Schließtag wurde gelöscht."))
    return redirect("hub:manage")


@module_required("hub")
def resource_qr(request: SignedInRequest, pk: int) -> HttpResponse:
    """SVG QR code for the desk sign, linking to the resource's check-in page."""
    resource = tenant_object_or_404(Resource, request, pk=pk)
    url = request.build_absolute_uri(reverse("hub:qr_check_in", args=[resource.checkin_token]))
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    response = HttpResponse(img.to_string(encoding="unicode"), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="check-in-{resource.pk}.svg"'
    return response


@module_required("hub")
def resource_sign(request: SignedInRequest, pk: int) -> HttpResponse:
    """A printable sign for the desk: name, QR code and the check-in address in plain text."""
    resource = tenant_object_or_404(Resource.objects.select_related("group__location"), request, pk=pk)
    url = request.build_absolute_uri(reverse("hub:qr_check_in", args=[resource.checkin_token]))
    return render(request, "hub/staff/sign.html", {"resource": resource, "checkin_url": url})


# --- Operator dashboard -------------------------------------------------------------------------------


@module_required("hub")
def dashboard(request: SignedInRequest) -> HttpResponse:
    now = timezone.now()
    form, period, valid = hub_dashboard.period_from(request.GET, services.local(now).date())
    return render(
        request,
        "hub/dashboard.html",
        {
            "form": form,
            "valid": valid,
            "period": period,
            "sections": hub_dashboard.sections(request.municipality, period, now=now),
            "query": urlencode({"einteilung": period.param, "von": period.first, "bis": period.last}),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@module_required("hub")
def dashboard_csv(request: SignedInRequest, table: str) -> HttpResponseBase:
    now = timezone.now()
    _form, period, valid = hub_dashboard.period_from(request.GET, services.local(now).date())
    if not valid:
        return HttpResponseBadRequest(
            _("Der Zeitraum ist ungültig. Bitte wählen Sie ihn auf dem Dashboard neu."),
            content_type="text/plain; charset=utf-8",
        )
    with translation.override("de"):  # German headers and decimal commas, whatever the page language
        found = hub_dashboard.table(request.municipality, period, table, now=now)
        rows = found.csv_rows() if found is not None else None
    if rows is None:
        raise Http404
    name = f"digital-hub-{table}-{period.first:%Y-%m-%d}-{period.last:%Y-%m-%d}.csv"
    return exports.csv_response(rows, name)
