from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from rathaus.core.accounts import services as accounts
from rathaus.core.accounts.models import ApiToken
from rathaus.core.tenancy.types import RathausRequest


class TokenRequest(RathausRequest):
    """A request ``ApiTokenAuth`` let through: django-ninja sets ``request.auth`` to the token
    (for type checking only, like RathausRequest)."""

    auth: ApiToken


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer rh_…``: a token of the municipality whose host is called."""

    openapi_description = "API-Token der Kommune (Verwaltung → API-Tokens)"

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return accounts.authenticate_token(token, getattr(request, "municipality", None))
