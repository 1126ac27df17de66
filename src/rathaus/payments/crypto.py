"""Provider secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key derived by HKDF from
RATHAUS_PAYMENT_KEY (or, if unset, SECRET_KEY). A secret is written once and never shown again."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _fernet() -> Fernet:
    material = (getattr(settings, "RATHAUS_PAYMENT_KEY", "") or settings.SECRET_KEY).encode()
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"rathaus.payments", info=b"provider-secrets"
    ).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str:
    """The secret, or "" when there is none or the key has changed (the admin enters it again)."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
