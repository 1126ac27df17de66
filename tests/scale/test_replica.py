"""Reads of public pages from a real PostgreSQL streaming replica, read-your-own-writes from the
primary (rathaus.core.dbrouting; issue 19)."""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rathaus.catalog.models import Service
from rathaus.core import dbrouting
from tests.catalog.conftest import make_service

HOST = "zeitz.testserver"


@contextlib.contextmanager
def _replica_alias(port: int) -> Iterator[None]:
    """DATABASES["replica"] = the test database on the replica server (as RATHAUS_DATABASE_REPLICA_URL)."""
    cfg = copy.deepcopy(connection.settings_dict)
    cfg.update(HOST="127.0.0.1", PORT=str(port), CONN_MAX_AGE=None)
    django_settings.DATABASES["replica"] = cfg
    connections.settings["replica"] = cfg
    # The test case only allows the aliases it knew at its start; an open connection passes its check.
    connections["replica"].connect()
    try:
        yield
    finally:
        connections["replica"].close()
        del connections["replica"]
        connections.settings.pop("replica", None)
        django_settings.DATABASES.pop("replica", None)  # often the same dict


def _wait_caught_up(seconds: float = 30) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_current_wal_lsn()::text")
        lsn = cur.fetchone()[0]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connections["replica"].cursor() as cur:
            cur.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cur.fetchone()[0]:
                return
        time.sleep(0.1)
    pytest.fail("the replica did not catch up within 30 s")


def _probe_ok(seconds: float = 10) -> dict:
    """A fresh probe that reports the caught-up replica as ``ok``. The replica streams the whole
    server: writes of other databases on it (another suite, a benchmark) can show as a lag of a few
    hundred milliseconds even right after catching up with this test's writes, so probe again."""
    deadline = time.monotonic() + seconds
    while True:
        state = dbrouting.replica_state(fresh=True)
        if state["state"] == "ok" or time.monotonic() > deadline:
            assert state["state"] == "ok", state
            return state
        time.sleep(0.2)


def _replay(pause: bool) -> None:
    with connections["replica"].cursor() as cur:
        cur.execute("SELECT pg_wal_replay_pause()" if pause else "SELECT pg_wal_replay_resume()")


@pytest.mark.django_db(transaction=True)
def test_public_page_reads_from_the_replica_and_a_writer_reads_its_own_writes(streaming_replica, muni_a):
    service = make_service(muni_a, "Hundesteuer – Anmeldung")
    url = f"/leistungen/{service.pk}/"
    with _replica_alias(streaming_replica):
        _wait_caught_up()
        with connections["replica"].cursor() as cur:
            cur.execute("SELECT pg_is_in_recovery()")
            assert cur.fetchone()[0] is True  # a real standby

        visitor = Client(HTTP_HOST=HOST)
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            CaptureQueriesContext(connection) as on_primary,
        ):
            response = visitor.get(url)
        assert response.status_code == 200 and "Hundesteuer – Anmeldung" in response.content.decode()
        assert any("catalog_service" in q["sql"] for q in on_replica.captured_queries)
        assert not any("catalog_service" in q["sql"] for q in on_primary.captured_queries)
        assert dbrouting.COOKIE not in response.cookies  # nothing written: no mark

        # The replica lags (replay paused): the page shows what the replica has.
        _replay(pause=True)
        try:
            Service.objects.filter(pk=service.pk).update(name="Hundesteuer – Abmeldung")
            assert "Hundesteuer – Anmeldung" in visitor.get(url).content.decode()

            # The same browser writes (any POST) → it reads from the primary for the next seconds.
            writer = Client(HTTP_HOST=HOST)
            posted = writer.post("/i18n/setlang/", {"language": "de", "next": url})
            assert posted.status_code in (200, 302)
            assert dbrouting.COOKIE in posted.cookies
            assert "Hundesteuer – Abmeldung" in writer.get(url).content.decode()
            # Another visitor still reads the replica.
            assert "Hundesteuer – Anmeldung" in Client(HTTP_HOST=HOST).get(url).content.decode()
        finally:
            _replay(pause=False)
        _wait_caught_up()
        assert "Hundesteuer – Abmeldung" in Client(HTTP_HOST=HOST).get(url).content.decode()

        # Reads inside a transaction and writes stay on the primary, even in a replica window.
        router = dbrouting.PrimaryReplicaRouter()
        with dbrouting.use_replica():
            assert router.db_for_read(Service) == "replica"
            with transaction.atomic():
                assert router.db_for_read(Service) == "default"
            assert router.db_for_write(Service) == "default"
            assert Service.objects.get(pk=service.pk).name == "Hundesteuer – Abmeldung"


def test_without_replica_everything_stays_as_before(rf):
    assert "replica" not in django_settings.DATABASES
    router = dbrouting.PrimaryReplicaRouter()
    with dbrouting.use_replica():
        assert router.db_for_read(Service) is None and router.db_for_write(Service) is None
    mw = dbrouting.ReplicaMiddleware(lambda request: HttpResponse("ok"))
    assert dbrouting.COOKIE not in mw(rf.post("/x")).cookies


def test_migrations_only_on_the_primary():
    router = dbrouting.PrimaryReplicaRouter()
    assert router.allow_migrate("replica", "catalog") is False
    assert router.allow_migrate("default", "catalog") is True


def test_who_reads_from_the_replica(rf, settings):
    settings.RATHAUS_DATABASE_REPLICA_PRIMARY_PATHS = ["/django-admin/"]
    assert dbrouting._wants_replica(rf.get("/leistungen/"))
    assert dbrouting._wants_replica(rf.head("/leistungen/"))
    assert not dbrouting._wants_replica(rf.post("/leistungen/"))
    assert not dbrouting._wants_replica(rf.get("/django-admin/"))
    fresh = rf.get("/leistungen/")
    fresh.COOKIES[dbrouting.COOKIE] = str(int(time.time()) + 5)
    assert not dbrouting._wants_replica(fresh)  # wrote within the sticky time
    old = rf.get("/leistungen/")
    old.COOKIES[dbrouting.COOKIE] = str(int(time.time()) - 1)
    assert dbrouting._wants_replica(old)
    bad = rf.get("/leistungen/")
    bad.COOKIES[dbrouting.COOKIE] = "kaputt"
    assert dbrouting._wants_replica(bad)  # a broken cookie is no error


@contextlib.contextmanager
def _dead_replica_alias() -> Iterator[None]:
    """DATABASES["replica"] pointing at a port where no server listens: a replica that is down."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = copy.deepcopy(connection.settings_dict)
    cfg.update(HOST="127.0.0.1", PORT=str(port), CONN_MAX_AGE=None, OPTIONS={"connect_timeout": 1})
    django_settings.DATABASES["replica"] = cfg
    connections.settings["replica"] = cfg
    try:
        yield
    finally:
        connections["replica"].close()
        del connections["replica"]
        connections.settings.pop("replica", None)
        django_settings.DATABASES.pop("replica", None)


@pytest.fixture
def fresh_replica_state() -> Iterator[None]:
    dbrouting.reset_replica_state()
    yield
    dbrouting.reset_replica_state()


@pytest.fixture
def dead_replica(fresh_replica_state, monkeypatch) -> Iterator[None]:
    """A replica alias on a closed port. Django's test case forbids connecting to an alias it was not
    told about (it would raise its own error, not the driver's): restore the real connect for it."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL replica that is down needs PostgreSQL (DATABASE_URL=postgres://…)")
    patched = BaseDatabaseWrapper.ensure_connection
    real = next(
        c.cell_contents
        for c in patched.__closure__ or ()
        if callable(c.cell_contents) and getattr(c.cell_contents, "__name__", "") == "ensure_connection"
    )
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", real)
    with _dead_replica_alias():
        yield


@pytest.mark.django_db(transaction=True)
def test_a_replica_that_is_down_sends_reads_to_the_primary(muni_a, dead_replica, settings):
    settings.RATHAUS_HEALTH_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    service = make_service(muni_a, "Fischereischein")
    url = f"/leistungen/{service.pk}/"
    visitor = Client(HTTP_HOST=HOST, REMOTE_ADDR="127.0.0.1")
    response = visitor.get(url)
    assert response.status_code == 200 and "Fischereischein" in response.content.decode()
    state = dbrouting.replica_state()
    assert state["usable"] is False and state["state"] == "down"
    assert state["error"] == "OperationalError"  # the driver's: connection refused
    assert dbrouting.PrimaryReplicaRouter().db_for_read(Service) is None  # no window outside a request
    with dbrouting.use_replica():
        assert dbrouting.PrimaryReplicaRouter().db_for_read(Service) == "default"
    report = visitor.get("/health/ready").json()["checks"]["replica"]
    assert report == {
        "ok": True,
        "configured": True,
        "state": "down",
        "lag_seconds": None,
        "max_lag_seconds": 30.0,
        "reads": "primary",
    }


@pytest.mark.django_db(transaction=True)
def test_a_replica_that_goes_down_between_two_probes_costs_no_request(muni_a, dead_replica):
    service = make_service(muni_a, "Angelkarte")
    # The last probe said "usable" a moment ago; the replica died since.
    dbrouting._state.update(usable=True, state="ok", lag_seconds=0.0, checked=time.monotonic())
    # The first attempt fails inside (logged as an error); the client gets the second one.
    response = Client(HTTP_HOST=HOST, raise_request_exception=False).get(f"/leistungen/{service.pk}/")
    assert response.status_code == 200 and "Angelkarte" in response.content.decode()
    assert dbrouting.replica_state()["state"] == "down"
    assert dbrouting.replica_state()["error"] == "OperationalError"


@pytest.mark.django_db(transaction=True)
def test_a_lagging_replica_is_reported_and_skipped(streaming_replica, muni_a, fresh_replica_state, settings):
    settings.RATHAUS_DATABASE_REPLICA_MAX_LAG_SECONDS = 0.5
    service = make_service(muni_a, "Sperrmüll")
    url = f"/leistungen/{service.pk}/"
    with _replica_alias(streaming_replica):
        _wait_caught_up()
        state = _probe_ok()
        assert state["usable"] is True and state["lag_seconds"] <= 0.5
        _replay(pause=True)
        try:
            Service.objects.filter(pk=service.pk).update(name="Sperrmüll – Termin")
            time.sleep(1.0)
            state = dbrouting.replica_state(fresh=True)
            assert state["state"] == "lagging" and state["lag_seconds"] > 0.5 and not state["usable"]
            # A visitor who never wrote reads the primary now: the fresh name, not the replica's.
            assert "Sperrmüll – Termin" in Client(HTTP_HOST=HOST).get(url).content.decode()
            report = Client(HTTP_HOST=HOST, REMOTE_ADDR="127.0.0.1").get("/health/ready").json()
            assert report["checks"]["replica"]["state"] == "lagging"
            assert report["checks"]["replica"]["reads"] == "primary"
        finally:
            _replay(pause=False)
        _wait_caught_up()
        assert _probe_ok()["usable"] is True
