"""Booking, cancelling and rebooking by people with an account."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.consulting.models import (
    NEED_MAX_LENGTH,
    Booking,
    BookingStatus,
    Slot,
    Topic,
)
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext

from .base import CANCELLATION_DEADLINE, MAX_ACTIVE_BOOKINGS, ConsultingError, is_verified
from .contact import contact_for
from .mails import _mail_booking

if TYPE_CHECKING:
    from rathaus.core.accounts.models import User


def _check_slot_and_need(slot: Slot, topic: Topic, need: str) -> str:
    """The rules of the slot and the request, the same for account holders and guests: still offered,
    not past, the topic offered in it, a need of the allowed length. Returns the stripped need."""
    if slot.withdrawn_at is not None:
        raise ConsultingError("withdrawn", _("Dieser Termin wird nicht mehr angeboten."))
    if slot.starts_at <= timezone.now():
        raise ConsultingError("past", _("Dieser Termin liegt in der Vergangenheit."))
    if topic.municipality_id != slot.municipality_id or not slot.topics.filter(pk=topic.pk).exists():
        raise ConsultingError("topic", _("Dieses Thema wird in diesem Termin nicht angeboten."))
    need = need.strip()
    if not need:
        raise ConsultingError("need_missing", _("Bitte beschreiben Sie kurz Ihr Anliegen."))
    if len(need) > NEED_MAX_LENGTH:
        raise ConsultingError(
            "need_too_long",
            _("Die Beschreibung darf höchstens %(n)s Zeichen lang sein.") % {"n": NEED_MAX_LENGTH},
        )
    return need


def _check_bookable(slot: Slot, user: Any, topic: Topic, need: str, *, ignore: Booking | None = None) -> None:
    """Account holders: a verified address, the slot and need rules, not one's own slot, the limit."""
    if not is_verified(user):
        raise ConsultingError(
            "unverified", _("Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse, um einen Termin zu buchen.")
        )
    _check_slot_and_need(slot, topic, need)
    if slot.advisor.user_id is not None and slot.advisor.user_id == user.pk:
        raise ConsultingError("own_slot", _("Sie können Ihren eigenen Termin nicht buchen."))
    now = timezone.now()
    active = Booking.objects.filter(
        municipality_id=slot.municipality_id, user=user, status=BookingStatus.ACTIVE, slot__starts_at__gt=now
    )
    if ignore is not None:
        active = active.exclude(pk=ignore.pk)
    if active.count() >= MAX_ACTIVE_BOOKINGS:
        raise ConsultingError(
            "limit",
            _("Sie haben bereits %(n)s offene Beratungstermine. Bitte sagen Sie erst einen ab.")
            % {"n": MAX_ACTIVE_BOOKINGS},
        )


def _deadline_error() -> ConsultingError:
    message = _(
        "Absagen und Umbuchen sind nur bis 24 Stunden vor dem Termin möglich. Bitte rufen Sie uns an."
    )
    return ConsultingError("deadline", message)


def _taken() -> ConsultingError:
    return ConsultingError(
        "taken", _("Dieser Termin ist leider schon vergeben. Bitte wählen Sie einen anderen.")
    )


def _create_locked(
    slot: Slot,
    user: User,
    topic: Topic,
    need: str,
    *,
    ignore: Booking | None = None,
    phone: str = "",
    email: str = "",
) -> Booking:
    """Inside a transaction: lock the slot, re-check every rule, insert. Refuses cleanly when taken."""
    # PostgreSQL: the row lock serialises everyone racing for this slot. SQLite: the IMMEDIATE
    # transaction already holds the database's write lock, so the re-check below sees every commit.
    locked = Slot.objects.select_for_update().select_related("advisor", "municipality").get(pk=slot.pk)
    if Booking.objects.filter(slot=locked, status=BookingStatus.ACTIVE).exists():
        raise _taken()
    _check_bookable(locked, user, topic, need, ignore=ignore)
    contact_phone, contact_email = contact_for(locked.mode, phone, email)
    try:
        with transaction.atomic():  # savepoint: the unique index is the last line of defence
            return Booking.objects.create(
                municipality_id=locked.municipality_id,
                slot=locked,
                user=user,
                topic=topic,
                need=need.strip(),
                contact_phone=contact_phone,
                contact_email=contact_email,
            )
    except IntegrityError as exc:
        raise _taken() from exc


def book(
    slot: Slot,
    user: User,
    topic: Topic,
    need: str,
    *,
    ctx: ServiceContext | None = None,
    phone: str = "",
    email: str = "",
) -> Booking:
    """Book a free slot for ``user``; mails to the person and the advisor go out after commit.

    ``phone`` is required for a telephone consultation, ``email`` (the address for the video link)
    for an online one (see ``contact_for``)."""
    with transaction.atomic():
        booking = _create_locked(slot, user, topic, need, phone=phone, email=email)
        audit.record(
            "consulting.booking.created",
            ctx=ctx,
            actor=user,
            municipality=booking.municipality,
            obj=booking,
        )
        _mail_booking(booking, "booked")
    return booking


def can_cancel(booking: Booking, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return booking.is_active and booking.slot.starts_at - CANCELLATION_DEADLINE > now


def cancel_by_person(booking: Booking, user: User, *, ctx: ServiceContext | None = None) -> Booking:
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update().select_related("slot", "slot__advisor").get(pk=booking.pk)
        )
        if booking.user_id != user.pk:
            raise ConsultingError("not_yours", _("Diese Buchung gehört nicht zu Ihrem Konto."))
        if not booking.is_active:
            raise ConsultingError("cancelled", _("Diese Buchung ist bereits abgesagt."))
        if not can_cancel(booking):
            raise _deadline_error()
        _cancel(booking, user, by_advisor=False, ctx=ctx)
    return booking


def cancel_by_advisor(booking: Booking, actor: User | None, *, ctx: ServiceContext | None = None) -> Booking:
    """The advisor or a manager cancels (any time before the start); the person is told."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update().select_related("slot", "slot__advisor").get(pk=booking.pk)
        )
        if not booking.is_active:
            raise ConsultingError("cancelled", _("Diese Buchung ist bereits abgesagt."))
        _cancel(booking, actor, by_advisor=True, ctx=ctx)
    return booking


def _cancel(
    booking: Booking,
    actor: User | None,
    *,
    by_advisor: bool,
    ctx: ServiceContext | None = None,
    mail: bool = True,
) -> None:
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.cancelled_by = actor if getattr(actor, "is_authenticated", False) else None
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    audit.record(
        "consulting.booking.cancelled",
        ctx=ctx,
        actor=actor,
        municipality=booking.municipality,
        obj=booking,
        changes={"by_advisor": by_advisor},
    )
    if mail:
        _mail_booking(booking, "cancelled_by_advisor" if by_advisor else "cancelled")


def rebook(
    booking: Booking,
    new_slot: Slot,
    user: User,
    *,
    ctx: ServiceContext | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Booking:
    """Move a booking to another free slot in one transaction: both happen, or neither.

    The contact the new slot needs: ``phone``/``email`` when given, else the old booking's (the
    video link goes to the account's address when the old booking had none)."""
    with transaction.atomic():
        old = Booking.objects.select_for_update().select_related("slot", "topic").get(pk=booking.pk)
        if old.user_id != user.pk:
            raise ConsultingError("not_yours", _("Diese Buchung gehört nicht zu Ihrem Konto."))
        if not old.is_active:
            raise ConsultingError("cancelled", _("Diese Buchung ist bereits abgesagt."))
        if not can_cancel(old):
            raise _deadline_error()
        if new_slot.pk == old.slot_id or new_slot.municipality_id != old.municipality_id:
            raise ConsultingError("same_slot", _("Bitte wählen Sie einen anderen Termin."))
        topic = old.topic
        if not new_slot.topics.filter(pk=topic.pk).exists():
            topic = new_slot.topics.filter(is_active=True).first() or topic
        new = _create_locked(
            new_slot,
            user,
            topic,
            old.need,
            ignore=old,
            phone=old.contact_phone if phone is None else phone,
            email=(old.contact_email or user.email) if email is None else email,
        )
        new.rebooked_from = old
        new.save(update_fields=["rebooked_from"])
        _cancel(old, user, by_advisor=False, ctx=ctx, mail=False)
        if old.slot.advisor_id != new.slot.advisor_id:
            _mail_booking(old, "cancelled", person=False)  # the old slot's advisor learns it is free
        audit.record(
            "consulting.booking.rebooked",
            ctx=ctx,
            actor=user,
            municipality=new.municipality,
            obj=new,
            changes={"from_booking": old.pk},
        )
        _mail_booking(new, "rebooked", previous=old)
    return new
