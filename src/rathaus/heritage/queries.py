"""Read paths of the digital collection: faceted search over published objects.

A search costs a constant number of queries whatever the result size: the version check of the
in-memory facet index (``search_index``), the page's objects and their images. ``filtered`` is the
same search as a queryset (collection pages, exports; and the reference the index is tested against).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet

from rathaus.core.tenancy.models import Municipality

from . import search_index
from .models import (
    RIGHTS_LABEL,
    Collection,
    FacetKind,
    FacetValue,
    HeritageObject,
    ImageStatus,
    ObjectImage,
    ObjectType,
    Status,
)

PAGE_SIZE = 20
FACET_LIMIT = 12
MAX_TERMS = 8
SORTS: dict[str, tuple[Any, ...]] = {
    "titel": ("title_de", "pk"),
    "datum": (F("date_earliest").asc(nulls_last=True), "pk"),
    "datum_ab": (F("date_latest").desc(nulls_last=True), "pk"),
    "neu": ("-published_at", "-pk"),
    "inventar": ("inventory_number", "pk"),
}
OTHER_SORTS = {sort: order for sort, order in SORTS.items() if sort != "titel"}  # read with a build
TEXT_FACETS = {"person": FacetKind.CREATOR, "ort": FacetKind.PLACE, "material": FacetKind.MATERIAL}


def _int(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


YEAR_LIMIT = 100_000  # years beyond are clamped (EDTF dates of the catalogue stay far inside)


def _year(value: str | None) -> int | None:
    year = _int(value)
    return None if year is None else max(-YEAR_LIMIT, min(YEAR_LIMIT, year))


@dataclass
class Params:
    q: str = ""
    types: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    person: str = ""
    ort: str = ""
    material: str = ""
    sammlung: str = ""
    lizenz: str = ""
    bild: bool = False
    sort: str = "titel"
    page: int = 1

    @classmethod
    def from_query(cls, get: Any) -> Params:
        sort = get.get("sortierung", "titel")
        return cls(
            q=(get.get("q") or "").strip()[:200],
            types=[t for t in get.getlist("typ") if t in ObjectType.values],
            year_from=_year(get.get("von")),
            year_to=_year(get.get("bis")),
            person=(get.get("person") or "")[:300],
            ort=(get.get("ort") or "")[:300],
            material=(get.get("material") or "")[:300],
            sammlung=(get.get("sammlung") or "")[:400],
            lizenz=(get.get("lizenz") or "")[:200],
            bild=get.get("bild") == "1",
            sort=sort if sort in SORTS else "titel",
            page=_int(get.get("seite")) or 1,
        )

    def query(self, **override: Any) -> str:
        """The query string of these parameters, with some replaced (None removes)."""
        values: dict[str, Any] = {
            "q": self.q,
            "typ": self.types,
            "von": self.year_from,
            "bis": self.year_to,
            "person": self.person,
            "ort": self.ort,
            "material": self.material,
            "sammlung": self.sammlung,
            "lizenz": self.lizenz,
            "bild": "1" if self.bild else "",
            "sortierung": self.sort,
        }
        values.update(override)
        pairs: list[tuple[str, Any]] = []
        for k, v in values.items():
            if isinstance(v, list):
                pairs += [(k, x) for x in v]
            elif v not in (None, ""):
                pairs.append((k, v))
        return urlencode(pairs)

    @property
    def active(self) -> bool:
        return bool(
            self.q
            or self.types
            or self.year_from is not None
            or self.year_to is not None
            or self.person
            or self.ort
            or self.material
            or self.sammlung
            or self.lizenz
            or self.bild
        )


def published(municipality: Municipality) -> QuerySet[HeritageObject]:
    return HeritageObject.objects.for_tenant(municipality).filter(status=Status.PUBLISHED)


def filtered(municipality: Municipality, p: Params) -> QuerySet[HeritageObject]:
    qs = published(municipality)
    terms = [t for t in p.q.lower().split() if t][:MAX_TERMS]
    for term in terms:
        qs = qs.filter(search_text__contains=term)
    if p.types:
        qs = qs.filter(object_type__in=p.types)
    if p.year_from is not None or p.year_to is not None:
        qs = qs.filter(Q(date_earliest__isnull=False) | Q(date_latest__isnull=False))
    if p.year_from is not None:
        qs = qs.filter(Q(date_latest__gte=p.year_from) | Q(date_latest__isnull=True))
    if p.year_to is not None:
        qs = qs.filter(Q(date_earliest__lte=p.year_to) | Q(date_earliest__isnull=True))
    for param, kind in TEXT_FACETS.items():
        value = getattr(p, param)
        if value:
            qs = qs.filter(
                pk__in=FacetValue.objects.filter(
                    municipality=municipality, published=True, facet=kind, value=value
                ).values("object_id")
            )
    if p.sammlung:
        through = HeritageObject.collections.through
        qs = qs.filter(
            pk__in=through.objects.filter(
                Q(collection__set_spec=p.sammlung) | Q(collection__set_spec__startswith=p.sammlung + ":"),
                collection__municipality=municipality,
            ).values("heritageobject_id")
        )
    if p.lizenz:
        qs = qs.filter(image_rights=p.lizenz)
    if p.bild:
        qs = qs.filter(has_image=True)
    return qs


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    query: str


@dataclass
class Result:
    page: Page[Any]
    total: int
    facets: dict[str, list[FacetOption]]
    params: Params


def _mask(index: search_index.FacetIndex, p: Params) -> np.ndarray | None:
    """The rows that match the parameters (None: all of them); the same rules as ``filtered``."""
    if not p.active:
        return None
    mask = np.ones(index.size, dtype=bool)
    if p.types:
        mask &= index.any_of(FacetKind.TYPE, p.types)
    if p.year_from is not None or p.year_to is not None:
        mask &= index.has_earliest | index.has_latest
    if p.year_from is not None:
        mask &= ~index.has_latest | (index.latest >= p.year_from)
    if p.year_to is not None:
        mask &= ~index.has_earliest | (index.earliest <= p.year_to)
    for param, kind in TEXT_FACETS.items():
        value = getattr(p, param)
        if value:
            mask &= index.any_of(kind, [value])
    if p.sammlung:
        mask &= index.any_of(FacetKind.COLLECTION, [p.sammlung])
    if p.lizenz:
        mask &= index.any_of(FacetKind.LICENCE, [p.lizenz])
    if p.bild:
        mask &= index.has_image
    for term in [t for t in p.q.lower().split() if t][:MAX_TERMS]:
        if mask.any():
            mask &= index.containing(term)
    return mask


class _Hits:
    """The sorted hits of a search as a sequence for the Paginator: a slice reads only its objects."""

    def __init__(self, index: search_index.FacetIndex, rows: np.ndarray, objects: QuerySet[HeritageObject]):
        self.index, self.rows, self.objects = index, rows, objects

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, part: slice) -> list[HeritageObject]:
        ids = [int(i) for i in self.index.ids[self.rows[part]]]
        found = {o.pk: o for o in self.objects.filter(pk__in=ids)}
        return [found[i] for i in ids if i in found]  # an object unpublished meanwhile drops out


def search(municipality: Municipality, p: Params) -> Result:
    """Faceted search: filters, counts and the order come from the in-memory index of the
    municipality (see search_index); the database serves the version check and the page's objects."""
    index = search_index.index_for(municipality.pk, SORTS["titel"], OTHER_SORTS)
    mask = _mask(index, p)
    order = index.order(
        p.sort, lambda: list(published(municipality).order_by(*SORTS[p.sort]).values_list("pk", flat=True))
    )
    rows = order if mask is None else order[mask[order]]
    ready = Prefetch(
        "images", queryset=ObjectImage.objects.filter(status=ImageStatus.READY), to_attr="ready_images"
    )
    objects = (
        published(municipality)
        .only(
            "public_id",
            "inventory_number",
            "title_de",
            "title_en",
            "object_type",
            "dating",
            "institution",
            "actors",
            "has_image",
            "image_rights",
        )
        .prefetch_related(ready)
    )
    page: Page[Any] = Paginator(_Hits(index, rows, objects), PAGE_SIZE).get_page(p.page)  # type: ignore[arg-type]
    counts = index.counts(mask)

    def options(kind: str, limit: int | None = None) -> list[tuple[str, str, int]]:
        tids = index.facet_terms.get(kind, np.zeros(0, dtype=np.int64))
        tids = tids[counts[tids] > 0]
        if limit is not None and len(tids) > limit:
            tids = tids[np.lexsort((index.value_rank[tids], -counts[tids]))[:limit]]
        return [(index.terms[t][1], index.terms[t][2], int(counts[t])) for t in tids]

    facets: dict[str, list[FacetOption]] = {}
    type_labels = dict(ObjectType.choices)
    facets["typ"] = [
        FacetOption(
            value,
            str(type_labels.get(value, value)),
            n,
            value in p.types,
            p.query(typ=sorted(set(p.types) ^ {value})),
        )
        for value, _label, n in sorted(options(FacetKind.TYPE), key=lambda r: (-r[2], r[0]))
    ]
    facets["lizenz"] = [
        FacetOption(
            value,
            RIGHTS_LABEL.get(value, value),
            n,
            p.lizenz == value,
            p.query(lizenz="" if p.lizenz == value else value),
        )
        for value, _label, n in sorted(options(FacetKind.LICENCE), key=lambda r: (-r[2], r[0]))
    ]
    facets["jahrhundert"] = []
    for value, label, n in sorted(options(FacetKind.CENTURY), key=lambda r: int(r[0])):
        start = int(value)
        selected = p.year_from == start and p.year_to == start + 99
        facets["jahrhundert"].append(
            FacetOption(
                value,
                label,
                n,
                selected,
                p.query(von=None if selected else start, bis=None if selected else start + 99),
            )
        )
    facets["sammlung"] = [
        FacetOption(
            value, label, n, p.sammlung == value, p.query(sammlung="" if p.sammlung == value else value)
        )
        for value, label, n in sorted(options(FacetKind.COLLECTION), key=lambda r: r[0])
    ]
    for param, kind in TEXT_FACETS.items():
        current = getattr(p, param)
        top = sorted(options(kind, FACET_LIMIT), key=lambda r: (-r[2], r[0]))
        t = index.term_ids.get((kind, current)) if current else None
        if t is not None and counts[t] > 0 and all(value != current for value, _l, _n in top):
            top.append((current, index.terms[t][2], int(counts[t])))
        facets[param] = [
            FacetOption(
                value, label, n, current == value, p.query(**{param: "" if current == value else value})
            )
            for value, label, n in top
        ]
    return Result(page=page, total=len(rows), facets=facets, params=p)


def collection_tree(municipality: Municipality) -> list[Collection]:
    return list(
        Collection.objects.for_tenant(municipality)
        .filter(is_public=True)
        .annotate(n=Count("heritage_objects", filter=Q(heritage_objects__status=Status.PUBLISHED)))
        .order_by("set_spec")
    )


def object_count(municipality: Municipality) -> int:
    return published(municipality).count()
