"""Forms of the cataloguing UI. Repeating metadata is edited one entry per line, in the same short
notation as the CSV import: ``Name (Rolle) <https://d-nb.info/gnd/…>`` and ``Bezeichnung <URI>``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import importers, media
from .models import RIGHTS_CHOICES, Collection, HeritageObject, Level, ObjectType

LINE_HELP = _(
    "Ein Eintrag je Zeile. Normdaten-URI in spitzen Klammern, z. B. „Zeitz <https://sws.geonames.org/2804979/>“."
)


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _term_line(t: dict[str, Any]) -> str:
    return f"{t.get('label', '')} <{t['uri']}>" if t.get("uri") else t.get("label", "")


def _actor_line(a: dict[str, Any]) -> str:
    text = str(a.get("name") or "")
    if a.get("role"):
        text += f" ({a['role']})"
    if a.get("gnd"):
        text += f" <{a['gnd']}>"
    return text


def _dim_line(d: dict[str, Any]) -> str:
    return " ".join(p for p in (d.get("type"), d.get("value"), d.get("unit")) if p)


class ObjectForm(forms.Form):
    inventory_number = forms.CharField(label=_("Inventarnummer"), max_length=100)
    object_type = forms.ChoiceField(label=_("Objektart"), choices=ObjectType.choices)
    title_de = forms.CharField(label=_("Titel (deutsch)"), max_length=500)
    title_en = forms.CharField(label=_("Titel (englisch)"), max_length=500, required=False)
    description = forms.CharField(
        label=_("Beschreibung"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    actors = forms.CharField(
        label=_("Personen und Körperschaften"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Ein Eintrag je Zeile: Name (Rolle) <GND-URI>, z. B. „Schmidt, Anna (Fotografin) <https://d-nb.info/gnd/123456789>“."
        ),
    )
    dating = forms.CharField(
        label=_("Datierung"),
        max_length=100,
        required=False,
        help_text=_("z. B. 1600, um 1600, 1600~, 159X, 16XX, 1600/1650, 1890er, 16. Jh."),
    )
    places = forms.CharField(
        label=_("Orte"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=LINE_HELP
    )
    materials = forms.CharField(
        label=_("Material"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=LINE_HELP
    )
    techniques = forms.CharField(
        label=_("Technik"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=LINE_HELP
    )
    dimensions = forms.CharField(
        label=_("Maße"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ein Maß je Zeile, z. B. „Höhe 106 cm“."),
    )
    subjects = forms.CharField(
        label=_("Schlagworte"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=LINE_HELP
    )
    institution = forms.CharField(label=_("Besitzende Institution"), max_length=300, required=False)
    institution_isil = forms.CharField(label=_("ISIL der Institution"), max_length=40, required=False)
    provenance = forms.CharField(
        label=_("Provenienz"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    credit_line = forms.CharField(label=_("Nachweis (Credit Line)"), max_length=300, required=False)
    metadata_rights = forms.ChoiceField(
        label=_("Rechte an den Metadaten"),
        choices=RIGHTS_CHOICES,
        help_text=_("Die DDB verlangt CC0 für Metadaten."),
    )
    image_rights = forms.ChoiceField(label=_("Rechte an den Abbildungen"), choices=RIGHTS_CHOICES)
    collections = forms.ModelMultipleChoiceField(
        label=_("Sammlungen"),
        queryset=Collection.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collections"].queryset = Collection.objects.for_tenant(municipality)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, obj: HeritageObject) -> dict[str, Any]:
        return {
            "inventory_number": obj.inventory_number,
            "object_type": obj.object_type,
            "title_de": obj.title_de,
            "title_en": obj.title_en,
            "description": obj.description,
            "actors": "\n".join(_actor_line(a) for a in obj.actors or []),
            "dating": obj.dating,
            "places": "\n".join(_term_line(t) for t in obj.places or []),
            "materials": "\n".join(_term_line(t) for t in obj.materials or []),
            "techniques": "\n".join(_term_line(t) for t in obj.techniques or []),
            "dimensions": "\n".join(_dim_line(d) for d in obj.dimensions or []),
            "subjects": "\n".join(_term_line(t) for t in obj.subjects or []),
            "institution": obj.institution,
            "institution_isil": obj.institution_isil,
            "provenance": obj.provenance,
            "credit_line": obj.credit_line,
            "metadata_rights": obj.metadata_rights,
            "image_rights": obj.image_rights,
            "collections": list(obj.collections.all()),
        }

    def metadata(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {
            k: d[k]
            for k in (
                "inventory_number",
                "object_type",
                "title_de",
                "title_en",
                "description",
                "dating",
                "institution",
                "institution_isil",
                "provenance",
                "credit_line",
                "metadata_rights",
                "image_rights",
            )
        }
        data["actors"] = [importers._actor(line) for line in _lines(d["actors"])]
        for field in ("places", "materials", "techniques", "subjects"):
            data[field] = [importers._term(line) for line in _lines(d[field])]
        data["dimensions"] = [importers._dimension(line) for line in _lines(d["dimensions"])]
        return data


class ImageForm(forms.Form):
    image = forms.FileField(
        label=_("Bilddatei"),
        help_text=_("JPEG, PNG oder TIFF, höchstens 200 MB und 100 Megapixel."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/tiff"}),
    )
    alt_text = forms.CharField(
        label=_("Alternativtext"),
        max_length=500,
        help_text=_("Was auf dem Bild zu sehen ist, für Menschen, die es nicht sehen."),
    )
    caption = forms.CharField(label=_("Bildunterschrift"), max_length=500, required=False)
    photographer = forms.CharField(label=_("Fotografin / Fotograf"), max_length=200, required=False)
    rights = forms.ChoiceField(label=_("Rechte an der Abbildung"), choices=RIGHTS_CHOICES)

    def clean_image(self) -> Any:
        f = self.cleaned_data["image"]
        if f.size > media.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Die Datei ist zu groß (höchstens 200 MB)."))
        return f


class CollectionForm(forms.ModelForm[Collection]):
    class Meta:
        model = Collection
        fields = ["title_de", "title_en", "slug", "parent", "level", "description", "is_public"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Collection.objects.for_tenant(municipality)
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = qs  # type: ignore[attr-defined]
        self.fields["level"].choices = Level.choices  # type: ignore[attr-defined]
        self.municipality = municipality

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        return slug

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        slug, parent = data.get("slug"), data.get("parent")
        if slug:
            node = parent
            while node is not None:
                if self.instance.pk and node.pk == self.instance.pk:
                    self.add_error("parent", _("Eine Einheit kann nicht unter sich selbst stehen."))
                    break
                node = node.parent
            probe = Collection(slug=slug, parent=parent)
            spec = probe.compute_set_spec()
            clash = Collection.objects.for_tenant(self.municipality).filter(set_spec=spec)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("slug", _("Dieser Kurzname ist an dieser Stelle schon vergeben."))
        return data


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("lido", "LIDO-XML")])
    file = forms.FileField(
        label=_("Datei"), help_text=_("Höchstens 20 MB. Spalten der CSV-Datei: siehe Dokumentation.")
    )
    dry_run = forms.BooleanField(label=_("Probelauf (nur prüfen, nichts speichern)"), required=False)
