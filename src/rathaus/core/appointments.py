"""The appointment engine shared by consulting (published slots) and Terminvergabe (computed slots).

No models here: the parts every appointment module needs, in one place —

- interval arithmetic and the computation of free start times from opening windows, busy times,
  duration, step and buffer (``free_starts``; Terminvergabe computes its slots with it),
- the iCalendar export of one appointment (``calendar``),
- reminders claimed exactly once by a conditional UPDATE (``send_due_reminders``),
- secret links for guests (``new_token`` / ``token_hash``: only the hash is stored),
- recognising a violated database guarantee (``violated``: the PostgreSQL exclusion or unique
  constraint behind "never booked twice").

The database guarantee itself lives in each module's migration (PostgreSQL exclusion constraints on
(resource, tstzrange), as the Digital Hub does); on SQLite the booking services re-check inside the
write transaction (BEGIN IMMEDIATE, see settings), which serialises all writers.
"""

from __future__ import annotations

import bisect
import hashlib
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from icalendar import Calendar, Event, vText

Interval = tuple[datetime, datetime]


# --- Intervals and free start times -----------------------------------------------------------------


def local_interval(day: date, start: time, end: time, tz: Any = None) -> Interval:
    """The aware interval of ``start``–``end`` local wall-clock time on ``day`` (DST-correct)."""
    tz = tz or timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(day, start), tz),
        timezone.make_aware(datetime.combine(day, end), tz),
    )


def intersect(a: Interval, b: Interval) -> Interval | None:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if start < end else None


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping union of the intervals."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def overlapping(busy: Sequence[Interval], window: Interval) -> Sequence[Interval]:
    """The part of a ``merge``d busy list that touches ``window`` (two binary searches): a month of
    busy times shrinks to the few of one day before ``free_starts`` walks them."""
    lo = bisect.bisect_right(busy, window[0], key=lambda b: b[1])
    hi = bisect.bisect_left(busy, window[1], key=lambda b: b[0])
    return busy[lo:hi] if lo < hi else ()


def free_starts(
    window: Interval,
    busy: Sequence[Interval],
    *,
    duration: timedelta,
    step: timedelta,
    buffer: timedelta = timedelta(0),
    earliest: datetime | None = None,
) -> list[datetime]:
    """Start times in ``window`` (on the ``step`` grid from the window's start) where an appointment
    of ``duration`` fits before the window closes and [start, start + duration + buffer) overlaps
    none of ``busy`` (which must be ``merge``d: sorted and disjoint; the busy times of existing
    appointments include their own buffer). Not before ``earliest``."""
    if duration <= timedelta(0) or step <= timedelta(0):
        raise ValueError("duration and step must be positive")
    w_start, w_end = window
    start = w_start
    if earliest is not None and earliest > start:
        steps = -(-(earliest - w_start) // step)  # ceil
        start = w_start + steps * step
    ends = [b[1] for b in busy]
    out = []
    while start + duration <= w_end:
        occupied_until = start + duration + buffer
        # first busy interval that ends after ``start``: the only one that can overlap
        i = bisect.bisect_right(ends, start)
        if i < len(busy) and busy[i][0] < occupied_until:
            # jump to the first grid point at or after the end of that busy interval
            gap = busy[i][1] - w_start
            start = w_start + (-(-gap // step)) * step
            continue
        out.append(start)
        start += step
    return out


# --- iCalendar ----------------------------------------------------------------------------------


def calendar(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    description: Sequence[str],
    location: str = "",
    cancelled: bool = False,
    prodid: str = "-//Rathaus//Termine//DE",
) -> bytes:
    """One appointment as an RFC 5545 calendar (times in Europe/Berlin with their VTIMEZONE)."""
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", timezone.localtime(start))
    event.add("dtend", timezone.localtime(end))
    event.add("summary", summary)
    if location:
        event.add("location", vText(location))
    event.add("description", "\n".join(description))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


# --- Reminders ------------------------------------------------------------------------------------


def send_due_reminders(
    due: QuerySet[Any], claimable: Callable[[int], QuerySet[Any]], send: Callable[[int], None], now: datetime
) -> int:
    """Send each due reminder exactly once, even with two runners at the same time.

    ``due`` yields the candidates' primary keys; ``claimable(pk)`` is the queryset that still
    qualifies (active, not yet reminded): its conditional UPDATE of ``reminder_sent_at`` claims the
    reminder, so a second runner updates 0 rows and sends nothing. ``send(pk)`` runs in the same
    transaction (mails go out after commit)."""
    sent = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            if not claimable(pk).update(reminder_sent_at=now):
                continue
            send(pk)
            sent += 1
    return sent


# --- Secret links ---------------------------------------------------------------------------------

TOKEN_BYTES = 32


def new_token() -> str:
    """A random URL-safe secret for a link (confirm, manage); store only ``token_hash`` of it."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


# --- Database guarantees --------------------------------------------------------------------------


def violated(exc: BaseException, *names: str) -> bool:
    """Whether the IntegrityError ``exc`` names one of the constraints ``names``."""
    text = str(exc)
    cause = getattr(exc, "__cause__", None)
    diag = getattr(cause, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    return any(n == constraint or n in text for n in names)


def lock_rows(model: type[Model], pks: Iterable[int]) -> None:
    """Row locks (PostgreSQL) in primary-key order, so two writers cannot deadlock; on SQLite the
    IMMEDIATE transaction holds the database's write lock already and this is a plain read."""
    list(model._default_manager.select_for_update().filter(pk__in=sorted(set(pks))).values_list("pk"))
