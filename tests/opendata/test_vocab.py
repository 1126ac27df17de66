"""The fixed lists in rathaus.opendata.vocab against the official vocabularies in the shared test data."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from rathaus.opendata import vocab
from tests import conftest


def _vocab(name: str) -> Graph:
    path = conftest.testdata_dir() / "dcat-ap-de" / "vocab" / name
    if not path.exists():
        pytest.skip(f"DCAT-AP.de vocabulary not available: {path} (set RATHAUS_TESTDATA)")
    return Graph().parse(path)


def test_licences_are_exactly_the_official_2020_07_15_list():
    g = _vocab("dcat-ap-de-licenses-open.rdf")
    official = {str(s) for s in g.subjects(SKOS.inScheme, URIRef("http://dcat-ap.de/def/licenses"))}
    assert {uri for uri, _name in vocab.LICENCES} == official
    assert len(vocab.LICENCES) == len(official) == 34
    for uri, name in vocab.LICENCES:
        # Official labels, modulo punctuation (the official list has stray doubled dashes).
        labels = {re.sub(r"\W", "", str(label)) for label in g.objects(URIRef(uri), SKOS.prefLabel)}
        assert re.sub(r"\W", "", name) in labels, uri


@pytest.mark.parametrize(
    ("file", "scheme", "codes"),
    [
        ("data-theme.ttl", "data-theme", [c for c, _l in vocab.THEMES]),
        ("frequency.ttl", "frequency", [c for c, _l in vocab.FREQUENCIES]),
        ("file-type.ttl", "file-type", list(vocab.FILE_TYPES)),
    ],
)
def test_eu_codes_exist(file, scheme, codes):
    g = _vocab(file)
    base = f"http://publications.europa.eu/resource/authority/{scheme}/"
    for code in codes:
        assert (URIRef(base + code), None, None) in g, code
