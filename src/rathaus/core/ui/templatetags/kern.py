from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.forms import BoundField
from django.utils import dateformat, formats
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from rathaus.core.ui import vocabulary
from rathaus.core.ui.forms import widget_class

register = template.Library()


@register.simple_tag
def kern_widget(field: BoundField) -> SafeString:
    """Render a widget with KERN classes and aria-describedby pointing at its hint and error."""
    widget = field.field.widget
    classes = [widget.attrs.get("class", ""), widget_class(widget)]
    describedby = []
    if field.help_text:
        describedby.append(f"{field.auto_id}-hint")
    attrs: dict[str, Any] = {}
    if field.errors:
        describedby.append(f"{field.auto_id}-error")
        classes.append(widget_class(widget) + "--error")
        attrs["aria-invalid"] = "true"
    if describedby:
        attrs["aria-describedby"] = " ".join(describedby)
    attrs["class"] = " ".join(c for c in classes if c)
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return field.widget_type == "checkbox"


@register.filter
def is_choice_list(field: BoundField) -> bool:
    return field.widget_type in {"radioselect", "checkboxselectmultiple"}


def named_format(name: str) -> str:
    """The pattern a format name stands for in the active language (rathaus/formats/<lang>/formats.py).

    Django's own names (DATE_FORMAT, SHORT_DATETIME_FORMAT ...) and the portal's (WEEKDAY_DATE_FORMAT,
    CLOCK_FORMAT ...). An unknown name is an error, never a pattern: templates must not write
    language-bound patterns such as "d.m.Y".
    """
    for module in formats.get_format_modules(get_language()):
        pattern = getattr(module, name, None)
        if isinstance(pattern, str):
            return pattern
    if name in formats.FORMAT_SETTINGS:
        return str(formats.get_format(name))
    raise template.TemplateSyntaxError(f"unknown date format name {name!r}")


@register.filter(expects_localtime=True)
def localdate(value: Any, name: str = "DATE_FORMAT") -> str:
    """`{{ when|localdate:"WEEKDAY_DATE_FORMAT" }}`: a date or time in the format the language names."""
    if value in (None, ""):
        return ""
    pattern = named_format(name)
    if isinstance(value, datetime.time):
        return dateformat.time_format(value, pattern)
    return dateformat.format(value, pattern)


@register.filter
def term(name: str) -> str:
    """`{{ situation.name|term }}`: a platform-defined name (core/ui/vocabulary.py) in the active language."""
    return vocabulary.term(str(name))
