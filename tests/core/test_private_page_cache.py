"""Per-user cache of signed-in pages (rathaus.core.pagecache.private, ADR 0017): each user gets only
their own page, every committed change it shows appears at once (one test per kind of change), the
CSRF token is never stored, and a hit costs the counters (the session and the user come from the
cache, under the counters of "users")."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from rathaus.core.accounts.models import Membership, Role
from rathaus.core.pagecache import writes
from rathaus.core.pagecache.private import HEADER, _placeholder
from tests.conftest import HOST_A, HOST_B, client_for, grant

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_ROOT = str(tmp_path / "private")


def hit(client, path: str) -> str:  # type: ignore[no-untyped-def]
    """Fill the user's cache and prove the next answer comes from it; the page's text."""
    first = client.get(path)
    assert first.status_code == 200, (path, first.status_code)
    second = client.get(path)
    assert second.get(HEADER) == "hit", (path, first.get(HEADER), second.get(HEADER))
    return str(second.content.decode())


def own_writes_in(municipality_id: int):  # type: ignore[no-untyped-def]
    """Writes as a request of that municipality makes them (bumping its counters)."""

    class _Ctx:
        def __enter__(self) -> None:
            self.token = writes.set_municipality(municipality_id)

        def __exit__(self, *exc: object) -> None:
            writes.reset_municipality(self.token)

    return _Ctx()


@pytest.mark.django_db
def test_each_user_gets_only_their_own_page(muni_a, citizen, staff_a):
    from tests.cases.conftest import apply, make_form

    app = apply(make_form(muni_a), user=citizen)
    mine = client_for(HOST_A, citizen)
    assert app.reference in hit(mine, "/antraege/")
    other = client_for(HOST_A, staff_a)
    page = other.get("/antraege/")
    assert page.get(HEADER) == "miss" and app.reference not in page.content.decode()
    assert "Zum Posteingang" in hit(other, "/antraege/")  # the staff member's own copy


@pytest.mark.django_db
def test_the_token_is_never_stored_and_a_hit_carries_a_valid_one(muni_a, citizen):
    me = client_for(HOST_A, citizen)
    me.get("/konto/")
    stored = [cache.get(k.split(":", 2)[2]) for k in cache._cache if "pp:" in k]  # type: ignore[attr-defined]
    assert stored
    for entry in stored:
        content = entry[2]
        assert _placeholder() in content
        assert TOKEN.search(content.decode()).group(1) == _placeholder().decode()  # type: ignore[union-attr]
    page = hit(me, "/konto/")
    token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    assert token != _placeholder().decode() and len(token) == 64
    # The token of a hit is good for this session: signing out with it works.
    me_csrf = client_for(HOST_A, citizen)
    me_csrf.handler.enforce_csrf_checks = True
    me_csrf.get("/konto/")
    page = me_csrf.get("/konto/")
    assert page.get(HEADER) == "hit"
    token = TOKEN.search(page.content.decode()).group(1)  # type: ignore[union-attr]
    assert me_csrf.post("/konto/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert "Anmelden" in me_csrf.get("/").content.decode()


@pytest.mark.django_db
def test_a_new_application_shows_at_once(muni_a, citizen):
    from tests.cases.conftest import apply, make_form

    me = client_for(HOST_A, citizen)
    assert "noch keine Anträge" in hit(me, "/antraege/")
    app = apply(make_form(muni_a), user=citizen)
    page = me.get("/antraege/")
    assert page.get(HEADER) == "miss" and app.reference in page.content.decode()


@pytest.mark.django_db
def test_a_granted_or_removed_role_shows_at_once(muni_a, citizen):
    me = client_for(HOST_A, citizen)
    assert "Verwaltung</a>" not in hit(me, "/antraege/")
    with own_writes_in(muni_a.pk):
        membership = grant(citizen, muni_a, Role.STAFF)
    page = me.get("/antraege/").content.decode()
    assert "Zum Posteingang" in page and "Verwaltung</a>" in page
    with own_writes_in(muni_a.pk):
        Membership.objects.filter(pk=membership.pk).delete()
    page = me.get("/antraege/").content.decode()
    assert "Zum Posteingang" not in page


@pytest.mark.django_db
def test_account_changes_made_in_another_municipality_show_at_once(muni_a, muni_b, citizen):
    from allauth.mfa.models import Authenticator

    me = client_for(HOST_A, citizen)
    assert "nicht eingerichtet" in hit(me, "/konto/")
    with own_writes_in(muni_b.pk):  # a second factor set up while on Musterstadt's site
        Authenticator.objects.create(user=citizen, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert "nicht eingerichtet" not in me.get("/konto/").content.decode()
    with own_writes_in(muni_b.pk):
        citizen.email = "neu@example.org"
        citizen.save()
    assert "neu@example.org" in me.get("/konto/").content.decode()
    assert client_for(HOST_B, citizen).get("/konto/").status_code == 200


@pytest.mark.django_db
def test_pending_messages_are_never_served_from_the_cache(muni_a, citizen):
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    me = client_for(HOST_A, citizen)
    hit(me, "/konto/")
    me.cookies["messages"] = CookieStorage(HttpRequest())._encode([Message(20, "Hallo")])
    page = me.get("/konto/")
    assert page.get(HEADER) is None and "Hallo" in page.content.decode()


@pytest.mark.django_db
def test_staff_inbox_shows_a_new_application_and_a_colleagues_new_address_at_once(muni_a, admin_a, staff_a):
    from tests.cases.conftest import apply, make_form

    form = make_form(muni_a)
    inbox = client_for(HOST_A, admin_a)  # sees every application and lists every colleague
    hit(inbox, "/antraege/verwaltung/")
    app = apply(form, user=None)
    assert app.reference in inbox.get("/antraege/verwaltung/").content.decode()
    hit(inbox, "/antraege/verwaltung/")
    with own_writes_in(muni_a.pk):
        staff_a.email = "neue-adresse@example.org"
        staff_a.save()
    assert "neue-adresse@example.org" in inbox.get("/antraege/verwaltung/").content.decode()


@pytest.mark.django_db
def test_a_revoked_role_locks_the_inbox_at_once(muni_a, staff_a):
    inbox = client_for(HOST_A, staff_a)
    hit(inbox, "/antraege/verwaltung/")
    with own_writes_in(muni_a.pk):
        Membership.objects.filter(user=staff_a, municipality=muni_a).delete()
    assert inbox.get("/antraege/verwaltung/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("engine", "queries"),
    [
        ("django.contrib.sessions.backends.cached_db", 1),  # with Redis: the counters only
        ("django.contrib.sessions.backends.db", 2),  # without: the counters and the session row
    ],
)
def test_a_hit_costs_the_counters_only(muni_a, citizen, django_assert_num_queries, settings, engine, queries):
    settings.SESSION_ENGINE = engine
    me = client_for(HOST_A, citizen)
    hit(me, "/antraege/")
    hit(me, "/konto/")
    for path in ("/antraege/", "/konto/", "/antraege/", "/konto/"):
        # the generation counters (and the session row without a shared cache); the user comes
        # from the cache
        with django_assert_num_queries(queries):
            assert me.get(path).get(HEADER) == "hit"


def test_sessions_are_read_through_the_cache_only_when_it_is_shared(monkeypatch):
    """A per-process memory cache would keep a session ended in another process readable: cached
    sessions with Redis, or when the operator says exactly one web process serves."""
    import importlib

    import rathaus.settings as project

    def engine(**env: str) -> str:
        for name in ("RATHAUS_REDIS_URL", "RATHAUS_SESSION_CACHE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(project).SESSION_ENGINE.rsplit(".", 1)[1]

    try:
        assert engine() == "db"
        assert engine(RATHAUS_REDIS_URL="redis://127.0.0.1:6379/9") == "cached_db"
        assert engine(RATHAUS_SESSION_CACHE="1") == "cached_db"
        assert engine(RATHAUS_REDIS_URL="redis://127.0.0.1:6379/9", RATHAUS_SESSION_CACHE="0") == "db"
    finally:
        monkeypatch.undo()
        importlib.reload(project)


@pytest.mark.django_db
def test_a_deactivated_account_is_signed_out_at_once(muni_a, citizen):
    me = client_for(HOST_A, citizen)
    hit(me, "/konto/")
    with own_writes_in(muni_a.pk):
        type(citizen).objects.filter(pk=citizen.pk).update(is_active=False)
    response = me.get("/konto/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_a_password_changed_elsewhere_ends_the_session_at_once(muni_a, muni_b, citizen):
    me = client_for(HOST_A, citizen)
    hit(me, "/konto/")
    with own_writes_in(muni_b.pk):  # changed while on another municipality's site
        citizen.set_password("ein-ganz-neues-Passwort-42")
        citizen.save()
    response = me.get("/konto/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert "Anmelden" in me.get("/").content.decode()  # the session ended


@pytest.mark.django_db
def test_the_cached_user_is_the_sessions_own(muni_a, citizen, staff_a):
    mine, theirs = client_for(HOST_A, citizen), client_for(HOST_A, staff_a)
    hit(mine, "/konto/")
    hit(theirs, "/konto/")
    assert citizen.email in mine.get("/konto/").content.decode()
    page = theirs.get("/konto/").content.decode()
    assert staff_a.email in page and citizen.email not in page


@pytest.mark.django_db
def test_off_when_the_page_cache_is_off(muni_a, citizen, settings):
    settings.PAGE_CACHE_SECONDS = 0
    me = client_for(HOST_A, citizen)
    me.get("/konto/")
    assert me.get("/konto/").get(HEADER) is None


def test_request_token_masks_the_secret_as_django_does():
    from django.middleware.csrf import _does_token_match, _unmask_cipher_token
    from django.test import RequestFactory

    from rathaus.core.pagecache.private import request_token

    request = RequestFactory().get("/")
    secret = "a" * 16 + "Z9" * 8
    request.META["CSRF_COOKIE"] = secret
    tokens = {request_token(request) for _ in range(50)}
    assert len(tokens) == 50  # a new mask every time (BREACH)
    for token in tokens:
        assert len(token) == 64 and token.isalnum()
        assert _unmask_cipher_token(token) == secret
        assert _does_token_match(token, secret)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    # Every character of the alphabet turns up in the masks (no byte range is cut off).
    assert len({c for t in tokens for c in t[:32]}) == 62


def test_request_token_without_a_secret_creates_one_as_django_does(monkeypatch):
    from django.middleware.csrf import _does_token_match, _unmask_cipher_token
    from django.test import RequestFactory

    from rathaus.core.pagecache import private

    draws: list[int] = []
    original = private.os.urandom
    monkeypatch.setattr(private.os, "urandom", lambda n: draws.append(n) or original(n))
    secrets = set()
    for _ in range(20):
        request = RequestFactory().get("/")
        token = private.request_token(request)
        secret = request.META["CSRF_COOKIE"]
        assert len(secret) == 32 and secret.isalnum()
        assert _unmask_cipher_token(token) == secret and _does_token_match(token, secret)
        assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # the response sets the cookie
        assert token[:32] != secret  # the mask is not the secret
        secrets.add(secret)
    assert len(secrets) == 20  # a new secret for every visitor without one
    assert len(draws) <= 25  # one draw per token (rarely a second one, for rejected bytes)


def test_request_token_with_csrf_in_the_session_takes_djangos_path(settings, monkeypatch):
    from django.middleware import csrf
    from django.test import RequestFactory

    from rathaus.core.pagecache import private

    settings.CSRF_USE_SESSIONS = True
    calls: list[object] = []
    monkeypatch.setattr(private, "get_token", lambda r: calls.append(r) or csrf.get_token(r))
    request = RequestFactory().get("/")
    token = private.request_token(request)
    assert calls == [request]
    assert csrf._does_token_match(token, request.META["CSRF_COOKIE"])


@pytest.mark.django_db
def test_user_fingerprint_once_per_get_request(citizen, monkeypatch):
    from django.test import RequestFactory

    from rathaus.core.pagecache import private

    calls: list[int] = []
    original = private.user_fingerprint
    monkeypatch.setattr(private, "user_fingerprint", lambda u: calls.append(u.pk) or original(u))
    get = RequestFactory().get("/konto/")
    first = private.request_user_fingerprint(get, citizen)
    assert private.request_user_fingerprint(get, citizen) == first
    assert calls == [citizen.pk]
    # Another user object (another request's, or the row read again) is fingerprinted anew …
    changed = type(citizen).objects.get(pk=citizen.pk)
    changed.first_name = "Geändert"
    assert private.request_user_fingerprint(get, changed) != first
    # … and a POST, whose view may change the row before it asks, every time.
    post = RequestFactory().post("/konto/")
    private.request_user_fingerprint(post, citizen)
    private.request_user_fingerprint(post, citizen)
    assert len(calls) == 4
