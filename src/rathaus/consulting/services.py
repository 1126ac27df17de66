"""Public API of consulting appointments: every write, transactional and audited.

Limits (documented in docs/ by the lead; defined here):
- ``NEED_MAX_LENGTH`` characters for the description of the need (models.py),
- ``MAX_ACTIVE_BOOKINGS`` future bookings per person and municipality,
- ``CANCELLATION_DEADLINE`` before the start: until then a person may cancel or rebook,
- ``REMINDER_LEAD`` before the start the reminder goes out (once per booking),
- ``MAX_SERIES_WEEKS`` for a weekly series, ``BOOKING_HORIZON`` how far ahead slots may be published.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.core import appointments as engine
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.tasks import send_email_after_commit
from rathaus.core.tenancy.models import Municipality

from .models import NEED_MAX_LENGTH, PHONE_MAX_LENGTH, Advisor, Booking, BookingStatus, Mode, Slot, Topic

MAX_ACTIVE_BOOKINGS = 3
CANCELLATION_DEADLINE = timedelta(hours=24)
REMINDER_LEAD = timedelta(hours=24)
MAX_SERIES_WEEKS = 12
BOOKING_HORIZON = timedelta(days=180)
MIN_DURATION = timedelta(minutes=15)
MAX_DURATION = timedelta(hours=4)


class ConsultingError(Exception):
    """A rule was broken; ``message`` is for the person (German, translated), ``code`` for tests."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _active_booking() -> Exists:
    return Exists(Booking.objects.filter(slot=OuterRef("pk"), status=BookingStatus.ACTIVE))


def is_verified(user: Any) -> bool:
    """A verified account: an e-mail address confirmed through allauth."""
    if not getattr(user, "is_authenticated", False):
        return False
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def advisor_of(user: Any, municipality: Municipality) -> Advisor | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Advisor.objects.for_tenant(municipality).filter(user=user, is_active=True).first()


# --- Advisors and topics (Digital Hub managers) ----------------------------------------------------


def save_advisor(advisor: Advisor, actor: Any, *, ctx: ServiceContext | None = None) -> Advisor:
    fields = ["user_id", "display_name", "organisation", "bio", "email", "is_active"]
    with transaction.atomic():
        before = audit.snapshot(Advisor.objects.get(pk=advisor.pk), fields) if advisor.pk else {}
        advisor.save()
        audit.record(
            "consulting.advisor.saved",
            ctx=ctx,
            actor=actor,
            municipality=advisor.municipality,
            obj=advisor,
            changes=audit.diff(before, audit.snapshot(advisor, fields)),
        )
    return advisor


def save_topic(topic: Topic, actor: Any, *, ctx: ServiceContext | None = None) -> Topic:
    fields = ["name", "name_en", "slug", "description", "is_active"]
    with transaction.atomic():
        before = audit.snapshot(Topic.objects.get(pk=topic.pk), fields) if topic.pk else {}
        topic.save()
        audit.record(
            "consulting.topic.saved",
            ctx=ctx,
            actor=actor,
            municipality=topic.municipality,
            obj=topic,
            changes=audit.diff(before, audit.snapshot(topic, fields)),
        )
    return topic


# --- Publishing slots ----------------------------------------------------------------------------


@dataclass
class SeriesResult:
    created: list[Slot] = field(default_factory=list)
    conflicts: list[datetime] = field(default_factory=list)  # starts skipped: overlap with own slot


def publish_slots(
    advisor: Advisor,
    *,
    starts_at: datetime,
    duration: timedelta,
    mode: str,
    location: str,
    topics: list[Topic],
    weeks: int = 1,
    actor: Any,
    ctx: ServiceContext | None = None,
) -> SeriesResult:
    """Publish one slot, or a weekly series of ``weeks`` slots (same weekday and local time).

    Slots overlapping another slot of the same advisor are skipped and reported; everything else
    is created in one transaction. Rules: future start, 15 min – 4 h, within the horizon, at least
    one active topic of the advisor's municipality.
    """
    muni = advisor.municipality
    now = timezone.now()
    if not advisor.is_active:
        raise ConsultingError("advisor_inactive", _("Diese beratende Person ist nicht aktiv."))
    if not 1 <= weeks <= MAX_SERIES_WEEKS:
        raise ConsultingError(
            "series_length", _("Eine Serie umfasst 1 bis %(n)s Wochen.") % {"n": MAX_SERIES_WEEKS}
        )
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise ConsultingError("duration", _("Ein Termin dauert 15 Minuten bis 4 Stunden."))
    if starts_at <= now:
        raise ConsultingError("past", _("Der Termin liegt in der Vergangenheit."))
    if not topics:
        raise ConsultingError("topics", _("Bitte wählen Sie mindestens ein Thema."))
    if any(t.municipality_id != muni.pk or not t.is_active for t in topics):
        raise ConsultingError("topics", _("Unbekanntes Thema."))
    if mode not in Mode.values:
        raise ConsultingError("mode", _("Unbekannte Form der Beratung."))

    tz = timezone.get_current_timezone()
    local_start = timezone.localtime(starts_at, tz)
    starts = []
    for week in range(weeks):
        # Same local wall-clock time every week (daylight saving time changes the UTC offset).
        naive = (local_start + timedelta(weeks=week)).replace(tzinfo=None)
        starts.append(timezone.make_aware(naive, tz))
    if starts[-1] > now + BOOKING_HORIZON:
        raise ConsultingError(
            "horizon", _("Termine können höchstens 180 Tage im Voraus veröffentlicht werden.")
        )

    result = SeriesResult()
    series = uuid.uuid4() if weeks > 1 else None
    with transaction.atomic():
        # Lock the advisor: two managers publishing for one advisor at once cannot overlap.
        Advisor.objects.select_for_update().filter(pk=advisor.pk).first()
        for start in starts:
            end = start + duration
            overlap = Slot.objects.filter(
                advisor=advisor, withdrawn_at__isnull=True, starts_at__lt=end, ends_at__gt=start
            ).exists()
            if overlap:
                result.conflicts.append(start)
                continue
            slot = Slot.objects.create(
                municipality=muni,
                advisor=advisor,
                starts_at=start,
                ends_at=end,
                mode=mode,
                location=location[:200],
                series=series,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            slot.topics.set(topics)
            result.created.append(slot)
        if result.created:
            audit.record(
                "consulting.slots.published",
                ctx=ctx,
                actor=actor,
                municipality=muni,
                object_type="consulting.slot",
                object_id=",".join(str(s.pk) for s in result.created)[:64],
                object_repr=f"{advisor.display_name}: {len(result.created)}",
                changes={"weeks": weeks, "conflicts": [c.isoformat() for c in result.conflicts]},
            )
    return result


def withdraw_slot(slot: Slot, actor: Any, *, ctx: ServiceContext | None = None) -> Slot:
    """Take a slot off the list; a booking on it is cancelled and the person is told."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        if slot.withdrawn_at is not None:
            return slot
        booking = Booking.objects.filter(slot=slot, status=BookingStatus.ACTIVE).first()
        if booking is not None:
            _cancel(booking, actor, by_advisor=True, ctx=ctx)
        slot.withdrawn_at = timezone.now()
        slot.save(update_fields=["withdrawn_at"])
        audit.record(
            "consulting.slot.withdrawn",
            ctx=ctx,
            actor=actor,
            municipality=slot.municipality,
            obj=slot,
        )
    return slot


# --- Contact the form of consultation needs ------------------------------------------------------

_PHONE_CHARS = re.compile(r"^\+?[0-9][0-9 ()/.\-]*$")
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 6, 15  # 15: the longest number E.164 allows


def clean_phone(value: str) -> str:
    """A telephone number to call: digits with the usual separators, optionally +country code."""
    phone = " ".join((value or "").split())
    if not phone:
        raise ConsultingError(
            "phone_missing", _("Bitte geben Sie eine Telefonnummer an, unter der wir Sie anrufen können.")
        )
    digits = sum(ch.isdigit() for ch in phone)
    if (
        len(phone) > PHONE_MAX_LENGTH
        or not _PHONE_CHARS.match(phone)
        or not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS
    ):
        raise ConsultingError(
            "phone_invalid",
            _(
                "Bitte geben Sie eine gültige Telefonnummer an, "
                "zum Beispiel 03441 123456 oder +49 3441 123456."
            ),
        )
    return phone


def clean_contact_email(value: str) -> str:
    email = (value or "").strip()
    if not email:
        raise ConsultingError(
            "email_missing",
            _("Bitte geben Sie eine E-Mail-Adresse an, an die wir den Link zur Videoberatung senden."),
        )
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ConsultingError("email_invalid", _("Bitte geben Sie eine gültige E-Mail-Adresse an.")) from exc
    return email


def contact_for(mode: str, phone: str = "", email: str = "") -> tuple[str, str]:
    """(phone, e-mail) to store for a booking of a slot in ``mode``: telephone consultations need a
    number, online (video) consultations an address for the link, on site needs nothing (and
    nothing is kept that the form does not need)."""
    if mode == Mode.PHONE:
        return clean_phone(phone), ""
    if mode == Mode.ONLINE:
        return "", clean_contact_email(email)
    return "", ""


# --- Booking ------------------------------------------------------------------------------------


def _check_bookable(slot: Slot, user: Any, topic: Topic, need: str, *, ignore: Booking | None = None) -> None:
    now = timezone.now()
    if not is_verified(user):
        raise ConsultingError(
            "unverified", _("Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse, um einen Termin zu buchen.")
        )
    if slot.withdrawn_at is not None:
        raise ConsultingError("withdrawn", _("Dieser Termin wird nicht mehr angeboten."))
    if slot.starts_at <= now:
        raise ConsultingError("past", _("Dieser Termin liegt in der Vergangenheit."))
    if slot.advisor.user_id is not None and slot.advisor.user_id == user.pk:
        raise ConsultingError("own_slot", _("Sie können Ihren eigenen Termin nicht buchen."))
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
    user: Any,
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
    user: Any,
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


def cancel_by_person(booking: Booking, user: Any, *, ctx: ServiceContext | None = None) -> Booking:
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


def cancel_by_advisor(booking: Booking, actor: Any, *, ctx: ServiceContext | None = None) -> Booking:
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
    actor: Any,
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
    user: Any,
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


# --- Guests (no account): request, confirm by e-mail link, manage by link -----------------------------

GUEST_CONFIRM_TTL = timedelta(minutes=30)
MAX_PENDING_PER_GUEST = 3


def _check_slot_and_need(slot: Slot, topic: Topic, need: str) -> str:
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


# --- Reminders ------------------------------------------------------------------------------------


def due_reminders(municipality: Municipality, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Booking.objects.for_tenant(municipality)
        .filter(
            status=BookingStatus.ACTIVE,
            reminder_sent_at__isnull=True,
            slot__starts_at__gt=now,
            slot__starts_at__lte=now + REMINDER_LEAD,
        )
        .values_list("pk", flat=True)
    )


def send_reminders(municipality: Municipality, now: datetime | None = None) -> int:
    """Send every due reminder exactly once, even when two workers run at the same time
    (the shared appointment engine claims each one by a conditional UPDATE)."""
    now = now or timezone.now()

    def send(pk: int) -> None:
        booking = Booking.objects.select_related(
            "slot", "slot__advisor", "topic", "user", "municipality"
        ).get(pk=pk)
        _mail_booking(booking, "reminder")

    return engine.send_due_reminders(
        Booking.objects.filter(pk__in=due_reminders(municipality, now)),
        lambda pk: Booking.objects.filter(pk=pk, status=BookingStatus.ACTIVE, reminder_sent_at__isnull=True),
        send,
        now,
    )


# --- Mails ----------------------------------------------------------------------------------------

_SUBJECTS = {
    "booked": "Beratungstermin bestätigt / Appointment confirmed",
    "cancelled": "Beratungstermin abgesagt / Appointment cancelled",
    "cancelled_by_advisor": "Beratungstermin abgesagt / Appointment cancelled",
    "rebooked": "Beratungstermin umgebucht / Appointment moved",
    "reminder": "Erinnerung an Ihren Beratungstermin / Appointment reminder",
}
_ADVISOR_SUBJECTS = {
    "booked": "Neue Buchung / New booking",
    "cancelled": "Buchung abgesagt / Booking cancelled",
    "rebooked": "Buchung umgebucht / Booking moved",
}


def _mail_booking(
    booking: Booking, kind: str, previous: Booking | None = None, *, person: bool = True
) -> None:
    slot = booking.slot
    muni = booking.municipality
    context = {
        "booking": booking,
        "slot": slot,
        "advisor": slot.advisor,
        "topic": booking.topic,
        "municipality": muni,
        "kind": kind,
        "previous": previous,
        "start": timezone.localtime(slot.starts_at),
        "end": timezone.localtime(slot.ends_at),
        "previous_start": timezone.localtime(previous.slot.starts_at) if previous else None,
        "deadline": timezone.localtime(slot.starts_at - CANCELLATION_DEADLINE),
    }
    prefix = f"{muni.name}: "
    if person:
        send_email_after_commit(
            prefix + _SUBJECTS[kind],
            render_to_string("consulting/email/person.txt", context),
            [booking.person_email],
        )
    advisor_mail = slot.advisor.notification_email
    if advisor_mail and kind in ("booked", "cancelled", "rebooked"):
        send_email_after_commit(
            prefix + _ADVISOR_SUBJECTS[kind],
            render_to_string("consulting/email/advisor.txt", context),
            [advisor_mail],
        )
    if advisor_mail and kind == "cancelled_by_advisor":
        send_email_after_commit(
            prefix + _ADVISOR_SUBJECTS["cancelled"],
            render_to_string("consulting/email/advisor.txt", {**context, "kind": "cancelled"}),
            [advisor_mail],
        )


# --- DSGVO ----------------------------------------------------------------------------------------


def export_user_bookings(user: Any) -> tuple[str, Any]:
    rows = Booking.objects.filter(user=user).select_related("slot", "slot__advisor", "topic", "municipality")
    return (
        "consulting_bookings",
        [
            {
                "municipality": b.municipality.name,
                "starts_at": b.slot.starts_at.isoformat(),
                "advisor": b.slot.advisor.display_name,
                "topic": b.topic.name,
                "need": b.need,
                "contact_phone": b.contact_phone,
                "contact_email": b.contact_email,
                "status": b.status,
                "created_at": b.created_at.isoformat(),
            }
            for b in rows
        ],
    )


def erase_user_bookings(user: Any) -> None:
    """Account deletion: the person's bookings go; a booked future slot becomes free again."""
    Booking.objects.filter(rebooked_from__user=user).update(rebooked_from=None)
    Booking.objects.filter(user=user).delete()
