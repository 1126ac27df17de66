"""Public API of consulting appointments: every write, transactional and audited.

One module per use-case group; every public name is re-exported here (``services.book(...)``).

Limits (documented in docs/ by the lead; defined here):
- ``NEED_MAX_LENGTH`` characters for the description of the need (models.py),
- ``MAX_ACTIVE_BOOKINGS`` future bookings per person and municipality,
- ``CANCELLATION_DEADLINE`` before the start: until then a person may cancel or rebook,
- ``REMINDER_LEAD`` before the start the reminder goes out (once per booking),
- ``MAX_SERIES_WEEKS`` for a weekly series, ``BOOKING_HORIZON`` how far ahead slots may be published.
"""

from __future__ import annotations

from .advisors import save_advisor as save_advisor
from .advisors import save_topic as save_topic
from .base import BOOKING_HORIZON as BOOKING_HORIZON
from .base import CANCELLATION_DEADLINE as CANCELLATION_DEADLINE
from .base import MAX_ACTIVE_BOOKINGS as MAX_ACTIVE_BOOKINGS
from .base import MAX_DURATION as MAX_DURATION
from .base import MAX_SERIES_WEEKS as MAX_SERIES_WEEKS
from .base import MIN_DURATION as MIN_DURATION
from .base import REMINDER_LEAD as REMINDER_LEAD
from .base import ConsultingError as ConsultingError
from .base import advisor_of as advisor_of
from .base import is_verified as is_verified
from .booking import book as book
from .booking import can_cancel as can_cancel
from .booking import cancel_by_advisor as cancel_by_advisor
from .booking import cancel_by_person as cancel_by_person
from .booking import rebook as rebook
from .contact import PHONE_MAX_DIGITS as PHONE_MAX_DIGITS
from .contact import PHONE_MIN_DIGITS as PHONE_MIN_DIGITS
from .contact import clean_contact_email as clean_contact_email
from .contact import clean_phone as clean_phone
from .contact import contact_for as contact_for
from .dsgvo import erase_user_bookings as erase_user_bookings
from .dsgvo import export_user_bookings as export_user_bookings
from .guests import GUEST_CONFIRM_TTL as GUEST_CONFIRM_TTL
from .guests import MAX_PENDING_PER_GUEST as MAX_PENDING_PER_GUEST
from .guests import cancel_by_guest as cancel_by_guest
from .guests import confirm_guest as confirm_guest
from .guests import expire_guest_requests as expire_guest_requests
from .guests import request_as_guest as request_as_guest
from .reminders import due_reminders as due_reminders
from .reminders import send_reminders as send_reminders
from .slots import SeriesResult as SeriesResult
from .slots import publish_slots as publish_slots
from .slots import withdraw_slot as withdraw_slot

__all__ = [
    "BOOKING_HORIZON",
    "CANCELLATION_DEADLINE",
    "GUEST_CONFIRM_TTL",
    "MAX_ACTIVE_BOOKINGS",
    "MAX_DURATION",
    "MAX_PENDING_PER_GUEST",
    "MAX_SERIES_WEEKS",
    "MIN_DURATION",
    "PHONE_MAX_DIGITS",
    "PHONE_MIN_DIGITS",
    "REMINDER_LEAD",
    "ConsultingError",
    "SeriesResult",
    "advisor_of",
    "book",
    "can_cancel",
    "cancel_by_advisor",
    "cancel_by_guest",
    "cancel_by_person",
    "clean_contact_email",
    "clean_phone",
    "confirm_guest",
    "contact_for",
    "due_reminders",
    "erase_user_bookings",
    "expire_guest_requests",
    "export_user_bookings",
    "is_verified",
    "publish_slots",
    "rebook",
    "request_as_guest",
    "save_advisor",
    "save_topic",
    "send_reminders",
    "withdraw_slot",
]
