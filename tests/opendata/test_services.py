from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rathaus.core.audit.models import AuditEvent
from rathaus.opendata import preview, services
from rathaus.opendata.models import Dataset, DatasetStatus, Distribution

from .conftest import fake_source, make_dataset


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("daten.csv", "a;b\n1;2\n")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.csv", b"name;wert\nA;1\nB;2\n", "CSV"),
        ("a.txt", b"name,wert\nA,1\n", "CSV"),  # judged by content, not by extension
        ("a.json", json.dumps({"x": [1, 2]}).encode(), "JSON"),
        ("a.json", json.dumps({"type": "FeatureCollection", "features": []}).encode(), "GEOJSON"),
        ("a.xlsx", _xlsx(), "XLSX"),
        ("a.zip", _zip(), "ZIP"),
        ("a.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
    ],
)
def test_upload_type_is_detected_by_content(muni_a, name, content, expected):
    ds = make_dataset(muni_a)
    dist = services.add_file(ds, SimpleUploadedFile(name, content), title="Datei")
    assert dist.format == expected
    assert dist.byte_size == len(content)
    import hashlib

    assert dist.checksum_sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",  # a Windows executable named .csv
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"{not json at all",
        b"",
    ],
)
def test_other_content_is_refused_and_nothing_stored(muni_a, content):
    ds = make_dataset(muni_a)
    with pytest.raises(services.UploadError):
        services.add_file(ds, SimpleUploadedFile("daten.csv", content), title="Datei")
    assert not Distribution.objects.exists()


def test_size_limit(muni_a, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 10)
    ds = make_dataset(muni_a)
    with pytest.raises(services.UploadError, match=r"zu groß \(höchstens 1 KB\)"):
        services.add_file(ds, SimpleUploadedFile("a.csv", b"a;b\n1;2\n3;4\n"), title="Datei")


def test_csv_preview_first_20_rows_and_types():
    rows = ["nr;name;betrag;datum;aktiv"] + [
        f"{i};Zeile {i};{i},50;0{i % 9 + 1}.01.2026;ja" for i in range(1, 40)
    ]
    p = preview.csv_preview(io.BytesIO("\n".join(rows).encode()))
    assert p is not None
    assert p.delimiter == ";"
    assert p.headers == ["nr", "name", "betrag", "datum", "aktiv"]
    assert len(p.rows) == 20
    assert p.truncated
    assert p.types == ["integer", "text", "decimal", "date", "boolean"]


def test_csv_preview_reads_only_a_limited_sample():
    big = b"a,b\n" + b"1,2\n" * 200_000  # 800 KB
    fh = io.BytesIO(big)
    p = preview.csv_preview(fh)
    assert p is not None and len(p.rows) == 20
    assert fh.tell() <= preview.SAMPLE_BYTES + 1


def test_sync_creates_updates_and_withdraws_module_datasets(muni_a, muni_b, registry):
    when = timezone.now().replace(microsecond=0)
    registry(fake_source("test.things", modified=when))
    assert services.sync_module_datasets(muni_a) == 1
    ds = Dataset.objects.get(municipality=muni_a, source="module:test.things")
    assert ds.status == DatasetStatus.PUBLISHED and ds.modified == when
    assert [d.url for d in ds.distributions.all()] == ["/digitalbarometer/kennzahlen.csv"]
    assert [t.code for t in ds.theme_rows.all()] == ["GOVE"]
    assert not Dataset.objects.filter(municipality=muni_b).exists()
    # Unchanged source: no writes at all.
    before = ds.updated_at
    services.sync_module_datasets(muni_a)
    ds.refresh_from_db()
    assert ds.updated_at == before
    # Changed data: modified moves on.
    registry(fake_source("test.things", modified=when + timedelta(hours=1), title="Neue Dinge"))
    services.sync_module_datasets(muni_a)
    ds.refresh_from_db()
    assert ds.title == "Neue Dinge" and ds.modified == when + timedelta(hours=1)
    # No data any more (modified() is None): the dataset leaves the catalog.
    registry(fake_source("test.things", modified_fn=lambda m: None))
    services.sync_module_datasets(muni_a)
    ds.refresh_from_db()
    assert ds.status == DatasetStatus.DRAFT
    # Source unregistered (module switched off): stays a draft, no error.
    registry()
    assert services.sync_module_datasets(muni_a) == 0


def test_sync_survives_a_failing_source(muni_a, registry):
    def boom(m):
        raise RuntimeError("kaputt")

    registry(fake_source("test.broken", modified_fn=boom), fake_source("test.things"))
    assert services.sync_module_datasets(muni_a) == 1


def test_writes_are_audited(muni_a):
    ds = make_dataset(muni_a)
    actions = set(AuditEvent.objects.filter(municipality=muni_a).values_list("action", flat=True))
    assert {"opendata.dataset.created", "opendata.dataset.published"} <= actions
    services.delete_dataset(ds)
    assert AuditEvent.objects.filter(action="opendata.dataset.deleted").exists()


def test_published_datasets_are_searchable(muni_a, muni_b):
    from rathaus.core.search import services as search

    ds = make_dataset(muni_a, "Baumkataster der Stadt", status=DatasetStatus.DRAFT)
    make_dataset(muni_b, "Baumkataster Musterstadt")
    assert not search.search(muni_a, "Baumkataster", kinds=["opendata.dataset"])
    services.set_status(ds, DatasetStatus.PUBLISHED)
    hits = search.search(muni_a, "Baumkataster", kinds=["opendata.dataset"])
    assert [h.title for h in hits] == ["Baumkataster der Stadt"]
    services.delete_dataset(ds)
    assert not search.search(muni_a, "Baumkataster", kinds=["opendata.dataset"])
