from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .core_api import router as core_router
from .docs import PortalDocs
from .parser import SafeParser
from .schemas import ErrorOut

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


class RathausAPI(NinjaAPI):
    """The answers that the exception handlers below give are part of every operation's contract.

    Every operation with an API token documents 401, every operation with a body documents 400, every
    operation that takes input documents 422 (all answered with ErrorOut by the handlers at the end
    of this module). Declaring them here once keeps the document exact without repeating them in
    every route.
    """

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                if operation.get("security"):
                    responses.setdefault(
                        401, _error("Nicht angemeldet oder Token ungültig / not authenticated")
                    )
                if operation.get("requestBody"):
                    responses.setdefault(400, _error("Inhalt ist kein gültiges JSON / malformed body"))
                if operation.get("parameters") or operation.get("requestBody"):
                    responses.setdefault(422, _error("Ungültige Eingabe / invalid input"))
        schema.setdefault("components", {}).setdefault("schemas", {}).setdefault("ErrorOut", ERROR_SCHEMA)
        return schema


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


ERROR_SCHEMA = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")

api = RathausAPI(
    title="Rathaus API",
    version="1",
    description="Schnittstellen der Kommune. Öffentliche Lesezugriffe ohne Anmeldung; "
    "Server-zu-Server-Zugriffe mit API-Token (Authorization: Bearer).",
    urls_namespace="api",
    docs_url="/docs",
    docs=PortalDocs(),
    parser=SafeParser(),
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


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps every failure of the body parser in 400 "Cannot parse request body": a body that our
    # parser refused (NUL characters) is invalid input (422), anything else is not JSON (bilingual 400).
    if isinstance(exc.__cause__, ValidationError):
        return _invalid(request, exc.__cause__)
    detail = "Inhalt ist kein gültiges JSON / malformed body" if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)
