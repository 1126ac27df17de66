"""The API documentation as a server-rendered page of the portal.

django-ninja's Swagger UI failed the accessibility checks (47 contrast and 14 nested-interactive
violations, no ``lang``), needs JavaScript and an inline script. This page renders the same OpenAPI
document (the one served at /api/openapi.json) with the portal's template: headings per endpoint,
tables for parameters, responses and schemas, German first, usable without JavaScript.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

METHODS = ("get", "post", "put", "patch", "delete")


def type_label(schema: dict[str, Any] | None) -> str:
    """A short, readable type: ``string (date-time)``, ``array of EventOut``, ``integer | null``."""
    if not schema:
        return "–"
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            return " | ".join(type_label(s) for s in schema[combinator])
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {type_label(schema.get('items'))}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    if "enum" in schema:
        return f"{kind}: " + ", ".join(str(v) for v in schema["enum"])
    return str(kind)


def constraints(schema: dict[str, Any]) -> str:
    parts = []
    for key, label in (
        ("minimum", "≥"),
        ("maximum", "≤"),
        ("minLength", "min. length"),
        ("maxLength", "max. length"),
        ("pattern", "pattern"),
        ("default", "default"),
    ):
        if key in schema:
            value = schema[key]
            parts.append(f"{label} {json.dumps(value, ensure_ascii=False) if key == 'default' else value}")
    return ", ".join(parts)


def _content_type(content: dict[str, Any]) -> tuple[str, str]:
    for media_type, body in content.items():
        return media_type, type_label(body.get("schema"))
    return "", "–"


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    authenticated: bool
    parameters: list[dict[str, Any]] = field(default_factory=list)
    body: tuple[str, str] | None = None
    responses: list[dict[str, str]] = field(default_factory=list)


def operations(spec: dict[str, Any]) -> list[tuple[str, list[Operation]]]:
    """The operations grouped by their first path segment after the version (events, services ...)."""
    groups: dict[str, list[Operation]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [
                {
                    "name": p["name"],
                    "in": p.get("in", ""),
                    "type": type_label(p.get("schema")),
                    "constraints": constraints(p.get("schema", {})),
                    "required": bool(p.get("required")),
                    "description": p.get("description", ""),
                }
                for p in op.get("parameters", [])
            ]
            body = _content_type(op["requestBody"].get("content", {})) if "requestBody" in op else None
            responses = []
            for status, response in op.get("responses", {}).items():
                _media_type, type_ = _content_type(response.get("content", {}))
                responses.append(
                    {"status": status, "description": response.get("description", ""), "type": type_}
                )
            segments = [s for s in path.split("/") if s and s not in {"api", "v1"}]
            group = segments[0] if segments else "api"
            groups.setdefault(group, []).append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
                    anchor=op.get("operationId", f"{method}-{path}"),
                    authenticated=bool(op.get("security")),
                    parameters=params,
                    body=body,
                    responses=responses,
                )
            )
    return sorted(groups.items())


def schemas(spec: dict[str, Any]) -> list[dict[str, Any]]:
    result = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        result.append(
            {
                "name": name,
                "description": schema.get("description", ""),
                "properties": [
                    {
                        "name": prop,
                        "type": type_label(sub),
                        "constraints": constraints(sub),
                        "required": prop in required,
                        "description": sub.get("description", ""),
                    }
                    for prop, sub in schema.get("properties", {}).items()
                ],
            }
        )
    return result


class PortalDocs(DocsBase):
    """ninja's docs hook: render the OpenAPI document with the portal's own template."""

    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        spec = api.get_openapi_schema(path_params=kwargs)
        context = {
            "spec": spec,
            "openapi_url": self.get_openapi_url(api, kwargs),
            "groups": operations(spec),
            "schemas": schemas(spec),
        }
        return render(request, self.template, context)
