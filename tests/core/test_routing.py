"""URL resolution remembered per path (rathaus.core.routing): the same views as Django's resolver,
one walk over the patterns per path, each request's own match."""

from __future__ import annotations

from typing import Any

import pytest
from django.test.client import ClientHandler
from django.urls import resolve
from django.urls.resolvers import URLResolver

from rathaus.core import routing
from tests.conftest import HOST_A, client_for


class RememberingClientHandler(routing._RememberedResolution, ClientHandler):
    """The test client's handler with the resolution of the production handlers."""


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths Django's root resolver walked the patterns for."""
    routing.clear()
    seen: list[str] = []
    original = URLResolver.resolve

    def counting(self: URLResolver, path: str) -> Any:
        if self.pattern.regex.pattern == "^/":
            seen.append(path)
        return original(self, path)

    monkeypatch.setattr(URLResolver, "resolve", counting)
    return seen


def test_the_production_handlers_remember_the_resolution() -> None:
    assert isinstance(routing.get_wsgi_application(), routing.WSGIHandler)
    assert isinstance(routing.get_asgi_application(), routing.ASGIHandler)
    assert issubclass(routing.WSGIHandler, routing._RememberedResolution)


@pytest.mark.django_db
def test_a_path_is_resolved_once_and_served_as_django_serves_it(
    muni_a: Any, staff_a: Any, walks: list[str]
) -> None:
    clerk = client_for(HOST_A, staff_a)
    clerk.handler = RememberingClientHandler(enforce_csrf_checks=False)
    first = clerk.get("/antraege/verwaltung/")
    second = clerk.get("/antraege/verwaltung/")
    assert first.status_code == second.status_code == 200
    assert walks.count("/antraege/verwaltung/") == 1
    assert second.wsgi_request.resolver_match.view_name == "cases:inbox"
    assert second.wsgi_request.resolver_match.func is resolve("/antraege/verwaltung/").func


@pytest.mark.django_db
def test_an_unknown_path_is_a_404_every_time(muni_a: Any, walks: list[str]) -> None:
    visitor = client_for(HOST_A)
    visitor.handler = RememberingClientHandler(enforce_csrf_checks=False)
    assert visitor.get("/gibt-es-nicht/").status_code == 404
    assert visitor.get("/gibt-es-nicht/").status_code == 404


def test_each_caller_gets_its_own_match(walks: list[str]) -> None:
    first = routing.resolved("/antraege/verwaltung/7/")
    assert first is not None and first.kwargs == {"pk": 7}
    first.kwargs["pk"] = 8  # as a middleware's process_view might
    first.kwargs["injected"] = True
    second = routing.resolved("/antraege/verwaltung/7/")
    assert second is not None and second.kwargs == {"pk": 7}
    assert second.view_name == "cases:case"
    assert walks == ["/antraege/verwaltung/7/"]
    assert routing.resolved("/antraege/verwaltung/keine-zahl/") is None


def test_long_paths_are_not_remembered(walks: list[str]) -> None:
    path = "/leistungen/" + "x" * routing.MAX_PATH
    assert routing.resolved(path) is None
    assert routing.resolved(path) is None
    assert routing.view_name(path) is None
    assert walks.count(path) == 3
    assert routing._resolved.cache_info().currsize == 0


def test_a_new_urlconf_is_resolved_afresh(settings: Any, walks: list[str]) -> None:
    assert routing.resolved("/media/a.pdf") is None
    settings.ROOT_URLCONF = "tests.storage.urls_serve_media"
    match = routing.resolved("/media/a.pdf")
    assert match is not None and match.kwargs == {"path": "a.pdf"}


def test_no_route_depends_on_the_language() -> None:
    """The memo keys on the path alone: a translated route (``_("…")`` in ``path()``,
    ``i18n_patterns``) would resolve differently per language and must not slip in unnoticed."""
    from django.urls import get_resolver
    from django.urls.resolvers import LocalePrefixPattern
    from django.utils.functional import Promise

    def walk(patterns: list[Any]) -> int:
        seen = 0
        for entry in patterns:
            pattern = entry.pattern
            assert not isinstance(pattern, LocalePrefixPattern), entry
            route = getattr(pattern, "_route", None) or getattr(pattern, "_regex", None)
            assert not isinstance(route, Promise), f"translated route: {entry!r}"
            seen += 1
            if isinstance(entry, URLResolver):
                seen += walk(entry.url_patterns)
        return seen

    assert walk(get_resolver().url_patterns) > 100
