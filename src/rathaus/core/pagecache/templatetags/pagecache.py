"""``{% shared_fragment %}…{% endshared_fragment %}``: a part of a page that is the same for every
visitor, signed in or not, cached under the same key parts as the shared page (ADR 0017).

Signed-in visitors never get a shared *page* (their header, CSRF token and data are their own), but
the body of, say, the home page is the same for them as for everyone: wrapping it in this tag renders
it once per municipality, language and generation. Only on pages a module declared (registry); the
fragment must hold nothing personal and no CSRF token (``{% csrf_token %}`` inside raises).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from rathaus.core.pagecache import shared

register = template.Library()


class SharedFragmentNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        request = context.get("request")
        municipality = getattr(request, "municipality", None)
        scopes = shared.page_scopes(request) if request is not None and municipality else None
        # The counters the middleware read before the view (a declared page); without them: live.
        found = getattr(request, "_pagecache_generations", None)
        if (
            request is None
            or municipality is None
            or scopes is None
            or found is None
            or shared.seconds() <= 0
        ):
            return mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered template output)
        key = "pf:" + shared.page_key(request, municipality, scopes, found)[3:]
        html = cache.get(key)
        if html is None:
            before = request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            html = self.nodelist.render(context)
            if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") and not before:
                raise template.TemplateSyntaxError("a shared fragment must not hold a CSRF token")
            cache.set(key, str(html), shared.seconds())
        return mark_safe(str(html))  # noqa: S308 (rendered template output)


@register.tag
def shared_fragment(parser: Any, token: Any) -> SharedFragmentNode:
    nodelist = parser.parse(("endshared_fragment",))
    parser.delete_first_token()
    return SharedFragmentNode(nodelist)
