"""The Digitalbarometer's values come from a snapshot under the page cache's generation counters
(ADR 0017, "Data snapshots"): computed once, replaced at once by any committed change of a module's
data, never shared between municipalities, never stored from inside a transaction."""

from __future__ import annotations

import dataclasses
import json

import pytest
from django.db import transaction

from rathaus.core import figures
from rathaus.strategy import queries
from tests.conftest import HOST_A, HOST_B, client_for
from tests.events.conftest import make_event

# Snapshots are only stored outside transactions, so these tests commit (transactional database).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def computations(monkeypatch):
    """How often the barometer's indicators are computed."""
    calls: list[int] = []
    original = queries.barometer_values

    def counting(municipality):  # type: ignore[no-untyped-def]
        calls.append(municipality.pk)
        return original(municipality)

    monkeypatch.setattr(queries, "barometer_values", counting)
    return calls


def value(municipality, key: str):  # type: ignore[no-untyped-def]
    return {f.key: f.value for g in queries.barometer(municipality) for f in g.figures}[key]


def past_event(muni, title: str):  # type: ignore[no-untyped-def]
    return make_event(muni, title=title, days=-10)


def test_computed_once_then_from_the_snapshot(muni_a, computations):
    first = queries.barometer(muni_a)
    again = queries.barometer(muni_a)
    assert computations == [muni_a.pk]
    assert [[(f.key, f.value) for f in g.figures] for g in first] == [
        [(f.key, f.value) for f in g.figures] for g in again
    ]
    assert {f.key for g in again for f in g.figures} == {i.key for i in figures.indicators()}


def test_a_committed_change_shows_at_once(muni_a, computations):
    before = value(muni_a, "events.events_12m")
    past_event(muni_a, "Bürgerforum Mobilität")
    assert value(muni_a, "events.events_12m") == before + 1
    assert len(computations) == 2
    # … on the page and in the open data too, through the page cache.
    client = client_for(HOST_A)
    data = json.loads(client.get("/digitalbarometer/kennzahlen.json").content)
    shown = {f["key"]: f["value"] for f in data["figures"]}["events.events_12m"]
    past_event(muni_a, "Sprechstunde Digital")
    data = json.loads(client.get("/digitalbarometer/kennzahlen.json").content)
    assert {f["key"]: f["value"] for f in data["figures"]}["events.events_12m"] == shown + 1


def test_municipalities_never_share_a_snapshot(muni_a, muni_b, computations):
    past_event(muni_a, "Nur in A")
    a = value(muni_a, "events.events_12m")
    b = value(muni_b, "events.events_12m")
    assert a == b + 1
    assert sorted(computations) == sorted([muni_a.pk, muni_b.pk])
    assert "Nur in A" not in client_for(HOST_B).get("/digitalbarometer/").content.decode()


def test_inside_a_transaction_computed_live_and_not_stored(muni_a, computations):
    with pytest.raises(RuntimeError), transaction.atomic():
        past_event(muni_a, "Wird zurückgerollt")
        inside = value(muni_a, "events.events_12m")
        raise RuntimeError
    after = value(muni_a, "events.events_12m")
    assert after == inside - 1  # the rolled-back event is not in any stored snapshot
    assert len(computations) == 2


def test_a_failed_indicator_is_not_kept(muni_a, computations, monkeypatch):
    indicator = figures.indicator("events.events_12m")
    assert indicator is not None

    def broken(municipality):  # type: ignore[no-untyped-def]
        raise RuntimeError("Datenbank kurz weg")

    monkeypatch.setitem(figures._indicators, indicator.key, dataclasses.replace(indicator, compute=broken))
    assert value(muni_a, "events.events_12m") is None
    assert value(muni_a, "events.events_12m") is None
    assert len(computations) == 2  # computed again: the failure is not stored
    monkeypatch.setitem(figures._indicators, indicator.key, indicator)
    assert value(muni_a, "events.events_12m") == 0
    value(muni_a, "events.events_12m")
    assert len(computations) == 3
