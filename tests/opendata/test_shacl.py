"""The real DCAT-AP.de catalog output validated offline with pyshacl (recipe: dcat-ap-de/README.md)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH, SKOS

from rathaus.opendata import demo, services, vocab
from rathaus.opendata.models import CatalogSettings, Dataset
from tests import conftest
from tests.conftest import HOST_A, client_for

from .conftest import fake_source, make_dataset

SPEC = (
    "dcat-ap_2.1.1_shacl_shapes.ttl",
    "dcat-ap-spec-german-messages.ttl",
    "dcat-ap-spec-german-additions.ttl",
    "dcat-ap-de-deprecated.ttl",
)


def _root() -> Path:
    root = conftest.testdata_dir() / "dcat-ap-de"
    if not (root / "shacl").exists():
        pytest.skip(f"DCAT-AP.de SHACL shapes not available in {root} (set RATHAUS_TESTDATA)")
    return root


@pytest.fixture(scope="module")
def vocab_graph() -> Graph:
    root = _root()
    g = Graph()
    for f in sorted((root / "vocab").iterdir()):
        g.parse(f)
    # Known gap of the offline test data (README "Known limit"): the dcat-ap.de hash-algorithm list is
    # not vendored. We state the one fact the shapes check about the algorithm IRI we use.
    g.add((URIRef(vocab.HASH_SHA256), SKOS.inScheme, URIRef("http://dcat-ap.de/def/hashAlgorithms")))
    return g


def _shapes(*extra: str) -> Graph:
    root = _root()
    sg = Graph()
    for f in SPEC + extra:
        sg.parse(root / "shacl" / f)
    return sg


def _results(data: bytes, vocab_graph: Graph, fmt: str = "turtle", *extra: str) -> tuple[bool, list[dict]]:
    dg = Graph().parse(data=data, format=fmt)
    for t in vocab_graph:
        dg.add(t)
    conforms, report, _text = validate(dg, shacl_graph=_shapes(*extra), inference="rdfs", allow_warnings=True)
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        if (None, SH.detail, r) in report:
            continue  # nested result of an sh:or, reported through its parent
        out.append(
            {
                "severity": report.value(r, SH.resultSeverity),
                "focus": str(report.value(r, SH.focusNode)),
                "path": str(report.value(r, SH.resultPath)),
                "message": str(report.value(r, SH.resultMessage)),
            }
        )
    return conforms, out


def _demo_catalog(muni, registry) -> None:
    demo.demo_datasets(muni)
    registry(fake_source("test.things"))
    services.sync_module_datasets(muni)


def test_demo_catalog_conforms_with_zero_violations(muni_a, registry, vocab_graph):
    _demo_catalog(muni_a, registry)
    assert Dataset.objects.filter(source="module:test.things", status="published").exists()
    data = client_for(HOST_A).get("/dcat/catalog.ttl").content
    conforms, results = _results(data, vocab_graph)
    violations = [r for r in results if r["severity"] == SH.Violation]
    assert violations == []
    assert conforms
    # The only warnings allowed are the known offline gap: the municipalityKey list is not vendored.
    assert all("politicalGeocodingURI" in r["message"] for r in results), results


def test_rdfxml_and_jsonld_carry_the_same_graph(muni_a, registry):
    _demo_catalog(muni_a, registry)
    c = client_for(HOST_A)
    ttl = Graph().parse(data=c.get("/dcat/catalog.ttl").content, format="turtle")
    rdf = Graph().parse(data=c.get("/dcat/catalog.rdf").content, format="xml")
    jsonld = Graph().parse(data=c.get("/dcat/catalog.jsonld").content, format="json-ld")
    from rdflib.compare import isomorphic

    # Only the hydra paging node names its own format; everything else is the same.
    hydra = Namespace("http://www.w3.org/ns/hydra/core#")

    def strip(g: Graph) -> Graph:
        for s in list(g.subjects(RDF.type, hydra.PagedCollection)):
            g.remove((s, None, None))
        out = Graph()
        for s, p, o in g:  # compare literals by value ("638" and "638.0" are the same xsd:decimal)
            if isinstance(o, Literal) and o.datatype:
                value = o.toPython()
                o = Literal(
                    str(float(value)) if isinstance(value, Decimal) else str(value), datatype=o.datatype
                )
            out.add((s, p, o))
        return out

    assert isomorphic(strip(ttl), strip(rdf))
    assert isomorphic(strip(ttl), strip(jsonld))


def test_missing_licence_is_reported(muni_a, registry, vocab_graph):
    ds = make_dataset(muni_a, "Ohne Lizenz", licence="")
    services.add_link(ds, title="Daten", url="https://daten.example/ohne-lizenz.csv", format="CSV")
    data = client_for(HOST_A).get("/dcat/catalog.ttl").content
    # GovData's profile (Spezifikation + Konventionen): K31 requires a dcat-ap.de licence per distribution.
    _conforms, results = _results(data, vocab_graph, "turtle", "dcat-ap-konventionen.ttl")
    k31 = [r for r in results if r["message"].startswith("K31") and r["severity"] == SH.Violation]
    assert len(k31) == 1
    assert "ohne-lizenz" not in k31[0]["focus"]  # focus is our distribution node
    assert f"/daten/{ds.pk}/#distribution-" in k31[0]["focus"]


def test_licensed_distribution_passes_k31(muni_a, registry, vocab_graph):
    ds = make_dataset(muni_a, "Mit Lizenz")
    services.add_link(ds, title="Daten", url="https://daten.example/mit-lizenz.csv", format="CSV")
    data = client_for(HOST_A).get("/dcat/catalog.ttl").content
    _conforms, results = _results(data, vocab_graph, "turtle", "dcat-ap-konventionen.ttl")
    assert not [r for r in results if r["message"].startswith("K31")]
    assert Literal("Mit Lizenz", lang="de") in set(Graph().parse(data=data, format="turtle").objects())


def test_demo_catalog_meets_govdata_conventions(muni_a, registry, vocab_graph):
    """Profile "Spezifikation + Konventionen" (GovData delivery): zero violations once the
    contributor ID is set (K12&13); without it, K12&13 is the violation reported."""
    _demo_catalog(muni_a, registry)
    data = client_for(HOST_A).get("/dcat/catalog.ttl").content
    _conforms, results = _results(data, vocab_graph, "turtle", "dcat-ap-konventionen.ttl")
    assert {r["message"][:6] for r in results if r["severity"] == SH.Violation} == {"K12&13"}
    CatalogSettings.objects.create(
        municipality=muni_a, contributor_id="http://dcat-ap.de/def/contributors/landSachsenAnhalt"
    )
    data = client_for(HOST_A).get("/dcat/catalog.ttl").content
    conforms, results = _results(data, vocab_graph, "turtle", "dcat-ap-konventionen.ttl")
    assert [r for r in results if r["severity"] == SH.Violation] == []
    assert conforms
