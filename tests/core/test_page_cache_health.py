"""The counter read of the page cache is the request's database health check (ADR 0017, "Reading"):
on a reused connection Django would send ``SELECT 1`` before the first statement of each request
(``CONN_HEALTH_CHECKS``); a cached page would then cost two round trips instead of one. The read
takes the check's place, and a connection that died between requests is replaced as after a failed
check, so the visitor still gets the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection

from tests.conftest import HOST_A, client_for

pytestmark = pytest.mark.django_db(transaction=True)


def _new_request() -> None:
    """What Django does at the start of each request for a reused connection (the test client
    leaves it out): the next statement runs the health check first."""
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is not None and not connection.health_check_done


def _count_health_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = connection.is_usable

    def is_usable() -> Any:
        calls.append(1)
        return original()

    monkeypatch.setattr(connection, "is_usable", is_usable)
    return calls


def test_a_cached_page_sends_no_separate_health_check(muni_a, monkeypatch):
    client = client_for(HOST_A)
    for _ in range(2):  # fill the cache; the connection is open afterwards
        assert client.get("/leistungen/").status_code == 200
    calls = _count_health_checks(monkeypatch)
    _new_request()
    response = client.get("/leistungen/")
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "hit"
    assert calls == []
    assert connection.health_check_done


def test_other_requests_keep_djangos_health_check(muni_a, monkeypatch):
    client = client_for(HOST_A)
    assert client.get("/leistungen/").status_code == 200
    calls = _count_health_checks(monkeypatch)
    _new_request()
    # The sign-in page is not a cached page: no counter read, Django checks the connection first.
    assert client.get("/konto/login/").status_code == 200
    assert calls == [1]


def test_a_connection_that_died_between_requests_is_replaced(muni_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server whose session can be ended (PostgreSQL); SQLite has none")
    client = client_for(HOST_A)
    for _ in range(2):
        assert client.get("/leistungen/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        old_pid = cursor.fetchone()[0]
    # End this session on the server, as a restart of PostgreSQL or pgbouncer would.
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    connection.errors_occurred = False  # Django has not noticed yet: the next request finds it dead
    connection.health_check_done = False
    response = client.get("/leistungen/")
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "hit"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid
