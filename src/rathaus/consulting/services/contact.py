"""The contact a form of consultation needs: a telephone number, an address for the video link."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from rathaus.consulting.models import (
    PHONE_MAX_LENGTH,
    Mode,
)

from .base import ConsultingError

_PHONE_CHARS = re.compile(r"^\+?[0-9][0-9 ()/.\-]*$")
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 6, 15  # 15: the longest number E.164 allows


def clean_phone(value: str) -> str:
    """A telephone number to call: digits with the usual separators, optionally +country code."""
    phone = " ".join((value or "").split())
    if not phone:
        raise ConsultingError(
            "phone_missing", _("Bitte geben Sie eine Telefonnummer an, unter der wir Sie anrufen können.")
        )
    digits = sum(ch.isdigit() for ch in phone)
    if (
        len(phone) > PHONE_MAX_LENGTH
        or not _PHONE_CHARS.match(phone)
        or not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS
    ):
        raise ConsultingError(
            "phone_invalid",
            _(
                "Bitte geben Sie eine gültige Telefonnummer an, "
                "zum Beispiel 03441 123456 oder +49 3441 123456."
            ),
        )
    return phone


def clean_contact_email(value: str) -> str:
    email = (value or "").strip()
    if not email:
        raise ConsultingError(
            "email_missing",
            _("Bitte geben Sie eine E-Mail-Adresse an, an die wir den Link zur Videoberatung senden."),
        )
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ConsultingError("email_invalid", _("Bitte geben Sie eine gültige E-Mail-Adresse an.")) from exc
    return email


def contact_for(mode: str, phone: str = "", email: str = "") -> tuple[str, str]:
    """(phone, e-mail) to store for a booking of a slot in ``mode``: telephone consultations need a
    number, online (video) consultations an address for the link, on site needs nothing (and
    nothing is kept that the form does not need)."""
    if mode == Mode.PHONE:
        return clean_phone(phone), ""
    if mode == Mode.ONLINE:
        return "", clean_contact_email(email)
    return "", ""
