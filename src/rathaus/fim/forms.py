from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rathaus.core.ui.forms import MultipleFileField

from .importers.xdf import XdfImportError, refuse_hostile
from .models import leika_validator

MAX_UPLOAD = 5 * 1024 * 1024


def _check_xml(upload: Any) -> bytes:
    """The cheap checks of the upload request (size, XML, no DOCTYPE); the import job parses."""
    if upload.size > MAX_UPLOAD:
        raise forms.ValidationError(_("Die Datei ist zu groß (höchstens 5 MB)."))
    data = upload.read()
    if not data.lstrip().startswith(b"<"):
        raise forms.ValidationError(_("Die Datei ist kein XML."))
    try:
        refuse_hostile(data, getattr(upload, "name", "") or "")
    except XdfImportError as exc:
        raise forms.ValidationError(str(exc)) from None
    return bytes(data)


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    """Give the choice field ``name`` its choices (``form.fields`` holds plain ``Field`` types)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field")
    field.choices = choices


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


# --- form designer (issue 18) ---------------------------------------------------------------------

TYPE_CHOICES = [
    ("text", _("Text")),
    ("num", _("Zahl")),
    ("num_int", _("Ganze Zahl")),
    ("num_currency", _("Betrag in Euro")),
    ("date", _("Datum")),
    ("select", _("Auswahl aus einer Codeliste")),
    ("bool", _("Ankreuzfeld (Ja/Nein)")),
    ("file", _("Datei-Upload")),
    ("label", _("Hinweistext (keine Eingabe)")),
]
MEDIA_CHOICES = [("application/pdf", "PDF"), ("image/jpeg", "JPEG"), ("image/png", "PNG")]


class DesignCreateForm(forms.Form):
    title = forms.CharField(label=_("Titel des Formulars"), max_length=300)


class DesignMetaForm(forms.Form):
    title = forms.CharField(label=_("Titel des Formulars"), max_length=300)
    definition = forms.CharField(
        label=_("Einleitung für Antragstellende"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description = forms.CharField(
        label=_("Beschreibung (intern, im Export)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    legal_basis = forms.CharField(label=_("Rechtsgrundlage"), required=False, max_length=1000)
    leika = forms.CharField(
        label=_("LeiKa-Schlüssel"), required=False, max_length=14, validators=[leika_validator]
    )
    catalog_service = forms.TypedChoiceField(
        label=_("Leistung im Leistungskatalog"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Die Leistung bietet dieses Formular unter „Online beantragen“ an."),
    )

    def __init__(self, *args: Any, services: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "catalog_service", [("", _("keine")), *(services or [])])


class DesignGroupForm(forms.Form):
    parent = forms.ChoiceField(label=_("Einfügen in"), required=False)
    label = forms.CharField(label=_("Beschriftung"), max_length=300)
    help = forms.CharField(
        label=_("Hinweis"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    id = forms.CharField(
        label=_("ID (optional)"),
        required=False,
        max_length=62,
        help_text=_("Leer lassen: wird vergeben. Sonst G und eine Ziffer, z. B. G60000001."),
    )
    min = forms.IntegerField(
        label=_("Mindestanzahl"),
        min_value=0,
        max_value=20,
        initial=1,
        required=False,
        help_text=_("0: die Gruppe ist optional."),
    )
    max = forms.IntegerField(
        label=_("Höchstanzahl"),
        min_value=0,
        max_value=20,
        initial=1,
        required=False,
        help_text=_("Größer als 1: die Gruppe ist wiederholbar (z. B. mehrere Personen)."),
    )

    def __init__(
        self, *args: Any, parents: list[tuple[str, str]] | None = None, step: bool = False, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        if step:
            for name in ("parent", "min", "max"):
                del self.fields[name]
        else:
            self.fields["parent"].required = True
            _set_choices(self, "parent", list(parents or []))

    def clean_id(self) -> str:
        value = str(self.cleaned_data.get("id") or "").strip()
        if value and not re.fullmatch(r"G\d[\w-]{0,60}", value):
            raise forms.ValidationError(
                _("Eine Gruppen-ID beginnt mit G und einer Ziffer (z. B. G60000001).")
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "min" in self.fields:
            lo = data.get("min")
            hi = data.get("max")
            data["min"] = 1 if lo is None else lo
            if hi is not None and hi < data["min"]:
                self.add_error("max", _("Die Höchstanzahl darf nicht kleiner als die Mindestanzahl sein."))
            if hi == 0:
                self.add_error("max", _("Die Höchstanzahl muss mindestens 1 sein."))
        return data


class DesignFieldForm(forms.Form):
    parent = forms.ChoiceField(label=_("Einfügen in"))
    type = forms.ChoiceField(label=_("Feldtyp"), choices=TYPE_CHOICES)
    label = forms.CharField(label=_("Beschriftung"), max_length=300)
    help = forms.CharField(
        label=_("Hinweis"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    required = forms.BooleanField(label=_("Pflichtfeld"), required=False)
    id = forms.CharField(
        label=_("ID (optional)"),
        required=False,
        max_length=62,
        help_text=_("Leer lassen: wird vergeben. Sonst F und eine Ziffer, z. B. F60000001."),
    )
    codelist = forms.ChoiceField(label=_("Codeliste (bei Auswahl)"), required=False)
    min_length = forms.IntegerField(
        label=_("Mindestlänge (Zeichen)"), required=False, min_value=0, max_value=10000
    )
    max_length = forms.IntegerField(
        label=_("Höchstlänge (Zeichen)"), required=False, min_value=1, max_value=10000
    )
    min_value = forms.DecimalField(label=_("Mindestwert"), required=False, max_digits=15, decimal_places=2)
    max_value = forms.DecimalField(label=_("Höchstwert"), required=False, max_digits=15, decimal_places=2)
    pattern = forms.CharField(
        label=_("Muster (regulärer Ausdruck)"),
        required=False,
        max_length=300,
        help_text=_("z. B. [0-9]{5} für eine Postleitzahl"),
    )
    content = forms.CharField(
        label=_("Vorbelegung bzw. Hinweistext"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    media_types = forms.MultipleChoiceField(
        label=_("Erlaubte Dateitypen (bei Datei-Upload)"),
        required=False,
        choices=MEDIA_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    max_size_mb = forms.IntegerField(
        label=_("Höchstgröße der Datei in MB"), required=False, min_value=1, max_value=10
    )

    def __init__(
        self,
        *args: Any,
        parents: list[tuple[str, str]] | None = None,
        codelists: list[tuple[str, str]] | None = None,
        editing: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        _set_choices(self, "parent", list(parents or []))
        _set_choices(self, "codelist", [("", _("keine")), *(codelists or [])])
        if editing:
            del self.fields["parent"]
            del self.fields["id"]

    def clean_id(self) -> str:
        value = str(self.cleaned_data.get("id") or "").strip()
        if value and not re.fullmatch(r"F\d[\w-]{0,60}", value):
            raise forms.ValidationError(_("Eine Feld-ID beginnt mit F und einer Ziffer (z. B. F60000001)."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("type")
        if kind == "select" and not data.get("codelist"):
            self.add_error("codelist", _("Ein Auswahlfeld braucht eine Codeliste. Legen Sie zuerst eine an."))
        lo, hi = data.get("min_length"), data.get("max_length")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("max_length", _("Die Höchstlänge darf nicht kleiner als die Mindestlänge sein."))
        lo_v, hi_v = data.get("min_value"), data.get("max_value")
        if lo_v is not None and hi_v is not None and lo_v > hi_v:
            self.add_error("max_value", _("Der Höchstwert darf nicht kleiner als der Mindestwert sein."))
        for key in ("min_value", "max_value"):
            if data.get(key) is not None:
                data[key] = format(data[key].normalize(), "f")
        if kind == "file" and not data.get("media_types"):
            self.add_error("media_types", _("Bitte wählen Sie mindestens einen erlaubten Dateityp."))
        return data


class DesignCodelistForm(forms.Form):
    name = forms.CharField(label=_("Name der Codeliste"), max_length=200)
    items = forms.CharField(
        label=_("Einträge"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Ein Eintrag je Zeile: Code;Beschriftung (z. B. 01;Ja). Ohne Code werden 01, 02 … vergeben."
        ),
    )


class DesignRuleForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Art der Regel"),
        choices=[
            ("require", _("Wenn ein Feld einen bestimmten Wert hat, werden Elemente zur Pflicht")),
            ("only_if", _("Elemente nur anzeigen, wenn ein Ja/Nein-Feld angekreuzt ist")),
        ],
        widget=forms.RadioSelect,
    )
    field = forms.ChoiceField(label=_("Bedingungsfeld"))
    equals = forms.CharField(
        label=_("Wert (Code)"),
        required=False,
        max_length=40,
        help_text=_("Bei „zur Pflicht“: der Code aus der Codeliste, bei Ja/Nein-Feldern true."),
    )
    targets = forms.MultipleChoiceField(label=_("Betroffene Elemente"), widget=forms.CheckboxSelectMultiple)
    name = forms.CharField(label=_("Name der Regel (optional)"), required=False, max_length=200)

    def __init__(
        self,
        *args: Any,
        fields: list[tuple[str, str]] | None = None,
        targets: list[tuple[str, str]] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        _set_choices(self, "field", list(fields or []))
        _set_choices(self, "targets", list(targets or []))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "require" and not data.get("equals"):
            self.add_error("equals", _("Bitte geben Sie den Code an, bei dem die Regel greift."))
        return data


class DesignBaukastenForm(forms.Form):
    element = forms.ChoiceField(label=_("Feld oder Gruppe aus einem importierten FIM-Schema"))
    parent = forms.ChoiceField(label=_("Einfügen in"))

    def __init__(
        self,
        *args: Any,
        elements: list[tuple[str, str]] | None = None,
        parents: list[tuple[str, str]] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        _set_choices(self, "element", list(elements or []))
        _set_choices(self, "parent", list(parents or []))
