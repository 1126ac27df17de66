"""Writes of the events app: events, registrations, waiting list, check-in, reminders.

Capacity rule: the number of REGISTERED rows of an event never exceeds its capacity. Every write
that can change it (register, confirm, cancel, capacity change) runs in one transaction that first
locks the event row: on PostgreSQL ``SELECT … FOR UPDATE``; on SQLite the connection opens every
transaction with ``BEGIN IMMEDIATE`` (settings.py), so the transaction holds the database's write
lock from its first statement and the count it re-checks cannot change underneath it.

Guests (no account) use double opt-in: the registration is PENDING and holds no seat until the
person follows the confirmation link from the e-mail (valid for ``PENDING_TTL``). The seat or the
waiting-list position is assigned at confirmation time, so unconfirmed (possibly forged) addresses
never block seats. Accounts have a verified address and are placed at once.

Links in e-mails carry tokens that are HMACs (SECRET_KEY) of a random per-registration nonce; the
database stores only their SHA-256, so a leaked database yields no working link, while the links
can be re-derived for later e-mails (promotion, reminder).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from rathaus.core.accounts.models import User
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.tasks import send_email_after_commit
from rathaus.core.tenancy.models import Municipality
from rathaus.core.tenancy.services import public_url

from .models import Event, EventDate, EventStatus, Registration, RegistrationStatus, Tag

PENDING_TTL = timedelta(hours=48)
REMINDER_LEAD = timedelta(hours=24)
MAX_DATES = 52
MAX_TAGS = 10

EVENT_FIELDS = [
    "title",
    "summary",
    "description",
    "event_type",
    "organiser",
    "organiser_email",
    "venue",
    "address",
    "online_url",
    "accessibility",
    "for_citizens",
    "for_businesses",
    "for_administration",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "is_public",
    "status",
    "starts_at",
    "ends_at",
]

CLOSED_REASONS: dict[str, Any] = {
    "draft": _("Diese Veranstaltung ist noch nicht veröffentlicht."),
    "cancelled": _("Diese Veranstaltung wurde abgesagt."),
    "not_open": _("Die Anmeldung ist noch nicht geöffnet."),
    "closed": _("Die Anmeldung ist geschlossen."),
}


class RegistrationError(Exception):
    """A registration request that cannot be carried out; ``message`` is shown to the person."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Outcome:
    registration: Registration
    kind: str  # "pending", "registered", "waitlist", "already", "cancelled"
    promoted: tuple[Registration, ...] = ()


# --- Tokens ------------------------------------------------------------------------------------


def link_token(reg: Registration, purpose: str) -> str:
    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"rathaus.events.{purpose}:{reg.nonce}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def renew_tokens(reg: Registration) -> None:
    reg.nonce = secrets.token_hex(16)
    reg.confirm_token_hash = hash_token(link_token(reg, "confirm"))
    reg.cancel_token_hash = hash_token(link_token(reg, "cancel"))


def registration_for_token(municipality: Municipality, purpose: str, raw: str) -> Registration | None:
    if not raw or len(raw) > 100:
        return None
    field = {"confirm": "confirm_token_hash", "cancel": "cancel_token_hash"}[purpose]
    return (
        Registration.objects.for_tenant(municipality)
        .select_related("event")
        .filter(**{field: hash_token(raw)})
        .first()
    )


# --- Events ------------------------------------------------------------------------------------


def _tags_for(municipality: Municipality, names: Iterable[str]) -> list[Tag]:
    tags: dict[str, Tag] = {}
    for name in names:
        name = " ".join(name.split())[:60]
        slug = slugify(name)[:60]
        if not slug or slug in tags:
            continue
        tag, _created = Tag.objects.get_or_create(
            municipality=municipality, slug=slug, defaults={"name": name}
        )
        tags[slug] = tag
    return list(tags.values())[:MAX_TAGS]


def save_event(
    event: Event,
    *,
    dates: list[tuple[datetime, datetime]],
    tag_names: Iterable[str] = (),
    actor: User | None = None,
    ctx: ServiceContext | None = None,
) -> Event:
    """Create or update an event with its dates and tags; audited, indexed, notifies on cancellation."""
    if not dates:
        raise ValueError("an event needs at least one date")
    if len(dates) > MAX_DATES:
        raise ValueError("too many dates")
    dates = sorted(dates)
    created = event.pk is None
    with transaction.atomic():
        old = None if created else Event.objects.select_for_update().get(pk=event.pk)
        before = audit.snapshot(old, EVENT_FIELDS) if old else {}
        if old is not None:
            event.last_queue_number = old.last_queue_number  # the form's copy may be stale
        event.starts_at = dates[0][0]
        event.ends_at = max(end for _start, end in dates)
        if created:
            event.created_by = actor if getattr(actor, "is_authenticated", False) else None
        event.save()
        event.dates.all().delete()
        EventDate.objects.bulk_create([EventDate(event=event, starts_at=s, ends_at=e) for s, e in dates])
        event.tags.set(_tags_for(event.municipality, tag_names))
        audit.record(
            "event.created" if created else "event.updated",
            ctx=ctx,
            actor=actor,
            municipality=event.municipality,
            obj=event,
            changes=audit.diff(before, audit.snapshot(event, EVENT_FIELDS)),
        )
        if old is not None and old.status != EventStatus.CANCELLED and event.status == EventStatus.CANCELLED:
            _notify_event_cancelled(event, ctx)
        if event.status == EventStatus.PUBLISHED:
            _fill_seats(event, ctx)
    from . import queries, search_provider

    search_provider.sync(event)
    queries.forget_feed(event.municipality)
    return event


def _notify_event_cancelled(event: Event, ctx: ServiceContext | None) -> None:
    active = Registration.objects.filter(
        event=event, status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITLIST]
    )
    for reg in active:
        _mail(reg, "event_cancelled", ctx)


# --- Registration ------------------------------------------------------------------------------


def closed_reason(event: Event, now: datetime | None = None) -> str | None:
    """Why nobody can register right now (a key of CLOSED_REASONS), or None when it is open."""
    now = now or timezone.now()
    if event.status == EventStatus.DRAFT:
        return "draft"
    if event.status == EventStatus.CANCELLED:
        return "cancelled"
    if event.registration_opens_at and now < event.registration_opens_at:
        return "not_open"
    if now >= (event.registration_closes_at or event.starts_at):
        return "closed"
    return None


def _lock(event: Event) -> Event:
    """The event row, locked until the end of the transaction (see module docstring for SQLite)."""
    locked: Event = Event.objects.select_for_update().get(pk=event.pk)
    return locked


def seats_taken(event: Event) -> int:
    return Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count()


def _place(event: Event, reg: Registration, now: datetime) -> str:
    """Give ``reg`` a seat if one is free, else put it at the end of the waiting list. Needs the lock."""
    taken = (
        Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED)
        .exclude(pk=reg.pk)
        .count()
    )
    event.last_queue_number += 1
    Event.objects.filter(pk=event.pk).update(last_queue_number=event.last_queue_number)
    reg.queue_number = event.last_queue_number
    reg.queued_at = now
    reg.cancelled_at = None
    reg.status = RegistrationStatus.REGISTERED if taken < event.capacity else RegistrationStatus.WAITLIST
    return str(reg.status)


def register(
    event: Event, *, name: str, email: str, user: User | None = None, ctx: ServiceContext | None = None
) -> Outcome:
    """Register an account (``user``, placed at once) or a guest (PENDING until confirmed by e-mail)."""
    email = email.strip().lower()
    name = " ".join(name.split())[:150]
    account = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        event = _lock(event)
        now = timezone.now()  # after the lock: timestamps follow the order of placement
        reason = closed_reason(event, now)
        if reason:
            raise RegistrationError(reason, CLOSED_REASONS[reason])
        reg = Registration.objects.filter(event=event, email=email).first()
        if reg is not None and reg.status in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLIST):
            if account is None:
                # Same answer as for a new guest; the address owner learns it by e-mail only.
                _mail(reg, "already_registered", ctx)
            return Outcome(reg, "already")
        if reg is None:
            reg = Registration(municipality=event.municipality, event=event, email=email)
        reg.name = name or email
        reg.user = account
        reg.requested_at = now
        reg.promoted_at = reg.reminded_at = reg.attended_at = reg.cancelled_at = None
        renew_tokens(reg)
        if account is None:
            reg.status = RegistrationStatus.PENDING
            reg.queued_at = reg.confirmed_at = reg.queue_number = None
            kind = "pending"
        else:
            reg.confirmed_at = now
            kind = _place(event, reg, now)
        reg.save()
        audit.record(f"registration.{kind}", ctx=ctx, actor=account, municipality=event.municipality, obj=reg)
        _mail(reg, "confirm" if kind == "pending" else kind, ctx)
    return Outcome(reg, kind)


def confirm(municipality: Municipality, raw_token: str, *, ctx: ServiceContext | None = None) -> Outcome:
    """Double opt-in: the guest followed the link; assign a seat or a waiting-list position."""
    found = registration_for_token(municipality, "confirm", raw_token)
    if found is None:
        raise RegistrationError("invalid_token", _("Dieser Link ist ungültig oder wurde ersetzt."))
    with transaction.atomic():
        event = _lock(found.event)
        now = timezone.now()
        reg = Registration.objects.get(pk=found.pk)
        if reg.status == RegistrationStatus.CANCELLED:
            raise RegistrationError("cancelled", _("Diese Anmeldung wurde storniert."))
        if reg.status != RegistrationStatus.PENDING:
            return Outcome(reg, "already")
        if now - reg.requested_at > PENDING_TTL:
            raise RegistrationError(
                "expired", _("Der Bestätigungslink ist abgelaufen. Bitte melden Sie sich erneut an.")
            )
        reason = closed_reason(event, now)
        if reason:
            raise RegistrationError(reason, CLOSED_REASONS[reason])
        reg.confirmed_at = now
        kind = _place(event, reg, now)
        reg.save()
        audit.record(
            f"registration.confirmed.{kind}", ctx=ctx, actor=None, municipality=municipality, obj=reg
        )
        _mail(reg, kind, ctx)
    return Outcome(reg, kind)


def cancel(
    reg: Registration,
    *,
    actor: User | None = None,
    ctx: ServiceContext | None = None,
    by_organiser: bool = False,
) -> Outcome:
    """Cancel a registration; a freed seat goes to the next people on the waiting list, in order."""
    with transaction.atomic():
        event = _lock(reg.event)
        reg = Registration.objects.get(pk=reg.pk)
        if reg.status == RegistrationStatus.CANCELLED:
            return Outcome(reg, "already")
        had_seat = reg.status == RegistrationStatus.REGISTERED
        reg.status = RegistrationStatus.CANCELLED
        reg.cancelled_at = timezone.now()
        reg.save(update_fields=["status", "cancelled_at"])
        audit.record(
            "registration.cancelled_by_organiser" if by_organiser else "registration.cancelled",
            ctx=ctx,
            actor=actor,
            municipality=event.municipality,
            obj=reg,
        )
        _mail(reg, "cancelled", ctx)
        promoted = _fill_seats(event, ctx) if had_seat else []
    return Outcome(reg, "cancelled", tuple(promoted))


def _fill_seats(event: Event, ctx: ServiceContext | None = None) -> list[Registration]:
    """Promote waiting-list entries into free seats, first come first served. Needs the lock."""
    now = timezone.now()
    if event.status != EventStatus.PUBLISHED or now >= event.starts_at:
        return []
    free = event.capacity - seats_taken(event)
    if free <= 0:
        return []
    promoted = list(
        Registration.objects.filter(event=event, status=RegistrationStatus.WAITLIST).order_by(
            "queue_number", "id"
        )[:free]
    )
    for reg in promoted:
        reg.status = RegistrationStatus.REGISTERED
        reg.promoted_at = now
        reg.save(update_fields=["status", "promoted_at"])
        audit.record("registration.promoted", ctx=ctx, actor=None, municipality=event.municipality, obj=reg)
        _mail(reg, "promoted", ctx)
    return promoted


def set_attended(
    reg: Registration, attended: bool, *, actor: User | None = None, ctx: ServiceContext | None = None
) -> Registration:
    """Check-in list: mark a seat holder as present (or undo it)."""
    with transaction.atomic():
        reg = Registration.objects.select_for_update().get(pk=reg.pk)
        if reg.status != RegistrationStatus.REGISTERED:
            raise RegistrationError(
                "not_registered", _("Nur angemeldete Personen können eingecheckt werden.")
            )
        new = timezone.now() if attended else None
        if (reg.attended_at is None) == (new is None):
            return reg
        reg.attended_at = new
        reg.save(update_fields=["attended_at"])
        audit.record(
            "registration.checked_in" if attended else "registration.check_in_undone",
            ctx=ctx,
            actor=actor,
            municipality=reg.municipality,
            obj=reg,
        )
    return reg


def waitlist_position(reg: Registration) -> int | None:
    if reg.status != RegistrationStatus.WAITLIST or reg.queue_number is None:
        return None
    ahead = Registration.objects.filter(event_id=reg.event_id, status=RegistrationStatus.WAITLIST).filter(
        Q(queue_number__lt=reg.queue_number) | Q(queue_number=reg.queue_number, id__lt=reg.pk)
    )
    return ahead.count() + 1


# --- Reminders ---------------------------------------------------------------------------------


def send_reminders(
    municipality: Municipality, *, now: datetime | None = None, lead: timedelta = REMINDER_LEAD
) -> int:
    """E-mail every seat holder whose event starts within ``lead``; each person once (idempotent).

    Courses are reminded once, before their first date. The claim (UPDATE … WHERE reminded_at IS
    NULL) makes concurrent runs safe: only the run that sets the timestamp sends the mail.
    """
    now = now or timezone.now()
    due = (
        Registration.objects.for_tenant(municipality)
        .filter(
            status=RegistrationStatus.REGISTERED,
            reminded_at__isnull=True,
            event__status=EventStatus.PUBLISHED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + lead,
        )
        .select_related("event", "municipality")
    )
    sent = 0
    for reg in due:
        with transaction.atomic():
            claimed = Registration.objects.filter(
                pk=reg.pk, reminded_at__isnull=True, status=RegistrationStatus.REGISTERED
            ).update(reminded_at=now)
            if claimed:
                _mail(reg, "reminder", None)
                sent += 1
    return sent


# --- DSGVO -------------------------------------------------------------------------------------


def export_registrations_of(user: User) -> tuple[str, Any]:
    rows = Registration.objects.filter(Q(user=user) | Q(email=user.email.lower())).select_related(
        "event", "municipality"
    )
    return (
        "event_registrations",
        [
            {
                "municipality": r.municipality.name,
                "event": r.event.title,
                "starts_at": r.event.starts_at.isoformat(),
                "name": r.name,
                "email": r.email,
                "status": r.status,
                "requested_at": r.requested_at.isoformat(),
            }
            for r in rows
        ],
    )


def erase_registrations_of(user: User) -> None:
    """Account deletion: cancel active registrations (freeing seats) and drop personal data."""
    for reg in Registration.objects.filter(user=user).select_related("event"):
        if reg.status != RegistrationStatus.CANCELLED:
            cancel(reg, actor=None)
    Registration.objects.filter(user=user).delete()


# --- E-mail ------------------------------------------------------------------------------------

SUBJECTS: dict[str, str] = {
    "confirm": "Bitte bestätigen Sie Ihre Anmeldung / Please confirm your registration",
    "registered": "Anmeldung bestätigt / Registration confirmed",
    "waitlist": "Sie stehen auf der Warteliste / You are on the waiting list",
    "promoted": "Ein Platz ist frei geworden – Sie sind angemeldet / A seat is yours",
    "cancelled": "Anmeldung storniert / Registration cancelled",
    "already_registered": "Sie sind bereits angemeldet / You are already registered",
    "reminder": "Erinnerung / Reminder",
    "event_cancelled": "Veranstaltung abgesagt / Event cancelled",
}


def absolute_url(municipality: Municipality, path: str, ctx: ServiceContext | None = None) -> str:
    return public_url(municipality, path, ctx)


def _mail(reg: Registration, kind: str, ctx: ServiceContext | None) -> None:
    """Queue one bilingual mail. Rendered after the commit, so the event lock is not held meanwhile."""
    transaction.on_commit(lambda: _render_and_send(reg.pk, kind, ctx))


def _render_and_send(reg_pk: int, kind: str, ctx: ServiceContext | None) -> None:
    reg = Registration.objects.select_related("event__municipality").filter(pk=reg_pk).first()
    if reg is None:  # deleted in the meantime (account deletion)
        return
    event = reg.event
    muni = event.municipality
    context = {
        "reg": reg,
        "event": event,
        "municipality": muni,
        "dates": list(event.dates.all()),
        "event_url": absolute_url(muni, reverse("events:detail", args=[event.pk]), ctx),
        "confirm_url": absolute_url(muni, reverse("events:confirm", args=[link_token(reg, "confirm")]), ctx),
        "cancel_url": absolute_url(
            muni, reverse("events:cancel_link", args=[link_token(reg, "cancel")]), ctx
        ),
        "ics_url": absolute_url(muni, reverse("events:event_ics", args=[event.pk]), ctx),
        "position": waitlist_position(reg),
        "ttl_hours": int(PENDING_TTL.total_seconds() // 3600),
    }
    body = render_to_string(f"events/email/{kind}.txt", context)
    send_email_after_commit(f"{SUBJECTS[kind]}: {event.title}", body, [reg.email])
