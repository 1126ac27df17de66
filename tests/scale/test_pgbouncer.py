"""The citizen journey (submit an application, book a desk, pages with streamed lists) through a real
pgbouncer in transaction pooling mode (issue 19; RATHAUS_DATABASE_POOLER=pgbouncer)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.db import connection, connections
from django.test import Client

from rathaus.cases.models import Application
from rathaus.fim import services as fim
from rathaus.hub import services as hub_services
from rathaus.hub.models import Booking, BookingStatus
from tests.cases.conftest import _media, answers, dept_a, form_a, setting_a  # noqa: F401 - fixtures
from tests.conftest import make_user
from tests.hub.conftest import at, make_hub, weekday_ahead

HOST = "zeitz.testserver"


@contextlib.contextmanager
def _through(port: int) -> Iterator[None]:
    """Point the default connection at pgbouncer, as DATABASE_URL + RATHAUS_DATABASE_POOLER would."""
    s = connection.settings_dict
    saved = (s["PORT"], s.get("DISABLE_SERVER_SIDE_CURSORS", False))
    connections.close_all()
    s["PORT"], s["DISABLE_SERVER_SIDE_CURSORS"] = str(port), True
    try:
        yield
    finally:
        connections.close_all()
        s["PORT"], s["DISABLE_SERVER_SIDE_CURSORS"] = saved


def _backend_port() -> str:
    with connection.cursor() as cur:
        cur.execute("SHOW port")  # the server's port: proves the connection works through pgbouncer
        return cur.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_citizen_journey_through_pgbouncer_in_transaction_mode(pgbouncer, muni_a, form_a, setting_a):  # noqa: F811
    hub = make_hub(muni_a)
    citizen = make_user("buerger@example.org")
    with _through(pgbouncer):
        assert connection.settings_dict["PORT"] == str(pgbouncer)
        assert _backend_port() != str(pgbouncer)
        # Submit two applications (numbering, attachments, audit, history in one transaction each).
        refs = []
        for name in ("Mustermann", "Musterfrau"):
            draft, _token = fim.start_draft(form_a, user=citizen)
            draft.answers = answers(name=name)
            draft.save()
            refs.append(fim.submit(draft).reference)
        assert len(set(refs)) == 2
        # Book a desk; the same desk again is refused by the re-check inside the transaction.
        day = weekday_ahead()
        hub_services.book(hub.desk2, citizen, at(day, 8), at(day, 18), notify=False)
        other = make_user("andere@example.org")
        with pytest.raises(hub_services.BookingError) as refused:
            hub_services.book(hub.desk2, other, at(day, 8), at(day, 18), notify=False)
        assert refused.value.code == "overlap"
        # Pages (sessions, tenant lookup, lists) work through the pooler.
        client = Client(HTTP_HOST=HOST)
        client.force_login(citizen)
        for url in ("/", "/leistungen/", "/digital-hub/"):
            assert client.get(url).status_code == 200, url
        # A streamed list (.iterator()) works: server-side cursors are off.
        assert len(list(Application.objects.all().iterator(chunk_size=1))) == 2
    assert Application.objects.filter(reference__in=refs).count() == 2
    assert Booking.objects.filter(resource=hub.desk2, status=BookingStatus.CONFIRMED).count() == 1


def test_pooler_setting_turns_server_side_cursors_off(monkeypatch):
    import importlib

    import rathaus.settings as project_settings

    monkeypatch.setenv("RATHAUS_DATABASE_POOLER", "pgbouncer")
    monkeypatch.setenv("RATHAUS_DATABASE_REPLICA_URL", "postgres://postgres@127.0.0.1:18901/rathaus")
    try:
        reloaded = importlib.reload(project_settings)
        assert reloaded.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert reloaded.DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert reloaded.DATABASES["replica"]["TEST"] == {"MIRROR": "default"}
    finally:
        monkeypatch.delenv("RATHAUS_DATABASE_POOLER")
        monkeypatch.delenv("RATHAUS_DATABASE_REPLICA_URL")
        importlib.reload(project_settings)
