"""Consulting pages. Thin: parse input, call services/queries, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core import appointments as engine
from rathaus.core import ratelimit
from rathaus.core.accounts import permissions
from rathaus.core.accounts.permissions import login_required, module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.pagecache.private import form_page
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest, SignedInRequest

from . import queries, services
from .forms import (
    AdvisorForm,
    BookingForm,
    GuestBookingForm,
    PublishSlotsForm,
    RebookForm,
    SlotFilterForm,
    TopicForm,
)
from .ics import booking_ics
from .models import Advisor, Booking, BookingStatus, Slot, Topic

MODULE = "hub"  # consulting is part of the Digital Hub: its managers manage it
GUEST_LIMIT = 10  # guest booking requests per client and hour


class AdvisorRequest(SignedInRequest):
    """A request let through by ``advisor_required`` (for type checking only, like RathausRequest)."""

    consulting_advisor: Advisor | None


# --- Public list and booking ---------------------------------------------------------------------


@public
def slot_list(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    topics = queries.topics(muni)
    form = SlotFilterForm(request.GET or None, topics=topics)
    topic = day_from = day_to = None
    if form.is_valid():
        topic, day_from, day_to = (
            form.cleaned_data["thema"],
            form.cleaned_data["von"],
            form.cleaned_data["bis"],
        )
    slots = queries.free_slots(muni, topic=topic, day_from=day_from, day_to=day_to)
    page = Paginator(slots, queries.PAGE_SIZE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "consulting/slot_list.html",
        {
            "form": form,
            "page": page,
            "slots": page.object_list,
            "topics": topics,
            "query": query.urlencode(),
            "is_advisor": _may_manage(request),
        },
    )


@public
@form_page("consulting")  # anonymous visitors: one copy per slot page, the form token per request
@require_http_methods(["GET", "POST"])
def book(request: RathausRequest, pk: int) -> HttpResponse:
    """Book a slot: account holders at once; guests (no account) by a confirmation link by e-mail."""
    slot = tenant_object_or_404(Slot.objects.select_related("advisor"), request, pk=pk)
    user = request.user if request.user.is_authenticated else None
    guest = user is None
    verified = user is None or services.is_verified(user)
    form: BookingForm
    if user is None:
        form = GuestBookingForm(request.POST or None, slot=slot)
    else:
        form = BookingForm(request.POST or None, slot=slot, initial={"email": user.email})
    status = 200
    if request.method == "POST":
        if guest and not ratelimit.hit(request, "consulting.guest", limit=GUEST_LIMIT, window_seconds=3600):
            form.add_error(None, _("Zu viele Anfragen. Bitte versuchen Sie es später noch einmal."))
            status = 429
        elif form.is_valid() and not form.cleaned_data.get("website"):
            try:
                if user is None:
                    services.request_as_guest(
                        slot,
                        form.cleaned_data["topic"],
                        form.cleaned_data["need"],
                        name=form.cleaned_data["guest_name"],
                        email=form.cleaned_data["guest_email"],
                        phone=form.cleaned_data.get("phone", ""),
                        video_email=form.cleaned_data.get("email", ""),
                        ctx=ServiceContext.from_request(request),
                    )
                else:
                    booking = services.book(
                        slot,
                        user,
                        form.cleaned_data["topic"],
                        form.cleaned_data["need"],
                        ctx=ServiceContext.from_request(request),
                        phone=form.cleaned_data.get("phone", ""),
                        email=form.cleaned_data.get("email", ""),
                    )
            except services.ConsultingError as exc:
                form.add_error(None, exc.message)
                status = 409 if exc.code == "taken" else 400
            else:
                if guest:
                    return render(request, "consulting/guest_requested.html")
                messages.success(
                    request, _("Ihr Termin ist gebucht. Eine Bestätigung ist per E-Mail unterwegs.")
                )
                return redirect("consulting:booking", booking.pk)
        else:
            status = 400
    unavailable = _unavailable_reason(slot)
    return render(
        request,
        "consulting/book.html",
        {"slot": slot, "form": form, "verified": verified, "unavailable": unavailable, "guest": guest},
        status=status,
    )


# --- Guests: confirm by link, see, cancel ------------------------------------------------------------


def _guest_booking(request: RathausRequest, field: str, token: str) -> Booking | None:
    if not token:
        return None
    qs = Booking.objects.for_tenant(request.municipality)
    return (
        qs.filter(user__isnull=True, **{field: engine.token_hash(token)})
        .select_related("slot", "slot__advisor", "topic", "municipality")
        .first()
    )


@public
@require_http_methods(["GET", "POST"])
def guest_confirm(request: RathausRequest, token: str) -> HttpResponse:
    """GET shows the request (mail scanners follow links); only the POST books."""
    booking = _guest_booking(request, "confirm_hash", token)
    if booking is None:
        raise Http404
    error, status = "", 200
    if request.method == "POST":
        try:
            manage = services.confirm_guest(booking, ctx=ServiceContext.from_request(request))
        except services.ConsultingError as exc:
            error, status = exc.message, 409
        else:
            messages.success(request, _("Ihr Termin ist gebucht. Eine Bestätigung ist per E-Mail unterwegs."))
            return redirect("consulting:guest_booking", manage)
    return render(
        request, "consulting/guest_confirm.html", {"booking": booking, "error": error}, status=status
    )


@public
def guest_booking(request: RathausRequest, token: str) -> HttpResponse:
    booking = _guest_booking(request, "manage_hash", token)
    if booking is None:
        raise Http404
    return render(
        request,
        "consulting/guest_booking.html",
        {"booking": booking, "token": token, "may_cancel": services.can_cancel(booking)},
    )


@public
def guest_ics(request: RathausRequest, token: str) -> HttpResponse:
    booking = _guest_booking(request, "manage_hash", token)
    if booking is None:
        raise Http404
    response = HttpResponse(
        booking_ics(booking, request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="beratung-{booking.pk}.ics"'
    return response


@public
@require_POST
def guest_cancel(request: RathausRequest, token: str) -> HttpResponse:
    booking = _guest_booking(request, "manage_hash", token)
    if booking is None:
        raise Http404
    try:
        services.cancel_by_guest(booking, ctx=ServiceContext.from_request(request))
    except services.ConsultingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Ihr Termin ist abgesagt."))
    return redirect("consulting:guest_booking", token)


def _unavailable_reason(slot: Slot) -> str:
    if slot.withdrawn_at is not None:
        return _("Dieser Termin wird nicht mehr angeboten.")
    if slot.starts_at <= timezone.now():
        return _("Dieser Termin liegt in der Vergangenheit.")
    if Booking.objects.filter(slot=slot, status=BookingStatus.ACTIVE).exists():
        return _("Dieser Termin ist leider schon vergeben. Bitte wählen Sie einen anderen.")
    return ""


# --- My appointments -------------------------------------------------------------------------------


@login_required
def my_bookings(request: SignedInRequest) -> HttpResponse:
    muni = request.municipality
    now = timezone.now()
    bookings = list(queries.bookings_of(request.user, muni)[:200])
    upcoming = [b for b in bookings if b.is_active and b.slot.ends_at >= now]
    past = [b for b in bookings if b not in upcoming]
    upcoming.reverse()  # soonest first
    for b in upcoming:
        b.may_cancel = services.can_cancel(b, now)  # type: ignore[attr-defined]
    return render(request, "consulting/my_bookings.html", {"upcoming": upcoming, "past": past})


def _own_booking(request: SignedInRequest, pk: int) -> Booking:
    qs = Booking.objects.filter(user=request.user).select_related("slot", "slot__advisor", "topic")
    booking: Booking = tenant_object_or_404(qs, request, pk=pk)
    return booking


@login_required
def my_booking_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    return render(
        request,
        "consulting/booking_detail.html",
        {
            "booking": booking,
            "may_cancel": services.can_cancel(booking),
            "deadline": services.CANCELLATION_DEADLINE,
        },
    )


@login_required
def booking_ics_view(request: SignedInRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    response = HttpResponse(
        booking_ics(booking, request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="beratung-{booking.pk}.ics"'
    return response


@login_required
@require_POST
def booking_cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    try:
        services.cancel_by_person(booking, request.user, ctx=ServiceContext.from_request(request))
    except services.ConsultingError as exc:
        messages.error(request, exc.message)
        return redirect("consulting:booking", booking.pk)
    messages.success(request, _("Ihr Termin ist abgesagt."))
    return redirect("consulting:my_bookings")


@login_required
@require_http_methods(["GET", "POST"])
def booking_rebook(request: SignedInRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    muni = request.municipality
    user = request.user
    slots = queries.free_slots(muni, topic=booking.topic).exclude(advisor__user=user)[:100]
    choices = (
        Slot.objects.filter(pk__in=[s.pk for s in slots]).select_related("advisor").order_by("starts_at")
    )
    initial = {"phone": booking.contact_phone, "email": booking.contact_email or user.email}
    form = RebookForm(request.POST or None, slots=choices, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                new = services.rebook(
                    booking,
                    form.cleaned_data["slot"],
                    user,
                    ctx=ServiceContext.from_request(request),
                    phone=form.cleaned_data["phone"],
                    email=form.cleaned_data["email"],
                )
            except services.ConsultingError as exc:
                form.add_error(None, exc.message)
                status = 409 if exc.code == "taken" else 400
            else:
                messages.success(request, _("Ihr Termin ist umgebucht."))
                return redirect("consulting:booking", new.pk)
        else:
            status = 400
    return render(
        request,
        "consulting/rebook.html",
        {
            "booking": booking,
            "form": form,
            "may_cancel": services.can_cancel(booking),
            "has_slots": bool(slots),
        },
        status=status,
    )


# --- Advisors: their slots and bookings --------------------------------------------------------------


def _may_manage(request: RathausRequest) -> bool:
    muni = getattr(request, "municipality", None)
    if not request.user.is_authenticated or muni is None:
        return False
    return permissions.manages_module(request, MODULE) or services.advisor_of(request.user, muni) is not None


def advisor_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Digital Hub managers (all advisors) or an advisor (his own slots). Both need MFA.

    Sets ``request.consulting_advisor``: None for managers (no restriction), else the advisor.
    """

    @login_required
    @wraps(view)
    def wrapped(request: AdvisorRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        muni = request.municipality
        if permissions.manages_module(request, MODULE):
            scope = None
        else:
            scope = services.advisor_of(request.user, muni)
            if scope is None:
                raise PermissionDenied
        if not permissions.has_mfa(request.user):
            text = _(
                "Für Verwaltungsseiten ist eine Zwei-Faktor-Authentisierung nötig. Bitte richten Sie sie ein."
            )
            messages.warning(request, text)
            return redirect("mfa_activate_totp")
        request.consulting_advisor = scope
        return view(request, *args, **kwargs)

    return wrapped


def _scope(request: AdvisorRequest) -> Advisor | None:
    return request.consulting_advisor


def _scoped_slots(request: AdvisorRequest) -> QuerySet[Slot]:
    advisor = _scope(request)
    qs = Slot.objects.all()
    return qs.filter(advisor=advisor) if advisor is not None else qs


@advisor_required
def manage(request: AdvisorRequest) -> HttpResponse:
    muni = request.municipality
    advisor = _scope(request)
    slots = list(queries.managed_slots(muni, advisor)[:300])
    return render(
        request,
        "consulting/manage.html",
        {
            "slots": slots,
            "advisor": advisor,
            "is_manager": advisor is None,
        },
    )


@advisor_required
@require_http_methods(["GET", "POST"])
def publish(request: AdvisorRequest) -> HttpResponse:
    muni = request.municipality
    advisor = _scope(request)
    advisors = Advisor.objects.for_tenant(muni).filter(is_active=True)
    if advisor is not None:
        advisors = advisors.filter(pk=advisor.pk)
    initial = {"day": timezone.localdate() + timedelta(days=7), "start": "10:00"}
    form = PublishSlotsForm(
        request.POST or None, advisors=advisors, topics=queries.topics(muni), initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.publish_slots(
                    form.cleaned_data["advisor"],
                    starts_at=form.starts_at(),
                    duration=form.duration_delta(),
                    mode=form.cleaned_data["mode"],
                    location=form.cleaned_data["location"],
                    topics=list(form.cleaned_data["topics"]),
                    weeks=form.cleaned_data["weeks"],
                    actor=request.user,
                    ctx=ServiceContext.from_request(request),
                )
            except services.ConsultingError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                messages.success(request, _("%(n)s Termin(e) veröffentlicht.") % {"n": len(result.created)})
                for start in result.conflicts:
                    messages.warning(
                        request,
                        _("Nicht angelegt, weil er sich mit einem anderen Termin überschneidet: %(when)s")
                        % {"when": formats.date_format(timezone.localtime(start), "SHORT_DATETIME_FORMAT")},
                    )
                return redirect("consulting:manage")
        else:
            status = 400
    return render(request, "consulting/publish.html", {"form": form}, status=status)


@advisor_required
@require_POST
def slot_withdraw(request: AdvisorRequest, pk: int) -> HttpResponse:
    slot = tenant_object_or_404(_scoped_slots(request), request, pk=pk)
    services.withdraw_slot(slot, request.user, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Der Termin wurde zurückgezogen."))
    return redirect("consulting:manage")


@advisor_required
@require_POST
def advisor_booking_cancel(request: AdvisorRequest, pk: int) -> HttpResponse:
    advisor = _scope(request)
    qs = Booking.objects.select_related("slot", "slot__advisor")
    if advisor is not None:
        qs = qs.filter(slot__advisor=advisor)
    booking = tenant_object_or_404(qs, request, pk=pk)
    try:
        services.cancel_by_advisor(booking, request.user, ctx=ServiceContext.from_request(request))
    except services.ConsultingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Die Buchung wurde abgesagt; die Person wird per E-Mail informiert."))
    return redirect("consulting:manage")


# --- Digital Hub managers: advisors, topics, figures ---------------------------------------------------


@module_required(MODULE)
@require_http_methods(["GET", "POST"])
def advisors(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    muni = request.municipality
    instance = tenant_object_or_404(Advisor, request, pk=pk) if pk else None
    form = AdvisorForm(request.POST or None, instance=instance, municipality=muni)
    if request.method == "POST" and form.is_valid():
        advisor = form.save(commit=False)
        advisor.user = form.cleaned_data["account_email"]
        services.save_advisor(advisor, request.user, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Die beratende Person wurde gespeichert."))
        return redirect("consulting:advisors")
    people = Advisor.objects.for_tenant(muni).select_related("user")
    return render(
        request,
        "consulting/advisors.html",
        {"form": form, "advisors": people, "editing": instance},
        status=400 if form.errors else 200,
    )


@module_required(MODULE)
@require_http_methods(["GET", "POST"])
def topics(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    muni = request.municipality
    instance = tenant_object_or_404(Topic, request, pk=pk) if pk else None
    form = TopicForm(request.POST or None, instance=instance, municipality=muni)
    if request.method == "POST" and form.is_valid():
        services.save_topic(form.save(commit=False), request.user, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Das Thema wurde gespeichert."))
        return redirect("consulting:topics")
    return render(
        request,
        "consulting/topics.html",
        {"form": form, "topics": Topic.objects.for_tenant(muni), "editing": instance},
        status=400 if form.errors else 200,
    )


@module_required(MODULE)
def report(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    today = timezone.localdate()
    start = date(today.year - 1, today.month, 1)
    ahead = today.month - 1 + 3  # up to the end of the second month from now
    end = date(today.year + ahead // 12, ahead % 12 + 1, 1)
    demand = queries.demand_by_topic(muni, start, end)
    usage = queries.utilisation(muni, start, end)
    return render(
        request, "consulting/report.html", {"demand": demand, "usage": usage, "start": start, "end": end}
    )
