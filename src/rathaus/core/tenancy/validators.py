"""Validation of official German keys (AGS, ARS) and theme colours."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

AGS_RE = re.compile(r"^\d{8}$")
ARS_RE = re.compile(r"^\d{12}$")
HEX_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# The first two digits of AGS and ARS are the Land (01 Schleswig-Holstein ... 16 Thüringen).
STATE_CODES = {f"{i:02d}" for i in range(1, 17)}


def validate_ags(value: str) -> None:
    if not AGS_RE.match(value or ""):
        raise ValidationError(
            _("Der Amtliche Gemeindeschlüssel (AGS) besteht aus genau 8 Ziffern."), code="ags_format"
        )
    if value[:2] not in STATE_CODES:
        raise ValidationError(
            _("Der AGS beginnt nicht mit einem gültigen Länderschlüssel (01–16)."), code="ags_state"
        )


def validate_ars(value: str) -> None:
    if not ARS_RE.match(value or ""):
        raise ValidationError(
            _("Der Amtliche Regionalschlüssel (ARS) besteht aus genau 12 Ziffern."), code="ars_format"
        )
    if value[:2] not in STATE_CODES:
        raise ValidationError(
            _("Der ARS beginnt nicht mit einem gültigen Länderschlüssel (01–16)."), code="ars_state"
        )


def ags_matches_ars(ags: str, ars: str) -> bool:
    """ARS = Land+Regierungsbezirk+Kreis (5) + Gemeindeverband (4) + Gemeinde (3); AGS lacks the 4."""
    return ars[:5] == ags[:5] and ars[9:] == ags[5:]


def validate_hex_colour(value: str) -> None:
    if not HEX_COLOUR_RE.match(value or ""):
        raise ValidationError(_("Bitte eine Farbe im Format #RRGGBB angeben."), code="colour_format")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def validate_brand_colour(value: str) -> None:
    """The brand colour is used for white text on buttons and links on white: WCAG AA needs 4.5:1."""
    validate_hex_colour(value)
    if contrast_ratio(value, "#ffffff") < 4.5:
        raise ValidationError(
            _("Die Farbe hat zu wenig Kontrast zu Weiß (%(ratio).1f:1, nötig sind 4,5:1)."),
            code="colour_contrast",
            params={"ratio": contrast_ratio(value, "#ffffff")},
        )
