from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rathaus.core.ui.forms import MultipleFileField

from .models import leika_validator

MAX_UPLOAD = 5 * 1024 * 1024


def _check_xml(upload: Any) -> bytes:
    if upload.size > MAX_UPLOAD:
        raise forms.ValidationError(_("Die Datei ist zu groß (höchstens 5 MB)."))
    data = upload.read()
    if not data.lstrip().startswith(b"<"):
        raise forms.ValidationError(_("Die Datei ist kein XML."))
    return bytes(data)


class ImportForm(forms.Form):
    schema = forms.FileField(label=_("Stammdatenschema (XDatenfelder 2.0 oder 3.0.0, XML)"))
    codelists = MultipleFileField(
        label=_("Codelisten (genericode, XML)"),
        required=False,
        help_text=_("Alle Codelisten, auf die das Schema verweist."),
    )
    leika = forms.CharField(
        label=_("LeiKa-Schlüssel"), required=False, max_length=14, validators=[leika_validator]
    )
    allow_missing_codelists = forms.BooleanField(
        label=_("Fehlende Codelisten erlauben (Auswahlfelder werden zu Textfeldern)"), required=False
    )

    def clean_schema(self) -> bytes:
        return _check_xml(self.cleaned_data["schema"])

    def clean_codelists(self) -> dict[str, bytes]:
        return {f.name: _check_xml(f) for f in self.cleaned_data.get("codelists") or []}


class ResumeMailForm(forms.Form):
    email = forms.EmailField(
        label=_("E-Mail-Adresse"), help_text=_("Wir senden Ihnen einen Link zum Fortsetzen.")
    )
