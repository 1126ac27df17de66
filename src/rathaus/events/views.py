"""Pages of the events app. Views are thin: parse input, call a service or query, render."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core import exports, ratelimit
from rathaus.core.accounts.permissions import login_required, manages_module, module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.services import normalise_host, tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest, SignedInRequest

from . import ical, jsonld, queries, services
from .forms import EventFilterForm, EventForm, GuestRegistrationForm
from .models import Event, Registration, RegistrationStatus

GUEST_LIMIT = 10  # guest registrations per address and municipality …
GUEST_WINDOW = 600  # … per ten minutes


# --- Public ------------------------------------------------------------------------------------


@public
def event_list(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    tags = list(queries.tags_in_use(muni))
    form = EventFilterForm(request.GET or None, tags=tags)
    form.is_valid()  # invalid fields are left out of cleaned_data (and shown as errors)
    data: dict[str, Any] = getattr(form, "cleaned_data", {})
    flt = queries.EventFilter(
        event_type=data.get("art") or "",
        target_group=data.get("zielgruppe") or "",
        tag=data.get("schlagwort") or "",
        date_from=data.get("von"),
        date_to=data.get("bis"),
        q=data.get("q") or "",
    )
    page = Paginator(queries.public_events(muni, flt), queries.PAGE_SIZE).get_page(request.GET.get("seite"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "seite" and v])
    return render(
        request,
        "events/list.html",
        {"form": form, "page": page, "events": page.object_list, "query": query, "filtered": bool(query)},
    )


@public
def event_detail(request: RathausRequest, pk: int) -> HttpResponse:
    event = tenant_object_or_404(queries.event_detail(request.municipality), request, pk=pk)
    url = request.build_absolute_uri(reverse("events:detail", args=[event.pk]))
    own = queries.registration_of(event, request.user)
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "dates": list(event.dates.all()),
            "free": event.free_seats,
            "closed_reason": services.closed_reason(event),
            "closed_message": services.CLOSED_REASONS.get(services.closed_reason(event) or "", ""),
            "own": own,
            "own_position": services.waitlist_position(own) if own else None,
            "jsonld": jsonld.script_tag(
                jsonld.event_data(event, url, event.capacity - (event.free_seats or 0))
            ),
            "can_manage": manages_module(request, "events"),
        },
    )


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@public
def event_ics(request: RathausRequest, pk: int) -> HttpResponse:
    muni = request.municipality
    event = tenant_object_or_404(Event.objects.visible().prefetch_related("dates", "tags"), request, pk=pk)
    host = normalise_host(request.get_host())
    content = ical.calendar(
        muni,
        [event],
        host,
        lambda e: request.build_absolute_uri(reverse("events:detail", args=[e.pk])),
        event.title,
    )
    return _ics_response(content, f"veranstaltung-{event.pk}.ics")


@public
def events_feed(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    host = normalise_host(request.get_host())
    key = queries.feed_cache_key(muni, f"{request.scheme}://{host}")
    content = cache.get(key)
    if content is None:
        content = ical.calendar(
            muni,
            queries.feed_events(muni),
            host,
            lambda e: request.build_absolute_uri(reverse("events:detail", args=[e.pk])),
            f"Veranstaltungen {muni.name}",
        )
        cache.set(key, content, queries.FEED_CACHE_SECONDS)
    response = _ics_response(content, f"veranstaltungen-{muni.slug}.ics")
    response["Content-Disposition"] = f'inline; filename="veranstaltungen-{muni.slug}.ics"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@public
@require_http_methods(["GET", "POST"])
def register(request: RathausRequest, pk: int) -> HttpResponse:
    event = tenant_object_or_404(queries.event_detail(request.municipality), request, pk=pk)
    user = request.user if request.user.is_authenticated else None
    form = None if user else GuestRegistrationForm(request.POST or None)
    context: dict[str, Any] = {
        "event": event,
        "form": form,
        "free": event.free_seats,
    }
    reason = services.closed_reason(event)
    context["closed_message"] = services.CLOSED_REASONS.get(reason or "", "")
    if request.method != "POST":
        context["own"] = queries.registration_of(event, user)
        return render(request, "events/register.html", context)
    if user is None:
        if not ratelimit.hit(request, "events-register", limit=GUEST_LIMIT, window_seconds=GUEST_WINDOW):
            messages.error(
                request, _("Zu viele Anmeldungen in kurzer Zeit. Bitte versuchen Sie es später erneut.")
            )
            return render(request, "events/register.html", context, status=429)
        assert form is not None
        if not form.is_valid():
            return render(request, "events/register.html", context, status=400)
        if form.cleaned_data.get("website"):  # honeypot filled: a bot; answer as if it worked
            messages.success(
                request, _("Fast geschafft: Bitte bestätigen Sie Ihre Anmeldung über den Link in der E-Mail.")
            )
            return redirect("events:detail", event.pk)
        name, email = form.cleaned_data["name"], form.cleaned_data["email"]
    else:
        name = getattr(user, "display_name", "") or user.email
        email = user.email
    try:
        outcome = services.register(
            event, name=name, email=email, user=user, ctx=ServiceContext.from_request(request)
        )
    except services.RegistrationError as exc:
        messages.error(request, exc.message)
        return render(request, "events/register.html", context, status=409)
    messages.success(request, _outcome_message(outcome))
    return redirect("events:detail", event.pk)


def _outcome_message(outcome: services.Outcome) -> str:
    reg = outcome.registration
    if outcome.kind == "pending" or (outcome.kind == "already" and reg.user_id is None):
        return _("Fast geschafft: Bitte bestätigen Sie Ihre Anmeldung über den Link in der E-Mail.")
    if reg.status == RegistrationStatus.WAITLIST:
        return _(
            "Alle Plätze sind vergeben. Sie stehen auf der Warteliste (Platz %(n)s). "
            "Rückt jemand nach, erhalten Sie eine E-Mail."
        ) % {"n": services.waitlist_position(reg)}
    if outcome.kind == "already":
        return _("Sie sind bereits angemeldet.")
    return _("Sie sind angemeldet. Eine Bestätigung haben wir Ihnen per E-Mail geschickt.")


def _invalid_link(request: RathausRequest) -> HttpResponse:
    return render(request, "events/invalid_link.html", status=404)


@public
@require_http_methods(["GET", "POST"])
def confirm(request: RathausRequest, token: str) -> HttpResponse:
    reg = services.registration_for_token(request.municipality, "confirm", token)
    if reg is None:
        return _invalid_link(request)
    if request.method == "POST":
        try:
            outcome = services.confirm(request.municipality, token, ctx=ServiceContext.from_request(request))
        except services.RegistrationError as exc:
            messages.error(request, exc.message)
            return render(request, "events/confirm.html", {"reg": reg, "event": reg.event}, status=409)
        if outcome.kind == "already":
            messages.info(request, _("Ihre Anmeldung war bereits bestätigt."))
        else:
            messages.success(request, _outcome_message(outcome))
        return redirect("events:detail", reg.event_id)
    return render(request, "events/confirm.html", {"reg": reg, "event": reg.event})


@public
@require_http_methods(["GET", "POST"])
def cancel_link(request: RathausRequest, token: str) -> HttpResponse:
    reg = services.registration_for_token(request.municipality, "cancel", token)
    if reg is None:
        return _invalid_link(request)
    if request.method == "POST":
        services.cancel(reg, actor=None, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Ihre Anmeldung wurde storniert."))
        return redirect("events:detail", reg.event_id)
    return render(
        request,
        "events/cancel.html",
        {"reg": reg, "event": reg.event, "position": services.waitlist_position(reg)},
    )


# --- Account -----------------------------------------------------------------------------------


@login_required
def my_registrations(request: SignedInRequest) -> HttpResponse:
    regs = list(queries.registrations_of_user(request.municipality, request.user))
    return render(request, "events/mine.html", {"registrations": regs, "now": timezone.now()})


@login_required
@require_POST
def my_cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    reg = tenant_object_or_404(
        Registration.objects.select_related("event").filter(user=request.user), request, pk=pk
    )
    services.cancel(reg, actor=request.user, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Ihre Anmeldung wurde storniert."))
    return redirect("events:mine")


# --- Organisers (module "events") --------------------------------------------------------------


@module_required("events")
def manage(request: SignedInRequest) -> HttpResponse:
    page = Paginator(queries.staff_events(request.municipality), 50).get_page(request.GET.get("seite"))
    return render(request, "events/staff/list.html", {"page": page, "events": page.object_list})


@module_required("events")
@require_http_methods(["GET", "POST"])
def manage_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    muni = request.municipality
    event = (
        tenant_object_or_404(Event.objects.prefetch_related("dates", "tags"), request, pk=pk)
        if pk
        else Event(municipality=muni)
    )
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        saved = services.save_event(
            form.save(commit=False),
            dates=form.dates,
            tag_names=form.cleaned_data["tag_names"],
            actor=request.user,
            ctx=ServiceContext.from_request(request),
        )
        messages.success(request, _("Die Veranstaltung wurde gespeichert."))
        return redirect("events:attendees", saved.pk)
    return render(
        request,
        "events/staff/edit.html",
        {"form": form, "event": event if pk else None},
        status=400 if form.errors else 200,
    )


@module_required("events")
def attendees(request: SignedInRequest, pk: int) -> HttpResponse:
    event = tenant_object_or_404(queries.with_counts(Event.objects.all()), request, pk=pk)
    regs = list(queries.attendees(event))
    groups = {s: [r for r in regs if r.status == s] for s in RegistrationStatus.values}
    return render(
        request,
        "events/staff/attendees.html",
        {
            "event": event,
            "registered": groups[RegistrationStatus.REGISTERED],
            "waitlist": groups[RegistrationStatus.WAITLIST],
            "pending": groups[RegistrationStatus.PENDING],
            "cancelled": groups[RegistrationStatus.CANCELLED],
            "attended": sum(1 for r in groups[RegistrationStatus.REGISTERED] if r.attended_at),
        },
    )


EXPORT_HEADER = ["Name", "E-Mail", "Status", "Angefragt", "Bestätigt", "Position", "Anwesend"]


def _export_rows(event: Event) -> Iterator[list[str]]:
    position = 0
    for r in queries.attendees(event).iterator(chunk_size=1000):
        if r.status == RegistrationStatus.WAITLIST:
            position += 1
        yield [
            r.name,
            r.email,
            str(r.get_status_display()),
            timezone.localtime(r.requested_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(r.confirmed_at).strftime("%Y-%m-%d %H:%M") if r.confirmed_at else "",
            str(position) if r.status == RegistrationStatus.WAITLIST else "",
            timezone.localtime(r.attended_at).strftime("%Y-%m-%d %H:%M") if r.attended_at else "",
        ]


@module_required("events")
def attendees_csv(request: SignedInRequest, pk: int) -> StreamingHttpResponse:
    event = tenant_object_or_404(Event, request, pk=pk)

    def rows() -> Iterator[list[str]]:
        yield EXPORT_HEADER
        yield from _export_rows(event)

    return exports.csv_response(rows(), f"anmeldungen-{event.pk}.csv")


@module_required("events")
def attendees_xlsx(request: SignedInRequest, pk: int) -> FileResponse:
    event = tenant_object_or_404(Event, request, pk=pk)

    def rows() -> Iterator[list[str]]:
        yield [event.title]
        yield EXPORT_HEADER
        yield from _export_rows(event)

    return exports.xlsx_response([("Anmeldungen", rows())], f"anmeldungen-{event.pk}.xlsx")


@module_required("events")
@require_POST
def checkin(request: SignedInRequest, pk: int) -> HttpResponse:
    reg = tenant_object_or_404(Registration, request, pk=pk)
    try:
        services.set_attended(
            reg,
            request.POST.get("attended") == "1",
            actor=request.user,
            ctx=ServiceContext.from_request(request),
        )
    except services.RegistrationError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("events:attendees", args=[reg.event_id]) + f"#reg-{reg.pk}")


@module_required("events")
@require_POST
def staff_cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    reg = tenant_object_or_404(Registration.objects.select_related("event"), request, pk=pk)
    outcome = services.cancel(
        reg, actor=request.user, ctx=ServiceContext.from_request(request), by_organiser=True
    )
    messages.success(request, _("Die Anmeldung wurde storniert."))
    for promoted in outcome.promoted:
        messages.info(request, _("%(name)s ist von der Warteliste nachgerückt.") % {"name": promoted.name})
    return redirect("events:attendees", reg.event_id)


@module_required("events")
def stats(request: SignedInRequest) -> HttpResponse:
    muni = request.municipality
    return render(
        request,
        "events/staff/stats.html",
        {"per_event": queries.stats_per_event(muni), "per_month": queries.stats_per_month(muni)},
    )
