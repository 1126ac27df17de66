"""Municipality A never sees, changes or guesses municipality B's data — for every URL of the project.

How it works (data-driven; the registry and the how-to for new modules are in tests/isolation.py):

1. Both municipalities, A (Zeitz, host zeitz.testserver) and B (Musterstadt, host
   musterstadt.testserver), are seeded by every registered seeder with one object of each
   tenant-owned kind. Every text carries a marker (``MARKER-A-NOTICE`` / ``MARKER-B-NOTICE`` …).
2. The test walks every URL pattern (django.urls.get_resolver(), through all includes):

   - Patterns with parameters must be registered (``isolation.object_url`` / ``value_url``), or the
     test fails and names them. For object URLs, B's object is requested via A's host as A's
     admin (with MFA), as a citizen and anonymously: A's admin gets 404, the others 401/403/404 or
     a redirect to login — and no response ever contains a marker of B. Write URLs are also POSTed
     and B's rows must be unchanged afterwards.
   - Guessing: for every int parameter, B's ID is put into A's otherwise valid URL (and a
     non-existent ID is tried); A's own object must work via A (positive control: 200, or a
     redirect for a POST), so the 404s are not trivial.
   - Patterns without parameters (and value URLs, and the registered ``isolation.page`` queries such
     as ``/suche/?q=MARKER`` or ``/api/v1/search?q=MARKER``) are fetched on A's host by A's admin,
     a citizen and anonymously: no marker of B may appear; registered pages must show A's markers.
   - Staff views on B's host refuse A's admin (403): roles are per municipality.
   - B's API token is refused on A's host (401).
3. Patterns are only skipped through EXCLUDED and NOT_TENANT_PARAMS below, each with its reason.

When this test fails with "not registered", add your URL to tests/<module>/isolation_cases.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse

from rathaus.core.accounts.permissions import public
from tests import isolation
from tests.conftest import HOST_A, HOST_B, client_for
from tests.isolation import Tenant, UrlEntry, snapshot, walk_urls

isolation.load_cases()

# Skipped entirely. Key: a URL name, a namespace ending in ":", or a route (unnamed patterns).
EXCLUDED: dict[str, str] = {
    # Django's technical admin: superusers with MFA only (rathaus.core.accounts.admin_site);
    # platform admins see every municipality by design. Not served to municipality roles.
    "admin:": "Django admin (platform admins only)",
    # django-ninja's generated documentation: the schema, the docs page and the root that only
    # raises 404 with the docs address. No tenant data. (API operations themselves are walked.)
    "api:openapi-json": "OpenAPI schema",
    "api:openapi-view": "API docs page",
    "api:api-root": "ninja root (404 pointing to docs)",
    # Uploaded files, served by Django only with DEBUG or RATHAUS_SERVE_MEDIA (a web server does it in
    # production). Files are public by their unguessable path.
    "media/<path:path>": "media files",
}

# Parameterised third-party (allauth) patterns whose parameters address no tenant object: they are
# per-user secrets or the user's own authenticators, looked up by allauth for request.user.
NOT_TENANT_PARAMS: dict[str, str] = {
    "account_confirm_email": "allauth: signed e-mail confirmation key",
    "account_reset_password_from_key": "allauth: password reset key",
    "mfa_remove_webauthn": "allauth: the user's own security key",
    "mfa_edit_webauthn": "allauth: the user's own security key",
}

ROLES = ("admin", "citizen", "anonymous")
NOT_FOUND_ID = 987654321


def is_excluded(entry: UrlEntry) -> bool:
    return any(entry.key == k or (k.endswith(":") and entry.key.startswith(k)) for k in EXCLUDED)


# --- Helpers -----------------------------------------------------------------------------------


@dataclass
class World:
    a: Tenant
    b: Tenant
    citizen: Any

    def client(self, role: str, host: str = HOST_A) -> Client:
        # A fresh client per request: a GET on e.g. allauth's logout page must not end the session
        # that later requests rely on.
        if role.startswith("user:"):
            return client_for(host, self.a.users[role.removeprefix("user:")])
        user = {"admin": self.a.admin, "citizen": self.citizen, "anonymous": None}[role]
        return client_for(host, user)

    def b_snapshots(self) -> dict[str, Any]:
        return {name: snapshot(obj) for name, obj in self.b.objects.items()}


@pytest.fixture
def world(muni_a, muni_b, admin_a, admin_b, citizen) -> World:
    a = isolation.seed(Tenant("A", muni_a, HOST_A, admin_a))
    b = isolation.seed(Tenant("B", muni_b, HOST_B, admin_b))
    return World(a, b, citizen)


def body(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")  # type: ignore[attr-defined]
    return response.content.decode("utf-8", "replace")


def found(markers: Iterable[str], text: str) -> list[str]:
    low = text.lower()
    return [m for m in markers if m.lower() in low]


def is_login_redirect(response: HttpResponse) -> bool:
    return response.status_code in (301, 302, 303) and urlsplit(response["Location"]).path == reverse(
        "account_login"
    )


def refused(role: str, response: HttpResponse, admin_denied: frozenset[int]) -> bool:
    code = response.status_code
    if role == "admin":
        return code in admin_denied
    if role.startswith("user:"):  # the object URL's user of A, e.g. a citizen with own bookings
        return code in (403, 404)
    if role == "citizen":
        return code in (401, 403, 404)
    return code in (401, 403, 404) or is_login_redirect(response)


def expect_refused(
    problems: list[str],
    world: World,
    role: str,
    method: str,
    url: str,
    response: HttpResponse,
    admin_denied: frozenset[int] = frozenset({404}),
    what: str = "B's object",
) -> None:
    leaked = found(world.b.markers, body(response))
    if leaked:
        problems.append(f"{method} {url} as A's {role}: shows B's data {leaked}")
    if not refused(role, response, admin_denied):
        allowed = sorted(admin_denied) if role == "admin" else "401/403/404 (or login redirect if anonymous)"
        problems.append(
            f"{method} {url} as A's {role} ({what}): status {response.status_code}, expected {allowed}"
        )


def changed(before: dict[str, Any], world: World) -> list[str]:
    after = world.b_snapshots()
    return [name for name in before if before[name] != after[name]]


def post_and_check(
    problems: list[str], world: World, role: str, url: str, data: dict[str, Any], **kw: Any
) -> None:
    """POST as A's role; must be refused and leave every row of B untouched (rolled back after)."""
    before = world.b_snapshots()
    with transaction.atomic():
        response = world.client(role).post(url, data)
        expect_refused(problems, world, role, "POST", url, response, **kw)
        touched = changed(before, world)
        if touched:
            problems.append(f"POST {url} as A's {role} changed B's rows: {touched}")
        transaction.set_rollback(True)


def report(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} isolation problem(s):\n  " + "\n  ".join(problems)


def entries_by_key() -> dict[str, UrlEntry]:
    return {e.key: e for e in walk_urls()}


# --- Registration ------------------------------------------------------------------------------


def unregistered(entries: Iterable[UrlEntry]) -> list[str]:
    """Patterns the isolation test cannot exercise because nobody told it how to fill them in."""
    out = []
    for e in entries:
        if is_excluded(e) or e.key in NOT_TENANT_PARAMS:
            continue
        if e.name is None:
            out.append(f"{e.route}: give the URL pattern a name (the test reverses names)")
        elif e.params and e.key not in isolation.OBJECT_URLS and e.key not in isolation.VALUE_URLS:
            out.append(
                f"{e.key} ({e.route}): register it with isolation.object_url(...) or "
                f"isolation.value_url(...) in tests/<module>/isolation_cases.py (see tests/isolation.py)"
            )
    return out


def test_every_url_pattern_with_parameters_is_registered():
    missing = unregistered(walk_urls())
    assert not missing, "URL patterns missing from the tenant-isolation registry:\n  " + "\n  ".join(missing)


def test_registry_has_no_stale_or_wrong_entries():
    entries = entries_by_key()
    problems = []
    for name in [*isolation.OBJECT_URLS, *isolation.VALUE_URLS, *(p.name for p in isolation.PAGES)]:
        if name not in entries:
            problems.append(f"{name}: registered for the isolation test but no such URL pattern")
    for name, case in isolation.VALUE_URLS.items():
        if name in entries and set(case.kwargs) != set(entries[name].params):
            problems.append(f"{name}: value_url kwargs {sorted(case.kwargs)} != {entries[name].params}")
    for p in isolation.PAGES:
        if p.name in entries and entries[p.name].params:
            problems.append(f"{p.name}: isolation.page() is for patterns without parameters")
    for key in [*EXCLUDED, *NOT_TENANT_PARAMS]:
        if not key.endswith(":") and key not in entries and not key.startswith("media/"):
            problems.append(f"{key}: listed as exclusion but no such URL pattern (remove it)")
    report(problems)


def test_an_unregistered_pattern_makes_the_test_fail():
    """The registration check can fail: a new object URL without registry entry is reported."""

    @public
    def new_view(request, pk):  # pragma: no cover - never called
        raise AssertionError

    patterns = [path("neu/<int:pk>/", new_view, name="neu"), path("ohne-name/<int:pk>/", new_view)]
    missing = unregistered(walk_urls(patterns))
    assert len(missing) == 2
    assert "neu (neu/<int:pk>/): register it" in missing[0]
    assert "give the URL pattern a name" in missing[1]


# --- B's objects via A's host --------------------------------------------------------------------


def test_b_objects_are_neither_visible_nor_writable_from_a(world):
    problems: list[str] = []
    for case in isolation.OBJECT_URLS.values():
        b_obj = world.b[case.obj]
        url = reverse(case.name, kwargs=case.kwargs(b_obj))
        for role in (*ROLES, *([f"user:{case.user}"] if case.user else [])):
            if case.get:
                response = world.client(role).get(url)
                expect_refused(problems, world, role, "GET", url, response, case.admin_denied)
            if case.post is not None:
                data = case.post(world.a, b_obj)
                post_and_check(problems, world, role, url, data, admin_denied=case.admin_denied)
    report(problems)


def test_guessed_ids_of_b_do_not_work_on_a_urls_but_a_own_ids_do(world):
    """Every int parameter of every object URL is replaced by B's ID (one at a time and all at once)."""
    entries = entries_by_key()
    problems: list[str] = []
    for case in isolation.OBJECT_URLS.values():
        a_kwargs = case.kwargs(world.a[case.obj])
        b_kwargs = case.kwargs(world.b[case.obj])
        own_url = reverse(case.name, kwargs=a_kwargs)
        actor = f"user:{case.user}" if case.user else "admin"

        # Positive control: A's own object works via A's host for A's admin (or the URL's user),
        # so the refusals below are not a lookup that never finds anything.
        if case.get:
            response = world.client(actor).get(own_url)
            text = body(response)
            if response.status_code != case.own_status:
                problems.append(
                    f"GET {own_url} (A's own object) as A's {actor}: status {response.status_code}"
                )
            missing = [lbl for lbl in case.shows if world.a.marker(lbl) not in text]
            if missing:
                problems.append(f"GET {own_url} (A's own object): A's {missing} not shown")
            leaked = found(world.b.markers, text)
            if leaked:
                problems.append(f"GET {own_url} (A's own object): shows B's data {leaked}")

        int_params = entries[case.name].int_params
        if not int_params:
            continue  # no IDs to guess (e.g. UUID/slug URLs): B's own kwargs are tried above
        variants: dict[str, dict[str, Any]] = {"all of B's IDs": b_kwargs}
        for param in int_params:
            if b_kwargs[param] != a_kwargs[param] and len(int_params) > 1:
                variants[f"B's {param} in A's URL"] = {**a_kwargs, param: b_kwargs[param]}
            variants[f"unknown {param}"] = {**a_kwargs, param: NOT_FOUND_ID}
        for what, kwargs in variants.items():
            url = reverse(case.name, kwargs=kwargs)
            if case.get:
                response = world.client(actor).get(url)
                expect_refused(problems, world, actor, "GET", url, response, case.admin_denied, what)
            if case.post is not None:
                data = case.post(world.a, world.a[case.obj])
                post_and_check(problems, world, actor, url, data, admin_denied=case.admin_denied, what=what)
    report(problems)


def test_writes_to_a_own_objects_work_and_leave_b_alone(world):
    """Positive control for every registered write URL: the registered data really performs the write."""
    problems: list[str] = []
    cases: list[tuple[str, str, Any, frozenset[int], str]] = []  # name, url, data, ok statuses, actor
    for case in isolation.OBJECT_URLS.values():
        if case.post is not None:
            obj = world.a[case.obj]
            url = reverse(case.name, kwargs=case.kwargs(obj))
            actor = f"user:{case.user}" if case.user else "admin"
            cases.append((case.name, url, case.post(world.a, obj), case.post_ok, actor))
    for vcase in isolation.VALUE_URLS.values():
        if vcase.post is not None:
            url = reverse(vcase.name, kwargs=vcase.kwargs)
            cases.append((vcase.name, url, vcase.post(world.a, None), vcase.post_ok, "admin"))
    for name, url, data, ok, actor in cases:
        before = world.b_snapshots()
        with transaction.atomic():
            response = world.client(actor).post(url, data)
            if response.status_code not in ok:
                problems.append(
                    f"POST {url} ({name}) as A's {actor} on A's own data: status {response.status_code}, "
                    f"expected {sorted(ok)} — is the registered post data valid?"
                )
            if found(world.b.markers, body(response)):
                problems.append(f"POST {url}: response shows B's data")
            touched = changed(before, world)
            if touched:
                problems.append(f"POST {url} as A's {actor} on A's own data changed B's rows: {touched}")
            transaction.set_rollback(True)
    report(problems)


# --- Pages without object parameters ------------------------------------------------------------


def test_no_page_on_a_host_shows_b_data(world):
    problems: list[str] = []
    requests: list[tuple[str, str, tuple[str, ...]]] = []  # (label, url, A labels admin must see)
    for e in walk_urls():
        if is_excluded(e) or e.params or e.name is None:
            continue
        # Operator endpoints (/metrics) are platform-wide by design and closed to visitors (token or
        # operator network, tests/core/test_observability.py); they are no page of a municipality.
        if isolation.access_of(e.callback) == "operator":
            continue
        requests.append((e.key, reverse(e.name), ()))
    for vcase in isolation.VALUE_URLS.values():
        requests.append((vcase.name, reverse(vcase.name, kwargs=vcase.kwargs), vcase.shows))
    for p in isolation.PAGES:
        url = reverse(p.name) + (f"?{p.query}" if p.query else "")
        requests.append((p.name, url, p.shows))

    for label, url, shows in requests:
        for role in ROLES:
            response = world.client(role).get(url)
            text = body(response)
            if response.status_code >= 500:
                problems.append(f"GET {url} ({label}) as A's {role}: server error {response.status_code}")
            leaked = found(world.b.markers, text)
            if leaked:
                problems.append(f"GET {url} ({label}) as A's {role}: shows B's data {leaked}")
            if role == "admin" and shows:
                if response.status_code != 200:
                    problems.append(
                        f"GET {url} ({label}) as A's admin: status {response.status_code}, expected 200"
                    )
                missing = [lbl for lbl in shows if world.a.marker(lbl).lower() not in text.lower()]
                if missing:
                    problems.append(f"GET {url} ({label}) as A's admin: A's own {missing} not shown")
    report(problems)


def test_a_admin_has_no_staff_rights_on_b_host(world):
    """Roles are per municipality: A's admin is refused on every staff URL of B's host."""
    problems: list[str] = []
    for e in walk_urls():
        if is_excluded(e) or e.name is None:
            continue
        access = isolation.access_of(e.callback)
        # Operator endpoints (/metrics) belong to no municipality: token or network decides
        # (tests/core/test_observability.py), never a municipality role.
        if access in (None, "public", "authenticated", "operator"):
            continue
        client = client_for(HOST_B, world.a.admin)
        ocase = isolation.OBJECT_URLS.get(e.key)
        if e.params and ocase is not None:
            url = reverse(e.name, kwargs=ocase.kwargs(world.b[ocase.obj]))
            before = world.b_snapshots()
            if ocase.get:
                response = client.get(url)
                if response.status_code != 403:
                    problems.append(
                        f"GET {url} on B's host as A's admin: {response.status_code}, expected 403"
                    )
            if ocase.post is not None:
                response = client.post(url, ocase.post(world.b, world.b[ocase.obj]))
                if response.status_code != 403:
                    problems.append(
                        f"POST {url} on B's host as A's admin: {response.status_code}, expected 403"
                    )
                if changed(before, world):
                    problems.append(f"POST {url} on B's host as A's admin changed B's rows")
            continue
        if e.params:
            vcase = isolation.VALUE_URLS.get(e.key)
            if vcase is None:
                continue  # reported by the registration test
            url = reverse(e.name, kwargs=vcase.kwargs)
        else:
            url = reverse(e.name)
        response = client.get(url)
        if response.status_code != 403:
            problems.append(
                f"GET {url} ({access}) on B's host as A's admin: {response.status_code}, expected 403"
            )
    report(problems)


# --- API tokens ----------------------------------------------------------------------------------


def test_api_token_of_b_is_refused_on_a_host(world):
    me = reverse("api:me")

    def call(host: str, raw: str) -> HttpResponse:
        return Client(HTTP_HOST=host).get(me, HTTP_AUTHORIZATION=f"Bearer {raw}")

    foreign = call(HOST_A, world.b.extra["api_token"])
    assert foreign.status_code == 401
    assert not found(world.b.markers, body(foreign))

    own = call(HOST_A, world.a.extra["api_token"])
    assert own.status_code == 200, "positive control: A's token works on A's host"
    assert own.json()["municipality"] == world.a.municipality.slug

    at_home = call(HOST_B, world.b.extra["api_token"])
    assert at_home.status_code == 200, "positive control: B's token works on B's host"
    assert at_home.json()["municipality"] == world.b.municipality.slug
