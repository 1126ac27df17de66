"""Public API of the Terminvergabe: every write, transactional and audited.

Flow: ``request_appointment`` — an account holder with a verified address books at once; a guest
gets a confirmation link by e-mail and nothing is held until he follows it (``confirm``), so bots
cannot drain slots (plus the rate limits in the views and ``MAX_PENDING_PER_EMAIL``). Unconfirmed
requests expire after ``CONFIRM_TTL`` (``expire_pending``, a scheduled job). Every booked appointment
has a secret manage link (cancel, rebook, .ics) and gets a reminder ``REMINDER_LEAD`` before.

The booking itself (``_book_locked``): recompute the free (counter, staff) pairs for the start inside
the transaction and take the first whose UPDATE the database accepts. SQLite: the IMMEDIATE
transaction holds the write lock, so the recomputation sees every commit. PostgreSQL: the exclusion
constraints of migration 0002 refuse an overlapping counter, staff member or person; the loser of a
race tries the next pair inside a savepoint and is refused cleanly when none is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.forms import ModelForm
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.core import appointments as engine
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.tasks import send_email_after_commit
from rathaus.core.tenancy.models import Municipality, TenantOwned
from rathaus.core.tenancy.services import public_url

from . import queries
from .models import Appointment, AppointmentItem, Location, Status
from .queries import Choice

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rathaus.core.accounts.models import User

CONFIRM_TTL = timedelta(minutes=30)
MAX_PENDING_PER_EMAIL = 3  # open (unconfirmed) requests per address and municipality
MAX_BOOKED_PER_PERSON = 4  # future appointments per person and municipality
CANCELLATION_DEADLINE = timedelta(hours=2)
REMINDER_LEAD = timedelta(hours=24)
NAME_MAX = 150
PHONE_MAX = 30

COUNTER_CONSTRAINT = "appointments_counter_no_overlap"
STAFF_CONSTRAINT = "appointments_staff_no_overlap"
PERSON_CONSTRAINT = "appointments_person_no_overlap"


class AppointmentError(Exception):
    """A rule was broken; ``message`` is for the person (translated), ``code`` for tests."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _taken() -> AppointmentError:
    return AppointmentError(
        "taken", _("Diese Zeit ist leider nicht mehr frei. Bitte wählen Sie eine andere.")
    )


def _overlap() -> AppointmentError:
    return AppointmentError("person_overlap", _("Sie haben zu dieser Zeit bereits einen anderen Termin."))


def is_verified(user: User | AnonymousUser | None) -> bool:
    """A signed-in person with a verified e-mail address (books without confirming by mail)."""
    if user is None or not user.is_authenticated:
        return False
    verified: bool = EmailAddress.objects.filter(user=user, verified=True).exists()
    return verified


def person_key(user: User | None, email: str) -> str:
    """Who an appointment belongs to for the per-person limits: the account, else the address."""
    if user is not None:
        return f"u:{user.pk}"
    return f"e:{email.strip().lower()}"


# --- Checks -----------------------------------------------------------------------------------------


def check_choices(location: Location, choices: Sequence[Choice]) -> None:
    if not choices:
        raise AppointmentError("no_service", _("Bitte wählen Sie mindestens eine Leistung."))
    if len(choices) > queries.MAX_SERVICES:
        raise AppointmentError(
            "too_many",
            _("Höchstens %(n)s verschiedene Leistungen in einem Termin.") % {"n": queries.MAX_SERVICES},
        )
    seen = set()
    for c in choices:
        s = c.setting
        if (
            s.municipality_id != location.municipality_id
            or s.location_id != location.pk
            or not s.is_bookable
            or s.pk in seen
        ):
            raise AppointmentError("service", _("Diese Leistung kann hier nicht gebucht werden."))
        seen.add(s.pk)
        if not 1 <= c.quantity <= s.max_quantity:
            raise AppointmentError(
                "quantity",
                _("„%(name)s“ können Sie höchstens %(n)s-mal in einem Termin buchen.")
                % {"name": s.service.name, "n": s.max_quantity},
            )
    if queries.total_duration(choices) > queries.MAX_TOTAL:
        raise AppointmentError("too_long", _("Ein Termin darf höchstens 3 Stunden dauern."))


def _clean_contact(name: str, email: str, phone: str) -> tuple[str, str, str]:
    name = " ".join((name or "").split())
    email = (email or "").strip()
    phone = " ".join((phone or "").split())
    if not name:
        raise AppointmentError("name", _("Bitte geben Sie Ihren Namen an."))
    if len(name) > NAME_MAX:
        raise AppointmentError("name", _("Der Name ist zu lang."))
    try:
        validate_email(email)
    except ValidationError as exc:
        raise AppointmentError("email", _("Bitte geben Sie eine gültige E-Mail-Adresse an.")) from exc
    if len(phone) > PHONE_MAX:
        raise AppointmentError("phone", _("Die Telefonnummer ist zu lang."))
    return name, email, phone


def _check_person(municipality_id: int, key: str, start: datetime, end: datetime, ignore: int | None) -> None:
    now = timezone.now()
    mine = Appointment.objects.filter(
        municipality_id=municipality_id, person_key=key, status=Status.BOOKED, starts_at__gt=now
    )
    if ignore:
        mine = mine.exclude(pk=ignore)
    if mine.filter(starts_at__lt=end, ends_at__gt=start).exists():
        raise _overlap()
    if mine.count() >= MAX_BOOKED_PER_PERSON:
        raise AppointmentError(
            "limit",
            _("Sie haben bereits %(n)s offene Termine. Bitte sagen Sie erst einen ab.")
            % {"n": MAX_BOOKED_PER_PERSON},
        )


# --- Requesting and booking -----------------------------------------------------------------------


def request_appointment(
    location: Location,
    choices: Sequence[Choice],
    start: datetime,
    *,
    ctx: ServiceContext,
    name: str = "",
    email: str = "",
    phone: str = "",
) -> tuple[Appointment, str]:
    """Book (``ctx.actor`` with a verified address) or ask a guest to confirm by e-mail.

    Returns the appointment and the secret of its link: the manage token when booked, the confirm
    token when pending (both are also mailed)."""
    check_choices(location, choices)
    now = timezone.now()
    if start <= now:
        raise AppointmentError("past", _("Diese Zeit liegt in der Vergangenheit."))
    if start < queries.earliest_start(choices, now):
        raise AppointmentError("lead", _("Diese Zeit ist zu kurzfristig. Bitte wählen Sie eine spätere."))
    user = ctx.actor if is_verified(ctx.actor) else None
    account = user is not None
    if user is not None:
        name = name or user.get_full_name() or user.email
        email = user.email
    name, email, phone = _clean_contact(name, email, phone)
    key = person_key(user, email)
    end = start + queries.total_duration(choices)
    with transaction.atomic():
        if not account:
            open_requests = Appointment.objects.filter(
                municipality_id=location.municipality_id,
                person_key=key,
                status=Status.PENDING,
                confirm_expires_at__gt=now,
            ).count()
            if open_requests >= MAX_PENDING_PER_EMAIL:
                raise AppointmentError(
                    "pending_limit",
                    _(
                        "Für diese E-Mail-Adresse warten schon mehrere Anfragen auf Bestätigung. "
                        "Bitte sehen Sie in Ihr Postfach."
                    ),
                )
        if not queries.options_at(location, choices, start):
            raise _taken()
        appt = Appointment.objects.create(
            municipality_id=location.municipality_id,
            location=location,
            starts_at=start,
            ends_at=end,
            blocked_until=end + timedelta(minutes=location.buffer_minutes),
            status=Status.PENDING,
            user=user,
            name=name,
            email=email,
            phone=phone,
            person_key=key,
        )
        AppointmentItem.objects.bulk_create(
            [AppointmentItem(appointment=appt, setting=c.setting, quantity=c.quantity) for c in choices]
        )
        if account:
            token = _book_locked(appt, choices)
            audit.record("appointments.booked", ctx=ctx, actor=user, municipality=appt.municipality, obj=appt)
            _mail(appt, "booked", token)
            return appt, token
        token = engine.new_token()
        appt.confirm_hash = engine.token_hash(token)
        appt.confirm_expires_at = now + CONFIRM_TTL
        appt.save(update_fields=["confirm_hash", "confirm_expires_at"])
        audit.record("appointments.requested", ctx=ctx, municipality=appt.municipality, obj=appt)
        _mail(appt, "confirm", token)
    return appt, token


def _choices_of(appt: Appointment) -> list[Choice]:
    return [Choice(i.setting, i.quantity) for i in appt.items.select_related("setting__service", "setting")]


def _book_locked(appt: Appointment, choices: Sequence[Choice], *, ignore: Appointment | None = None) -> str:
    """Inside a transaction: pick a free counter and staff member for ``appt`` and mark it booked.

    Returns the new manage token. Raises AppointmentError when taken or overlapping."""
    _check_person(
        appt.municipality_id, appt.person_key, appt.starts_at, appt.ends_at, ignore.pk if ignore else None
    )
    options = queries.options_at(appt.location, choices, appt.starts_at, ignore=ignore)
    if not options:
        raise _taken()
    token = engine.new_token()
    for counter_id, staff_id in options:
        try:
            with transaction.atomic():  # savepoint: the exclusion constraints are the last word
                Appointment.objects.filter(pk=appt.pk).update(
                    counter_id=counter_id,
                    staff_id=staff_id,
                    status=Status.BOOKED,
                    manage_hash=engine.token_hash(token),
                    confirm_expires_at=None,  # the confirm link stays: a second click says "already"
                )
        except IntegrityError as exc:
            if engine.violated(exc, PERSON_CONSTRAINT):
                raise _overlap() from exc
            continue  # this counter or person was taken a moment ago: try the next pair
        appt.refresh_from_db()
        return token
    raise _taken()


def confirm(appt: Appointment, *, ctx: ServiceContext) -> str:
    """A guest followed the link: book the requested time if it is still free. Returns the manage token."""
    with transaction.atomic():
        locked = (
            Appointment.objects.select_for_update().select_related("location", "municipality").get(pk=appt.pk)
        )
        if locked.status == Status.BOOKED:
            raise AppointmentError(
                "already",
                _("Dieser Termin ist bereits bestätigt. Den Link zum Verwalten finden Sie in Ihrer E-Mail."),
            )
        if (
            locked.status != Status.PENDING
            or not locked.confirm_expires_at
            or locked.confirm_expires_at <= timezone.now()
        ):
            raise AppointmentError(
                "expired", _("Dieser Bestätigungslink ist abgelaufen. Bitte wählen Sie erneut einen Termin.")
            )
        if locked.starts_at <= timezone.now():
            raise AppointmentError("past", _("Diese Zeit liegt in der Vergangenheit."))
        token = _book_locked(locked, _choices_of(locked))
        audit.record("appointments.confirmed", ctx=ctx, municipality=locked.municipality, obj=locked)
        _mail(locked, "booked", token)
    appt.refresh_from_db()
    return token


def can_change(appt: Appointment, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return appt.status == Status.BOOKED and appt.starts_at - CANCELLATION_DEADLINE > now


def _deadline() -> AppointmentError:
    return AppointmentError(
        "deadline",
        _("Absagen und Umbuchen sind nur bis 2 Stunden vor dem Termin möglich. Bitte rufen Sie uns an."),
    )


def cancel(appt: Appointment, *, ctx: ServiceContext, by_staff: bool = False) -> None:
    """Cancel a booked appointment: the person (manage link, "Meine Termine") until the deadline,
    staff (``by_staff``) at any time."""
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appt.pk)
        if locked.status != Status.BOOKED:
            raise AppointmentError("not_booked", _("Dieser Termin ist nicht (mehr) gebucht."))
        if not by_staff and not can_change(locked):
            raise _deadline()
        locked.status = Status.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["status", "cancelled_at"])
        audit.record(
            "appointments.cancelled",
            ctx=ctx,
            municipality=locked.municipality,
            obj=locked,
            changes={"by_staff": by_staff},
        )
        _mail(locked, "cancelled_by_staff" if by_staff else "cancelled")
    appt.refresh_from_db()


def rebook(appt: Appointment, new_start: datetime, *, ctx: ServiceContext) -> tuple[Appointment, str]:
    """Move a booked appointment to another free time: both happen, or neither."""
    with transaction.atomic():
        old = (
            Appointment.objects.select_for_update().select_related("location", "municipality").get(pk=appt.pk)
        )
        if old.status != Status.BOOKED:
            raise AppointmentError("not_booked", _("Dieser Termin ist nicht (mehr) gebucht."))
        if not can_change(old):
            raise _deadline()
        choices = _choices_of(old)
        now = timezone.now()
        if new_start == old.starts_at:
            raise AppointmentError("same", _("Bitte wählen Sie eine andere Zeit."))
        if new_start <= now or new_start < queries.earliest_start(choices, now):
            raise AppointmentError("lead", _("Diese Zeit ist zu kurzfristig. Bitte wählen Sie eine spätere."))
        old.status = Status.CANCELLED
        old.cancelled_at = now
        old.save(update_fields=["status", "cancelled_at"])
        end = new_start + queries.total_duration(choices)
        new = Appointment.objects.create(
            municipality_id=old.municipality_id,
            location=old.location,
            starts_at=new_start,
            ends_at=end,
            blocked_until=end + timedelta(minutes=old.location.buffer_minutes),
            status=Status.PENDING,
            user=old.user,
            name=old.name,
            email=old.email,
            phone=old.phone,
            person_key=old.person_key,
            rebooked_from=old,
        )
        AppointmentItem.objects.bulk_create(
            [AppointmentItem(appointment=new, setting=c.setting, quantity=c.quantity) for c in choices]
        )
        token = _book_locked(new, choices)
        audit.record(
            "appointments.rebooked",
            ctx=ctx,
            municipality=new.municipality,
            obj=new,
            changes={"from": old.pk},
        )
        _mail(new, "rebooked", token, previous=old)
    return new, token


def mark_no_show(appt: Appointment, *, ctx: ServiceContext) -> None:
    """Staff note that the person did not come (from the start of the appointment on)."""
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appt.pk)
        if locked.status != Status.BOOKED:
            raise AppointmentError("not_booked", _("Dieser Termin ist nicht (mehr) gebucht."))
        if locked.starts_at > timezone.now():
            raise AppointmentError(
                "future", _("„Nicht erschienen“ kann erst ab Terminbeginn vermerkt werden.")
            )
        locked.status = Status.NO_SHOW
        locked.no_show_marked_by = ctx.actor
        locked.save(update_fields=["status", "no_show_marked_by"])
        audit.record("appointments.no_show", ctx=ctx, municipality=locked.municipality, obj=locked)
    appt.refresh_from_db()


# --- Scheduled jobs -------------------------------------------------------------------------------


def expire_pending(municipality: Municipality, now: datetime | None = None) -> int:
    """Unconfirmed requests past their time: expired, and their contact data removed."""
    now = now or timezone.now()
    return (
        Appointment.objects.for_tenant(municipality)
        .filter(status=Status.PENDING, confirm_expires_at__lte=now)
        .update(status=Status.EXPIRED, confirm_hash="", name="-", email="expired@invalid", phone="")
    )


def send_reminders(municipality: Municipality, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = Appointment.objects.for_tenant(municipality).filter(
        status=Status.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_LEAD,
    )

    def send(pk: int) -> None:
        _mail(Appointment.objects.select_related("location", "municipality").get(pk=pk), "reminder")

    return engine.send_due_reminders(
        due,
        lambda pk: Appointment.objects.filter(pk=pk, status=Status.BOOKED, reminder_sent_at__isnull=True),
        send,
        now,
    )


def run_periodic(municipality: Municipality) -> int:
    return expire_pending(municipality) + send_reminders(municipality)


# --- Mails and calendar ---------------------------------------------------------------------------

_SUBJECTS = {
    "confirm": "Bitte bestätigen Sie Ihren Termin / Please confirm your appointment",
    "booked": "Termin bestätigt / Appointment confirmed",
    "rebooked": "Termin umgebucht / Appointment moved",
    "cancelled": "Termin abgesagt / Appointment cancelled",
    "cancelled_by_staff": "Termin abgesagt / Appointment cancelled",
    "reminder": "Erinnerung an Ihren Termin / Appointment reminder",
}


def _mail(appt: Appointment, kind: str, token: str = "", previous: Appointment | None = None) -> None:
    from django.urls import reverse

    muni = appt.municipality
    link = ""
    if kind == "confirm":
        link = public_url(muni, reverse("appointments:confirm", args=[token]))
    elif token:
        link = public_url(muni, reverse("appointments:manage", args=[token]))
    context = {
        "appointment": appt,
        "items": list(appt.items.select_related("setting__service")),
        "municipality": muni,
        "kind": kind,
        "link": link,
        "start": timezone.localtime(appt.starts_at),
        "end": timezone.localtime(appt.ends_at),
        "previous_start": timezone.localtime(previous.starts_at) if previous else None,
        "expires": timezone.localtime(appt.confirm_expires_at) if appt.confirm_expires_at else None,
    }
    send_email_after_commit(
        f"{muni.name}: {_SUBJECTS[kind]}",
        render_to_string("appointments/email/person.txt", context),
        [appt.email],
    )


def appointment_ics(appt: Appointment, host: str) -> bytes:
    items = list(appt.items.select_related("setting__service"))
    names = ", ".join(
        f"{i.quantity} × {i.setting.service.name}" if i.quantity > 1 else i.setting.service.name
        for i in items
    )
    location = appt.location.name + (f", {appt.location.address}" if appt.location.address else "")
    return engine.calendar(
        uid=f"appointment-{appt.pk}@{host}",
        start=appt.starts_at,
        end=appt.ends_at,
        summary=f"{appt.location.name}: {names}",
        description=[
            f"Leistungen / services: {names}",
            f"Schalter / counter: {appt.counter.name}" if appt.counter else "",
            "Bitte mitbringen: siehe Bestätigungs-E-Mail / what to bring: see confirmation e-mail",
            appt.municipality.name,
        ],
        location=" ".join(location.split()),
        cancelled=appt.status != Status.BOOKED,
        prodid="-//Rathaus//Terminvergabe//DE",
    )


# --- DSGVO ----------------------------------------------------------------------------------------


def export_user_appointments(user: User) -> tuple[str, list[dict[str, Any]]]:
    rows = Appointment.objects.filter(user=user).select_related("location", "municipality")
    return (
        "appointments",
        [
            {
                "municipality": a.municipality.name,
                "location": a.location.name,
                "starts_at": a.starts_at.isoformat(),
                "status": a.status,
                "name": a.name,
                "email": a.email,
                "phone": a.phone,
                "services": [i.setting.service.name for i in a.items.select_related("setting__service")],
            }
            for a in rows
        ],
    )


def erase_user_appointments(user: User) -> None:
    Appointment.objects.filter(rebooked_from__user=user).update(rebooked_from=None)
    Appointment.objects.filter(user=user).delete()


# --- Setup by staff (Einrichtung) --------------------------------------------------------------


def save_setup(ctx: ServiceContext, kind: str, form: ModelForm[TenantOwned]) -> TenantOwned:
    """Save a validated setup form (location, counter, hours, blocked day, service setting,
    availability) of ``ctx.municipality`` and record who changed what."""
    created = form.instance.pk is None
    with transaction.atomic():
        obj = form.save()
        audit.record(
            f"appointments.setup.{kind}.{'created' if created else 'changed'}",
            ctx=ctx,
            obj=obj,
            changes={"fields": sorted(form.changed_data)},
        )
    return obj


def delete_setup(ctx: ServiceContext, kind: str, obj: TenantOwned) -> None:
    """Delete a setup object; refused while booked appointments still refer to it."""
    from django.db.models import ProtectedError

    try:
        with transaction.atomic():
            audit.record(f"appointments.setup.{kind}.deleted", ctx=ctx, obj=obj)
            obj.delete()
    except ProtectedError:
        raise AppointmentError(
            "protected",
            _(
                "Das lässt sich nicht löschen, solange Termine darauf verweisen. "
                "Setzen Sie es stattdessen inaktiv."
            ),
        ) from None
