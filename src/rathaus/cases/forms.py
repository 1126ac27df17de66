"""Forms of the case management (rendered with the KERN form renderer)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rathaus.core.accounts.models import Department
from rathaus.core.ui.forms import MultipleFileField

from . import letters
from .models import DECIDED, LetterSettings, ServiceSetting, Status

TYPE_CHOICES = [("application/pdf", "PDF"), ("image/jpeg", "JPEG"), ("image/png", "PNG")]
MAX_UPLOADS = 5


class AnswerForm(forms.Form):
    body = forms.CharField(label=_("Ihre Antwort"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    attachments = MultipleFileField(
        label=_("Anlagen (PDF, JPEG oder PNG)"),
        required=False,
        max_files=MAX_UPLOADS,
        help_text=_("Sie können bis zu fünf Dateien auswählen."),
    )


class QueryForm(forms.Form):
    body = forms.CharField(
        label=_("Rückfrage an die Antragstellerin / den Antragsteller"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Interner Vermerk"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=[(s.value, s.label) for s in Status if s in DECIDED],
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=_("Begründung"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
        required=False,
        help_text=_("Pflicht bei Ablehnung und teilweiser Bewilligung (§ 39 VwVfG)."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            letters.check_reasons(data.get("outcome", ""), data.get("reasons", ""))
        except letters.MissingReasons as exc:
            self.add_error("reasons", str(exc))
        return data


class DeadlineForm(forms.Form):
    due_date = forms.DateField(
        label=_("Bearbeitungsfrist"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Bearbeitung durch"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, staff: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = {u.pk: u for u in staff}
        self.fields["assignee"].choices = [("", _("niemand"))] + [  # type: ignore[attr-defined]
            (u.pk, u.display_name or u.email) for u in staff
        ]


class SettingForm(forms.ModelForm[ServiceSetting]):
    allowed_types = forms.MultipleChoiceField(
        label=_("Erlaubte Dateitypen"), choices=TYPE_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ServiceSetting
        fields = [
            "department",
            "deadline_days",
            "retention_days",
            "max_attachment_mb",
            "max_attachments",
            "allowed_types",
            "decision_template",
        ]
        widgets = {"decision_template": forms.Textarea(attrs={"rows": 8})}

    def clean_decision_template(self) -> str:
        text = str(self.cleaned_data.get("decision_template") or "")
        lowered = text.lower()
        if "sehr geehrte/r" in lowered or "geehrte(r)" in lowered:
            raise forms.ValidationError(
                _(
                    "Die Anrede setzt der Bescheid selbst (aus den Angaben im Antrag). Bitte entfernen Sie "
                    "„Sehr geehrte/r“; die Vorlage enthält nur den Entscheidungstext (Tenor)."
                )
            )
        return text

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.for_tenant(municipality)  # type: ignore[attr-defined]
        self.fields["max_attachment_mb"].max_value = 50  # type: ignore[attr-defined]
        self.fields["max_attachment_mb"].validators.append(_max(50))
        self.fields["deadline_days"].validators.append(_min(1))
        self.fields["retention_days"].validators.append(_min(1))


def _max(n: int) -> Any:
    from django.core.validators import MaxValueValidator

    return MaxValueValidator(n)


def _min(n: int) -> Any:
    from django.core.validators import MinValueValidator

    return MinValueValidator(n)


class LetterSettingsForm(forms.ModelForm[LetterSettings]):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = LetterSettings
        fields = [
            "authority",
            "address",
            "phone",
            "email",
            "website",
            "place",
            "legal_remedy",
            "closing",
            "signature",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "legal_remedy": forms.Textarea(attrs={"rows": 8}),
        }

    def clean_legal_remedy(self) -> str:
        text = str(self.cleaned_data.get("legal_remedy") or "").strip()
        if text and "widerspruch" not in text.lower() and "klage" not in text.lower():
            raise forms.ValidationError(
                _("Eine Rechtsbehelfsbelehrung nennt den Rechtsbehelf (Widerspruch oder Klage).")
            )
        return text
