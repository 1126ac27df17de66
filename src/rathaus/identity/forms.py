from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import attributes as attrs
from .models import IdentityProvider, Level, ServiceRequirement


class IdentityProviderForm(forms.ModelForm):
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


class RequirementForm(forms.ModelForm):
    level = forms.TypedChoiceField(label=_("Vertrauensniveau"), choices=Level.choices, coerce=int)

    class Meta:
        model = ServiceRequirement
        fields = ["level", "accept_citizen", "accept_business", "lock_prefilled"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("accept_citizen") and not data.get("accept_business"):
            raise forms.ValidationError(_("Bitte wählen Sie mindestens eine Art von Konto."))
        return data
