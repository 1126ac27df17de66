"""Thin helpers around allauth.mfa for seeding demo accounts and for tests."""

from __future__ import annotations

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt

from .models import User


def activate_totp(user: User, secret_b32: str) -> Authenticator:
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return existing
    return TOTP.activate(user, secret_b32).instance


def current_totp_code(user: User, *, offset_periods: int = 0) -> str:
    auth = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(auth.data["secret"])
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + offset_periods
    return str(format_hotp_value(hotp_value(secret, counter)))
