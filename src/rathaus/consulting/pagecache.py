"""Page cache declaration of the consulting appointments (ADR 0017)."""

from rathaus.core.pagecache.registry import register

from .models import Advisor, Booking, Slot, Topic

register("consulting", models=[Advisor, Topic, Slot, Booking], pages=["consulting:slot_list"])
