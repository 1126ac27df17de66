"""Date and time formats per language: rathaus/formats/<lang>/formats.py (FORMAT_MODULE_PATH).

Code and templates name a format instead of writing a pattern, so that dates follow the language:
Django's names (DATE_FORMAT, SHORT_DATETIME_FORMAT ...) through `|date` / `formats.date_format`, the
portal's own names (WEEKDAY_DATE_FORMAT, CLOCK_FORMAT ...) through `|localdate` (templatetags `kern`) or
`localize(value, name)` here.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import dateformat, formats, timezone
from django.utils.translation import get_language


class UnknownFormat(ValueError):
    pass


def named_format(name: str) -> str:
    """The pattern a format name stands for in the active language.

    An unknown name is an error, never used as a pattern: nobody should write "d.m.Y" in a template.
    """
    for module in formats.get_format_modules(get_language()):
        pattern = getattr(module, name, None)
        if isinstance(pattern, str):
            return pattern
    if name in formats.FORMAT_SETTINGS:
        return str(formats.get_format(name))
    raise UnknownFormat(f"unknown date format name {name!r}")


def localize(value: Any, name: str = "DATE_FORMAT") -> str:
    """A date, datetime (shown in local time) or time in the named format of the active language."""
    if value in (None, ""):
        return ""
    pattern = named_format(name)
    if isinstance(value, datetime.time):
        return dateformat.time_format(value, pattern)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, pattern)
