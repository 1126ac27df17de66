"""Every view declares who may use it.

Our views carry ``rathaus_access`` — set by the decorators in rathaus.core.accounts.permissions
(public, login_required, staff_required, admin_required, module_required). A view without a
declaration fails this test, whatever its module. Views of third-party packages are allowed only
through THIRD_PARTY below; django-ninja operations are checked separately: each has authentication
or is listed in PUBLIC_API.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import SimpleNamespace
from typing import Any

from django.http import HttpResponse
from django.urls import path
from ninja import NinjaAPI

from rathaus import health
from rathaus.core.accounts.permissions import (
    admin_required,
    login_required,
    module_required,
    public,
    staff_required,
)
from tests.isolation import UrlEntry, access_of, unwrap_chain, view_module, walk_urls

# Third-party views, each allowed by namespace ("ns:") or by the module prefix it comes from.
THIRD_PARTY: dict[str, str] = {
    # Django's admin checks AdminSite.has_permission (superuser + MFA, see admin_site.py) itself.
    "admin:": "Django admin",
    # allauth: login, sign-up, password reset, e-mail, MFA setup, sessions — self-service for the
    # signed-in user or deliberately public; allauth enforces login where needed.
    "allauth.": "django-allauth",
    # POST /i18n/setlang/: stores the language choice, no data.
    "django.views.i18n": "language switch",
    # Media files in DEBUG / RATHAUS_SERVE_MEDIA only.
    "django.views.static": "media files",
    # django-ninja: operations are checked in test_every_api_operation_has_auth_or_is_declared_public;
    # its docs views (openapi.json, /api/docs, the root) are public by nature.
    "ninja.": "django-ninja",
}

# API operations open without authentication, by "METHOD /path" (path as mounted under /api/).
PUBLIC_API: dict[str, str] = {
    "GET /api/v1/municipality": "contact data of the municipality, public on the portal anyway",
    "GET /api/v1/notices": "published notices, public on the portal",
    "GET /api/v1/search": "site-wide search over public documents",
    "GET /api/v1/events": "upcoming public events, public on /veranstaltungen/ anyway",
    "GET /api/v1/services": "published services, public on /leistungen/ anyway",
    "GET /api/v1/services/{pk}": "one published service, public on its detail page",
}


def third_party(entry: UrlEntry) -> bool:
    module = view_module(entry.callback)
    for key in THIRD_PARTY:
        if key.endswith(":") and entry.key.startswith(key):
            return True
        if not key.endswith(":") and (module == key or module.startswith(key)):
            return True
    return False


def undeclared(entries: Iterable[UrlEntry]) -> list[str]:
    out = []
    for e in entries:
        if access_of(e.callback) is not None:
            continue
        module = view_module(e.callback)
        if module.startswith("rathaus.") or not third_party(e):
            out.append(
                f"{e.key} ({e.route}) → {module}: decorate the view with public / login_required / "
                f"staff_required / admin_required / module_required(...)"
            )
    return out


def test_every_view_declares_its_access():
    entries = list(walk_urls())
    assert len(entries) > 20
    missing = undeclared(entries)
    assert not missing, "views without an access declaration:\n  " + "\n  ".join(missing)


def test_our_views_in_third_party_namespaces_are_checked_too():
    """Our code inside an allowed namespace (e.g. the admin login replacement) still must declare."""
    ours = [e for e in walk_urls() if view_module(e.callback).startswith("rathaus.")]
    assert any(e.key.startswith("admin:") for e in ours), "expected our admin login replacement"
    assert all(access_of(e.callback) for e in ours)


def test_health_is_declared_public():
    """Liveness is public; readiness is public to the URL layer and checks token/network itself."""
    assert access_of(health.live) == "public"
    assert access_of(health.ready) == "public"
    for key in ("health", "health-live", "health-ready"):
        entry = next(e for e in walk_urls() if e.key == key)
        assert access_of(entry.callback) == "public"


def test_decorators_set_the_declaration():
    def view(request: Any) -> HttpResponse:
        return HttpResponse()

    assert access_of(public(view)) == "public"
    assert access_of(login_required(view)) == "authenticated"
    assert access_of(staff_required(view)) == "is_staff_member"
    assert access_of(admin_required(view)) == "is_municipality_admin"
    assert access_of(module_required("portal")(view)) == "module:portal"


def test_a_view_without_declaration_makes_the_test_fail():
    def make_view() -> Any:
        def view(request: Any) -> HttpResponse:  # pragma: no cover - never called
            return HttpResponse()

        view.__module__ = "rathaus.somemodule.views"
        return view

    def foreign(request: Any) -> HttpResponse:  # pragma: no cover - never called
        return HttpResponse()

    foreign.__module__ = "somepackage.views"

    from django.views.generic import TemplateView

    patterns = [
        path("a/", make_view(), name="a"),
        path("b/", public(make_view()), name="b"),
        path("c/", foreign, name="c"),
        path("d/", TemplateView.as_view(template_name="x.html"), name="d"),
        path("e/", public(TemplateView.as_view(template_name="x.html")), name="e"),
    ]
    missing = undeclared(walk_urls(patterns))
    assert [m.split(" ")[0] for m in missing] == ["a", "c", "d"]


# --- django-ninja ------------------------------------------------------------------------------


def ninja_apis() -> list[NinjaAPI]:
    apis: dict[int, NinjaAPI] = {}
    for e in walk_urls():
        for v in unwrap_chain(e.callback):
            api = getattr(v, "keywords", {}).get("api") if hasattr(v, "keywords") else None
            if isinstance(api, NinjaAPI):
                apis[id(api)] = api
    return list(apis.values())


def api_operations() -> Iterator[tuple[str, Any]]:
    from django.urls import reverse

    for api in ninja_apis():
        root = reverse(f"{api.urls_namespace}:api-root").rstrip("/")
        for bound in api._get_bound_routers():
            prefix = bound.prefix.strip("/")
            for route, path_view in bound.path_operations.items():
                full = "/".join(p for p in (root, prefix, route.strip("/")) if p)
                for op in path_view.operations:
                    for method in op.methods:
                        yield f"{method} {full}", op


def api_problems(ops: dict[str, Any]) -> list[str]:
    problems = []
    for key, op in ops.items():
        if not op.auth_callbacks and key not in PUBLIC_API:
            problems.append(f"{key}: no auth — add auth=… or list it in PUBLIC_API with a reason")
        if op.auth_callbacks and key in PUBLIC_API:
            problems.append(f"{key}: has auth but is listed in PUBLIC_API (remove it)")
    for key in PUBLIC_API:
        if key not in ops:
            problems.append(f"{key}: listed in PUBLIC_API but no such operation")
    return problems


def test_every_api_operation_has_auth_or_is_declared_public():
    ops = dict(api_operations())
    assert "GET /api/v1/me" in ops, sorted(ops)
    assert ops["GET /api/v1/me"].auth_callbacks, "the token check must require a token"
    problems = api_problems(ops)
    assert not problems, "\n".join(problems)


def test_an_api_operation_without_auth_makes_the_test_fail():
    ops = dict(api_operations())
    ops["POST /api/v1/geheim"] = SimpleNamespace(auth_callbacks=[])
    ops["GET /api/v1/notices"] = SimpleNamespace(auth_callbacks=[object()])
    assert api_problems(ops) == [
        "GET /api/v1/notices: has auth but is listed in PUBLIC_API (remove it)",
        "POST /api/v1/geheim: no auth — add auth=… or list it in PUBLIC_API with a reason",
    ]
