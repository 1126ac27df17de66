"""Guest links: the secret token an applicant without an account follows to their case."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from rathaus.cases.models import (
    Application,
)
from rathaus.core.tenancy.models import Municipality


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_guest_token() -> tuple[str, str]:
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def application_for_guest(municipality: Municipality, raw: str) -> Application | None:
    """The application whose secret link carries ``raw`` (hash looked up, then compared in constant time)."""
    if not raw or len(raw) < 20 or len(raw) > 100:
        return None
    digest = hash_token(raw)
    app: Application | None = (
        Application.objects.for_tenant(municipality).filter(guest_token_hash=digest).first()
    )
    if app is None or not hmac.compare_digest(app.guest_token_hash, digest):
        return None
    return app
