"""Read paths of the digital collection: faceted search over published objects.

A search costs a constant number of queries whatever the result size: one count, one page of
objects, and one GROUP BY per facet family (object type, licence, century, collection and the
FacetValue families creator/place/material in one query).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet

from rathaus.core.tenancy.models import Municipality

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
TEXT_FACETS = {"person": FacetKind.CREATOR, "ort": FacetKind.PLACE, "material": FacetKind.MATERIAL}


def _int(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


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
            year_from=_int(get.get("von")),
            year_to=_int(get.get("bis")),
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


FACET_CACHE_SECONDS = 300


def _version_key(municipality_id: int) -> str:
    return f"heritage:facets:v:{municipality_id}"


def facets_changed(municipality_id: int) -> None:
    """Invalidate the cached facet counts of the unfiltered search (called by the services)."""
    try:
        cache.incr(_version_key(municipality_id))
    except ValueError:
        cache.set(_version_key(municipality_id), 1, None)


def facet_counts(municipality: Municipality, qs: QuerySet[HeritageObject] | None) -> list[dict[str, Any]]:
    """(facet, value, label, n) of all facet families in one GROUP BY over FacetValue.

    Without filters (qs None) the query is an index-only scan and its result is cached per
    municipality until the next change of a published object."""
    rows = FacetValue.objects.filter(municipality=municipality, published=True).exclude(
        facet__in=[FacetKind.SUBJECT, FacetKind.TECHNIQUE]
    )
    if qs is not None:
        rows = rows.filter(object_id__in=qs.values("pk"))
    query = rows.values("facet", "value").annotate(n=Count("*"), label=Max("label")).order_by()
    if qs is not None:
        return list(query)
    key = f"heritage:facets:{municipality.pk}:{cache.get_or_set(_version_key(municipality.pk), 1, None)}"
    cached = cache.get(key)
    if cached is None:
        cached = list(query)
        cache.set(key, cached, FACET_CACHE_SECONDS)
    return list(cached)


def search(municipality: Municipality, p: Params) -> Result:
    qs = filtered(municipality, p)
    ready = Prefetch(
        "images", queryset=ObjectImage.objects.filter(status=ImageStatus.READY), to_attr="ready_images"
    )
    paginator = Paginator(
        qs.order_by(*SORTS[p.sort])
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
        .prefetch_related(ready),
        PAGE_SIZE,
    )
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in facet_counts(municipality, qs if p.active else None):
        grouped[r["facet"]].append(r)
    # Every object has exactly one type row: the type counts add up to the number of hits, which
    # saves a COUNT over the filtered set.
    total = sum(r["n"] for r in grouped.get(FacetKind.TYPE, []))
    paginator.__dict__["count"] = total  # Paginator.count is a cached_property
    page = paginator.get_page(p.page)
    facets: dict[str, list[FacetOption]] = {}
    type_labels = dict(ObjectType.choices)
    facets["typ"] = [
        FacetOption(
            r["value"],
            str(type_labels.get(r["value"], r["value"])),
            r["n"],
            r["value"] in p.types,
            p.query(typ=sorted(set(p.types) ^ {r["value"]})),
        )
        for r in sorted(grouped.get(FacetKind.TYPE, []), key=lambda r: (-r["n"], r["value"]))
    ]
    facets["lizenz"] = [
        FacetOption(
            r["value"],
            RIGHTS_LABEL.get(r["value"], r["value"]),
            r["n"],
            p.lizenz == r["value"],
            p.query(lizenz="" if p.lizenz == r["value"] else r["value"]),
        )
        for r in sorted(grouped.get(FacetKind.LICENCE, []), key=lambda r: -r["n"])
    ]
    facets["jahrhundert"] = []
    for r in sorted(grouped.get(FacetKind.CENTURY, []), key=lambda r: int(r["value"])):
        start = int(r["value"])
        selected = p.year_from == start and p.year_to == start + 99
        facets["jahrhundert"].append(
            FacetOption(
                r["value"],
                r["label"],
                r["n"],
                selected,
                p.query(von=None if selected else start, bis=None if selected else start + 99),
            )
        )
    facets["sammlung"] = [
        FacetOption(
            r["value"],
            r["label"],
            r["n"],
            p.sammlung == r["value"],
            p.query(sammlung="" if p.sammlung == r["value"] else r["value"]),
        )
        for r in sorted(grouped.get(FacetKind.COLLECTION, []), key=lambda r: r["value"])
    ]
    for param, kind in TEXT_FACETS.items():
        current = getattr(p, param)
        options = sorted(grouped.get(kind, []), key=lambda r: (-r["n"], r["value"]))[:FACET_LIMIT]
        if current and all(r["value"] != current for r in options):
            options += [r for r in grouped.get(kind, []) if r["value"] == current]
        facets[param] = [
            FacetOption(
                r["value"],
                r["label"],
                r["n"],
                current == r["value"],
                p.query(**{param: "" if current == r["value"] else r["value"]}),
            )
            for r in options
        ]
    return Result(page=page, total=total, facets=facets, params=p)


def collection_tree(municipality: Municipality) -> list[Collection]:
    return list(
        Collection.objects.for_tenant(municipality)
        .filter(is_public=True)
        .annotate(n=Count("heritage_objects", filter=Q(heritage_objects__status=Status.PUBLISHED)))
        .order_by("set_spec")
    )


def object_count(municipality: Municipality) -> int:
    return published(municipality).count()
