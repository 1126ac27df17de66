"""The in-memory facet index of the public search: same answers as SQL, fresh after every change."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection, connections
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.heritage import queries, search_index, services
from rathaus.heritage.models import FacetKind, FacetValue, HeritageObject, SearchIndexState, Status

from .conftest import make_collection, make_object

TYPES = ["painting", "technical", "document", "photograph"]
CREATORS = [
    {"name": "Naether, Ernst Albert", "role": "Hersteller", "gnd": "https://d-nb.info/gnd/1012345678"},
    {"name": "Müller, Johann", "role": "Maler"},
    {"name": "Atelier Zeitz", "role": "Fotograf"},
]
PLACES = [{"label": "Zeitz", "uri": "https://sws.geonames.org/2804979/"}, {"label": "Naumburg"}]
MATERIALS = ["Holz", "Metall", "Papier", "Leinwand"]
RIGHTS = [
    "http://creativecommons.org/licenses/by/4.0/",
    "http://creativecommons.org/publicdomain/mark/1.0/",
]
DATINGS = ["", "1278", "um 1600", "1890er", "16. Jh.", "1905/1910", "1955", "1850"]
# the first and last years of the datings above and their neighbours: where a range filter can be off by one
BOUNDARY_YEARS = [1277, 1278, 1279, 1500, 1599, 1600, 1610, 1611, 1850, 1890, 1899, 1905, 1910, 1955, 1956]
WORDS = ["Kinderwagen", "Schloss", "Urkunde", "Ansicht", "Stadtplan", "Bildnis"]


@pytest.fixture
def mixed_catalogue(muni_a, muni_b):
    """40 objects with random facets (seeded), drafts among them, nested collections; and one
    object of another municipality that must never show up."""
    rnd = random.Random(20261126)
    museum = make_collection(muni_a)
    wagons = make_collection(muni_a, "wagen", "Kinderwagensammlung", parent=museum)
    archive = make_collection(muni_a, "stadtarchiv", "Stadtarchiv Zeitz", level="fonds")
    colls = [museum, wagons, archive]
    for i in range(40):
        obj = make_object(
            muni_a,
            f"R-{i:02d}",
            publish=rnd.random() < 0.85,
            collections=rnd.sample(colls, rnd.randint(0, 2)),
            object_type=rnd.choice(TYPES),
            title_de=f"{rnd.choice(WORDS)} {rnd.randint(1, 9)}",
            dating=rnd.choice(DATINGS),
            actors=rnd.sample(CREATORS, rnd.randint(0, 2)),
            places=rnd.sample(PLACES, rnd.randint(0, 2)),
            materials=[{"label": m} for m in rnd.sample(MATERIALS, rnd.randint(0, 2))],
            image_rights=rnd.choice(RIGHTS),
        )
        if rnd.random() < 0.4:
            HeritageObject.objects.filter(pk=obj.pk).update(has_image=True)
    search_index.mark_changed(muni_a.pk)  # the direct has_image updates above bypass the services
    make_object(muni_b, "B-1", publish=True, title_de="Schloss in Musterstadt")
    return muni_a


def sql_facet_counts(muni, p: queries.Params) -> dict[tuple[str, str], int]:
    """The old way, kept as the reference: GROUP BY over the facet rows of the SQL result."""
    qs = queries.filtered(muni, p)
    rows = (
        FacetValue.objects.filter(municipality=muni, published=True, object_id__in=qs.values("pk"))
        .exclude(facet__in=[FacetKind.SUBJECT, FacetKind.TECHNIQUE])
        .values("facet", "value")
        .annotate(n=Count("*"))
    )
    return {(r["facet"], r["value"]): r["n"] for r in rows}


def index_facet_counts(result: queries.Result, muni, p: queries.Params) -> dict[tuple[str, str], int]:
    index = search_index.index_for(muni.pk, queries.SORTS["titel"])
    counts = index.counts(queries._mask(index, p))
    return {(index.terms[t][0], index.terms[t][1]): int(n) for t, n in enumerate(counts) if n}


params_strategy = st.builds(
    queries.Params,
    q=st.sampled_from(
        [
            "",
            "schloss",
            "Kinderwagen 3",
            "wagen",
            "1890er",
            "ÖL",
            "zeitz ansicht",
            "r-1",
            "gibtesnicht",
            "hersteller",
        ]
    ),
    types=st.lists(st.sampled_from(TYPES), max_size=2, unique=True),
    year_from=st.one_of(st.none(), st.sampled_from(BOUNDARY_YEARS), st.integers(1200, 2000)),
    year_to=st.one_of(st.none(), st.sampled_from(BOUNDARY_YEARS), st.integers(1200, 2000)),
    person=st.sampled_from(["", "https://d-nb.info/gnd/1012345678", "Müller, Johann", "Niemand"]),
    ort=st.sampled_from(["", "https://sws.geonames.org/2804979/", "Naumburg"]),
    material=st.sampled_from(["", *MATERIALS]),
    sammlung=st.sampled_from(["", "museum", "museum:wagen", "stadtarchiv", "gibtesnicht"]),
    lizenz=st.sampled_from(["", *RIGHTS]),
    bild=st.booleans(),
    sort=st.sampled_from(list(queries.SORTS)),
    page=st.integers(1, 3),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(p=params_strategy)
def test_index_answers_like_sql(mixed_catalogue, p):
    muni = mixed_catalogue
    result = queries.search(muni, p)
    expected = list(queries.filtered(muni, p).order_by(*queries.SORTS[p.sort]).values_list("pk", flat=True))
    assert result.total == len(expected)
    start = (result.page.number - 1) * queries.PAGE_SIZE
    assert [o.pk for o in result.page.object_list] == expected[start : start + queries.PAGE_SIZE]
    assert index_facet_counts(result, muni, p) == sql_facet_counts(muni, p)


def test_facet_options_show_counts_of_the_hits(mixed_catalogue):
    muni = mixed_catalogue
    p = queries.Params(material="Holz")
    result = queries.search(muni, p)
    reference = sql_facet_counts(muni, p)
    assert result.total == reference[(FacetKind.MATERIAL, "Holz")]
    for option in result.facets["typ"]:
        assert option.count == reference[(FacetKind.TYPE, option.value)]
    assert [o.value for o in result.facets["material"] if o.selected] == ["Holz"]
    assert sum(o.count for o in result.facets["typ"]) == result.total


def test_search_follows_every_kind_of_change(muni_a):
    museum = make_collection(muni_a)
    obj = make_object(
        muni_a, "C-1", publish=True, collections=[museum], title_de="Kinderwagen aus Korbgeflecht"
    )
    other = make_object(muni_a, "C-2", publish=True, title_de="Stadtansicht")

    def hits(**kw) -> list[str]:
        return [o.inventory_number for o in queries.search(muni_a, queries.Params(**kw)).page.object_list]

    assert hits(q="korbgeflecht") == ["C-1"]
    services.save_object(muni_a, {**_data(obj), "title_de": "Puppenwagen"}, obj=obj)
    assert hits(q="korbgeflecht") == [] and hits(q="puppenwagen") == ["C-1"]
    assert hits() == ["C-1", "C-2"]
    services.save_object(muni_a, {**_data(obj), "title_de": "Zwinger"}, obj=obj)
    assert hits() == ["C-2", "C-1"]  # the title order is rebuilt too
    services.save_collection(muni_a, {"title_de": "Museum im Schloss"}, coll=museum)
    labels = [o.label for o in queries.search(muni_a, queries.Params()).facets["sammlung"]]
    assert labels == ["Museum im Schloss"]
    assert hits(bild=True) == []
    from .conftest import add_image

    image = add_image(other)
    assert hits(bild=True) == ["C-2"]
    services.delete_image(image)
    assert hits(bild=True) == []
    services.transition(obj, Status.DRAFT)
    assert hits() == ["C-2"]
    services.delete_object(other)
    assert hits() == [] and queries.search(muni_a, queries.Params()).facets["typ"] == []


def _data(obj: HeritageObject) -> dict:
    return {f: getattr(obj, f) for f in services.EDITABLE_FIELDS}


def test_a_change_by_another_process_is_seen_through_the_version(muni_a):
    """What another web process changes reaches this one only through SearchIndexState.version."""
    make_object(muni_a, "P-1", publish=True, title_de="Ratsprotokoll")
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 1
    # A write that bypasses this process (and its services): the index here does not know yet ...
    HeritageObject.objects.filter(inventory_number="P-1").update(search_text="stadtplan")
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 1
    # ... until the version moves on, as every service write does in its transaction.
    search_index.mark_changed(muni_a.pk)
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 0
    assert queries.search(muni_a, queries.Params(q="stadtplan")).total == 1


def test_versions_count_every_change(muni_a):
    assert search_index.current_version(muni_a.pk) == 0
    search_index.mark_changed(muni_a.pk)
    search_index.mark_changed(muni_a.pk)
    assert search_index.current_version(muni_a.pk) == 2
    obj = make_object(muni_a, "V-9")  # a draft: not in the public search, no rebuild
    services.transition(obj, Status.REVIEW)
    assert search_index.current_version(muni_a.pk) == 2
    services.transition(obj, Status.PUBLISHED)
    assert search_index.current_version(muni_a.pk) == 3
    services.save_object(muni_a, {**_data(obj), "title_de": "Neu"}, obj=obj)
    assert search_index.current_version(muni_a.pk) == 4
    services.transition(obj, Status.DRAFT)
    assert search_index.current_version(muni_a.pk) == 5
    services.save_object(muni_a, {**_data(obj), "title_de": "Entwurf"}, obj=obj)
    assert search_index.current_version(muni_a.pk) == 5


def test_municipalities_have_their_own_index(mixed_catalogue, muni_b):
    a = queries.search(mixed_catalogue, queries.Params(q="musterstadt"))
    b = queries.search(muni_b, queries.Params(q="schloss"))
    assert a.total == 0
    assert [o.inventory_number for o in b.page.object_list] == ["B-1"]


def test_index_memory_is_bounded(muni_a, settings):
    settings.HERITAGE_SEARCH_MEMORY_MB = 0  # nothing fits: only the index used last stays
    from tests.conftest import make_municipality

    other = make_municipality("halle", "Halle", "15002000", "150020000000", "15", ["halle.testserver"])
    queries.search(muni_a, queries.Params())
    queries.search(other, queries.Params())
    assert list(search_index._INDEXES) == [other.pk]


def test_out_of_range_years_and_pages_are_harmless(client_a, muni_a):
    make_object(muni_a, "Y-1", publish=True, dating="1700")
    for query in (
        "von=99999999999999999999999&bis=-99999999999999999999",
        "von=abc&bis=&seite=999999999",
        "seite=-3&sortierung=unbekannt&typ=unbekannt",
    ):
        r = client_a.get(f"/sammlung/?{query}")
        assert r.status_code == 200, query
    assert "1 Objekt" in client_a.get("/sammlung/?von=-99999999999&bis=99999999999").content.decode()


def test_constant_queries_after_the_build(client_a, muni_a):
    for i in range(45):
        make_object(muni_a, f"Q-{i}", publish=True)
    client_a.get("/sammlung/")  # builds the index
    client_a.get("/sammlung/?sortierung=datum")  # reads the date order once
    aat_canvas = "http://vocab.getty.edu/aat/300014078"
    for url in (
        "/sammlung/?typ=painting&sortierung=datum&seite=2",
        f"/sammlung/?q=schloss&material={aat_canvas}",
    ):
        with CaptureQueriesContext(connection) as ctx:
            r = client_a.get(url)
        assert r.status_code == 200 and "45 Objekte gefunden" in r.content.decode()
        # the search version, the page's objects, their images (45 hits or 20: the same three)
        heritage = [q["sql"] for q in ctx.captured_queries if "heritage_" in q["sql"]]
        assert len(heritage) == 3, heritage


@pytest.mark.django_db(transaction=True)
def test_postgresql_fast_build_equals_the_grouped_query(muni_a):
    if connection.vendor != "postgresql":
        pytest.skip("the string_agg fast path of the index build is PostgreSQL's")
    for i in range(12):
        make_object(muni_a, f"F-{i}", publish=True, materials=[{"label": MATERIALS[i % 4]}])
    fast = search_index._term_groups_postgresql(muni_a.pk)
    assert fast is not None
    grouped = {
        (r["facet"], r["value"]): sorted(map(int, r["ids"].split(",")))
        for r in FacetValue.objects.filter(
            municipality=muni_a, published=True, facet__in=search_index.INDEXED_FACETS
        )
        .values("facet", "value")
        .annotate(ids=search_index._IdList("object_id"))
        .order_by()
    }
    assert {(f, v): list(ids) for f, v, _label, ids in fast} == grouped


@pytest.mark.django_db(transaction=True)
def test_postgresql_fast_build_refuses_a_wrong_order(muni_a, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the string_agg fast path of the index build is PostgreSQL's")
    for i in range(6):
        make_object(muni_a, f"W-{i}", publish=True)
    monkeypatch.setattr(
        search_index, "_PG_IDS", search_index._PG_IDS.replace("object_id\n)", "object_id DESC\n)")
    )
    assert search_index._term_groups_postgresql(muni_a.pk) is None
    # and the search still answers, from the grouped query
    assert queries.search(muni_a, queries.Params(q="schloss")).total == 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_all_count(muni_a):
    if connection.vendor != "postgresql":
        pytest.skip("real parallel writers need PostgreSQL; SQLite serialises writers")
    racers = 12
    barrier = threading.Barrier(racers)
    errors: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            search_index.mark_changed(muni_a.pk)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert SearchIndexState.objects.get(municipality=muni_a).version == racers


def test_unfiltered_counts_need_no_recount(mixed_catalogue):
    index = search_index.index_for(mixed_catalogue.pk, queries.SORTS["titel"])
    assert index.counts(None) is index.all_counts
    published = HeritageObject.objects.filter(municipality=mixed_catalogue, status=Status.PUBLISHED)
    types = dict(published.values_list("object_type").annotate(n=Count("pk")))
    assert {index.terms[t][1]: int(index.all_counts[t]) for t in index.facet_terms[FacetKind.TYPE]} == types


@pytest.mark.django_db(transaction=True)
def test_slow_rebuilds_run_in_the_background(muni_a, monkeypatch):
    """Large collections: the previous index answers at once while one thread rebuilds."""
    monkeypatch.setattr(search_index, "SYNC_REBUILD_SECONDS", -1.0)  # every build counts as slow
    obj = make_object(muni_a, "G-1", publish=True, title_de="Ratsprotokoll")
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 1  # no index yet: built now
    services.save_object(muni_a, {**_data(obj), "title_de": "Stadtplan"}, obj=obj)
    stale = queries.search(muni_a, queries.Params(q="ratsprotokoll"))
    assert stale.total == 1
    assert [o.title_de for o in stale.page.object_list] == ["Stadtplan"]  # the page itself is read live
    search_index.wait_for_rebuilds()
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 0
    assert queries.search(muni_a, queries.Params(q="stadtplan")).total == 1
    assert search_index._REBUILDING == {}


@pytest.mark.django_db(transaction=True)
def test_a_failed_background_rebuild_keeps_the_old_index(muni_a, monkeypatch, caplog):
    monkeypatch.setattr(search_index, "SYNC_REBUILD_SECONDS", -1.0)
    make_object(muni_a, "H-1", publish=True)
    queries.search(muni_a, queries.Params())
    monkeypatch.setattr(search_index.FacetIndex, "_build", classmethod(lambda *a: 1 / 0))
    search_index.mark_changed(muni_a.pk)
    assert queries.search(muni_a, queries.Params()).total == 1
    search_index.wait_for_rebuilds()
    assert "rebuilding the facet index" in caplog.text
    assert queries.search(muni_a, queries.Params()).total == 1  # still answering (and retrying)
    search_index.wait_for_rebuilds()


def test_a_lower_version_after_a_restore_is_taken(muni_a):
    """A database restored from a backup can carry a lower version than the process has seen."""
    make_object(muni_a, "K-1", publish=True, title_de="Ratsprotokoll")
    for _ in range(3):
        search_index.mark_changed(muni_a.pk)
    assert queries.search(muni_a, queries.Params(q="ratsprotokoll")).total == 1
    HeritageObject.objects.filter(inventory_number="K-1").update(search_text="stadtplan")
    SearchIndexState.objects.filter(municipality=muni_a).update(version=1)
    assert queries.search(muni_a, queries.Params(q="stadtplan")).total == 1
    assert search_index._INDEXES[muni_a.pk].version == 1
