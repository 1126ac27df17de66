"""The search interface every module plugs into.

A module calls ``index``/``remove`` when its public objects change and registers a provider so
that ``rebuild_search_index`` can rebuild everything. ``search`` answers the site-wide search page,
the API and module-specific searches (``kinds=``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import snowballstemmer
from django.db import connection, transaction
from django.utils.html import strip_tags
from markdown_it import MarkdownIt

from rathaus.core.tenancy.models import Municipality

from .models import SearchDocument

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WORD_RE = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_TERMS = 12
FTS_TABLE = "search_fts"


@dataclass(frozen=True)
class Doc:
    kind: str
    object_id: str
    title: str
    body: str
    url: str
    keywords: str = ""


@dataclass(frozen=True)
class Provider:
    kind: str
    label: StrOrPromise  # shown as the group heading on the search page (lazy translation)
    documents: Callable[[Municipality], Iterable[Doc]]


_providers: dict[str, Provider] = {}


def register_provider(
    kind: str, label: StrOrPromise, documents: Callable[[Municipality], Iterable[Doc]]
) -> None:
    _providers[kind] = Provider(kind, label, documents)


def providers() -> dict[str, Provider]:
    return dict(_providers)


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("german")


def stem_text(text: str) -> str:
    words = WORD_RE.findall((text or "").lower())
    return " ".join(_stemmer().stemWords(words))


def _terms(query: str) -> list[str]:
    return [w for w in WORD_RE.findall((query or "").lower()) if w][:MAX_QUERY_TERMS]


def _fts_write(doc: SearchDocument) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [doc.pk])  # noqa: S608
        cur.execute(
            f"INSERT INTO {FTS_TABLE}(rowid, title, content) VALUES (%s, %s, %s)",  # noqa: S608
            [doc.pk, stem_text(doc.title), stem_text(f"{doc.body} {doc.keywords}")],
        )


def _unchanged(row: SearchDocument | None, doc: Doc) -> bool:
    return row is not None and (row.title, row.body, row.keywords, row.url) == (
        doc.title[:300],
        doc.body,
        doc.keywords,
        doc.url,
    )


def index(municipality: Municipality, doc: Doc) -> SearchDocument:
    """Add or update one document; an unchanged document is not written again (idempotent)."""
    with transaction.atomic():
        current: SearchDocument | None = SearchDocument.objects.filter(
            municipality=municipality, kind=doc.kind, object_id=str(doc.object_id)
        ).first()
        if current is not None and _unchanged(current, doc):
            return current
        row, _ = SearchDocument.objects.update_or_create(
            municipality=municipality,
            kind=doc.kind,
            object_id=str(doc.object_id),
            defaults={"title": doc.title[:300], "body": doc.body, "keywords": doc.keywords, "url": doc.url},
        )
        _fts_write(row)
    return row


def remove(municipality: Municipality, kind: str, object_id: str) -> None:
    with transaction.atomic():
        ids = list(
            SearchDocument.objects.filter(
                municipality=municipality, kind=kind, object_id=str(object_id)
            ).values_list("pk", flat=True)
        )
        _fts_delete(ids)
        SearchDocument.objects.filter(pk__in=ids).delete()


def _fts_delete(ids: list[int]) -> None:
    if connection.vendor != "sqlite" or not ids:
        return
    with connection.cursor() as cur:
        cur.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [[i] for i in ids])  # noqa: S608


def rebuild(municipality: Municipality, kinds: Iterable[str] | None = None) -> int:
    """Bring one municipality's index in line with the registered providers; returns the count.

    Unchanged documents are left alone, so a rebuild over an up-to-date index writes nothing.
    """
    wanted = set(kinds) if kinds is not None else None
    count = 0
    with transaction.atomic():
        for provider in [p for k, p in _providers.items() if wanted is None or k in wanted]:
            existing = {
                row.object_id: row
                for row in SearchDocument.objects.filter(municipality=municipality, kind=provider.kind)
            }
            seen: set[str] = set()
            for doc in provider.documents(municipality):
                count += 1
                seen.add(str(doc.object_id))
                if not _unchanged(existing.get(str(doc.object_id)), doc):
                    index(municipality, doc)
            stale = [row.pk for oid, row in existing.items() if oid not in seen]
            _fts_delete(stale)
            SearchDocument.objects.filter(pk__in=stale).delete()
    return count


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: Any
    title: str
    url: str
    snippet: str


def search(
    municipality: Municipality, query: str, *, kinds: Iterable[str] | None = None, limit: int = 50
) -> list[Hit]:
    """Ranked hits of one municipality. Every term must match, as a word prefix, after stemming."""
    terms = _terms(query)
    if not terms:
        return []
    kinds = list(kinds) if kinds is not None else None
    if connection.vendor == "postgresql":
        ids = _search_postgres(municipality.pk, terms, kinds, limit)
    else:
        ids = _search_sqlite(municipality.pk, terms, kinds, limit)
    rows = SearchDocument.objects.in_bulk(ids)
    hits = []
    for pk in ids:
        row = rows[pk]
        provider = _providers.get(row.kind)
        hits.append(
            Hit(
                row.kind,
                provider.label if provider else row.kind,
                row.title,
                row.url,
                _snippet(row.body, terms),
            )
        )
    return hits


def _kind_filter(kinds: list[str] | None, column: str) -> tuple[str, list[str]]:
    if kinds is None:
        return "", []
    if not kinds:
        return " AND 1=0", []
    return f" AND {column} IN ({', '.join(['%s'] * len(kinds))})", kinds


def _search_sqlite(muni_id: int, terms: list[str], kinds: list[str] | None, limit: int) -> list[int]:
    stems = _stemmer().stemWords(terms)
    # Quoted terms cannot inject FTS5 syntax; the trailing * makes each a prefix query.
    match = " AND ".join('"' + s.replace('"', "") + '"*' for s in stems if s)
    kind_sql, kind_params = _kind_filter(kinds, "d.kind")
    table = SearchDocument._meta.db_table
    sql = (
        f"SELECT d.id FROM {FTS_TABLE} f JOIN {table} d ON d.id = f.rowid "  # noqa: S608
        f"WHERE {FTS_TABLE} MATCH %s AND d.municipality_id = %s{kind_sql} "
        f"ORDER BY bm25({FTS_TABLE}, 5.0, 1.0) LIMIT %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [match, muni_id, *kind_params, limit])
        return [r[0] for r in cur.fetchall()]


PG_VECTOR = (
    "to_tsvector('german', coalesce(title, '') || ' ' || coalesce(body, '') || ' ' || coalesce(keywords, ''))"
)


def _search_postgres(muni_id: int, terms: list[str], kinds: list[str] | None, limit: int) -> list[int]:
    tsquery = " & ".join(f"{t}:*" for t in terms)
    kind_sql, kind_params = _kind_filter(kinds, "kind")
    table = SearchDocument._meta.db_table
    sql = (
        f"SELECT id FROM {table} WHERE municipality_id = %s{kind_sql} "  # noqa: S608
        f"AND {PG_VECTOR} @@ to_tsquery('german', %s) "
        f"ORDER BY ts_rank(setweight(to_tsvector('german', title), 'A') || {PG_VECTOR}, "
        f"to_tsquery('german', %s)) DESC, id LIMIT %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [muni_id, *kind_params, tsquery, tsquery, limit])
        return [r[0] for r in cur.fetchall()]


# Bodies are often Markdown (notices, legal pages, fact sheets): snippets show the text, not the markup.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False})


def plain_text(markdown: str) -> str:
    """The readable text of a Markdown body on one line: no `**`, `#`, link syntax or HTML."""
    rendered = _md.render(markdown or "")
    return " ".join(html.unescape(strip_tags(rendered)).split())


def _snippet(body: str, terms: list[str], width: int = 180) -> str:
    text = plain_text(body)
    lower = text.lower()
    pos = min((p for p in (lower.find(t[:4]) for t in terms) if p >= 0), default=0)
    start = max(0, pos - width // 3)
    out = text[start : start + width]
    return ("…" if start else "") + out + ("…" if start + width < len(text) else "")
