"""The DCAT-AP.de 2.0 catalog of one municipality, paged like GovData/piveau (hydra:PagedCollection).

Triples are made with rdflib terms, one page (100 datasets) at a time, so memory stays flat however
large the catalog grows; Turtle is written directly from them (fast), RDF/XML and JSON-LD by rdflib.
Rendered pages are cached under a key that changes with the data. bench/opendata_bench.py measures it.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime

from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, QuerySet
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD
from rdflib.term import Node

from rathaus.core.tenancy.models import Municipality

from . import vocab
from .models import CatalogSettings, Dataset, DatasetStatus, Distribution

PAGE_SIZE = 100
CACHE_SECONDS = 3600  # rendered pages; the key changes with the data anyway
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FORMATS = {"ttl": "turtle", "rdf": "pretty-xml", "jsonld": "json-ld"}
CONTENT_TYPES = {
    "ttl": "text/turtle; charset=utf-8",
    "rdf": "application/rdf+xml; charset=utf-8",
    "jsonld": "application/ld+json; charset=utf-8",
}


def public_datasets(municipality: Municipality) -> QuerySet[Dataset]:
    return Dataset.objects.for_tenant(municipality).filter(status=DatasetStatus.PUBLISHED)


@dataclass
class Paging:
    page: int
    last: int
    total: int


def page_count(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


def _new_graph() -> Graph:
    g = Graph()
    for prefix, ns in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("dcatde", DCATDE),
        ("vcard", VCARD),
        ("spdx", SPDX),
        ("hydra", HYDRA),
        ("xsd", XSD),
    ):
        g.bind(prefix, ns)
    return g


def _dt(value: datetime | date) -> Literal:
    if isinstance(value, datetime):
        return Literal(value.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)
    return Literal(value.isoformat(), datatype=XSD.date)


class Triples(list[tuple[Node, Node, Node]]):
    """The triples of one page in the order they were made (a Graph would index and dedupe them)."""

    def add(self, triple: tuple[Node, Node, Node]) -> None:
        self.append(triple)


def build(municipality: Municipality, base: str, page: int, ext: str = "ttl") -> tuple[Graph, Paging]:
    """The rdflib graph of catalog page ``page`` (1-based), for RDF/XML and JSON-LD."""
    triples, paging = collect(municipality, base, page, ext)
    g = _new_graph()
    for t in triples:
        g.add(t)
    return g, paging


def collect(municipality: Municipality, base: str, page: int, ext: str = "ttl") -> tuple[Triples, Paging]:
    """The triples of catalog page ``page`` (1-based). ``base`` is "https://host" without a slash."""
    qs = public_datasets(municipality)
    total = qs.count()
    last = page_count(total)
    datasets = list(
        qs.order_by("pk").prefetch_related(
            "theme_rows",
            "keyword_rows",
            Prefetch("distributions", queryset=Distribution.objects.order_by("pk")),
        )[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )
    g = Triples()
    catalog = URIRef(f"{base}/dcat/catalog")
    publisher = URIRef(f"{base}/#kommune")
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(municipality.official_name or municipality.name, lang="de")))
    home = URIRef(municipality.website or f"{base}/")
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal(f"Offene Daten – {municipality.name}", lang="de")))
    g.add((catalog, DCTERMS.title, Literal(f"Open data – {municipality.name}", lang="en")))
    g.add(
        (
            catalog,
            DCTERMS.description,
            Literal(f"Datensätze der Kommune {municipality.name} nach DCAT-AP.de 2.0.", lang="de"),
        )
    )
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, FOAF.homepage, home))
    g.add((home, RDF.type, FOAF.Document))
    g.add((catalog, DCTERMS.language, URIRef(vocab.LANGUAGE_DEU)))
    latest = max((d.modified for d in datasets if d.modified), default=None)
    if latest:
        g.add((catalog, DCTERMS.modified, _dt(latest)))

    this = URIRef(f"{base}/dcat/catalog.{ext}?page={page}")
    g.add((this, RDF.type, HYDRA.PagedCollection))
    g.add((this, HYDRA.itemsPerPage, Literal(PAGE_SIZE)))
    g.add((this, HYDRA.totalItems, Literal(total)))
    g.add((this, HYDRA.firstPage, Literal(f"{base}/dcat/catalog.{ext}?page=1")))
    g.add((this, HYDRA.lastPage, Literal(f"{base}/dcat/catalog.{ext}?page={last}")))
    if page < last:
        g.add((this, HYDRA.nextPage, Literal(f"{base}/dcat/catalog.{ext}?page={page + 1}")))
    if page > 1:
        g.add((this, HYDRA.previousPage, Literal(f"{base}/dcat/catalog.{ext}?page={page - 1}")))

    contributor = CatalogSettings.of(municipality).contributor_id
    spatial = URIRef(vocab.GEOCODING_MUNICIPALITY + municipality.ags)
    level = URIRef(vocab.GEOCODING_LEVEL_MUNICIPALITY)
    for ds in datasets:
        _add_dataset(g, ds, base, catalog, publisher, municipality, spatial, level)
        if contributor:
            g.add((URIRef(f"{base}/daten/{ds.pk}/#datensatz"), DCATDE.contributorID, URIRef(contributor)))
    return g, Paging(page, last, total)


def _add_dataset(
    g: Triples,
    ds: Dataset,
    base: str,
    catalog: URIRef,
    publisher: URIRef,
    muni: Municipality,
    spatial: URIRef,
    level: URIRef,
) -> None:
    landing = f"{base}/daten/{ds.pk}/"
    node = URIRef(landing + "#datensatz")
    g.add((catalog, DCAT.dataset, node))
    g.add((node, RDF.type, DCAT.Dataset))
    g.add((node, DCTERMS.identifier, Literal(landing)))
    g.add((node, DCTERMS.title, Literal(ds.title, lang="de")))
    if ds.title_en:
        g.add((node, DCTERMS.title, Literal(ds.title_en, lang="en")))
    g.add((node, DCTERMS.description, Literal(ds.description or ds.title, lang="de")))
    if ds.description_en:
        g.add((node, DCTERMS.description, Literal(ds.description_en, lang="en")))
    g.add((node, DCTERMS.publisher, publisher))
    contact = URIRef(landing + "#kontakt")
    g.add((node, DCAT.contactPoint, contact))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(ds.contact_name or muni.official_name or muni.name)))
    email = ds.contact_email or muni.email
    if email:
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    page = URIRef(landing)
    g.add((node, DCAT.landingPage, page))
    g.add((page, RDF.type, FOAF.Document))
    for t in ds.theme_rows.all():
        g.add((node, DCAT.theme, URIRef(vocab.THEME_BASE + t.code)))
    for k in ds.keyword_rows.all():
        g.add((node, DCAT.keyword, Literal(k.keyword, lang="de")))
    g.add((node, DCATDE.politicalGeocodingURI, spatial))
    g.add((node, DCATDE.politicalGeocodingLevelURI, level))
    g.add((node, DCTERMS.language, URIRef(vocab.LANGUAGE_DEU)))
    g.add((node, DCTERMS.accrualPeriodicity, URIRef(vocab.FREQUENCY_BASE + ds.accrual_periodicity)))
    if ds.issued:
        g.add((node, DCTERMS.issued, _dt(ds.issued)))
    if ds.modified:
        g.add((node, DCTERMS.modified, _dt(ds.modified)))
    if ds.temporal_start or ds.temporal_end:
        period = URIRef(landing + "#zeitraum")
        g.add((node, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if ds.temporal_start:
            g.add((period, DCAT.startDate, _dt(ds.temporal_start)))
        if ds.temporal_end:
            g.add((period, DCAT.endDate, _dt(ds.temporal_end)))
    for dist in ds.distributions.all():
        _add_distribution(g, node, ds, dist, base, landing)


def _add_distribution(
    g: Triples, node: URIRef, ds: Dataset, dist: Distribution, base: str, landing: str
) -> None:
    d = URIRef(f"{landing}#distribution-{dist.pk}")
    g.add((node, DCAT.distribution, d))
    g.add((d, RDF.type, DCAT.Distribution))
    g.add((d, DCTERMS.title, Literal(dist.title, lang="de")))
    path = dist.download_path()
    url = URIRef(path if path.startswith(("http://", "https://")) else base + path)
    g.add((d, DCAT.accessURL, url))
    if dist.file or dist.source_key:
        g.add((d, DCAT.downloadURL, url))
    g.add((d, DCTERMS.format, URIRef(vocab.FILE_TYPE_BASE + dist.format)))
    if dist.media_type:
        g.add((d, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/" + dist.media_type)))
    licence = dist.licence or ds.licence
    if licence:
        g.add((d, DCTERMS.license, URIRef(licence)))
    if dist.byte_size is not None:
        g.add((d, DCAT.byteSize, Literal(str(dist.byte_size), datatype=XSD.decimal)))
    if dist.checksum_sha256:
        c = URIRef(f"{landing}#pruefsumme-{dist.pk}")
        g.add((d, SPDX.checksum, c))
        g.add((c, RDF.type, SPDX.Checksum))
        g.add((c, SPDX.algorithm, URIRef(vocab.HASH_SHA256)))
        g.add((c, SPDX.checksumValue, Literal(dist.checksum_sha256, datatype=XSD.hexBinary)))
    if dist.modified:
        g.add((d, DCTERMS.modified, _dt(dist.modified)))


def turtle(triples: Triples) -> bytes:
    """Turtle written directly, one subject block after the other, with full IRIs.

    Hand-written because rdflib's pretty Turtle serializer spends most of a page's time analysing
    the graph (bench/opendata_bench.py); ``Node.n3()`` does the escaping, and the tests parse the
    output and compare it with the RDF/XML and JSON-LD that rdflib writes.
    """
    by_subject: dict[Node, list[tuple[Node, Node]]] = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p, o))
    rdf_type = RDF.type
    parts: list[str] = []
    for s, pos in by_subject.items():
        body = " ;\n    ".join(("a" if p == rdf_type else p.n3()) + " " + o.n3() for p, o in pos)
        parts.append(f"{s.n3()}\n    {body} .\n")
    return "\n".join(parts).encode("utf-8")


def render(municipality: Municipality, base: str, page: int, ext: str) -> tuple[bytes, Paging]:
    if ext == "ttl":
        triples, paging = collect(municipality, base, page, ext)
        return turtle(triples), paging
    graph, paging = build(municipality, base, page, ext)
    return graph.serialize(format=FORMATS[ext], encoding="utf-8"), paging


def _stamp(municipality: Municipality) -> str:
    """Changes whenever a published dataset (or one of its distributions) changes."""
    row = public_datasets(municipality).aggregate(n=Count("pk"), u=Max("updated_at"), m=Max("modified"))
    raw = f"{row['n']}|{row['u']}|{row['m']}|{CatalogSettings.of(municipality).contributor_id}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def render_cached(municipality: Municipality, base: str, page: int, ext: str) -> bytes:
    """A rendered page from the shared cache (key: municipality, host, format, page, data stamp)."""
    host = hashlib.sha256(base.encode()).hexdigest()[:12]
    key = f"opendata:catalog:{municipality.pk}:{host}:{ext}:{page}:{_stamp(municipality)}"
    data: bytes | None = cache.get(key)
    if data is None:
        data, _paging = render(municipality, base, page, ext)
        cache.set(key, data, CACHE_SECONDS)
    return data
