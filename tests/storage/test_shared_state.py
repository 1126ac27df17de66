"""Shared state lives in shared services: rate limits on Redis count across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from rathaus.core import ratelimit, storage

REDIS = "redis://127.0.0.1:6379/0"
REPO = Path(__file__).resolve().parents[2]

CHILD = """
import json, django
django.setup()
from types import SimpleNamespace
from django.conf import settings
from django.test import RequestFactory
import os, types
from rathaus.core import ratelimit
# the same instant as the parent test: a window boundary between the two processes is not the subject
ratelimit.time = types.SimpleNamespace(time=lambda: float(os.environ["RATHAUS_TEST_NOW"]))
request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
request.municipality = SimpleNamespace(pk=4711)
allowed = ratelimit.hit(request, "shared-test", limit=3, window_seconds=600)
print(json.dumps({"allowed": allowed, "cache": settings.CACHES["default"]["BACKEND"],
                  "sessions": settings.SESSION_ENGINE}))
"""


def _redis(prefix: str) -> dict[str, str]:
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS, "KEY_PREFIX": prefix}


def _delete_prefixed(prefix: str) -> None:
    client = caches["default"]._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def redis_cache(settings):
    """The default cache on the local Redis, with a key prefix of its own (no other test collides).

    Never ``cache.clear()`` here: on Redis that is FLUSHDB for everyone on the server. Only this
    test's keys are deleted, and the process-local cache is back in place before the suite's
    cache-clearing fixture tears down.
    """
    prefix = f"rathaus-test-{uuid.uuid4().hex[:12]}"
    local = settings.CACHES
    settings.CACHES = {"default": _redis(prefix), "second": _redis(prefix)}
    yield prefix
    _delete_prefixed(prefix)
    settings.CACHES = local


@pytest.fixture
def fixed_clock():
    """The instant at which tests/conftest.py stops the limiter's clock (the child gets it too)."""
    now = ratelimit.time.time()
    assert ratelimit.time.time() == now  # stopped: both processes count in one window
    return now


def _request(ip: str = "203.0.113.7", muni: int = 4711):
    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    request.municipality = SimpleNamespace(pk=muni)
    return request


def test_rate_limit_is_counted_across_processes_on_redis(redis_cache, fixed_clock):
    assert ratelimit.hit(_request(), "shared-test", limit=3, window_seconds=600)
    assert ratelimit.hit(_request(), "shared-test", limit=3, window_seconds=600)
    assert ratelimit.hit(_request(), "shared-test", limit=3, window_seconds=600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="rathaus.settings",
        RATHAUS_REDIS_URL=REDIS,
        RATHAUS_CACHE_KEY_PREFIX=redis_cache,
        PYTHONPATH=str(REPO / "src"),
        RATHAUS_TEST_NOW=repr(fixed_clock),
    )
    run = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    child = json.loads(run.stdout.strip().splitlines()[-1])
    # the other process sees the three attempts of this one: the fourth is refused
    assert child["allowed"] is False
    assert child["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert (
        child["sessions"] == "django.contrib.sessions.backends.cached_db"
    )  # in the database, read via Redis
    # and this process sees the other one's attempt
    assert not ratelimit.hit(_request(), "shared-test", limit=4, window_seconds=600)


def test_two_cache_clients_share_the_counter(redis_cache, settings, fixed_clock):
    assert ratelimit.hit(_request(), "two-clients", limit=1, window_seconds=600)
    keys = list(caches["second"]._cache.get_client().scan_iter(f"{redis_cache}:*rl:two-clients:*"))
    assert len(keys) == 1  # the counter is in Redis, visible to any other client
    assert not ratelimit.hit(_request(), "two-clients", limit=1, window_seconds=600)
    # other client address and other municipality are counted apart
    assert ratelimit.hit(_request(ip="198.51.100.1"), "two-clients", limit=1, window_seconds=600)
    assert ratelimit.hit(_request(muni=1), "two-clients", limit=1, window_seconds=600)


def test_a_new_window_starts_afresh_even_if_a_counter_lost_its_lifetime(redis_cache, monkeypatch):
    now = 1_800_000_000.0
    monkeypatch.setattr(ratelimit.time, "time", lambda: now)
    assert ratelimit.hit(_request(), "window", limit=1, window_seconds=60)
    assert not ratelimit.hit(_request(), "window", limit=1, window_seconds=60)
    # Django's Redis incr is EXISTS + INCR: a key expiring in between comes back without a TTL
    client = caches["default"]._cache.get_client(write=True)
    for key in client.scan_iter(f"{redis_cache}:*rl:window:*"):
        client.persist(key)
    now += 60
    assert ratelimit.hit(_request(), "window", limit=1, window_seconds=60)


def test_deploy_check_warns_about_a_process_local_cache(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert [w.id for w in storage.deploy_checks()] == ["rathaus.W101"]
    local = settings.CACHES
    try:
        settings.CACHES = {"default": _redis("unused")}
        assert storage.deploy_checks() == []
        settings.RATHAUS_STORAGE, settings.RATHAUS_S3_SIGNED_URL_SECONDS = "s3", 86400
        assert [w.id for w in storage.deploy_checks()] == ["rathaus.W102"]
    finally:
        settings.CACHES = local  # the suite's teardown clears the cache: never FLUSHDB on Redis
