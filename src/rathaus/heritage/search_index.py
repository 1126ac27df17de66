"""In-memory facet index of a municipality's published objects, one per web process.

Counting facets over a filtered set in SQL means touching every facet row of every hit: with
100,000 objects and broad filters that is hundreds of thousands of rows per search. Search engines
answer facet counts from per-value bitsets instead; this module does the same with numpy:

- every published object is a row (rows in the default sort order, title);
- every facet value (type, licence, century, collection, creator, place, material) is a term with
  the sorted list of its rows, stored as one CSR structure (``entry_term``/``entry_row``);
- filters become boolean masks, facet counts one ``bincount`` over the entries of the hits;
- full text is a literal substring test over the lower-cased search text (polars, vectorised).

The index is rebuilt from the database when the municipality's ``SearchIndexState.version``
differs from the one it was built at. Every write that the public search sees raises that version
in its own transaction (``mark_changed``), so every process notices a change with its next search:
one primary-key lookup per search. A rebuild reads the published objects and their facet rows
(0.1 s for a few thousand objects, 2–3 s for 100,000 on a small machine, see
bench/heritage_bench.py): quick ones happen before the search answers, long ones in a background
thread while the previous index answers (``index_for``). The other sort orders are read with the
build when the caller names them (the search does), else lazily, the first time they are asked for.

Scale (ADR 0019): the indexes a process holds are bounded by bytes (``HERITAGE_SEARCH_MEMORY_MB``,
least recently used dropped), not by their number, and every build is written as a compact
snapshot to a shared cache (``HERITAGE_SEARCH_SNAPSHOT_CACHE``, Redis in production) from which
any other process loads it in milliseconds instead of building it again: a municipality that a
process has not held (or has dropped) answers its first search from the snapshot. A snapshot of
an older version is treated like this process's own stale index (rebuilt before the answer when
builds are quick, in the background when they are slow), so results never differ from a build.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections, transaction
from django.db.models import Aggregate, F, Max, TextField

from .models import FacetKind, FacetValue, HeritageObject, SearchIndexState, Status

logger = logging.getLogger(__name__)

INDEXED_FACETS = [
    FacetKind.TYPE,
    FacetKind.LICENCE,
    FacetKind.CENTURY,
    FacetKind.COLLECTION,
    FacetKind.CREATOR,
    FacetKind.PLACE,
    FacetKind.MATERIAL,
]
SYNC_REBUILD_SECONDS = 0.5  # a stale index whose build took longer is rebuilt in the background


class _IdList(Aggregate):
    """Comma-separated object ids of a group (GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s)"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(CAST(%(expressions)s AS text), ',')",
            **extra,
        )


def current_version(municipality_id: int) -> int:
    version = (
        SearchIndexState.objects.filter(municipality_id=municipality_id)
        .values_list("version", flat=True)
        .first()
    )
    return version or 0


def mark_changed(municipality_id: int) -> None:
    """Raise the search version of a municipality (call inside the transaction of the change)."""
    state = SearchIndexState.objects.filter(municipality_id=municipality_id)
    if state.update(version=F("version") + 1):
        return
    _obj, created = SearchIndexState.objects.get_or_create(
        municipality_id=municipality_id, defaults={"version": 1}
    )
    if not created:  # created by a concurrent change meanwhile: ours must still count
        state.update(version=F("version") + 1)


@dataclass
class FacetIndex:
    municipality_id: int
    version: int
    ids: np.ndarray  # object pk of every row (rows in title order)
    earliest: np.ndarray  # int64, meaningful where has_earliest
    has_earliest: np.ndarray
    latest: np.ndarray
    has_latest: np.ndarray
    has_image: np.ndarray
    texts: pl.Series
    terms: list[tuple[str, str, str]]  # (facet, value, label) per term id
    entry_term: np.ndarray  # term id of every (term, row) entry, grouped by term
    entry_row: np.ndarray
    term_start: np.ndarray  # entries of term t: entry_row[term_start[t]:term_start[t + 1]]
    all_counts: np.ndarray
    term_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    facet_terms: dict[str, np.ndarray] = field(default_factory=dict)  # term ids per facet kind
    value_rank: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    orders: dict[str, np.ndarray] = field(default_factory=dict)
    build_seconds: float = 0.0

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        """Memory held by the index (arrays, texts, terms; the Python objects around them roughly).

        Cheap: the budget sums it over every held index on each store (hundreds of them with many
        small municipalities), so the texts and terms, which never change after the build or load,
        are counted once; only the arrays (sort orders are added lazily) are summed each time."""
        arrays = [v for v in vars(self).values() if isinstance(v, np.ndarray)]
        arrays += list(self.orders.values()) + list(self.facet_terms.values())
        return sum(a.nbytes for a in arrays) + self._fixed_nbytes()

    def _fixed_nbytes(self) -> int:
        fixed = self.__dict__.get("_fixed_bytes")
        if fixed is None:
            terms = sum(len(f) + len(v) + len(label) + 300 for f, v, label in self.terms)  # tuples, dict
            fixed = int(self.texts.estimated_size()) + terms + 2048
            self.__dict__["_fixed_bytes"] = fixed
        return int(fixed)

    # --- building ------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        municipality_id: int,
        version: int,
        title_order: Iterable[Any],
        orders: Mapping[str, Sequence[Any]] | None = None,
    ) -> FacetIndex:
        """Read the published objects and their facet rows (in one snapshot where possible), and
        the other sort orders (``orders``: name -> ``order_by`` arguments) if given — read with the
        build, they travel in the snapshot, so that a cold process's first sorted search does not
        read a whole collection's order from the database."""
        started = time.perf_counter()
        with _snapshot():
            index = cls._build(municipality_id, version, title_order)
            published = HeritageObject.objects.filter(
                municipality_id=municipality_id, status=Status.PUBLISHED
            )
            for sort, order_by in (orders or {}).items():
                pks = published.order_by(*order_by).values_list("pk", flat=True)
                index.orders[sort] = index._rows_in_order(list(pks))
        index.build_seconds = time.perf_counter() - started
        return index

    @classmethod
    def _build(cls, municipality_id: int, version: int, title_order: Iterable[Any]) -> FacetIndex:
        published = HeritageObject.objects.filter(municipality_id=municipality_id, status=Status.PUBLISHED)
        rows = list(
            published.order_by(*title_order).values_list(
                "pk", "date_earliest", "date_latest", "has_image", "search_text"
            )
        )
        n = len(rows)
        cols: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 5
        ids = np.array(cols[0], dtype=np.int64)
        earliest_raw = np.array(cols[1], dtype=object)
        latest_raw = np.array(cols[2], dtype=object)
        has_earliest = np.array([v is not None for v in cols[1]], dtype=bool)
        has_latest = np.array([v is not None for v in cols[2]], dtype=bool)
        earliest = np.where(has_earliest, earliest_raw, 0).astype(np.int64)
        latest = np.where(has_latest, latest_raw, 0).astype(np.int64)
        index = cls(
            municipality_id=municipality_id,
            version=version,
            ids=ids,
            earliest=earliest,
            has_earliest=has_earliest,
            latest=latest,
            has_latest=has_latest,
            has_image=np.array(cols[3], dtype=bool),
            texts=pl.Series("text", list(cols[4]), dtype=pl.String),
            terms=[],
            entry_term=np.zeros(0, dtype=np.int32),
            entry_row=np.zeros(0, dtype=np.int32),
            term_start=np.zeros(1, dtype=np.int64),
            all_counts=np.zeros(0, dtype=np.int64),
        )
        index.orders["titel"] = np.arange(n, dtype=np.int64)
        row_lists: list[np.ndarray] = []
        for facet, value, label, object_ids in _term_groups(municipality_id):
            term_rows = index.rows_of(object_ids)
            if not len(term_rows):
                continue
            index.terms.append((facet, value, label))
            row_lists.append(np.unique(term_rows))
        if row_lists:
            lengths = np.array([len(r) for r in row_lists], dtype=np.int64)
            index.entry_row = np.concatenate(row_lists).astype(np.int32)
            index.entry_term = np.repeat(np.arange(len(row_lists), dtype=np.int32), lengths)
            index.term_start = np.concatenate([[0], np.cumsum(lengths)])
            index.all_counts = lengths
        index._derive()
        return index

    def _derive(self) -> None:
        """The lookup structures computed from the terms (after a build or a snapshot load)."""
        self.__dict__.pop("_fixed_bytes", None)  # counted anew from the final terms
        self.term_ids = {(facet, value): t for t, (facet, value, _label) in enumerate(self.terms)}
        kinds = np.array([t[0] for t in self.terms], dtype=object)
        self.facet_terms = {str(k): np.flatnonzero(kinds == k) for k in INDEXED_FACETS}
        by_value = sorted(range(len(self.terms)), key=lambda t: self.terms[t][1])
        self.value_rank = np.empty(len(self.terms), dtype=np.int64)
        self.value_rank[by_value] = np.arange(len(self.terms))

    # --- snapshots -----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The index as one compact blob: numpy arrays (``np.savez``, no pickle), the search texts as
        Arrow IPC (lz4), the terms and the version as JSON; the sort orders the index holds (the
        title order is the rows' own) as int32 rows."""
        orders = {sort: rows for sort, rows in self.orders.items() if sort != "titel"}
        texts = io.BytesIO()
        pl.DataFrame({"text": self.texts}).write_ipc(texts, compression="lz4")
        meta = {
            "format": SNAPSHOT_FORMAT,
            "municipality": self.municipality_id,
            "version": self.version,
            "build_seconds": self.build_seconds,
            "terms": self.terms,
            "orders": sorted(orders),
        }
        out = io.BytesIO()
        np.savez(
            out,
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            texts=np.frombuffer(texts.getvalue(), dtype=np.uint8),
            ids=self.ids,
            earliest=self.earliest,
            has_earliest=self.has_earliest,
            latest=self.latest,
            has_latest=self.has_latest,
            has_image=self.has_image,
            entry_row=self.entry_row,
            term_start=self.term_start,
            **{f"order_{sort}": rows.astype(np.int32) for sort, rows in orders.items()},  # type: ignore[arg-type]  # numpy stubs: ** also matches allow_pickle
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> FacetIndex:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes())
            if meta.get("format") != SNAPSHOT_FORMAT:
                raise ValueError(f"unknown snapshot format {meta.get('format')!r}")
            term_start = z["term_start"]
            lengths = np.diff(term_start)
            index = cls(
                municipality_id=int(meta["municipality"]),
                version=int(meta["version"]),
                ids=z["ids"],
                earliest=z["earliest"],
                has_earliest=z["has_earliest"],
                latest=z["latest"],
                has_latest=z["has_latest"],
                has_image=z["has_image"],
                texts=pl.read_ipc(io.BytesIO(z["texts"].tobytes()))["text"],
                terms=[(str(f), str(v), str(label)) for f, v, label in meta["terms"]],
                entry_term=np.repeat(np.arange(len(lengths), dtype=np.int32), lengths),
                entry_row=z["entry_row"],
                term_start=term_start,
                all_counts=lengths.astype(np.int64),
                build_seconds=float(meta["build_seconds"]),
            )
            for sort in meta["orders"]:
                index.orders[str(sort)] = z[f"order_{sort}"].astype(np.int64)
        index.orders["titel"] = np.arange(index.size, dtype=np.int64)
        index._derive()
        return index

    def rows_of(self, object_ids: np.ndarray) -> np.ndarray:
        """Rows of the given object pks; pks not in the index (published after the build) are dropped."""
        if not self.size or not len(object_ids):
            return np.zeros(0, dtype=np.int64)
        order = self.__dict__.get("_pk_order")
        if order is None:
            order = np.argsort(self.ids, kind="stable")
            self.__dict__["_pk_order"] = order
        sorted_ids = self.ids[order]
        pos = np.searchsorted(sorted_ids, object_ids)
        pos_clipped = np.minimum(pos, self.size - 1)
        found = sorted_ids[pos_clipped] == object_ids
        return np.asarray(order[pos_clipped[found]], dtype=np.int64)

    def order(self, sort: str, load: Callable[[], list[int]]) -> np.ndarray:
        """Rows in a sort order; ``load`` returns the pks in that order (read once per build, unless
        the build read it already)."""
        rows = self.orders.get(sort)
        if rows is None:
            rows = self._rows_in_order(load())
            self.orders[sort] = rows
            _trim()
        return rows

    def _rows_in_order(self, pks: list[int]) -> np.ndarray:
        rows = self.rows_of(np.array(pks, dtype=np.int64))
        if len(rows) < self.size:  # unpublished after the build: keep every row reachable
            missing = np.setdiff1d(np.arange(self.size), rows)
            rows = np.concatenate([rows, missing])
        return rows

    # --- querying ------------------------------------------------------------------------------

    def term_rows(self, facet: str, value: str) -> np.ndarray:
        t = self.term_ids.get((facet, value))
        if t is None:
            return np.zeros(0, dtype=np.int32)
        return self.entry_row[self.term_start[t] : self.term_start[t + 1]]

    def any_of(self, facet: str, values: Iterable[str]) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        for value in values:
            mask[self.term_rows(facet, value)] = True
        return mask

    def containing(self, term: str) -> np.ndarray:
        return np.asarray(self.texts.str.contains(term, literal=True).to_numpy(), dtype=bool)

    def counts(self, mask: np.ndarray | None) -> np.ndarray:
        if mask is None:
            return self.all_counts
        return np.bincount(self.entry_term[mask[self.entry_row]], minlength=len(self.terms))


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the data for a build: REPEATABLE READ on PostgreSQL unless the caller
    is already inside a transaction; SQLite transactions read a snapshot anyway."""
    with transaction.atomic():
        if connection.vendor == "postgresql" and not connection.savepoint_ids:  # the outermost block
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _term_groups(municipality_id: int) -> Iterator[tuple[str, str, str, np.ndarray]]:
    """(facet, value, label, object ids) of every facet value of the published objects."""
    if connection.vendor == "postgresql":
        groups = _term_groups_postgresql(municipality_id)
        if groups is not None:
            yield from groups
            return
    rows = (
        FacetValue.objects.filter(municipality_id=municipality_id, published=True, facet__in=INDEXED_FACETS)
        .values("facet", "value")
        .annotate(label=Max("label"), object_ids=_IdList("object_id"))
        .order_by()
    )
    for r in rows:
        yield r["facet"], r["value"], r["label"], np.fromstring(r["object_ids"], dtype=np.int64, sep=",")


_PG_TERMS = """
SELECT g.facet, g.value, g.n, (
    SELECT f.label FROM heritage_facetvalue f
    WHERE f.municipality_id = %(m)s AND f.published AND f.facet = g.facet AND f.value = g.value
    ORDER BY f.object_id LIMIT 1)
FROM (
    SELECT facet, value, COUNT(*) AS n FROM heritage_facetvalue
    WHERE municipality_id = %(m)s AND published AND facet = ANY(%(facets)s)
    GROUP BY facet, value
) g
ORDER BY g.facet, g.value
"""
_PG_IDS = """
SELECT string_agg(CAST(object_id AS text), ',') FROM (
    SELECT object_id FROM heritage_facetvalue
    WHERE municipality_id = %(m)s AND published AND facet = ANY(%(facets)s)
    ORDER BY facet, value, object_id
) s
"""


def _term_groups_postgresql(municipality_id: int) -> list[tuple[str, str, str, np.ndarray]] | None:
    """The fast way on PostgreSQL: counts per value (index-only scan) and all object ids as one
    string in (facet, value, object id) order, cut by the counts. Grouped aggregation of 800,000
    ids is several times slower. The order of a sorted subquery feeding an aggregate is what
    PostgreSQL does, not what it promises: every slice must be strictly ascending and the counts
    must add up, else None (the caller takes the grouped query)."""
    params: dict[str, Any] = {"m": municipality_id, "facets": [str(f) for f in INDEXED_FACETS]}
    with connection.cursor() as cursor:
        cursor.execute(_PG_TERMS, params)
        terms = cursor.fetchall()
        cursor.execute(_PG_IDS, params)
        joined = cursor.fetchone()[0] or ""
    ids = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.zeros(0, dtype=np.int64)
    counts = np.array([t[2] for t in terms], dtype=np.int64)
    if int(counts.sum()) != len(ids):
        return None
    bounds = np.concatenate([[0], np.cumsum(counts)])
    ascending = np.diff(ids) > 0
    ascending[bounds[1:-1] - 1] = True  # a new value may start lower
    if not ascending.all():
        return None
    return [(t[0], t[1], t[3], ids[bounds[i] : bounds[i + 1]]) for i, t in enumerate(terms)]


SNAPSHOT_FORMAT = 2  # 2: with the sort orders
SNAPSHOT_SECONDS = 30 * 24 * 3600  # a snapshot nobody reads for a month leaves the shared cache
_LOCK = threading.Lock()  # guards the dictionaries below (held only for moments)
_BUILD_LOCK = threading.Lock()  # one foreground build at a time per process
_INDEXES: OrderedDict[int, FacetIndex] = OrderedDict()
_REBUILDING: dict[int, threading.Thread] = {}


def memory_budget() -> int:
    """Bytes of indexes a process keeps (``HERITAGE_SEARCH_MEMORY_MB``)."""
    return int(float(getattr(settings, "HERITAGE_SEARCH_MEMORY_MB", 192)) * 2**20)


def held_bytes() -> int:
    with _LOCK:
        return sum(index.nbytes for index in _INDEXES.values())


def index_for(
    municipality_id: int, title_order: Iterable[Any], orders: Mapping[str, Sequence[Any]] | None = None
) -> FacetIndex:
    """The current index of a municipality (a build also reads the sort ``orders``: see
    :meth:`FacetIndex.build`).

    Not held by this process: the shared snapshot is loaded, if there is one. Without an index, or
    when the last build was quick, a stale index is brought up to date before the search answers
    (from a current snapshot, else by a build). When the last build took longer than
    ``SYNC_REBUILD_SECONDS`` (very large collections), the stale index answers while one background
    thread catches up — the search is then behind a change by the time of one build (near-real-time
    search, as in search engines)."""
    version = current_version(municipality_id)
    index = _INDEXES.get(municipality_id)
    looked = index is None  # the snapshot of this moment has been looked at
    if index is None:
        index = _load_snapshot(municipality_id)
        if index is not None:
            _store(index)
    if index is not None and index.version != version and index.build_seconds > SYNC_REBUILD_SECONDS:
        _rebuild_in_background(municipality_id, version, tuple(title_order), dict(orders or {}))
    elif index is None or index.version != version:
        with _BUILD_LOCK:
            index = _INDEXES.get(municipality_id)
            if index is None or index.version != version:
                index = _fresh(municipality_id, version, title_order, orders, look=not looked)
                _store(index)
    with _LOCK:
        if municipality_id in _INDEXES:
            _INDEXES.move_to_end(municipality_id)
    return index


def _fresh(
    municipality_id: int,
    version: int,
    title_order: Iterable[Any],
    orders: Mapping[str, Sequence[Any]] | None = None,
    look: bool = True,
) -> FacetIndex:
    """The index at ``version``: from the shared snapshot when another process has built it
    (``look``: unless the caller has just looked), else built here and published as the snapshot."""
    if look:
        snapshot = _load_snapshot(municipality_id)
        if snapshot is not None and snapshot.version == version:
            return snapshot
    index = FacetIndex.build(municipality_id, version, title_order, orders)
    _save_snapshot(index)
    return index


def _snapshot_cache() -> Any:
    alias = getattr(settings, "HERITAGE_SEARCH_SNAPSHOT_CACHE", "")
    return caches[alias] if alias else None


def _snapshot_key(municipality_id: int) -> str:
    return f"heritage-search-snapshot:{municipality_id}"


def _load_snapshot(municipality_id: int) -> FacetIndex | None:
    cache = _snapshot_cache()
    if cache is None:
        return None
    try:
        data = cache.get(_snapshot_key(municipality_id))
        if data is None:
            return None
        index = FacetIndex.from_bytes(data)
    except Exception:  # a cache that is down or a damaged entry: build instead
        logger.warning(
            "loading the search snapshot of municipality %s failed", municipality_id, exc_info=True
        )
        return None
    if index.municipality_id != municipality_id:  # never another municipality's objects
        logger.error("search snapshot under the key of municipality %s is not its own", municipality_id)
        return None
    return index


def _save_snapshot(index: FacetIndex) -> None:
    cache = _snapshot_cache()
    if cache is None:
        return
    try:
        cache.set(_snapshot_key(index.municipality_id), index.to_bytes(), SNAPSHOT_SECONDS)
    except Exception:  # the search works without; other processes build for themselves
        logger.warning(
            "storing the search snapshot of municipality %s failed", index.municipality_id, exc_info=True
        )


def _store(index: FacetIndex) -> None:
    # Always the latest build: should an older background build finish after a newer one, the next
    # search sees the version differ and rebuilds (versions can also go down, after a restore).
    with _LOCK:
        _INDEXES[index.municipality_id] = index
        _INDEXES.move_to_end(index.municipality_id)
    _trim()


def _trim() -> None:
    """Drop the least recently used indexes beyond the memory budget (the one used last stays,
    however large: a single municipality bigger than the budget is still searchable)."""
    budget = memory_budget()
    with _LOCK:
        total = sum(index.nbytes for index in _INDEXES.values())
        while total > budget and len(_INDEXES) > 1:
            _mid, dropped = _INDEXES.popitem(last=False)
            total -= dropped.nbytes


def _rebuild_in_background(
    municipality_id: int, version: int, title_order: tuple[Any, ...], orders: dict[str, Sequence[Any]]
) -> None:
    with _LOCK:
        running = _REBUILDING.get(municipality_id)
        if running is not None and running.is_alive():
            return
        thread = threading.Thread(
            target=_background_build,
            args=(municipality_id, version, title_order, orders),
            name=f"heritage-index-{municipality_id}",
            daemon=True,
        )
        _REBUILDING[municipality_id] = thread
    thread.start()


def _background_build(
    municipality_id: int, version: int, title_order: tuple[Any, ...], orders: dict[str, Sequence[Any]]
) -> None:
    try:
        _store(_fresh(municipality_id, version, title_order, orders))
    except Exception:  # the stale index keeps answering; the next search tries again
        logger.exception("rebuilding the facet index of municipality %s failed", municipality_id)
    finally:
        connections.close_all()  # this thread's connections only
        with _LOCK:
            if _REBUILDING.get(municipality_id) is threading.current_thread():
                del _REBUILDING[municipality_id]


def wait_for_rebuilds(timeout: float = 60) -> None:
    """Wait until the background rebuilds of this process are done (tests, benchmarks)."""
    with _LOCK:
        threads = list(_REBUILDING.values())
    for thread in threads:
        thread.join(timeout)


def clear() -> None:
    """Forget every index of this process (tests; the next search loads or rebuilds)."""
    wait_for_rebuilds()
    with _LOCK:
        _INDEXES.clear()
