"""Public pages (search with facets, object page, exports) and the cataloguing UI."""

from __future__ import annotations

import io
import json
import re

import pytest
from lxml import etree

from rathaus.core.accounts.models import Role
from rathaus.core.jobs.models import ImportJob
from rathaus.heritage.models import HeritageObject, Status
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user
from tests.exports import csv_rows

from .conftest import add_image, assert_valid, jpeg_bytes, make_collection, make_object, object_data


@pytest.fixture
def curator(muni_a):
    user = make_user("kustodin@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["heritage"])
    return client_for(HOST_A, user)


@pytest.fixture
def catalogue(muni_a):
    museum = make_collection(muni_a)
    archive = make_collection(muni_a, "stadtarchiv", "Stadtarchiv Zeitz", level="fonds")
    objs = []
    for i in range(6):
        objs.append(
            make_object(
                muni_a,
                f"M-{i}",
                publish=True,
                collections=[museum],
                object_type="technical" if i % 2 else "painting",
                dating=f"{1850 + i * 20}",
                actors=[
                    {
                        "name": "Naether, Ernst Albert",
                        "role": "Hersteller",
                        "gnd": "https://d-nb.info/gnd/1012345678",
                    }
                ]
                if i % 2
                else [],
                materials=[{"label": "Holz"}] if i < 3 else [{"label": "Metall"}],
            )
        )
    objs.append(
        make_object(
            muni_a,
            "U-1",
            publish=True,
            collections=[archive],
            object_type="document",
            title_de="Stadtrecht von Zeitz",
            dating="1278",
            image_rights="http://creativecommons.org/publicdomain/mark/1.0/",
        )
    )
    make_object(muni_a, "D-1", title_de="Geheimer Entwurf")
    return objs


def test_search_lists_published_only_with_facets(client_a, catalogue):
    r = client_a.get("/sammlung/")
    html = r.content.decode()
    assert r.status_code == 200 and "7 Objekte gefunden" in html and "Geheimer Entwurf" not in html
    assert "Technisches Objekt" in html and "Naether, Ernst Albert" in html and "Stadtarchiv Zeitz" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("typ=technical", 3),
        ("typ=technical&typ=document", 4),
        ("person=https://d-nb.info/gnd/1012345678", 3),
        ("material=Holz", 3),
        ("ort=https://sws.geonames.org/2804979/", 7),
        ("sammlung=stadtarchiv", 1),
        ("lizenz=http://creativecommons.org/publicdomain/mark/1.0/", 1),
        ("von=1900&bis=1950", 3),
        ("von=1200&bis=1300", 1),
        ("q=stadtrecht", 1),
        ("q=schloss+moritzburg", 7),
        ("q=naether+hersteller", 3),
        ("q=gibtesnicht", 0),
        ("typ=technical&material=Metall", 2),
    ],
)
def test_facet_filters(client_a, catalogue, query, expected):
    html = client_a.get(f"/sammlung/?{query}").content.decode()
    assert f"{expected} Objekt" in html


def test_search_has_a_constant_number_of_queries(client_a, muni_a, catalogue, django_assert_max_num_queries):
    for i in range(30):
        make_object(muni_a, f"X-{i}", publish=True)
    with django_assert_max_num_queries(14):
        client_a.get("/sammlung/?typ=painting&sortierung=datum")
    with django_assert_max_num_queries(14):
        client_a.get("/sammlung/?q=schloss&seite=2")


def test_sorting_and_pagination(client_a, muni_a):
    for i in range(25):
        make_object(muni_a, f"S-{i:02d}", publish=True, dating=str(1900 + i), title_de=f"Objekt {i:02d}")
    html = client_a.get("/sammlung/?sortierung=datum_ab").content.decode()
    assert html.index("Objekt 24") < html.index("Objekt 23")
    assert "Seite 1 von 2" in html
    html = client_a.get("/sammlung/?sortierung=datum&seite=2").content.decode()
    assert "Objekt 24" in html and "Objekt 00" not in html


def test_object_page_json_ld_viewer_and_permalink(client_a, muni_a):
    obj = make_object(muni_a, publish=True)
    image = add_image(obj, jpeg_bytes(1200, 800), alt="Gemälde mit Schlossansicht")
    html = client_a.get(obj.get_absolute_url()).content.decode()
    assert f'<link rel="canonical" href="http://{HOST_A}/sammlung/objekt/{obj.public_id}/">' in html
    assert f'data-info="/iiif/{image.image_id}/info.json"' in html
    assert (
        f'src="/iiif/{image.image_id}/full/!800,800/0/default.jpg" alt="Gemälde mit Schlossansicht"' in html
    )
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert ld["@context"] == "https://schema.org" and ld["name"] == obj.title_de
    assert ld["creator"][0]["sameAs"] == "https://d-nb.info/gnd/118584596"
    assert ld["license"] == "http://creativecommons.org/licenses/by/4.0/"


def test_drafts_are_not_public(client_a, muni_a, curator):
    obj = make_object(muni_a)
    assert client_a.get(obj.get_absolute_url()).status_code == 404
    assert client_a.get(f"/iiif/manifest/{obj.public_id}").status_code == 404
    assert curator.get(obj.get_absolute_url()).status_code == 200  # staff preview


def test_exports(client_a, muni_a, catalogue):
    r = client_a.get("/sammlung/daten/objekte.csv")
    rows = csv_rows(r)
    assert rows[0][:3] == ["public_id", "url", "inventarnummer"] and len(rows) == 8
    r = client_a.get("/sammlung/daten/objekte-lido.xml")
    root = assert_valid(etree.fromstring(b"".join(r.streaming_content)), "lido")
    assert len(root) == 7
    r = client_a.get("/sammlung/bestand/stadtarchiv/lido.xml")
    assert len(assert_valid(etree.fromstring(b"".join(r.streaming_content)), "lido")) == 1
    obj = catalogue[0]
    assert_valid(client_a.get(f"/sammlung/objekt/{obj.public_id}/lido.xml").content, "lido")
    dc = etree.fromstring(client_a.get(f"/sammlung/objekt/{obj.public_id}/dc.xml").content)
    assert dc.find("{http://purl.org/dc/elements/1.1/}title").text == obj.title_de
    figures = json.loads(client_a.get("/sammlung/daten/kennzahlen.json").content)
    assert figures == {"published_objects": 7, "objects_with_images": 0}


def test_collection_pages(client_a, catalogue):
    assert "Stadtarchiv Zeitz" in client_a.get("/sammlung/bestaende/").content.decode()
    html = client_a.get("/sammlung/bestand/stadtarchiv/").content.decode()
    assert "Stadtrecht von Zeitz" in html and "M-1" not in html
    assert client_a.get("/sammlung/bestand/gibtesnicht/").status_code == 404


def test_figures_registered(muni_a, catalogue):
    from rathaus.core import figures

    assert figures.indicator("heritage.published_objects").compute(muni_a) == 7
    assert figures.indicator("heritage.objects_with_images").compute(muni_a) == 0
    assert figures.dataset_source("heritage.objects").modified(muni_a) is not None


# --- Cataloguing UI ----------------------------------------------------------------------------


def _form(**override):
    data = object_data("NEU-1")
    form = {k: v for k, v in data.items() if isinstance(v, str)}
    form.update(
        {
            "actors": "Müller, Johann (Maler) <https://d-nb.info/gnd/118584596>",
            "places": "Zeitz <https://sws.geonames.org/2804979/>",
            "materials": "Leinwand",
            "techniques": "",
            "dimensions": "Höhe 60 cm\nBreite 80 cm",
            "subjects": "Schloss",
            "institution_isil": "",
            "provenance": "",
            "credit_line": "",
        }
    )
    form.update(override)
    return form


def test_staff_pages_need_the_module(client_a, muni_a, citizen):
    assert client_a.get("/sammlung/verwaltung/").status_code == 302
    assert client_for(HOST_A, citizen).get("/sammlung/verwaltung/").status_code == 403


def test_create_edit_workflow_history_restore(curator, muni_a):
    r = curator.post("/sammlung/verwaltung/objekt/neu/", _form())
    obj = HeritageObject.objects.get(inventory_number="NEU-1")
    assert r.status_code == 302 and r["Location"] == f"/sammlung/verwaltung/objekt/{obj.pk}/"
    assert obj.actors == [
        {"name": "Müller, Johann", "role": "Maler", "gnd": "https://d-nb.info/gnd/118584596"}
    ]
    assert obj.dimensions[1] == {"type": "Breite", "value": "80", "unit": "cm"}
    r = curator.post(f"/sammlung/verwaltung/objekt/{obj.pk}/", _form(title_de="Neuer Titel", dating="kaputt"))
    assert r.status_code == 200 and "wird nicht verstanden" in r.content.decode()
    curator.post(f"/sammlung/verwaltung/objekt/{obj.pk}/", _form(title_de="Neuer Titel"))
    for to in ("review", "published"):
        curator.post(f"/sammlung/verwaltung/objekt/{obj.pk}/status/", {"to": to})
    obj.refresh_from_db()
    assert obj.status == Status.PUBLISHED and obj.title_de == "Neuer Titel"
    html = curator.get(f"/sammlung/verwaltung/objekt/{obj.pk}/versionen/").content.decode()
    assert html.count("Änderungen ansehen") == 4
    first = obj.history.order_by("history_id").first()
    second = obj.history.order_by("history_id")[1]
    html = curator.get(
        f"/sammlung/verwaltung/objekt/{obj.pk}/versionen/{second.history_id}/"
    ).content.decode()
    assert "Neuer Titel" in html and "<del>" in html
    curator.post(f"/sammlung/verwaltung/objekt/{obj.pk}/versionen/{first.history_id}/")
    obj.refresh_from_db()
    assert obj.title_de == object_data("NEU-1")["title_de"] and obj.status == Status.PUBLISHED


def test_staff_list_has_constant_queries(curator, muni_a, django_assert_max_num_queries):
    for i in range(20):
        make_object(muni_a, f"L-{i}")
    with django_assert_max_num_queries(12):
        r = curator.get("/sammlung/verwaltung/?status=draft")
    assert "L-19" in r.content.decode()


def test_image_upload_form(curator, muni_a):
    obj = make_object(muni_a)
    r = curator.post(
        f"/sammlung/verwaltung/objekt/{obj.pk}/bilder/",
        {"image": io.BytesIO(b"kein Bild"), "alt_text": "x", "rights": obj.image_rights},
    )
    assert "Nur JPEG-, PNG- und TIFF-Bilder" in r.content.decode()
    upload = io.BytesIO(jpeg_bytes(400, 300))
    upload.name = "foto.jpg"
    from django.test import TestCase  # noqa: F401  (keeps the on-commit capture explicit below)

    r = curator.post(
        f"/sammlung/verwaltung/objekt/{obj.pk}/bilder/",
        {"image": upload, "alt_text": "Kinderwagen von der Seite", "rights": obj.image_rights},
    )
    assert r.status_code == 302
    image = obj.images.get()
    assert (image.width, image.height) == (400, 300)


def test_collection_form(curator, muni_a):
    r = curator.post(
        "/sammlung/verwaltung/sammlungen/neu/",
        {
            "title_de": "Kinderwagen",
            "title_en": "Prams",
            "slug": "kinderwagen",
            "level": "collection",
            "description": "",
            "is_public": "on",
            "parent": "",
        },
    )
    assert r.status_code == 302
    r = curator.post(
        "/sammlung/verwaltung/sammlungen/neu/",
        {"title_de": "Doppelt", "slug": "kinderwagen", "level": "collection", "parent": ""},
    )
    assert r.status_code == 200 and "schon vergeben" in r.content.decode()


def test_import_page_runs_job(curator, muni_a, django_capture_on_commit_callbacks):
    content = "inventarnummer;objektart;titel\nI-1;Gemälde;Bild eins\n".encode()
    upload = io.BytesIO(content)
    upload.name = "liste.csv"
    with django_capture_on_commit_callbacks(execute=True):
        r = curator.post("/sammlung/verwaltung/import/", {"kind": "csv", "file": upload})
    job = ImportJob.objects.get()
    assert r["Location"] == f"/verwaltung/importe/{job.pk}/"  # the shared job page (ADR 0022)
    html = curator.get(r["Location"]).content.decode()
    assert "abgeschlossen" in html and 'http-equiv="refresh"' not in html
    assert HeritageObject.objects.filter(inventory_number="I-1").exists()
    assert job.kind == "heritage.csv" and job.params == {"dry_run": False}
    assert job.result == {"created": 1, "updated": 0, "failed": 0}
    assert "/sammlung/verwaltung/" in html and "/sammlung/verwaltung/import/" in html  # back links
    manage = curator.get("/sammlung/verwaltung/").content.decode()
    assert f'href="/verwaltung/importe/{job.pk}/"' in manage and "liste.csv" in manage


def _upload(content: bytes, name: str = "liste.csv") -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


IMPORT_CSV = (
    "inventarnummer;objektart;titel;farbe\nI-1;Gemälde;Bild eins;rot\nI-2;Raumschiff;Kaputt;\n"
).encode()


def test_dry_run_imports_nothing_and_shows_the_counts(curator, muni_a, django_capture_on_commit_callbacks):
    make_object(muni_a, "I-1", title_de="Schon da")
    with django_capture_on_commit_callbacks(execute=True):
        r = curator.post(
            "/sammlung/verwaltung/import/", {"kind": "csv", "file": _upload(IMPORT_CSV), "dry_run": "on"}
        )
    job = ImportJob.objects.get()
    assert job.status == "done" and job.dry_run
    assert job.result == {"created": 0, "updated": 1, "failed": 1}
    assert HeritageObject.objects.get(inventory_number="I-1").title_de == "Schon da"  # not updated
    assert not HeritageObject.objects.filter(inventory_number="I-2").exists()
    html = curator.get(r["Location"]).content.decode()
    assert 'id="import-dry-run"' in html and "Probelauf" in html and "nichts gespeichert" in html
    counts = re.search(r'<dl class="kern-body" id="import-counts">(.*?)</dl>', html, re.S)
    assert counts is not None
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(\d+)</dd>", counts.group(1))
    assert pairs == [
        ("würden neu angelegt", "0"),
        ("würden aktualisiert", "1"),
        ("fehlerhaft (nicht übernommen)", "1"),
    ]
    # the bad row and the ignored column are on the page, as an error and as a warning
    assert 'id="import-errors"' in html and "Objektart" in html
    assert 'id="import-warnings"' in html and "farbe" in html
    # the real import of the same file afterwards is a new job, not taken for a double submit
    with django_capture_on_commit_callbacks(execute=True):
        r = curator.post("/sammlung/verwaltung/import/", {"kind": "csv", "file": _upload(IMPORT_CSV)})
    assert ImportJob.objects.count() == 2
    assert HeritageObject.objects.get(inventory_number="I-1").title_de == "Bild eins"
    html = curator.get(r["Location"]).content.decode()
    assert 'id="import-dry-run"' not in html and "<dt>aktualisiert</dt><dd>1</dd>" in html


def test_double_submit_opens_the_same_job(curator, muni_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = curator.post("/sammlung/verwaltung/import/", {"kind": "csv", "file": _upload(IMPORT_CSV)})
    with django_capture_on_commit_callbacks(execute=True):
        again = curator.post(
            "/sammlung/verwaltung/import/", {"kind": "csv", "file": _upload(IMPORT_CSV)}, follow=True
        )
    job = ImportJob.objects.get()
    assert first["Location"] == f"/verwaltung/importe/{job.pk}/"
    assert again.redirect_chain == [(f"/verwaltung/importe/{job.pk}/", 302)]
    assert "schon importiert" in again.content.decode()
    assert HeritageObject.objects.filter(inventory_number="I-1").count() == 1
    assert HeritageObject.objects.get(inventory_number="I-1").history.count() == 1  # saved once


def test_upload_checks_refuse_at_once_without_a_job(curator, muni_a):
    r = curator.post("/sammlung/verwaltung/import/", {"kind": "lido", "file": _upload(b"kein xml", "a.xml")})
    assert r.status_code == 400 and "keine XML-Datei" in r.content.decode()
    data = "inventarnummer;objektart;titel\nÄ-1;Karte;Plan\n".encode("cp1252")
    r = curator.post("/sammlung/verwaltung/import/", {"kind": "csv", "file": _upload(data)})
    assert r.status_code == 400 and "CSV UTF-8" in r.content.decode()
    assert not ImportJob.objects.exists()


def test_another_municipalitys_import_job_is_a_404(curator, muni_b, admin_b):
    from rathaus.core.context import ServiceContext
    from rathaus.heritage import importers

    job, _ = importers.start_job(
        ServiceContext.for_user(admin_b, muni_b), "csv", "b.csv", IMPORT_CSV, dry_run=False
    )
    ImportJob.objects.filter(pk=job.pk).update(params={"dry_run": False, "heritage_job": 4711})
    assert curator.get(f"/verwaltung/importe/{job.pk}/").status_code == 404
    assert curator.get("/sammlung/verwaltung/import/4711/").status_code == 404  # the old address
    assert client_for(HOST_B, admin_b).get(f"/verwaltung/importe/{job.pk}/").status_code == 200


def test_old_job_address_redirects_to_the_moved_job(curator, muni_a):
    job = ImportJob.objects.create(
        municipality=muni_a,
        kind="heritage.lido",
        file_name="alt.xml",
        checksum="1",
        status="done",
        params={"dry_run": False, "heritage_job": 12},
    )
    r = curator.get("/sammlung/verwaltung/import/12/")
    assert r.status_code == 302 and r["Location"] == f"/verwaltung/importe/{job.pk}/"
    assert curator.get("/sammlung/verwaltung/import/13/").status_code == 404  # no such old job


def test_objects_csv_neutralises_formulas(client_a, muni_a):
    # issue 14.1: a title `@cmd|calc` (from a LIDO import or a curator) must not run in a spreadsheet
    make_object(muni_a, '=HYPERLINK("http://x")', publish=True, title_de="@cmd|calc", title_en="-1+1")
    rows = csv_rows(client_a.get("/sammlung/daten/objekte.csv"))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["titel"] == "'@cmd|calc" and row["titel_en"] == "'-1+1"
    assert row["inventarnummer"] == '\'=HYPERLINK("http://x")'


def test_image_upload_to_an_unwritable_storage_shows_a_message(curator, muni_a, settings, tmp_path):
    # issue 14.7: a file where the media folder should be (ENOTDIR even for root)
    blocker = tmp_path / "datei"
    blocker.write_text("x")
    settings.RATHAUS_HERITAGE_MEDIA_ROOT = str(blocker / "heritage-media")
    obj = make_object(muni_a)
    upload = io.BytesIO(jpeg_bytes(40, 30))
    upload.name = "foto.jpg"
    r = curator.post(
        f"/sammlung/verwaltung/objekt/{obj.pk}/bilder/",
        {"image": upload, "alt_text": "Kinderwagen", "rights": obj.image_rights},
    )
    assert r.status_code == 200 and "Dateispeicher des Servers" in r.content.decode()
    assert not obj.images.exists()
