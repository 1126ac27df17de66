from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from .core_api import router as core_router

api = NinjaAPI(
    title="Rathaus API",
    version="1",
    description="Schnittstellen der Kommune. Öffentliche Lesezugriffe ohne Anmeldung; "
    "Server-zu-Server-Zugriffe mit API-Token (Authorization: Bearer).",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/v1", core_router)
api.add_router("/v1/events", "rathaus.events.api.router")
api.add_router("/v1/services", "rathaus.catalog.api.router")
api.add_router("/v1/submissions", "rathaus.cases.api.router")


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Nicht angemeldet oder Token ungültig / not authenticated"}, status=401
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Ungültige Eingabe / invalid input", "errors": exc.errors}, status=422
    )
