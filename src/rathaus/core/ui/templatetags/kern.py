from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.forms.boundfield import BoundWidget
from django.utils.safestring import SafeString, mark_safe

from rathaus.core.ui import vocabulary
from rathaus.core.ui.forms import widget_class
from rathaus.formats import UnknownFormat, localize

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


@register.simple_tag
def kern_choice(field: BoundField, choice: BoundWidget) -> SafeString:
    """One radio or checkbox of a choice list with KERN's class (Django renders it without any class,
    so browsers drew tiny native controls, misaligned with their labels)."""
    css = widget_class(field.field.widget)
    attrs = dict(choice.data["attrs"])
    classes = [attrs.get("class", ""), css, f"{css}--error" if field.errors else ""]
    attrs["class"] = " ".join(c for c in classes if c)
    data = {**choice.data, "attrs": attrs, "wrap_label": False}
    # Django's own widget template renders (and escapes) the input, as BoundWidget.tag() does.
    html = choice.renderer.render(choice.template_name, {"widget": data})
    return mark_safe(html)  # noqa: S308


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return field.widget_type == "checkbox"


@register.filter
def is_choice_list(field: BoundField) -> bool:
    return field.widget_type in {"radioselect", "checkboxselectmultiple"}


@register.filter(expects_localtime=True)
def localdate(value: Any, name: str = "DATE_FORMAT") -> str:
    """`{{ when|localdate:"WEEKDAY_DATE_FORMAT" }}`: a date or time in the format the language names."""
    try:
        return localize(value, name)
    except UnknownFormat as exc:
        raise template.TemplateSyntaxError(str(exc)) from exc


@register.filter
def term(name: str) -> str:
    """`{{ situation.name|term }}`: a platform-defined name (core/ui/vocabulary.py) in the active language."""
    return vocabulary.term(str(name))
