"""``{% identity_login_links %}``: "Mit BundID anmelden" on the login page, only where this
municipality has an enabled identity provider (without one the login page stays as it is)."""

from __future__ import annotations

from typing import Any

from django import template

from rathaus.identity import services
from rathaus.identity.models import Provider

register = template.Library()


@register.inclusion_tag("identity/_login_links.html", takes_context=True)
def identity_login_links(context: Any) -> dict[str, Any]:
    request = context.get("request")
    providers = services.enabled_providers(getattr(request, "municipality", None)) if request else {}
    next_url = request.GET.get("next", "/") if request else "/"
    links = [
        {"provider": value, "url": services.login_link(value, 1, next_url)}
        for value in (Provider.BUNDID, Provider.MUK)
        if value in providers
    ]
    return {"links": links}
