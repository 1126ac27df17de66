from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rathaus.core.accounts.models import Department

from .models import MODULE_FIELDS, LifeSituation, Service, Themenfeld
from .services import MAX_CSV_BYTES


class ServiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Suchbegriff"), required=False, max_length=200)
    themenfeld = forms.ChoiceField(label=_("Themenfeld"), required=False)
    lebenslage = forms.ChoiceField(label=_("Lebenslage"), required=False)

    def __init__(self, *args: Any, situations: list[LifeSituation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        themenfeld = self.fields["themenfeld"]
        lebenslage = self.fields["lebenslage"]
        assert isinstance(themenfeld, forms.ChoiceField) and isinstance(lebenslage, forms.ChoiceField)
        themenfeld.choices = [("", _("Alle Themenfelder")), *Themenfeld.choices]
        lebenslage.choices = [("", _("Alle Lebenslagen"))] + [(s.slug, s.display_name) for s in situations]


class LifeSituationsField(forms.ModelMultipleChoiceField[LifeSituation]):
    """Lebenslagen by their name in the active language."""

    def label_from_instance(self, obj: LifeSituation) -> str:
        return obj.display_name


class ServiceForm(forms.ModelForm[Service]):
    online_url = forms.URLField(
        label=_("Link zum Online-Antrag"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Externe Adresse des Online-Dienstes, falls es kein Formular in Rathaus gibt."),
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "leika",
            "summary",
            "themenfeld",
            "life_situations",
            "synonyms",
            *MODULE_FIELDS,
            "department",
            "contact",
            "opening_hours",
            "online_available",
            "reifegrad",
            "online_url",
            "is_published",
        ]
        field_classes = {"life_situations": LifeSituationsField}
        help_texts = {
            "online_available": _(
                "Wird beim Speichern gesetzt, wenn es ein Online-Formular mit dem Leistungsschlüssel dieser "
                "Leistung oder einen Link zum Online-Antrag gibt."
            ),
            "reifegrad": _("Ab Reifegrad 2 ist ein Online-Formular oder ein Link zum Online-Antrag nötig."),
        }
        widgets = {
            "life_situations": forms.CheckboxSelectMultiple,
            "synonyms": forms.Textarea(attrs={"rows": 2}),
            "contact": forms.Textarea(attrs={"rows": 3}),
            "opening_hours": forms.Textarea(attrs={"rows": 3}),
            **{f: forms.Textarea(attrs={"rows": 4}) for f in MODULE_FIELDS},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        muni = self.instance.municipality
        department = self.fields["department"]
        situations = self.fields["life_situations"]
        assert isinstance(department, forms.ModelChoiceField) and isinstance(situations, LifeSituationsField)
        department.queryset = Department.objects.for_tenant(muni)
        situations.queryset = LifeSituation.objects.for_tenant(muni)

    def clean_leika(self) -> str:
        return str(self.cleaned_data.get("leika") or "").replace(" ", "")


class CsvImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV-Datei"),
        help_text=_("UTF-8, Trennzeichen Semikolon, höchstens 2 MB. Spalten siehe Dokumentation."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("Die Datei ist größer als 2 MB."))
        data: bytes = upload.read(MAX_CSV_BYTES + 1)
        return data
