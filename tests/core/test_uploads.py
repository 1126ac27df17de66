"""The one upload check and storage name scheme (rathaus.core.uploads; issue 21, "Uploads")."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.utils import translation

from rathaus.core import uploads

SRC = Path(__file__).resolve().parents[2] / "src" / "rathaus"

SAMPLES = {
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01",
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/tiff": b"II*\x00\x08\x00\x00\x00",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "application/zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
    "application/vnd.apache.parquet": b"PAR1\x15\x04\x15\x10",
}


@pytest.mark.parametrize(("media_type", "head"), SAMPLES.items())
def test_sniff_tells_each_type_by_content(media_type, head):
    kind = uploads.sniff(head)
    assert kind is not None and kind.media_type == media_type


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows program
        b"<?xml version='1.0'?>",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF, but sound
        b"\x00\x00\x00\x00WEBP",  # WEBP at offset 4 without RIFF
        b"%PD",  # cut off
    ],
)
def test_sniff_refuses_what_it_does_not_know(head):
    assert uploads.sniff(head) is None


def test_check_refuses_an_empty_file_with_its_name():
    with translation.override("de"), pytest.raises(uploads.UploadRejected, match=r"„a\.pdf“ ist leer"):
        uploads.check(size=0, head=b"", max_bytes=10, name="a.pdf")


def test_check_refuses_a_file_over_the_limit_in_the_languages_number_format():
    limit = int(2.5 * 1024 * 1024)
    with translation.override("de"), pytest.raises(uploads.UploadRejected) as de:
        uploads.check(size=limit + 1, head=SAMPLES["application/pdf"], max_bytes=limit)
    assert de.value.message == "Die Datei ist zu groß (höchstens 2,5 MB)."
    with translation.override("en"), pytest.raises(uploads.UploadRejected) as en:
        uploads.check(size=limit + 1, head=SAMPLES["application/pdf"], max_bytes=limit, name="x.pdf")
    assert en.value.message == "The file “x.pdf” is too large (at most 2.5 MB)."


def test_a_limit_below_one_megabyte_is_given_in_kilobytes():
    with translation.override("de"), pytest.raises(uploads.UploadRejected) as exc:
        uploads.check(size=600 * 1024, head=SAMPLES["image/png"], max_bytes=512 * 1024)
    assert exc.value.message == "Die Datei ist zu groß (höchstens 512 KB)."


def test_check_at_the_limit_passes_and_returns_the_type():
    kind = uploads.check(size=10, head=SAMPLES["image/png"], max_bytes=10, allowed=["image/png"])
    assert kind is uploads.PNG


def test_check_refuses_a_type_by_content_not_by_name():
    # a Windows program named .pdf: the name does not matter
    with translation.override("de"), pytest.raises(uploads.UploadRejected) as exc:
        uploads.check(
            size=8, head=b"MZ\x90\x00", max_bytes=100, allowed=["application/pdf", "image/png"], name="a.pdf"
        )
    assert exc.value.message == "Die Datei „a.pdf“ hat keinen erlaubten Typ (erlaubt: PDF, PNG)."


def test_check_without_allowed_types_leaves_the_format_to_the_module():
    assert uploads.check(size=5, head=b"a;b\n1", max_bytes=100) is None


def test_check_file_leaves_the_file_at_its_start():
    fh = io.BytesIO(SAMPLES["application/zip"] + b"rest")
    fh.seek(7)
    assert uploads.check_file(fh, size=14, max_bytes=100, allowed=["application/zip"]) is uploads.ZIP
    assert fh.tell() == 0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\anna\\Antrag.pdf", "Antrag.pdf"),
        ("", "datei"),
        ("...", "datei"),
        ("Bau plan (1).pdf", "Bau plan _1_.pdf"),
        ("Übersicht.pdf", "Übersicht.pdf"),
    ],
)
def test_safe_name(name, expected):
    assert uploads.safe_name(name) == expected


def test_storage_name_scheme():
    a = uploads.storage_name("cases", 7)
    b = uploads.storage_name("cases", 7)
    assert re.fullmatch(r"cases/7/[0-9a-f]{32}", a) and a != b
    named = uploads.storage_name("fim", 3, "../Plan (neu).pdf")
    assert re.fullmatch(r"fim/3/[0-9a-f]{32}/Plan _neu_\.pdf", named)


def test_no_module_keeps_its_own_signature_table():
    """Guardrail: file signatures are known in one place only (core/uploads.py)."""
    signatures = [rb"%PDF-", rb"\x89PNG", rb"\xff\xd8\xff", rb"PK\x03\x04", rb"PAR1", rb"II*\x00"]
    found = []
    for path in SRC.rglob("*.py"):
        if (
            (path.name == "uploads.py" and path.parent.name == "core")
            or "demo" in path.parts
            or path.stem == "demo"
        ):
            continue
        text = path.read_text(encoding="utf-8")
        for sig in signatures:
            if f'b"{sig.decode()}' in text:
                found.append(f"{path.relative_to(SRC)}: {sig.decode()}")
    assert not found, "file signatures outside rathaus.core.uploads: " + ", ".join(found)
