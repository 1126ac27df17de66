"""The heritage search at scale (ADR 0019): indexes bounded by bytes per process, snapshots in a
shared cache that a cold process loads instead of building, with the same answers as a build."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings

from rathaus.heritage import queries, search_index, services
from rathaus.heritage.models import HeritageObject

from . import test_search_index as reference
from .conftest import make_object

mixed_catalogue = reference.mixed_catalogue  # the fixture: 40 objects with random facets, one of B
params_strategy = reference.params_strategy
_data = reference._data

SNAPSHOTS = "heritage-snapshots-test"


@pytest.fixture
def snapshots(settings):
    """A shared snapshot cache, as Redis is in production (here a separate local-memory cache)."""
    settings.CACHES = {
        **settings.CACHES,
        SNAPSHOTS: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": SNAPSHOTS},
    }
    settings.HERITAGE_SEARCH_SNAPSHOT_CACHE = SNAPSHOTS
    from django.core.cache import caches

    caches[SNAPSHOTS].clear()
    yield caches[SNAPSHOTS]
    caches[SNAPSHOTS].clear()


def _answer(result: queries.Result) -> tuple:
    return (result.total, [o.pk for o in result.page.object_list], result.facets)


def _cold_process() -> None:
    """What another (or a restarted) web process sees: no index of its own."""
    search_index.clear()


def test_no_snapshots_with_the_process_local_cache_of_make_run(muni_a, settings):
    settings.HERITAGE_SEARCH_SNAPSHOT_CACHE = ""
    make_object(muni_a, "S-1", publish=True)
    assert queries.search(muni_a, queries.Params()).total == 1
    assert search_index._snapshot_cache() is None
    assert search_index._load_snapshot(muni_a.pk) is None


def test_snapshot_round_trip_keeps_every_array(mixed_catalogue, snapshots):
    built = search_index.index_for(mixed_catalogue.pk, queries.SORTS["titel"])
    loaded = search_index.FacetIndex.from_bytes(built.to_bytes())
    assert (loaded.municipality_id, loaded.version) == (built.municipality_id, built.version)
    assert loaded.build_seconds == built.build_seconds
    for name in (
        "ids",
        "earliest",
        "has_earliest",
        "latest",
        "has_latest",
        "has_image",
        "entry_term",
        "entry_row",
        "term_start",
        "all_counts",
        "value_rank",
    ):
        assert getattr(loaded, name).tolist() == getattr(built, name).tolist(), name
    assert loaded.texts.to_list() == built.texts.to_list()
    assert loaded.terms == built.terms and loaded.term_ids == built.term_ids
    assert {k: v.tolist() for k, v in loaded.facet_terms.items()} == {
        k: v.tolist() for k, v in built.facet_terms.items()
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(p=params_strategy)
def test_a_cold_process_answers_from_the_snapshot_like_a_build(mixed_catalogue, snapshots, p):
    """Same hits, same order, same facet options and counts: built here vs loaded from the snapshot."""
    muni = mixed_catalogue
    _cold_process()
    built = _answer(queries.search(muni, p))
    _cold_process()
    with CaptureQueriesContext(connection) as ctx:
        loaded = _answer(queries.search(muni, p))
    assert loaded == built
    assert not [q for q in ctx.captured_queries if "heritage_facetvalue" in q["sql"]]  # nothing built


def test_a_cold_process_does_not_build_when_a_current_snapshot_exists(muni_a, snapshots, monkeypatch):
    make_object(muni_a, "S-1", publish=True, title_de="Ratsprotokoll")
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 1  # built, snapshot written
    _cold_process()
    monkeypatch.setattr(search_index.FacetIndex, "_build", classmethod(lambda *a: 1 / 0))
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 1


def test_a_change_is_seen_at_once_by_every_process(muni_a, snapshots):
    obj = make_object(muni_a, "S-1", publish=True, title_de="Ratsprotokoll")
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 1
    services.save_object(muni_a, {**_data(obj), "title_de": "Stadtplan"}, obj=obj)
    # this process (holds the old index) ...
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 0
    assert queries.search(muni_a, queries.Params(q="stadtplan")).total == 1
    # ... and a cold one, whose snapshot lags behind, both see the change
    services.save_object(muni_a, {**_data(obj), "title_de": "Urkunde"}, obj=obj)
    _cold_process()
    assert queries.search(muni_a, queries.Params(q="stadtplan")).total == 0
    assert queries.search(muni_a, queries.Params(q="urkunde")).total == 1
    assert search_index._load_snapshot(muni_a.pk).version == search_index.current_version(muni_a.pk)


def test_unpublishing_removes_the_object_and_its_counts_at_once(muni_a, snapshots):
    a = make_object(muni_a, "S-1", publish=True, materials=[{"label": "Holz"}])
    make_object(muni_a, "S-2", publish=True, materials=[{"label": "Holz"}])
    holz = {o.value: o.count for o in queries.search(muni_a, queries.Params()).facets["material"]}
    assert holz["Holz"] == 2
    services.transition(a, "draft")
    _cold_process()
    result = queries.search(muni_a, queries.Params())
    assert result.total == 1
    assert {o.value: o.count for o in result.facets["material"]}["Holz"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_large_collection_answers_from_a_stale_snapshot_and_catches_up(muni_a, snapshots, monkeypatch):
    """Slow builds (large collections): a cold process answers at once from the older snapshot
    while one thread catches up — the near-real-time rule of ADR 0007, now for cold processes too."""
    monkeypatch.setattr(search_index, "SYNC_REBUILD_SECONDS", -1.0)
    obj = make_object(muni_a, "S-1", publish=True, title_de="Ratsprotokoll")
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 1
    services.save_object(muni_a, {**_data(obj), "title_de": "Stadtplan"}, obj=obj)
    _cold_process()
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 1  # the stale snapshot
    search_index.wait_for_rebuilds()
    assert queries.search(muni_a, queries.Params(q="stadtplan")).total == 1
    _cold_process()  # the caught-up build was published as the snapshot
    assert search_index._load_snapshot(muni_a.pk).version == search_index.current_version(muni_a.pk)
    assert queries.search(muni_a, queries.Params(q="stadtplan")).total == 1


def test_municipalities_never_see_each_others_snapshot(mixed_catalogue, muni_b, snapshots):
    a_total = queries.search(mixed_catalogue, queries.Params()).total
    b = queries.search(muni_b, queries.Params())
    assert [o.inventory_number for o in b.page.object_list] == ["B-1"]
    _cold_process()
    b = queries.search(muni_b, queries.Params())
    assert b.total == 1 and sum(o.count for o in b.facets["typ"]) == 1
    assert queries.search(mixed_catalogue, queries.Params(q="musterstadt")).total == 0
    assert queries.search(mixed_catalogue, queries.Params()).total == a_total
    # an entry under B's key that is A's index (a misconfigured or tampered cache) is refused
    snapshots.set(
        search_index._snapshot_key(muni_b.pk), snapshots.get(search_index._snapshot_key(mixed_catalogue.pk))
    )
    _cold_process()
    assert search_index._load_snapshot(muni_b.pk) is None
    b = queries.search(muni_b, queries.Params())
    assert [o.inventory_number for o in b.page.object_list] == ["B-1"]


def test_a_damaged_snapshot_or_a_failing_cache_falls_back_to_a_build(muni_a, snapshots, monkeypatch):
    make_object(muni_a, "S-1", publish=True)
    snapshots.set(search_index._snapshot_key(muni_a.pk), b"not a snapshot")
    assert queries.search(muni_a, queries.Params()).total == 1
    _cold_process()

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(snapshots, "get", down)
    monkeypatch.setattr(snapshots, "set", down)
    assert queries.search(muni_a, queries.Params()).total == 1


def _municipalities(n: int) -> list:
    from tests.conftest import make_municipality

    munis = []
    for i in range(n):
        m = make_municipality(
            f"ort{i}", f"Ort {i}", f"1500{i:04d}", f"15000{i:07d}", "15", [f"ort{i}.testserver"]
        )
        for j in range(3):
            make_object(m, f"O-{i}-{j}", publish=True, title_de=f"Ansicht {i} {j}")
        munis.append(m)
    return munis


def test_the_memory_budget_evicts_the_least_recently_used(db, settings):
    munis = _municipalities(5)
    queries.search(munis[0], queries.Params())
    one = search_index.held_bytes()
    settings.HERITAGE_SEARCH_MEMORY_MB = 3.5 * one / 2**20  # room for three of these indexes
    for m in munis[:3]:
        queries.search(m, queries.Params())
    queries.search(munis[0], queries.Params())  # used again: now the most recent
    for m in munis[3:]:
        queries.search(m, queries.Params())
        assert search_index.held_bytes() <= search_index.memory_budget()
    assert list(search_index._INDEXES) == [munis[0].pk, munis[3].pk, munis[4].pk]
    # a dropped municipality still answers (built again), and correctly
    result = queries.search(munis[1], queries.Params())
    assert [o.inventory_number for o in result.page.object_list] == ["O-1-0", "O-1-1", "O-1-2"]
    assert search_index.held_bytes() <= search_index.memory_budget()


def test_lazily_read_sort_orders_count_against_the_budget(db, settings):
    munis = _municipalities(2)
    for m in munis:
        queries.search(m, queries.Params())
    settings.HERITAGE_SEARCH_MEMORY_MB = search_index.held_bytes() / 2**20  # exactly full
    index = search_index.index_for(munis[1].pk, queries.SORTS["titel"])
    index.order("unread", lambda: [int(pk) for pk in index.ids[::-1]])  # one more order: over budget
    assert list(search_index._INDEXES) == [munis[1].pk]


def test_the_sort_orders_come_with_the_build_and_the_snapshot(mixed_catalogue, snapshots):
    """A cold process's first sorted search must not read a whole collection's order from the
    database (at 100,000 objects that was most of a cold search: bench/heritage_scale_bench.py)."""
    results = {s: _answer(queries.search(mixed_catalogue, queries.Params(sort=s))) for s in queries.SORTS}
    built = search_index._INDEXES[mixed_catalogue.pk]
    assert set(built.orders) == set(queries.SORTS)
    _cold_process()

    def unread() -> list[int]:
        raise AssertionError("read from the database although the snapshot carries it")

    loaded = search_index.index_for(mixed_catalogue.pk, queries.SORTS["titel"], queries.OTHER_SORTS)
    for sort in queries.SORTS:
        assert np.array_equal(loaded.order(sort, unread), built.orders[sort])
        assert loaded.orders[sort].dtype == np.int64
    for sort, answer in results.items():
        assert _answer(queries.search(mixed_catalogue, queries.Params(sort=sort))) == answer


class _CountingTerms(list):
    walks = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        type(self).walks += 1
        return super().__iter__()


def test_the_budget_does_not_walk_every_held_index_on_each_store(db, monkeypatch):
    """With hundreds of small municipalities held, summing every index's terms on each store cost
    ~50 ms per cold search (bench/heritage_scale_bench.py): the fixed part is counted once."""
    munis = _municipalities(4)
    queries.search(munis[0], queries.Params())
    first = search_index._INDEXES[munis[0].pk]
    size = first.nbytes
    monkeypatch.setattr(first, "terms", _CountingTerms(first.terms))
    for m in munis[1:]:
        queries.search(m, queries.Params())  # each store sums the held bytes
    assert search_index.held_bytes() >= size
    assert _CountingTerms.walks == 0
    assert first.nbytes == size
    first.orders["extra"] = np.arange(first.size)  # an order read later is still counted
    assert first.nbytes == size + first.orders["extra"].nbytes


def test_index_size_grows_with_the_collection(muni_a):
    make_object(muni_a, "S-1", publish=True)
    small = search_index.index_for(muni_a.pk, queries.SORTS["titel"]).nbytes
    for i in range(30):
        make_object(muni_a, f"S-{i + 2}", publish=True, description="Lange Beschreibung " * 20)
    large = search_index.index_for(muni_a.pk, queries.SORTS["titel"]).nbytes
    assert large > small + 30 * 300
    assert HeritageObject.objects.filter(municipality=muni_a).count() == 31
