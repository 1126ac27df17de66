"""Page cache declaration of the Terminvergabe (ADR 0017): its booking pages carry a form token and
are never shared, but the catalogue service page offers "Termin vereinbaren" from this setup, so a
change of it bumps "appointments". Its start page (the bookable services) is cached; bookings bump
nothing: no cached page shows them."""

from rathaus.core.pagecache.registry import register

from .models import Availability, BlockedDay, Counter, Location, OpeningHours, ServiceSetting

register(
    "appointments",
    models=[Location, OpeningHours, Counter, BlockedDay, ServiceSetting, Availability],
    pages=["appointments:start"],  # the list of bookable services (no form token); the rest are forms
    depends=["catalog"],
)
