"""Registry for the tenant-isolation test (tests/core/test_tenant_isolation.py).

The isolation test fills two municipalities, A (Zeitz) and B (Musterstadt), with one object of every
tenant-owned kind, each carrying unique marker strings (``MARKER-B-NOTICE`` …). It then walks every
URL pattern of the project and proves that nothing of B is visible, editable or guessable by ID from
A's host. It cannot guess how to build a URL for your objects, so **every module registers its
tenant-owned objects and every URL pattern that has parameters** — a pattern with parameters and no
entry here makes the test fail.

How a module joins — create ``tests/<module>/isolation_cases.py`` (imported automatically)::

    from tests import isolation
    from tests.isolation import Tenant

    @isolation.seeder
    def seed_hub(t: Tenant) -> None:
        # Called once for A and once for B. Put a marker into every text field a page could show.
        resource = Resource.objects.create(municipality=t.municipality, name=t.marker("RESOURCE"))
        t.add("hub.resource", resource)

    # A pattern whose parameters address a tenant object (kwargs default to {"pk": obj.pk}):
    isolation.object_url("hub:resource", "hub.resource", shows=["RESOURCE"])
    # A write URL: ``post`` returns form data that is VALID for A's own object (the positive control
    # proves it by expecting a redirect); the same data is sent to B's object and must do nothing.
    isolation.object_url(
        "hub:resource_edit", "hub.resource", post=lambda t, obj: {"name": "Geändert"}
    )
    # POST-only URLs (delete, revoke, …) set get=False.
    isolation.object_url("hub:resource_delete", "hub.resource", get=False, post=lambda t, obj: {})
    # Nested URLs build their kwargs from the object; each int parameter is also swapped on its own
    # for B's value (so /resource/<A's id>/booking/<B's id>/ is tried too):
    isolation.object_url(
        "hub:booking", "hub.booking", kwargs=lambda b: {"resource_pk": b.resource_id, "pk": b.pk}
    )
    # A URL that only redirects A's own object elsewhere: own_status=302 (the positive control).
    # URLs a citizen uses on their own object ("my bookings"): seed the person with t.add_user and
    # name them; they run the positive control on A's object and are refused B's (403/404):
    isolation.object_url("hub:my_booking", "hub.booking", user="booker", shows=["BOOKING"])
    # Parameters that name no tenant object (a slug of a fixed set, a year …) get a fixed value:
    isolation.value_url("hub:calendar", {"year": 2026})
    # Optional, for pages without parameters: what A's admin must see there (proves the page would
    # list B's rows if it were not scoped), optionally with a query string:
    isolation.page("hub:resource_list", shows=["RESOURCE"])

Statuses the test expects when A reaches for B's object via A's host: A's admin 404 (override with
``admin_denied=``), the object URL's ``user`` of A 403/404, A's citizen 401/403/404, anonymous
401/403/404 or a redirect to the login page. Never a marker of B in any response.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.urls.resolvers import RegexPattern, RoutePattern

# --- Per-municipality test data ----------------------------------------------------------------


@dataclass
class Tenant:
    """One municipality's seeded world: objects by name and the marker strings they carry."""

    key: str  # "A" or "B"
    municipality: Any
    host: str
    admin: Any  # a municipality admin with MFA
    objects: dict[str, models.Model] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)  # further people, e.g. a citizen who booked
    markers: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. raw API token

    def marker(self, label: str) -> str:
        """``MARKER-<A|B>-<label>``, remembered as text that must never leak to the other tenant."""
        return self.remember(f"MARKER-{self.key}-{label}")

    def remember(self, text: str) -> str:
        """Any other text that identifies this tenant's data (names, e-mail addresses)."""
        if text not in self.markers:
            self.markers.append(text)
        return text

    def add(self, name: str, obj: models.Model) -> models.Model:
        if name in self.objects:
            raise ValueError(f"isolation object {name!r} seeded twice")
        self.objects[name] = obj
        return obj

    def add_user(self, name: str, user: Any) -> Any:
        """A person of this tenant's world (remember their e-mail address as a marker yourself)."""
        if name in self.users:
            raise ValueError(f"isolation user {name!r} seeded twice")
        self.users[name] = user
        return user

    def __getitem__(self, name: str) -> models.Model:
        try:
            return self.objects[name]
        except KeyError:
            raise KeyError(f"no seeder added an object named {name!r} (see tests/isolation.py)") from None


Seeder = Callable[[Tenant], None]
SEEDERS: list[Seeder] = []


def seeder(fn: Seeder) -> Seeder:
    SEEDERS.append(fn)
    return fn


def seed(tenant: Tenant) -> Tenant:
    for fn in SEEDERS:
        fn(tenant)
    return tenant


# --- URL registry ------------------------------------------------------------------------------

PostData = Callable[[Tenant, Any], dict[str, Any]]


@dataclass(frozen=True)
class ObjectUrl:
    """A URL pattern whose parameters address one tenant object."""

    name: str
    obj: str  # key in Tenant.objects
    kwargs: Callable[[Any], dict[str, Any]]
    get: bool = True  # False for POST-only views
    post: PostData | None = None  # form data: makes it a write URL
    shows: tuple[str, ...] = ()  # marker labels A's admin sees on A's own object page
    admin_denied: frozenset[int] = frozenset({404})
    post_ok: frozenset[int] = frozenset({302, 303})
    user: str | None = None  # Tenant.users name of who uses this URL on their own object (default: admin)
    own_status: int = 200  # the positive control's status (302 for a URL that only redirects)


@dataclass(frozen=True)
class ValueUrl:
    """A URL pattern whose parameters are no tenant object (e.g. a legal page kind)."""

    name: str
    kwargs: dict[str, Any]
    post: PostData | None = None  # posted as A's admin to A's page; B must stay unchanged
    shows: tuple[str, ...] = ()
    post_ok: frozenset[int] = frozenset({302, 303})


@dataclass(frozen=True)
class Page:
    """Extra expectations for a pattern without parameters."""

    name: str
    query: str = ""
    shows: tuple[str, ...] = ()


OBJECT_URLS: dict[str, ObjectUrl] = {}
VALUE_URLS: dict[str, ValueUrl] = {}
PAGES: list[Page] = []


def _pk(obj: Any) -> dict[str, Any]:
    return {"pk": obj.pk}


def _unique(name: str) -> None:
    if name in OBJECT_URLS or name in VALUE_URLS:
        raise ValueError(f"URL {name!r} registered twice for the isolation test")


def object_url(
    name: str,
    obj: str,
    *,
    kwargs: Callable[[Any], dict[str, Any]] = _pk,
    get: bool = True,
    post: PostData | None = None,
    shows: list[str] | tuple[str, ...] = (),
    admin_denied: set[int] | frozenset[int] = frozenset({404}),
    post_ok: set[int] | frozenset[int] = frozenset({302, 303}),
    user: str | None = None,
    own_status: int = 200,
) -> None:
    _unique(name)
    OBJECT_URLS[name] = ObjectUrl(
        name,
        obj,
        kwargs,
        get,
        post,
        tuple(shows),
        frozenset(admin_denied),
        frozenset(post_ok),
        user,
        own_status,
    )


def value_url(
    name: str,
    kwargs: dict[str, Any],
    *,
    post: PostData | None = None,
    shows: list[str] | tuple[str, ...] = (),
    post_ok: set[int] | frozenset[int] = frozenset({302, 303}),
) -> None:
    _unique(name)
    VALUE_URLS[name] = ValueUrl(name, dict(kwargs), post, tuple(shows), frozenset(post_ok))


def page(name: str, *, query: str = "", shows: list[str] | tuple[str, ...] = ()) -> None:
    PAGES.append(Page(name, query, tuple(shows)))


_loaded = False


def load_cases() -> None:
    """Import ``tests/<module>/isolation_cases.py`` of every module (core first)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    root = Path(__file__).parent
    found = sorted(p.parent.name for p in root.glob("*/isolation_cases.py"))
    for pkg in sorted(found, key=lambda n: (n != "core", n)):
        importlib.import_module(f"tests.{pkg}.isolation_cases")


# --- Walking the URL configuration -------------------------------------------------------------


@dataclass(frozen=True)
class UrlEntry:
    key: str  # "namespace:name"; for unnamed patterns "namespace:route" or the route
    name: str | None  # reversible name (None when the pattern has no name)
    route: str
    callback: Callable[..., Any]
    params: tuple[str, ...]
    int_params: tuple[str, ...]


def _params(pattern: Any) -> tuple[list[str], list[str]]:
    if isinstance(pattern, RoutePattern):
        convs = pattern.converters
        return list(convs), [n for n, c in convs.items() if isinstance(c, IntConverter)]
    if isinstance(pattern, RegexPattern):
        names = list(pattern.regex.groupindex)
        # Unnamed groups are parameters too (passed positionally).
        unnamed = pattern.regex.groups - len(names)
        return names + [f"<positional {i}>" for i in range(unnamed)], []
    return [], []


def walk_urls(patterns: list[Any] | None = None) -> Iterator[UrlEntry]:
    """Every URL pattern of the project, through all includes, with its full route and parameters."""
    yield from _walk(get_resolver().url_patterns if patterns is None else patterns, "", "", [], [])


def _walk(
    patterns: list[Any], prefix: str, ns: str, params: list[str], ints: list[str]
) -> Iterator[UrlEntry]:
    for p in patterns:
        own, own_ints = _params(p.pattern)
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            sub_ns = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, route, sub_ns, params + own, ints + own_ints)
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else p.name
            yield UrlEntry(
                key=name or (f"{ns}:{route}" if ns else route),
                name=name,
                route=route,
                callback=p.callback,
                params=tuple(params + own),
                int_params=tuple(ints + own_ints),
            )


def unwrap_chain(view: Any) -> Iterator[Any]:
    """The view and everything it wraps: decorators (__wrapped__), partials, class-based views."""
    seen: set[int] = set()
    todo = [view]
    while todo:
        v = todo.pop(0)
        if v is None or id(v) in seen:
            continue
        seen.add(id(v))
        yield v
        todo.append(getattr(v, "__wrapped__", None))
        todo.append(getattr(v, "func", None))  # functools.partial
        cls = getattr(v, "view_class", None) or getattr(v, "cls", None)
        if cls is not None:
            todo.append(cls)
            todo.append(getattr(cls, "dispatch", None))


def access_of(view: Any) -> str | None:
    """The ``rathaus_access`` declaration of a view (see rathaus.core.accounts.permissions), if any."""
    for v in unwrap_chain(view):
        value = getattr(v, "rathaus_access", None)
        if value:
            return str(value)
    return None


def view_module(view: Any) -> str:
    """The module a view really comes from (looks through partials and class-based views)."""
    for v in unwrap_chain(view):
        module = getattr(v, "__module__", None)
        if module and module != "functools":
            return module
    return ""


def snapshot(obj: models.Model) -> dict[str, Any] | None:
    """The stored row of ``obj`` (None when it is gone): compared before and after foreign writes."""
    return type(obj)._base_manager.filter(pk=obj.pk).values().first()
