"""Page cache declaration of the digital hub (ADR 0017): its pages show consulting and events too."""

from rathaus.core.pagecache.registry import register

from .models import Booking, ClosingDay, Location, OpeningHours, Resource, ResourceGroup

register(
    "hub",
    models=[Location, OpeningHours, ClosingDay, ResourceGroup, Resource, Booking],
    pages=["hub:index", "hub:location"],
    depends=["consulting", "events"],
)
