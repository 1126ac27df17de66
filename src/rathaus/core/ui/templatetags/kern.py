from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

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
