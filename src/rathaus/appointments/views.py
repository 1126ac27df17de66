"""Terminvergabe pages. Thin: parse input, call services/queries, render. Work without JavaScript."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core import ratelimit
from rathaus.core.accounts.models import User
from rathaus.core.accounts.permissions import login_required, module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.pagecache.private import form_page
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest

from . import queries, services
from .forms import ContactForm
from .models import Appointment, Counter, Location, ServiceSetting, Status
from .queries import Choice

MODULE = "services"  # the Bürgerbüro's appointments belong to the online services' managers
REQUEST_LIMIT = 10  # booking requests per client and hour
CONFIRM_LIMIT = 30  # confirmations / manage actions per client and hour


def _location(request: RathausRequest, slug: str) -> Location:
    location: Location = tenant_object_or_404(Location.objects.filter(is_active=True), request, slug=slug)
    return location


def _parse_choices(data: QueryDict, settings: list[ServiceSetting]) -> tuple[list[Choice], str]:
    """Quantities from ``anzahl-<setting id>`` of the location's bookable services; others are ignored."""
    choices = []
    for s in settings:
        raw = (data.get(f"anzahl-{s.pk}") or "").strip()
        if not raw:
            continue
        try:
            n = int(raw)
        except ValueError:
            return [], _("Bitte geben Sie die Anzahl als Zahl an.")
        if n == 0:
            continue
        if not 1 <= n <= s.max_quantity:
            return [], _("„%(name)s“ können Sie höchstens %(n)s-mal in einem Termin buchen.") % {
                "name": s.service.name,
                "n": s.max_quantity,
            }
        choices.append(Choice(s, n))
    return choices, ""


def _parse_start(value: str) -> datetime | None:
    try:
        start = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return start if timezone.is_aware(start) else None


def _parse_day(value: str | None) -> date:
    today = timezone.localdate()
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return today
    return max(day, today)


@public
def start(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    places = [(loc, list(queries.bookable_settings(muni, loc))) for loc in queries.locations(muni)]
    return render(request, "appointments/start.html", {"places": [p for p in places if p[1]]})


@public
# Anonymous visitors: one copy per location, query (services, week) and day, the form token per request.
@form_page("appointments", "appointments.bookings", "catalog")
@require_http_methods(["GET", "POST"])
def times(request: RathausRequest, slug: str) -> HttpResponse:
    """Choose services (quantities), a free time and – guests – name and address; then book/request."""
    muni = request.municipality
    location = _location(request, slug)
    settings = list(queries.bookable_settings(muni, location))
    data = request.POST if request.method == "POST" else request.GET
    choices, error = _parse_choices(data, settings)
    verified = services.is_verified(request.user)
    form = ContactForm(request.POST if request.method == "POST" and not verified else None)
    status = 200
    if request.method == "POST":
        start_at = _parse_start(request.POST.get("start", ""))
        if not ratelimit.hit(request, "appointments.request", limit=REQUEST_LIMIT, window_seconds=3600):
            error, status = _("Zu viele Anfragen. Bitte versuchen Sie es später noch einmal."), 429
        elif error or not choices:
            error, status = error or _("Bitte wählen Sie mindestens eine Leistung."), 400
        elif start_at is None:
            error, status = _("Bitte wählen Sie eine Uhrzeit."), 400
        elif (not verified and not form.is_valid()) or (not verified and form.cleaned_data.get("website")):
            error, status = _("Bitte prüfen Sie Ihre Angaben."), 400
        else:
            contact = form.cleaned_data if not verified else {}
            try:
                appt, token = services.request_appointment(
                    location,
                    choices,
                    start_at,
                    ctx=ServiceContext.from_request(request),
                    name=contact.get("name", ""),
                    email=contact.get("email", ""),
                    phone=contact.get("phone", ""),
                )
            except services.AppointmentError as exc:
                error, status = exc.message, 409 if exc.code in ("taken", "person_overlap") else 400
            else:
                if appt.status == Status.BOOKED:
                    messages.success(
                        request, _("Ihr Termin ist gebucht. Eine Bestätigung ist per E-Mail unterwegs.")
                    )
                    return redirect("appointments:manage", token)
                return redirect("appointments:requested")
    elif error:
        status = 400
    day_from = _parse_day(data.get("ab"))
    avail = queries.available(location, choices, day_from, day_from + timedelta(days=queries.WEEK - 1))
    keep = [(f"anzahl-{c.setting.pk}", str(c.quantity)) for c in choices]
    return render(
        request,
        "appointments/times.html",
        {
            "location": location,
            "settings": settings,
            "chosen": {c.setting.pk: c.quantity for c in choices},
            "choices": choices,
            "duration": int(queries.total_duration(choices).total_seconds() // 60),
            "days": avail.days(),
            "day_from": day_from,
            "next_week": "?" + urlencode([*keep, ("ab", (day_from + timedelta(days=7)).isoformat())]),
            "prev_week": (
                "?" + urlencode([*keep, ("ab", (day_from - timedelta(days=7)).isoformat())])
                if day_from > timezone.localdate()
                else ""
            ),
            "selected": request.POST.get("start", ""),
            "error": error,
            "form": form,
            "verified": verified,
        },
        status=status,
    )


@public
def requested(request: RathausRequest) -> HttpResponse:
    return render(
        request, "appointments/requested.html", {"ttl": int(services.CONFIRM_TTL.total_seconds() // 60)}
    )


@public
@require_http_methods(["GET", "POST"])
def confirm(request: RathausRequest, token: str) -> HttpResponse:
    """GET shows what is confirmed (mail scanners follow links); only the POST books."""
    muni = request.municipality
    appt = queries.appointment_by_confirm_token(muni, token)
    if appt is None:
        return render(request, "appointments/link_invalid.html", status=404)
    error = ""
    status = 200
    if request.method == "POST":
        if not ratelimit.hit(request, "appointments.confirm", limit=CONFIRM_LIMIT, window_seconds=3600):
            error, status = _("Zu viele Anfragen. Bitte versuchen Sie es später noch einmal."), 429
        else:
            try:
                manage_token = services.confirm(appt, ctx=ServiceContext.from_request(request))
            except services.AppointmentError as exc:
                error, status = exc.message, 409
            else:
                messages.success(
                    request, _("Ihr Termin ist gebucht. Eine Bestätigung ist per E-Mail unterwegs.")
                )
                return redirect("appointments:manage", manage_token)
    return render(request, "appointments/confirm.html", {"appointment": appt, "error": error}, status=status)


def _managed(request: RathausRequest, token: str) -> Appointment:
    appt = queries.appointment_by_manage_token(request.municipality, token)
    if appt is None:
        raise Http404
    return appt


@public
def manage(request: RathausRequest, token: str) -> HttpResponse:
    muni = request.municipality
    appt = queries.appointment_by_manage_token(muni, token)
    if appt is None:
        return render(request, "appointments/link_invalid.html", status=404)
    return render(
        request,
        "appointments/manage.html",
        {
            "appointment": appt,
            "token": token,
            "may_change": services.can_change(appt),
            "items": appt.items.all(),
        },
    )


@public
def ics(request: RathausRequest, token: str) -> HttpResponse:
    appt = _managed(request, token)
    if appt.status not in (Status.BOOKED, Status.CANCELLED):
        raise Http404
    response = HttpResponse(
        services.appointment_ics(appt, request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="termin-{appt.pk}.ics"'
    return response


@public
@require_POST
def cancel(request: RathausRequest, token: str) -> HttpResponse:
    appt = _managed(request, token)
    try:
        services.cancel(appt, ctx=ServiceContext.from_request(request))
    except services.AppointmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Ihr Termin ist abgesagt."))
    return redirect("appointments:manage", token)


@public
@require_http_methods(["GET", "POST"])
def rebook(request: RathausRequest, token: str) -> HttpResponse:
    appt = _managed(request, token)
    if not services.can_change(appt):
        messages.error(request, _("Dieser Termin kann nicht mehr umgebucht werden."))
        return redirect("appointments:manage", token)
    items = list(appt.items.all())
    choices = [Choice(i.setting, i.quantity) for i in items]
    error = ""
    status = 200
    if request.method == "POST":
        start_at = _parse_start(request.POST.get("start", ""))
        if start_at is None:
            error, status = _("Bitte wählen Sie eine Uhrzeit."), 400
        else:
            try:
                _new, new_token = services.rebook(appt, start_at, ctx=ServiceContext.from_request(request))
            except services.AppointmentError as exc:
                error, status = exc.message, 409 if exc.code in ("taken", "person_overlap") else 400
            else:
                messages.success(request, _("Ihr Termin ist umgebucht. Der bisherige Link gilt nicht mehr."))
                return redirect("appointments:manage", new_token)
    day_from = _parse_day(request.GET.get("ab"))
    avail = queries.available(
        appt.location, choices, day_from, day_from + timedelta(days=queries.WEEK - 1), ignore=appt
    )
    return render(
        request,
        "appointments/rebook.html",
        {
            "appointment": appt,
            "items": items,
            "token": token,
            "days": avail.days(),
            "next_week": "?" + urlencode([("ab", (day_from + timedelta(days=7)).isoformat())]),
            "prev_week": "?" + urlencode([("ab", (day_from - timedelta(days=7)).isoformat())])
            if day_from > timezone.localdate()
            else "",
            "error": error,
        },
        status=status,
    )


# --- Staff ----------------------------------------------------------------------------------------


@module_required(MODULE)
def day_list(request: RathausRequest) -> HttpResponse:
    """One day's appointments per counter, printable (the print stylesheet hides the page frame)."""
    muni = request.municipality
    places = list(Location.objects.for_tenant(muni).order_by("name"))
    location = None
    wanted = request.GET.get("standort", "")
    for place in places:
        if str(place.pk) == wanted:
            location = place
    location = location or (places[0] if places else None)
    try:
        day = date.fromisoformat(request.GET.get("tag", ""))
    except ValueError:
        day = timezone.localdate()
    counters = list(Counter.objects.filter(location=location)) if location else []
    counter = next((c for c in counters if str(c.pk) == request.GET.get("schalter", "")), None)
    rows = list(queries.day_list(location, day, counter)) if location else []
    by_counter: dict[Counter, list[Appointment]] = {}
    for row in rows:
        assert row.counter is not None
        by_counter.setdefault(row.counter, []).append(row)
    return render(
        request,
        "appointments/day_list.html",
        {
            "places": places,
            "location": location,
            "counters": counters,
            "counter": counter,
            "day": day,
            "by_counter": by_counter,
            "now": timezone.now(),
            "prev_day": (day - timedelta(days=1)).isoformat(),
            "next_day": (day + timedelta(days=1)).isoformat(),
        },
    )


def _staff_appointment(request: RathausRequest, pk: int) -> Appointment:
    appt: Appointment = tenant_object_or_404(Appointment.objects.select_related("location"), request, pk=pk)
    return appt


def _back(appt: Appointment) -> HttpResponse:
    day = timezone.localtime(appt.starts_at).date().isoformat()
    query = urlencode({"standort": str(appt.location_id), "tag": day})
    return redirect(reverse("appointments:day_list") + "?" + query)


@module_required(MODULE)
@require_POST
def no_show(request: RathausRequest, pk: int) -> HttpResponse:
    appt = _staff_appointment(request, pk)
    try:
        services.mark_no_show(appt, ctx=ServiceContext.from_request(request))
    except services.AppointmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Als „nicht erschienen“ vermerkt."))
    return _back(appt)


@module_required(MODULE)
@require_POST
def staff_cancel(request: RathausRequest, pk: int) -> HttpResponse:
    appt = _staff_appointment(request, pk)
    try:
        services.cancel(appt, ctx=ServiceContext.from_request(request), by_staff=True)
    except services.AppointmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Der Termin wurde abgesagt; die Person wird per E-Mail informiert."))
    return _back(appt)


# --- Meine Termine (signed-in citizens) ----------------------------------------------------------


def _person(request: RathausRequest) -> User:
    """The signed-in person (the views below are login_required)."""
    if not isinstance(request.user, User):
        raise Http404
    return request.user


def _own(request: RathausRequest, pk: int) -> Appointment:
    appt: Appointment = tenant_object_or_404(
        Appointment.objects.filter(user=_person(request)), request, pk=pk
    )
    return appt


@login_required
def mine(request: RathausRequest) -> HttpResponse:
    rows = list(queries.upcoming_for_user(request.municipality, _person(request)))
    return render(request, "appointments/mine.html", {"appointments": rows})


@login_required
def my_ics(request: RathausRequest, pk: int) -> HttpResponse:
    appt = _own(request, pk)
    if appt.status != Status.BOOKED:
        raise Http404
    response = HttpResponse(
        services.appointment_ics(appt, request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="termin-{appt.pk}.ics"'
    return response


@login_required
@require_POST
def my_cancel(request: RathausRequest, pk: int) -> HttpResponse:
    appt = _own(request, pk)
    try:
        services.cancel(appt, ctx=ServiceContext.from_request(request))
    except services.AppointmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Ihr Termin wurde abgesagt."))
    return redirect("appointments:mine")
