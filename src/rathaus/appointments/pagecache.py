"""Page cache declaration of the Terminvergabe (ADR 0017): its booking pages carry a form token and
are never shared, but the catalogue service page offers "Termin vereinbaren" from this setup, so a
change of it bumps "appointments". Bookings themselves bump nothing: no cached page shows them."""

from rathaus.core.pagecache.registry import register

from .models import Availability, BlockedDay, Counter, Location, OpeningHours, ServiceSetting

register(
    "appointments",
    models=[Location, OpeningHours, Counter, BlockedDay, ServiceSetting, Availability],
)
