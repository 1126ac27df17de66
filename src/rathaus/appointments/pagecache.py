"""Page cache declaration of the Terminvergabe (ADR 0017). The catalogue service page offers
"Termin vereinbaren" from this setup, so a change of it bumps "appointments"; its start page (the
bookable services) is a shared page. The booking page of a location (free times, a form token) is
cached for anonymous visitors with the token substituted per request (``private.form_page``): the
free times depend on the bookings too, so they bump "appointments.bookings" (left out of
``depends=ALL``: no dashboard shows bookings)."""

from rathaus.core.pagecache.registry import register

from .models import (
    Appointment,
    AppointmentItem,
    Availability,
    BlockedDay,
    Counter,
    Location,
    OpeningHours,
    ServiceSetting,
)

register(
    "appointments",
    models=[Location, OpeningHours, Counter, BlockedDay, ServiceSetting, Availability],
    pages=["appointments:start"],  # the list of bookable services (no form token)
    depends=["catalog"],
)
# Only the form pages of the Terminvergabe (form_page) show bookings: their free times.
register("appointments.bookings", models=[Appointment, AppointmentItem], private=True)
