"""The API's input parser: JSON and query strings as ninja reads them, minus NUL characters.

A NUL character is valid JSON and valid in a query string, but no database column takes it
(PostgreSQL refuses it in text, SQLite cuts strings at it). Refusing it here, where every request of
the API is parsed, answers 422 instead of letting the database raise a 500.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.errors import ValidationError
from ninja.parser import Parser

NUL_MESSAGE = "NUL-Zeichen sind nicht erlaubt / NUL characters are not allowed"


def _nul_paths(value: Any, path: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if isinstance(key, str) and "\x00" in key:
                found.append((*path, key))
            found.extend(_nul_paths(item, (*path, key)))
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _nul_paths(item, (*path, i))]
    return []


def _refuse(paths: list[tuple[Any, ...]]) -> None:
    if paths:
        raise ValidationError([{"loc": list(p), "msg": NUL_MESSAGE, "type": "value_error"} for p in paths])


class SafeParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        _refuse(_nul_paths(data, ("body",)))
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, str], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        _refuse(_nul_paths(result, ("query",)))
        return result
