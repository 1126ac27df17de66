from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, RDF

from rathaus.core.accounts.models import Role
from rathaus.opendata import services
from rathaus.opendata.models import Dataset, DatasetStatus, DatasetTheme, Distribution
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user

from .conftest import make_dataset

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
CSV = b"jahr;einwohner;flaeche\n2024;28000;87,5\n2025;27650;87,5\n"


def _catalog(host: str, ext: str = "ttl", page: int | None = None) -> Graph:
    url = f"/dcat/catalog.{ext}" + (f"?page={page}" if page else "")
    r = client_for(host).get(url)
    assert r.status_code == 200, r.content[:500]
    return Graph().parse(data=r.content, format={"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}[ext])


def test_portal_lists_published_datasets_with_facets(muni_a, registry):
    make_dataset(muni_a, "Baumkataster", themes=("ENVI",), keywords=("Bäume",))
    make_dataset(muni_a, "Haushalt", themes=("GOVE", "ECON"), keywords=("Finanzen",))
    make_dataset(muni_a, "Geheimer Entwurf", status=DatasetStatus.DRAFT)
    c = client_for(HOST_A)
    html = c.get("/daten/").content.decode()
    assert "Baumkataster" in html and "Haushalt" in html and "Geheimer Entwurf" not in html
    html = c.get("/daten/?kategorie=ENVI").content.decode()
    assert "Baumkataster" in html and "Haushalt" not in html
    html = c.get("/daten/?schlagwort=Finanzen").content.decode()
    assert "Haushalt" in html and "Baumkataster" not in html
    assert c.get("/daten/?kategorie=XXXX&lizenz=boese").status_code == 200  # unknown facets are ignored


def test_portal_list_query_count_is_constant(muni_a, registry, django_assert_max_num_queries):
    for i in range(30):
        ds = make_dataset(muni_a, f"Datensatz {i}", themes=("GOVE", "ECON"), keywords=(f"k{i}",))
        services.add_link(ds, title="CSV", url=f"https://daten.example/{i}.csv", format="CSV")
    c = client_for(HOST_A)
    c.get("/daten/")  # warm the tenant cache
    with django_assert_max_num_queries(12):
        r = c.get("/daten/?format=CSV")
    assert r.status_code == 200


def test_dataset_page_preview_licence_and_download(muni_a, registry):
    ds = make_dataset(muni_a, "Einwohner")
    dist = services.add_file(ds, SimpleUploadedFile("einwohner.csv", CSV), title="Einwohner (CSV)")
    c = client_for(HOST_A)
    html = c.get(f"/daten/{ds.pk}/").content.decode()
    assert "Datenlizenz Deutschland Namensnennung 2.0" in html
    assert "https://www.govdata.de/dl-de/by-2-0" in html
    assert "27650" in html  # preview row
    assert "Ganzzahl" in html and "Dezimalzahl" in html  # inferred types
    r = c.get(f"/daten/{ds.pk}/download/{dist.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == CSV
    assert r["Content-Type"].startswith("text/csv")


def test_drafts_are_not_public(muni_a, registry):
    ds = make_dataset(muni_a, "Entwurf", status=DatasetStatus.DRAFT)
    dist = services.add_file(ds, SimpleUploadedFile("e.csv", CSV), title="Entwurf (CSV)")
    c = client_for(HOST_A)
    assert c.get(f"/daten/{ds.pk}/").status_code == 404
    assert c.get(f"/daten/{ds.pk}/download/{dist.pk}/").status_code == 404
    assert b"Entwurf" not in c.get("/dcat/catalog.ttl").content


def test_catalogs_are_tenant_isolated(muni_a, muni_b, registry):
    a = make_dataset(muni_a, "Nur in Zeitz")
    b = make_dataset(muni_b, "Nur in Musterstadt")
    for ext in ("ttl", "rdf", "jsonld"):
        ga, gb = _catalog(HOST_A, ext), _catalog(HOST_B, ext)
        titles_a = {str(o) for o in ga.objects(None, URIRef("http://purl.org/dc/terms/title"))}
        titles_b = {str(o) for o in gb.objects(None, URIRef("http://purl.org/dc/terms/title"))}
        assert "Nur in Zeitz" in titles_a and "Nur in Musterstadt" not in titles_a
        assert "Nur in Musterstadt" in titles_b and "Nur in Zeitz" not in titles_b
    # B's dataset id on A's host is a 404 as well.
    assert client_for(HOST_A).get(f"/daten/{b.pk}/").status_code == 404
    assert client_for(HOST_B).get(f"/daten/{a.pk}/").status_code == 404


def test_catalog_spatial_and_publisher(muni_a, registry):
    make_dataset(muni_a)
    g = _catalog(HOST_A)
    ds = next(g.subjects(RDF.type, DCAT.Dataset))
    dcatde = Namespace("http://dcat-ap.de/def/dcatde/")
    assert g.value(ds, dcatde.politicalGeocodingURI) == URIRef(
        "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/15084590"
    )
    assert g.value(ds, dcatde.politicalGeocodingLevelURI) == URIRef(
        "http://dcat-ap.de/def/politicalGeocoding/Level/municipality"
    )
    publisher = g.value(ds, URIRef("http://purl.org/dc/terms/publisher"))
    assert g.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name")) == Literal("Stadt Zeitz", lang="de")


def test_catalog_paging(muni_a, registry):
    Dataset.objects.bulk_create(
        [
            Dataset(
                municipality=muni_a,
                title=f"D{i:03}",
                description="x",
                status=DatasetStatus.PUBLISHED,
                licence="http://dcat-ap.de/def/licenses/cc-zero",
            )
            for i in range(205)
        ]
    )
    g1 = _catalog(HOST_A, "ttl", 1)
    assert len(set(g1.subjects(RDF.type, DCAT.Dataset))) == 100
    page = URIRef("http://zeitz.testserver/dcat/catalog.ttl?page=1")
    assert (page, RDF.type, HYDRA.PagedCollection) in g1
    assert g1.value(page, HYDRA.totalItems).toPython() == 205
    assert str(g1.value(page, HYDRA.nextPage)).endswith("?page=2")
    assert str(g1.value(page, HYDRA.lastPage)).endswith("?page=3")
    g3 = _catalog(HOST_A, "ttl", 3)
    assert len(set(g3.subjects(RDF.type, DCAT.Dataset))) == 5
    p3 = URIRef("http://zeitz.testserver/dcat/catalog.ttl?page=3")
    assert g3.value(p3, HYDRA.nextPage) is None
    assert str(g3.value(p3, HYDRA.previousPage)).endswith("?page=2")
    c = client_for(HOST_A)
    assert c.get("/dcat/catalog.ttl?page=4").status_code == 404
    assert c.get("/dcat/catalog.ttl?page=abc").status_code == 400
    assert c.get("/dcat/catalog.ttl?page=0").status_code == 400


def test_staff_pages_need_the_module(muni_a, registry):
    assert client_for(HOST_A).get("/daten/verwaltung/").status_code == 302  # to the login
    other = make_user("events-a@example.org", mfa=True)
    grant(other, muni_a, Role.MODULE_MANAGER, ["events"])
    assert client_for(HOST_A, other).get("/daten/verwaltung/").status_code == 403
    manager = make_user("daten-a@example.org", mfa=True)
    grant(manager, muni_a, Role.MODULE_MANAGER, ["opendata"])
    assert client_for(HOST_A, manager).get("/daten/verwaltung/").status_code == 200


def test_staff_creates_uploads_and_publishes(muni_a, admin_a, registry):
    c = client_for(HOST_A, admin_a)
    r = c.post(
        "/daten/verwaltung/neu/",
        {
            "title": "Parkplätze",
            "description": "Öffentliche Parkplätze",
            "licence": "",
            "accrual_periodicity": "ANNUAL",
            "themes": ["TRAN"],
            "keywords": "Parken, Verkehr",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    ds = Dataset.objects.get(title="Parkplätze")
    assert ds.status == DatasetStatus.DRAFT and ds.municipality == muni_a
    assert set(DatasetTheme.objects.filter(dataset=ds).values_list("code", flat=True)) == {"TRAN"}
    assert "keine Lizenz" in c.get(f"/daten/verwaltung/{ds.pk}/").content.decode()
    # An executable is refused by content, nothing is stored.
    r = c.post(
        f"/daten/verwaltung/{ds.pk}/datei/",
        {
            "title": "Programm",
            "file": SimpleUploadedFile("parken.csv", b"MZ\x90\x00\x03\x00"),
            "licence": "",
        },
    )
    assert r.status_code == 422 and "nicht erlaubt" in r.content.decode()
    assert not Distribution.objects.filter(dataset=ds).exists()
    r = c.post(
        f"/daten/verwaltung/{ds.pk}/datei/",
        {
            "title": "Parkplätze (CSV)",
            "file": SimpleUploadedFile("parken.csv", CSV),
            "licence": "",
        },
    )
    assert r.status_code == 302
    r = c.post(f"/daten/verwaltung/{ds.pk}/status/", follow=True)
    assert "keine Lizenz" in r.content.decode()  # publishing without a licence warns
    ds.refresh_from_db()
    assert ds.status == DatasetStatus.PUBLISHED
    assert client_for(HOST_A).get(f"/daten/{ds.pk}/").status_code == 200


def test_module_datasets_are_not_edited_by_hand(muni_a, admin_a, registry):
    from .conftest import fake_source

    registry(fake_source())
    services.sync_module_datasets(muni_a)
    ds = Dataset.objects.get(source="module:test.things")
    c = client_for(HOST_A, admin_a)
    assert c.get(f"/daten/verwaltung/{ds.pk}/").status_code == 302
    assert c.post(f"/daten/verwaltung/{ds.pk}/status/").status_code == 404


def test_cached_catalog_follows_every_change(muni_a, registry):
    ds = make_dataset(muni_a, "Erster Stand")
    c = client_for(HOST_A)
    assert b"Erster Stand" in c.get("/dcat/catalog.ttl").content
    services.add_link(ds, title="Neue Datei", url="https://daten.example/neu.csv", format="CSV")
    assert b"https://daten.example/neu.csv" in c.get("/dcat/catalog.ttl").content
    make_dataset(muni_a, "Zweiter Datensatz")
    assert b"Zweiter Datensatz" in c.get("/dcat/catalog.ttl").content
    services.set_status(ds, DatasetStatus.DRAFT)
    assert b"Erster Stand" not in c.get("/dcat/catalog.ttl").content
    services.delete_distribution(Distribution.objects.get(dataset=ds))
    services.set_status(ds, DatasetStatus.PUBLISHED)
    assert b"neu.csv" not in c.get("/dcat/catalog.ttl").content


def test_module_csv_is_previewed_from_the_modules_own_view(muni_a, registry):
    from .conftest import fake_source

    registry(fake_source())  # its distribution is /digitalbarometer/kennzahlen.csv
    services.sync_module_datasets(muni_a)
    ds = Dataset.objects.get(source="module:test.things")
    html = client_for(HOST_A).get(f"/daten/{ds.pk}/").content.decode()
    assert "Vorschau" in html and "strategy.progress" in html
    assert 'href="/digitalbarometer/kennzahlen.csv"' in html


def test_staff_deletes_a_dataset_with_its_files(muni_a, admin_a, registry, settings):
    ds = make_dataset(muni_a, "Alt")
    dist = services.add_file(ds, SimpleUploadedFile("alt.csv", CSV), title="Alt (CSV)")
    path = dist.file.path
    assert Path(path).exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client_for(HOST_A, admin_a).post(f"/daten/verwaltung/{ds.pk}/loeschen/")
    assert r.status_code == 302
    assert not Dataset.objects.filter(pk=ds.pk).exists()
    assert not Path(path).exists()


def test_staff_sets_the_contributor_id(muni_a, muni_b, admin_a, registry):
    make_dataset(muni_a, "Mit Bereitsteller")
    c = client_for(HOST_A, admin_a)
    r = c.post("/daten/verwaltung/einstellungen/", {"contributor_id": "https://boese.example/x"})
    assert r.status_code == 200 and "dcat-ap.de/def/contributors" in r.content.decode()
    r = c.post(
        "/daten/verwaltung/einstellungen/",
        {"contributor_id": "http://dcat-ap.de/def/contributors/landSachsenAnhalt"},
    )
    assert r.status_code == 302
    assert (
        b"http://dcat-ap.de/def/contributors/landSachsenAnhalt"
        in client_for(HOST_A).get("/dcat/catalog.ttl").content
    )
    make_dataset(muni_b, "In Musterstadt")
    other = client_for(HOST_B).get("/dcat/catalog.ttl")
    assert other.status_code == 200 and b"landSachsenAnhalt" not in other.content


def test_upload_to_an_unwritable_storage_gives_a_clear_page(muni_a, admin_a, registry, settings, tmp_path):
    # issue 14.7: a file where MEDIA_ROOT should be (ENOTDIR even for root)
    c = client_for(HOST_A, admin_a)
    c.post(
        "/daten/verwaltung/neu/",
        {"title": "Parkplätze", "description": "x", "licence": "", "accrual_periodicity": "ANNUAL"},
    )
    ds = Dataset.objects.get(title="Parkplätze")
    blocker = tmp_path / "datei"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"
    r = c.post(
        f"/daten/verwaltung/{ds.pk}/datei/",
        {"title": "Parkplätze (CSV)", "file": SimpleUploadedFile("parken.csv", CSV), "licence": ""},
    )
    assert r.status_code == 503 and "Dateispeicher des Servers" in r.content.decode()
    assert not Distribution.objects.filter(dataset=ds).exists()
