"""DSGVO: a person's bookings exported with the account, erased with it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rathaus.consulting.models import (
    Booking,
)

if TYPE_CHECKING:
    from rathaus.core.accounts.models import User


def export_user_bookings(user: User) -> tuple[str, list[dict[str, str]]]:
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


def erase_user_bookings(user: User) -> None:
    """Account deletion: the person's bookings go; a booked future slot becomes free again."""
    Booking.objects.filter(rebooked_from__user=user).update(rebooked_from=None)
    Booking.objects.filter(user=user).delete()
