"""Shared fixtures: two municipalities (A = Zeitz, B = Musterstadt), people in every role."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from rathaus.core.accounts.models import Department, Membership, Role, User
from rathaus.core.tenancy.models import Municipality
from tests.factories import PASSWORD, TOTP_SECRET, MembershipFactory, MunicipalityFactory, UserFactory

__all__ = ["PASSWORD", "TOTP_SECRET"]  # imported from here by many tests

HOST_A = "zeitz.testserver"
HOST_B = "musterstadt.testserver"


def testdata_dir() -> Path:
    from django.conf import settings

    return Path(os.environ.get("RATHAUS_TESTDATA") or settings.RATHAUS_TESTDATA)


@pytest.fixture(autouse=True)
def _private_data_dirs(settings, tmp_path_factory):
    """Uploads and module data files of a test run go to a temporary folder, never to var/."""
    base = tmp_path_factory.getbasetemp() / "rathaus-data"
    settings.MEDIA_ROOT = base / "media"
    settings.PRIVATE_ROOT = base / "private"
    settings.MOBILITY_DATA_DIR = base / "mobility"
    settings.RATHAUS_HERITAGE_MEDIA_ROOT = str(base / "heritage-media")
    settings.RATHAUS_FILE_CACHE_DIR = base / "file-cache"


@pytest.fixture(autouse=True)
def _rate_limit_clock(monkeypatch):
    """Rate-limit windows are fixed (``time // window``): a test whose requests straddle a window
    boundary would start counting afresh half-way. The limiter's clock stands still in tests; the
    cross-process test in tests/storage hands the same instant to its child process."""
    from types import SimpleNamespace

    from rathaus.core import ratelimit

    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: RATE_LIMIT_NOW))


# the middle of every window length the platform uses (60 s … 1 day)
RATE_LIMIT_NOW = 86_400 * 20_500 + 43_230.0


@pytest.fixture(autouse=True)
def _clear_cache():
    from rathaus.heritage import search_index

    # Test transactions roll back, so a search version can repeat with other data: start afresh.
    cache.clear()
    search_index.clear()
    yield
    cache.clear()
    search_index.clear()


def make_municipality(slug: str, name: str, ags: str, ars: str, state: str, hosts: list[str]) -> Municipality:
    return MunicipalityFactory(slug=slug, name=name, ags=ags, ars=ars, state=state, hosts=hosts)


@pytest.fixture
def muni_a(db) -> Municipality:
    return make_municipality("zeitz", "Zeitz", "15084590", "150840590590", "15", [HOST_A, "testserver"])


@pytest.fixture
def muni_b(db) -> Municipality:
    return make_municipality("musterstadt", "Musterstadt", "16099999", "160990000999", "16", [HOST_B])


def make_user(email: str, *, mfa: bool = False, superuser: bool = False) -> User:
    return UserFactory(email=email, mfa=mfa, superuser=superuser)


def grant(user: User, muni: Municipality, role: str, modules: list[str] | None = None) -> Membership:
    return MembershipFactory(user=user, municipality=muni, role=role, modules=modules or [])


@pytest.fixture
def citizen(db) -> User:
    return make_user("buerger@example.org")


@pytest.fixture
def admin_a(muni_a) -> User:
    user = make_user("admin-a@example.org", mfa=True)
    grant(user, muni_a, Role.ADMIN)
    return user


@pytest.fixture
def admin_b(muni_b) -> User:
    user = make_user("admin-b@example.org", mfa=True)
    grant(user, muni_b, Role.ADMIN)
    return user


@pytest.fixture
def staff_a(muni_a) -> User:
    user = make_user("staff-a@example.org", mfa=True)
    m = grant(user, muni_a, Role.STAFF)
    dept = Department.objects.create(municipality=muni_a, name="Bürgerservice")
    m.departments.add(dept)
    return user


@pytest.fixture
def editor_a(muni_a) -> User:
    user = make_user("redaktion-a@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["portal"])
    return user


@pytest.fixture
def platform_admin(db) -> User:
    return make_user("plattform@example.org", mfa=True, superuser=True)


def client_for(host: str, user: User | None = None) -> Client:
    c = Client(HTTP_HOST=host)
    if user is not None:
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


@pytest.fixture
def client_a(muni_a) -> Client:
    return client_for(HOST_A)


@pytest.fixture
def client_b(muni_b) -> Client:
    return client_for(HOST_B)
