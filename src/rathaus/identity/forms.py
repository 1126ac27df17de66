from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import attributes as attrs
from .models import IdentityProvider, Level, ServiceRequirement


class IdentityProviderForm(forms.ModelForm[IdentityProvider]):
    metadata_file = forms.FileField(
        label=_("Metadaten des Identitätsanbieters (XML-Datei)"),
        required=False,
        help_text=_(
            "Die Datei erhalten Sie bei der Registrierung "
            "(BundID: Metadaten der Integrationsumgebung bzw. Produktion)."
        ),
    )
    allowed_methods = forms.MultipleChoiceField(
        label=_("erlaubte Anmeldeverfahren (leer: alle)"),
        choices=[(m, m) for m in attrs.METHODS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = IdentityProvider
        fields = ["enabled", "binding", "allowed_methods", "display_name", "online_service_id"]

    def clean_metadata_file(self) -> str:
        upload: Any = self.cleaned_data.get("metadata_file")
        if upload is None:
            if not (self.instance and self.instance.metadata_xml):
                raise forms.ValidationError(_("Bitte laden Sie die Metadaten hoch."))
            return str(self.instance.metadata_xml)
        if upload.size > 1024 * 1024:
            raise forms.ValidationError(_("Die Datei ist zu groß (höchstens 1 MB)."))
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("Die Datei ist keine XML-Datei in UTF-8.")) from exc


# Attributes a form field may be filled from (not the pseudonym, not the login's metadata).
MAPPABLE = [key for key in attrs.KEYS if key not in ("bpk2", "level", "method")]


class RequirementForm(forms.ModelForm[ServiceRequirement]):
    level = forms.TypedChoiceField(label=_("Vertrauensniveau"), choices=Level.choices, coerce=int)
    mapping = forms.CharField(
        label=_("Zusätzliche Zuordnung: FIM-Feld-ID = Merkmal (eine Zeile je Feld)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Zum Beispiel „F60000227 = family_name“. Mögliche Merkmale: %(keys)s.")
        % {"keys": ", ".join(MAPPABLE)},
    )

    class Meta:
        model = ServiceRequirement
        fields = ["level", "accept_citizen", "accept_business", "lock_prefilled"]

    def __init__(self, *args: Any, field_ids: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_ids = set(field_ids)
        if self.instance and self.instance.pk and not self.is_bound:
            self.initial["mapping"] = "\n".join(
                f"{fid} = {key}" for fid, key in sorted((self.instance.field_mapping or {}).items())
            )

    def clean_mapping(self) -> dict[str, str]:
        out: dict[str, str] = {}
        errors: list[str] = []
        for n, line in enumerate(str(self.cleaned_data.get("mapping") or "").splitlines(), start=1):
            if not line.strip():
                continue
            fid, sep, key = (part.strip() for part in line.partition("="))
            if not sep or not fid or not key:
                errors.append(_("Zeile %(n)d: bitte „FIM-Feld-ID = Merkmal“ angeben.") % {"n": n})
            elif fid not in self.field_ids:
                errors.append(
                    _("Zeile %(n)d: Das Formular hat kein Feld mit der ID „%(id)s“.") % {"n": n, "id": fid}
                )
            elif key not in MAPPABLE:
                errors.append(_("Zeile %(n)d: unbekanntes Merkmal „%(key)s“.") % {"n": n, "key": key})
            else:
                out[fid] = key
        if errors:
            raise forms.ValidationError(errors)
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("accept_citizen") and not data.get("accept_business"):
            raise forms.ValidationError(_("Bitte wählen Sie mindestens eine Art von Konto."))
        return data
