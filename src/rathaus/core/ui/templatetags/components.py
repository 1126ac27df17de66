"""Template components: the KERN alert and the error summary, written once (issue 21).

``{% alert %}`` is a block tag because an alert's title and body carry markup (links, buttons, lists)
that an ``{% include %}`` parameter cannot hold::

    {% load components %}
    {% alert "warning" %}Titel{% endalert %}
    {% alert "danger" heading="h2" id="import-errors" %}Titel{% alertbody %}<p>…</p>{% endalert %}

Level is one of info, success, warning, danger. Options (all optional): ``role`` (default ``alert``
for danger, ``status`` otherwise; ``""`` for none), ``heading`` (the title's element, default ``p``),
``icon`` (default true), ``id``, ``labelledby`` (an ``aria-labelledby`` instead of a role; the
title then gets ``title_id``), ``element`` (``div`` or ``section``), ``summary`` (true: an error
summary that takes the focus when the page loads). The markup is in ``components/alert.html``.

``{% error_summary form %}`` renders the GOV.UK/KERN error summary of one or more forms, and
``components/error_summary.html`` takes a prepared list for pages whose errors are not a form's.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BaseForm
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

LEVELS = ("info", "success", "warning", "danger")
OPTIONS = ("role", "heading", "icon", "id", "labelledby", "title_id", "element", "summary")


class AlertNode(template.Node):
    def __init__(
        self,
        level: FilterExpression,
        options: dict[str, FilterExpression],
        title: NodeList,
        body: NodeList | None,
    ) -> None:
        self.level = level
        self.options = options
        self.title = title
        self.body = body

    def render(self, context: template.Context) -> SafeString:
        level = str(self.level.resolve(context))
        if level not in LEVELS:
            raise template.TemplateSyntaxError(f"alert level must be one of {LEVELS}, not {level!r}")
        opts = {key: value.resolve(context) for key, value in self.options.items()}
        role = opts.get("role", "alert" if level == "danger" else "status")
        data = {
            "level": level,
            "role": "" if opts.get("labelledby") else role,
            "heading": opts.get("heading") or "p",
            "icon": opts.get("icon", True),
            "id": opts.get("id", ""),
            "labelledby": opts.get("labelledby", ""),
            "title_id": opts.get("title_id", opts.get("labelledby", "")),
            "element": opts.get("element") or "div",
            "summary": bool(opts.get("summary")),
            "title": mark_safe(self.title.render(context).strip()),  # noqa: S308 – rendered template output
            "body": mark_safe(self.body.render(context).strip()) if self.body is not None else "",  # noqa: S308
        }
        return mark_safe(render_to_string("components/alert.html", data).strip())  # noqa: S308


@register.tag("alert")
def do_alert(parser: Parser, token: Token) -> AlertNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% alert %} needs a level: info, success, warning or danger")
    level = parser.compile_filter(bits[1])
    options: dict[str, FilterExpression] = {}
    for bit in bits[2:]:
        key, sep, value = bit.partition("=")
        if not sep or key not in OPTIONS:
            raise template.TemplateSyntaxError(f"{{% alert %}} does not know the option {bit!r}")
        options[key] = parser.compile_filter(value)
    title = parser.parse(("alertbody", "endalert"))
    body = None
    if parser.next_token().contents == "alertbody":
        body = parser.parse(("endalert",))
        parser.delete_first_token()
    return AlertNode(level, options, title, body)


@register.inclusion_tag("components/error_summary.html")
def error_summary(
    *forms: BaseForm | None,
    items: list[tuple[str, str]] | None = None,
    href: str = "",
    message: str = "",
    heading: str = "h2",
) -> dict[str, Any]:
    """The error summary: heading, then one entry per error, linked to its field.

    ``{% error_summary form %}`` (several forms allowed): non-field errors, then one link per field
    error to the field's id, then hidden fields' errors. ``items=`` takes prepared ``(href, text)``
    pairs, ``href=``/``message=`` a single error. Nothing is rendered when there is no error.
    """
    entries: list[tuple[str, str]] = list(items or [])
    if message:
        entries.append((href, str(message)))
    for form in forms:
        if form is None or not form.errors:
            continue
        entries += [("", str(e)) for e in form.non_field_errors()]
        for field in form.visible_fields():
            entries += [
                (f"#{field.auto_id}" if field.auto_id else "", f"{field.label}: {e}") for e in field.errors
            ]
        for field in form.hidden_fields():
            entries += [("", str(e)) for e in field.errors]
    return {"items": entries, "heading": heading}


@register.filter
def alert_level(message_tags: str) -> str:
    """The alert level of a Django message (``messages.error`` → danger)."""
    return {"error": "danger", "warning": "warning", "success": "success"}.get(str(message_tags), "info")
