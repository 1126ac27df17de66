from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from rathaus.core.accounts import services as accounts


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer rh_…``: a token of the municipality whose host is called."""

    openapi_description = "API-Token der Kommune (Verwaltung → API-Tokens)"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return accounts.authenticate_token(token, getattr(request, "municipality", None))
