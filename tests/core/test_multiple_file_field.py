from __future__ import annotations

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from rathaus.core.ui.forms import MultipleFileField


def _file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def test_several_files_are_returned_as_a_list():
    field = MultipleFileField(required=False)
    files = [_file("a.pdf"), _file("b.pdf")]
    assert [f.name for f in field.clean(files)] == ["a.pdf", "b.pdf"]
    assert [f.name for f in field.clean(_file("c.pdf"))] == ["c.pdf"]
    assert field.clean(None) == []


def test_more_files_than_allowed_are_refused_not_dropped():
    field = MultipleFileField(required=False, max_files=2)
    with pytest.raises(forms.ValidationError, match="höchstens 2 Dateien"):
        field.clean([_file("a.pdf"), _file("b.pdf"), _file("c.pdf")])
    assert len(field.clean([_file("a.pdf"), _file("b.pdf")])) == 2


def test_an_empty_file_in_the_list_is_refused():
    field = MultipleFileField(required=False)
    with pytest.raises(forms.ValidationError):
        field.clean([_file("a.pdf"), SimpleUploadedFile("empty.pdf", b"")])
