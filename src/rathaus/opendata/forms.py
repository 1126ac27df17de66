from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import vocab
from .models import CatalogSettings, Dataset
from .services import MAX_UPLOAD_BYTES


class DatasetForm(forms.ModelForm[Dataset]):
    themes = forms.MultipleChoiceField(
        label=_("Kategorien"), choices=vocab.THEMES, widget=forms.CheckboxSelectMultiple, required=False
    )
    keywords = forms.CharField(
        label=_("Schlagwörter"),
        required=False,
        max_length=1000,
        help_text=_("Durch Komma getrennt, z. B. Haushalt, Finanzen"),
    )

    class Meta:
        model = Dataset
        fields = [
            "title",
            "title_en",
            "description",
            "description_en",
            "licence",
            "accrual_periodicity",
            "temporal_start",
            "temporal_end",
            "contact_name",
            "contact_email",
        ]
        widgets = {
            "temporal_start": forms.DateInput(attrs={"type": "date"}),
            "temporal_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["themes"].initial = [t.code for t in self.instance.theme_rows.all()]
            self.fields["keywords"].initial = ", ".join(k.keyword for k in self.instance.keyword_rows.all())
        licence = self.fields["licence"]
        assert isinstance(licence, forms.ChoiceField)
        licence.choices = [("", _("– keine Lizenz gewählt –")), *vocab.LICENCES]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("temporal_start"), data.get("temporal_end")
        if start and end and end < start:
            self.add_error("temporal_end", _("Das Ende des Zeitraums liegt vor dem Beginn."))
        return data

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.cleaned_data.get("keywords", "").split(",") if k.strip()]


class FileForm(forms.Form):
    title = forms.CharField(label=_("Titel der Datei"), max_length=250)
    file = forms.FileField(
        label=_("Datei"),
        help_text=_("CSV, JSON, GeoJSON, XLSX, PDF oder ZIP, höchstens %(mb)s MB.")
        % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )
    licence = forms.ChoiceField(
        label=_("Abweichende Lizenz"),
        required=False,
        choices=[("", _("– Lizenz des Datensatzes –")), *vocab.LICENCES],
    )


class LinkForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=250)
    url = forms.URLField(label=_("Adresse (URL)"), max_length=500, assume_scheme="https")
    format = forms.ChoiceField(label=_("Format"), choices=vocab.FORMAT_CHOICES)
    licence = forms.ChoiceField(
        label=_("Abweichende Lizenz"),
        required=False,
        choices=[("", _("– Lizenz des Datensatzes –")), *vocab.LICENCES],
    )


class SettingsForm(forms.ModelForm[CatalogSettings]):
    class Meta:
        model = CatalogSettings
        fields = ["contributor_id"]

    contributor_id = forms.URLField(
        label=CatalogSettings._meta.get_field("contributor_id").verbose_name,
        help_text=CatalogSettings._meta.get_field("contributor_id").help_text,
        max_length=200,
        required=False,
        assume_scheme="http",
    )

    def clean_contributor_id(self) -> str:
        value: str = self.cleaned_data["contributor_id"].strip()
        if value and not value.startswith("http://dcat-ap.de/def/contributors/"):
            raise forms.ValidationError(
                _("Bitte eine ID aus der Liste http://dcat-ap.de/def/contributors/… angeben.")
            )
        return value
