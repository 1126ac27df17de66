"""OAI-PMH: every verb and every error code validated against the OAI-PMH XSD (via the wrapper
schema with oai_dc and oai-identifier) and LIDO payloads against lido-v1.0.xsd; a real harvester
(sickle) gets exactly the published records through resumption tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree

from rathaus.heritage import oai, services
from rathaus.heritage.models import HeritageObject, Status, Tombstone
from tests.conftest import HOST_A, HOST_B, client_for

from .conftest import add_image, assert_valid, make_collection, make_object

NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "lido": "http://www.lido-schema.org",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def get(client, **params):
    r = client.get("/oai", params)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/xml")
    return r.content


def error_code(xml: bytes) -> str:
    return etree.fromstring(xml).find("o:error", NS).get("code")


@pytest.fixture
def repo(muni_a):
    museum = make_collection(muni_a, "museum", "Museum Schloss Moritzburg")
    archive = make_collection(muni_a, "stadtarchiv", "Stadtarchiv Zeitz", level="fonds")
    charters = make_collection(muni_a, "urkunden", "Urkunden", parent=archive, level="series")
    objs = [make_object(muni_a, f"M-{i:03d}", publish=True, collections=[museum]) for i in range(3)]
    objs.append(make_object(muni_a, "U-001", publish=True, collections=[charters], object_type="document"))
    draft = make_object(muni_a, "D-001")
    withdrawn = make_object(muni_a, "W-001", publish=True, collections=[museum])
    services.transition(withdrawn, Status.DRAFT)
    add_image(objs[0])
    return {"objs": objs, "draft": draft, "withdrawn": withdrawn, "museum": museum, "charters": charters}


def ident(obj) -> str:
    return f"oai:{HOST_A}:{obj.public_id}"


def test_identify(client_a, repo):
    root = assert_valid(get(client_a, verb="Identify"), "oai")
    assert root.findtext("o:Identify/o:deletedRecord", namespaces=NS) == "persistent"
    assert root.findtext("o:Identify/o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert root.findtext("o:Identify/o:baseURL", namespaces=NS) == f"http://{HOST_A}/oai"
    assert (
        root.find(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}repositoryIdentifier").text
        == HOST_A
    )


def test_list_metadata_formats_and_sets(client_a, repo):
    root = assert_valid(get(client_a, verb="ListMetadataFormats"), "oai")
    assert {e.text for e in root.iterfind(".//o:metadataPrefix", NS)} == {"oai_dc", "lido"}
    assert_valid(get(client_a, verb="ListMetadataFormats", identifier=ident(repo["objs"][0])), "oai")
    root = assert_valid(get(client_a, verb="ListSets"), "oai")
    assert [e.text for e in root.iterfind(".//o:setSpec", NS)] == [
        "museum",
        "stadtarchiv",
        "stadtarchiv:urkunden",
    ]


def test_list_identifiers_includes_deleted_and_excludes_drafts(client_a, repo):
    root = assert_valid(get(client_a, verb="ListIdentifiers", metadataPrefix="oai_dc"), "oai")
    headers = root.findall(".//o:header", NS)
    ids = {h.findtext("o:identifier", namespaces=NS): h.get("status") for h in headers}
    assert set(ids) == {ident(o) for o in repo["objs"]} | {ident(repo["withdrawn"])}
    assert ids[ident(repo["withdrawn"])] == "deleted"
    assert ident(repo["draft"]) not in ids


def test_list_records_oai_dc_and_lido(client_a, repo):
    root = assert_valid(get(client_a, verb="ListRecords", metadataPrefix="oai_dc"), "oai")
    titles = [e.text for e in root.iterfind(".//dc:title", NS)]
    assert "Ansicht von Schloss Moritzburg M-000" in titles
    root = assert_valid(get(client_a, verb="ListRecords", metadataPrefix="lido"), "oai_lido")
    records = root.findall(".//lido:lido", NS)
    assert len(records) == 4
    for rec in records:
        assert_valid(etree.fromstring(etree.tostring(rec)), "lido")
    assert root.find(".//lido:linkResource", NS).text.endswith("/full/max/0/default.jpg")


def test_get_record(client_a, repo):
    obj = repo["objs"][0]
    for prefix, name in (("oai_dc", "oai"), ("lido", "oai_lido")):
        root = assert_valid(
            get(client_a, verb="GetRecord", identifier=ident(obj), metadataPrefix=prefix), name
        )
        assert root.findtext(".//o:header/o:identifier", namespaces=NS) == ident(obj)
    root = assert_valid(
        get(client_a, verb="GetRecord", identifier=ident(repo["withdrawn"]), metadataPrefix="oai_dc"), "oai"
    )
    assert root.find(".//o:header", NS).get("status") == "deleted"
    assert root.find(".//o:metadata", NS) is None


def test_selective_harvesting_by_set_and_date(client_a, repo):
    root = assert_valid(
        get(client_a, verb="ListIdentifiers", metadataPrefix="oai_dc", set="stadtarchiv"), "oai"
    )
    assert [h.text for h in root.iterfind(".//o:identifier", NS)] == [ident(repo["objs"][3])]
    root = assert_valid(get(client_a, verb="ListIdentifiers", metadataPrefix="oai_dc", set="museum"), "oai")
    assert len(root.findall(".//o:header", NS)) == 4  # three published + the withdrawn one (deleted)
    old = timezone.now() - timedelta(days=10)
    HeritageObject.objects.filter(pk=repo["objs"][1].pk).update(datestamp=old)
    day = old.strftime("%Y-%m-%d")
    root = assert_valid(get(client_a, verb="ListIdentifiers", metadataPrefix="oai_dc", until=day), "oai")
    assert [h.text for h in root.iterfind(".//o:identifier", NS)] == [ident(repo["objs"][1])]
    root = assert_valid(
        get(
            client_a,
            verb="ListIdentifiers",
            metadataPrefix="oai_dc",
            **{"from": (old + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")},
        ),
        "oai",
    )
    assert ident(repo["objs"][1]) not in [h.text for h in root.iterfind(".//o:identifier", NS)]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "Identify", "foo": "bar"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-13-45"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2020-01-01",
                "until": "2020-01-01T00:00:00Z",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "kaputt"}, "badResumptionToken"),
        # Characters XML cannot carry (the probe's NUL gave a 500): badArgument, never echoed.
        ({"verb": "ListRecords", "resumptionToken": "\x00"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc\x01"}, "badArgument"),
        ({"verb": "Identify", "\x00": "1"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:x:\ufffe"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {
                "verb": "GetRecord",
                "metadataPrefix": "oai_dc",
                "identifier": "oai:zeitz.testserver:gibtesnicht",
            },
            "idDoesNotExist",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2999-01-01"}, "noRecordsMatch"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "gibtesnicht"}, "noRecordsMatch"),
    ],
)
def test_error_codes_validate(client_a, repo, params, code):
    xml = get(client_a, **params)
    assert_valid(xml, "oai")
    assert error_code(xml) == code


def test_no_metadata_formats_for_deleted_record(client_a, repo):
    xml = get(client_a, verb="ListMetadataFormats", identifier=ident(repo["withdrawn"]))
    assert_valid(xml, "oai")
    assert error_code(xml) == "noMetadataFormats"


def test_no_set_hierarchy_without_collections(client_b, muni_b):
    make_object(muni_b, "B-1", publish=True)
    for params in ({"verb": "ListSets"}, {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "x"}):
        xml = get(client_b, **params)
        assert_valid(xml, "oai")
        assert error_code(xml) == "noSetHierarchy"


def test_repeated_argument_and_post(client_a, repo):
    xml = client_a.get("/oai?verb=Identify&verb=Identify").content
    assert error_code(xml) == "badVerb"
    r = client_a.post("/oai", {"verb": "Identify"})
    assert_valid(r.content, "oai")


def test_tokens_are_bound_to_municipality_and_verb(client_a, muni_a, monkeypatch, repo):
    monkeypatch.setattr(oai, "PAGE_SIZE", 2)
    root = etree.fromstring(get(client_a, verb="ListIdentifiers", metadataPrefix="oai_dc"))
    token = root.findtext(".//o:resumptionToken", namespaces=NS)
    assert token
    assert error_code(get(client_a, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
    make_object_b = client_for(HOST_B)
    from tests.conftest import make_municipality

    make_municipality("musterstadt", "Musterstadt", "16099999", "160990000999", "16", [HOST_B])
    assert (
        error_code(get(make_object_b, verb="ListIdentifiers", resumptionToken=token)) == "badResumptionToken"
    )
    assert (
        error_code(get(client_a, verb="ListIdentifiers", resumptionToken=token + "x")) == "badResumptionToken"
    )


def test_expired_token(client_a, repo, monkeypatch):
    monkeypatch.setattr(oai, "PAGE_SIZE", 2)
    token = etree.fromstring(get(client_a, verb="ListIdentifiers", metadataPrefix="oai_dc")).findtext(
        ".//o:resumptionToken", namespaces=NS
    )
    monkeypatch.setattr(oai, "TOKEN_TTL", timedelta(seconds=-1))
    xml = get(client_a, verb="ListIdentifiers", resumptionToken=token)
    assert error_code(xml) == "badResumptionToken" and b"expired" in xml


def test_paging_survives_concurrent_edits(client_a, muni_a, monkeypatch):
    monkeypatch.setattr(oai, "PAGE_SIZE", 5)
    objs = [make_object(muni_a, f"P-{i:03d}", publish=True) for i in range(12)]
    seen: list[str] = []
    root = assert_valid(get(client_a, verb="ListIdentifiers", metadataPrefix="oai_dc"), "oai")
    token_el = root.find(".//o:resumptionToken", NS)
    assert token_el.get("completeListSize") == "12" and token_el.get("cursor") == "0"
    seen += [h.text for h in root.iterfind(".//o:identifier", NS)]
    # Between pages: an edit of an already harvested record, a new record, a deletion of a harvested one.
    services.save_object(muni_a, {**_data(objs[0]), "title_de": "Geändert"}, obj=objs[0])
    make_object(muni_a, "P-NEU", publish=True)
    services.delete_object(HeritageObject.objects.get(pk=objs[1].pk))
    cursors = []
    while token_el is not None and token_el.text:
        root = assert_valid(get(client_a, verb="ListIdentifiers", resumptionToken=token_el.text), "oai")
        token_el = root.find(".//o:resumptionToken", NS)
        cursors.append((token_el.get("cursor"), token_el.get("completeListSize")))
        seen += [h.text for h in root.iterfind(".//o:identifier", NS)]
    assert cursors == [("5", "12"), ("10", "12")]
    assert sorted(seen) == sorted(ident(o) for o in objs)  # each original record exactly once


def _data(obj):
    return {f: getattr(obj, f) for f in services.EDITABLE_FIELDS}


def test_paging_through_equal_datestamps(client_a, muni_a, monkeypatch):
    """Records sharing one datestamp across page boundaries (a bulk import): the identifier breaks
    the tie, every record comes exactly once, in (datestamp, identifier) order."""
    monkeypatch.setattr(oai, "PAGE_SIZE", 3)
    objs = [make_object(muni_a, f"T-{i:02d}", publish=True) for i in range(10)]
    stamp = objs[0].datestamp
    HeritageObject.objects.filter(pk__in=[o.pk for o in objs[2:9]]).update(datestamp=stamp)
    seen: list[str] = []
    params = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
    while True:
        root = assert_valid(get(client_a, **params), "oai")
        seen += [h.text for h in root.iterfind(".//o:identifier", NS)]
        token = root.findtext(".//o:resumptionToken", namespaces=NS)
        if not token:
            break
        params = {"verb": "ListIdentifiers", "resumptionToken": token}
    assert sorted(seen) == sorted(ident(o) for o in objs) and len(seen) == 10
    expected = sorted(
        HeritageObject.objects.filter(pk__in=[o.pk for o in objs]), key=lambda o: (o.datestamp, o.public_id)
    )
    assert seen == [ident(o) for o in expected]


@pytest.mark.django_db(transaction=True)
def test_sickle_harvests_exactly_the_published_records(live_server, monkeypatch, settings, tmp_path):
    from sickle import Sickle

    from tests.conftest import make_municipality

    muni = make_municipality(
        "zeitz", "Zeitz", "15084590", "150840590590", "15", ["zeitz.localhost", "localhost"]
    )
    monkeypatch.setattr(oai, "PAGE_SIZE", 7)
    published = {make_object(muni, f"S-{i:03d}", publish=True).public_id for i in range(30)}
    for i in range(5):
        make_object(muni, f"E-{i:03d}")  # drafts are never harvested
    gone = make_object(muni, "G-001", publish=True)
    services.delete_object(gone)
    sickle = Sickle(f"{live_server.url}/oai", max_retries=1)
    records = list(sickle.ListRecords(metadataPrefix="lido", ignore_deleted=True))
    harvested = {r.header.identifier.rsplit(":", 1)[1] for r in records}
    assert harvested == published
    assert len(records) == 30
    headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc"))
    assert {h.identifier.rsplit(":", 1)[1] for h in headers if h.deleted} == {gone.public_id}
    assert Tombstone.objects.count() == 1
