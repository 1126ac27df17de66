"""Guests without an account: request, confirm by the mailed link, manage by link."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.consulting.models import (
    Booking,
    BookingStatus,
    Slot,
    Topic,
)
from rathaus.core import appointments as engine
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.tasks import send_email_after_commit
from rathaus.core.tenancy.models import Municipality

from .base import MAX_ACTIVE_BOOKINGS, ConsultingError
from .booking import _cancel, _check_slot_and_need, _deadline_error, _taken, can_cancel
from .contact import contact_for
from .mails import _mail_booking

GUEST_CONFIRM_TTL = timedelta(minutes=30)
MAX_PENDING_PER_GUEST = 3


def request_as_guest(
    slot: Slot,
    topic: Topic,
    need: str,
    *,
    name: str,
    email: str,
    phone: str = "",
    video_email: str = "",
    ctx: ServiceContext | None = None,
) -> tuple[Booking, str]:
    """A guest asks for a slot: nothing is held until the mailed link is confirmed (``confirm_guest``).

    Returns the booking (status pending) and the confirmation token (also mailed)."""
    name = " ".join((name or "").split())
    email = (email or "").strip()
    if not name or len(name) > 150:
        raise ConsultingError("name", _("Bitte geben Sie Ihren Namen an."))
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ConsultingError("email_invalid", _("Bitte geben Sie eine gültige E-Mail-Adresse an.")) from exc
    need = _check_slot_and_need(slot, topic, need)
    contact_phone, contact_email = contact_for(slot.mode, phone, video_email or email)
    now = timezone.now()
    with transaction.atomic():
        pending = Booking.objects.filter(
            municipality_id=slot.municipality_id,
            guest_email__iexact=email,
            status=BookingStatus.PENDING,
            confirm_expires_at__gt=now,
        ).count()
        if pending >= MAX_PENDING_PER_GUEST:
            raise ConsultingError(
                "pending_limit",
                _(
                    "Für diese E-Mail-Adresse warten schon mehrere Anfragen auf Bestätigung. "
                    "Bitte sehen Sie in Ihr Postfach."
                ),
            )
        token = engine.new_token()
        booking = Booking.objects.create(
            municipality_id=slot.municipality_id,
            slot=slot,
            user=None,
            guest_name=name,
            guest_email=email,
            topic=topic,
            need=need,
            contact_phone=contact_phone,
            contact_email=contact_email,
            status=BookingStatus.PENDING,
            confirm_hash=engine.token_hash(token),
            confirm_expires_at=now + GUEST_CONFIRM_TTL,
        )
        audit.record(
            "consulting.booking.requested",
            ctx=ctx,
            actor=None,
            municipality=booking.municipality,
            obj=booking,
        )
        _mail_guest_link(booking, "confirm", token)
    return booking, token


def confirm_guest(booking: Booking, *, ctx: ServiceContext | None = None) -> str:
    """The guest followed the link: book the slot if it is still free. Returns the manage token."""
    with transaction.atomic():
        locked_slot = Slot.objects.select_for_update().get(pk=booking.slot_id)
        current = Booking.objects.select_for_update().get(pk=booking.pk)
        if current.status == BookingStatus.ACTIVE:
            raise ConsultingError(
                "already",
                _("Dieser Termin ist bereits bestätigt. Den Link zum Verwalten finden Sie in Ihrer E-Mail."),
            )
        if (
            current.status != BookingStatus.PENDING
            or current.confirm_expires_at is None
            or current.confirm_expires_at <= timezone.now()
        ):
            raise ConsultingError(
                "expired", _("Dieser Bestätigungslink ist abgelaufen. Bitte wählen Sie erneut einen Termin.")
            )
        if Booking.objects.filter(slot=locked_slot, status=BookingStatus.ACTIVE).exists():
            raise _taken()
        _check_slot_and_need(locked_slot, current.topic, current.need)
        active = Booking.objects.filter(
            municipality_id=current.municipality_id,
            guest_email__iexact=current.guest_email,
            status=BookingStatus.ACTIVE,
            slot__starts_at__gt=timezone.now(),
        ).count()
        if active >= MAX_ACTIVE_BOOKINGS:
            raise ConsultingError(
                "limit",
                _("Sie haben bereits %(n)s offene Beratungstermine. Bitte sagen Sie erst einen ab.")
                % {"n": MAX_ACTIVE_BOOKINGS},
            )
        token = engine.new_token()
        try:
            with transaction.atomic():  # savepoint: the unique index is the last line of defence
                Booking.objects.filter(pk=current.pk).update(
                    status=BookingStatus.ACTIVE, manage_hash=engine.token_hash(token), confirm_expires_at=None
                )
        except IntegrityError as exc:
            raise _taken() from exc
        current.refresh_from_db()
        audit.record(
            "consulting.booking.confirmed",
            ctx=ctx,
            actor=None,
            municipality=current.municipality,
            obj=current,
        )
        _mail_booking(current, "booked")
        _mail_guest_link(current, "manage", token)
    booking.refresh_from_db()
    return token


def cancel_by_guest(booking: Booking, *, ctx: ServiceContext | None = None) -> Booking:
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update().select_related("slot", "slot__advisor").get(pk=booking.pk)
        )
        if not booking.is_guest:
            raise ConsultingError("not_yours", _("Diese Buchung gehört nicht zu Ihrem Konto."))
        if not booking.is_active:
            raise ConsultingError("cancelled", _("Diese Buchung ist bereits abgesagt."))
        if not can_cancel(booking):
            raise _deadline_error()
        _cancel(booking, None, by_advisor=False, ctx=ctx)
    return booking


def expire_guest_requests(municipality: Municipality, now: datetime | None = None) -> int:
    """Unconfirmed guest requests past their time go, with the personal data they carry."""
    now = now or timezone.now()
    return int(
        Booking.objects.for_tenant(municipality)
        .filter(status=BookingStatus.PENDING, confirm_expires_at__lte=now)
        .delete()[0]
    )


def _mail_guest_link(booking: Booking, kind: str, token: str) -> None:
    from django.urls import reverse

    from rathaus.core.tenancy.services import public_url

    muni = booking.municipality
    name = "consulting:guest_confirm" if kind == "confirm" else "consulting:guest_booking"
    context = {
        "booking": booking,
        "kind": kind,
        "link": public_url(muni, reverse(name, args=[token])),
        "start": timezone.localtime(booking.slot.starts_at),
        "expires": timezone.localtime(booking.confirm_expires_at) if booking.confirm_expires_at else None,
        "municipality": muni,
    }
    subject = (
        "Bitte bestätigen Sie Ihren Beratungstermin / Please confirm your appointment"
        if kind == "confirm"
        else "Ihr Beratungstermin: Link zum Verwalten / Link to manage your appointment"
    )
    send_email_after_commit(
        f"{muni.name}: {subject}",
        render_to_string("consulting/email/guest_link.txt", context),
        [booking.guest_email],
    )
