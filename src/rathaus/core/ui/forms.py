"""KERN UX form rendering: every Django form renders with label, hint, error and error summary."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from .models import AccessibilityFeedback, LegalPage, Notice


class KernFormRenderer(TemplatesSetting):
    form_template_name = "ui/forms/form.html"
    field_template_name = "ui/forms/field.html"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files (a list of uploads; empty list when none)."""

    def __init__(self, *args: Any, max_files: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        self.max_files = max_files
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        files = list(data) if isinstance(data, list | tuple) else ([data] if data else [])
        if self.max_files is not None and len(files) > self.max_files:
            raise forms.ValidationError(
                _("Bitte höchstens %(n)d Dateien auswählen.") % {"n": self.max_files}, code="max_files"
            )
        return [single(d, initial) for d in files]


def widget_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "kern-form-check__checkbox"
    if isinstance(widget, forms.CheckboxSelectMultiple):  # a subclass of RadioSelect: test it first
        return "kern-form-check__checkbox"
    if isinstance(widget, forms.RadioSelect):
        return "kern-form-check__radio"
    if isinstance(widget, forms.Select):
        return "kern-form-input__select"
    return "kern-form-input__input"


class HoneypotInput(forms.TextInput):
    """A field bots fill in and people never see (hidden by CSS and from assistive technology)."""


class AccessibilityFeedbackForm(forms.ModelForm[AccessibilityFeedback]):
    website = forms.CharField(required=False, label=_("Bitte leer lassen"), widget=HoneypotInput)

    class Meta:
        model = AccessibilityFeedback
        fields = ["page_url", "message", "email"]
        widgets = {"message": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "page_url": _("Adresse oder Titel der Seite mit der Barriere"),
            "email": _("Freiwillig. Nur nötig, wenn Sie eine Antwort wünschen."),
        }


class LegalPageForm(forms.ModelForm[LegalPage]):
    video_url = forms.URLField(
        label=_("Video in Deutscher Gebärdensprache"),
        required=False,
        assume_scheme="https",
        help_text=_("Nur für die Seite Gebärdensprache; der Text bleibt als Alternative sichtbar."),
    )

    class Meta:
        model = LegalPage
        fields = ["body_de", "body_en", "video_url"]
        widgets = {
            "body_de": forms.Textarea(attrs={"rows": 18}),
            "body_en": forms.Textarea(attrs={"rows": 12}),
        }
        help_texts = {
            "body_de": _(
                "Markdown: # Überschrift, **fett**, - Liste, [Link](https://…). HTML wird nicht übernommen."
            ),
        }


class NoticeForm(forms.ModelForm[Notice]):
    class Meta:
        model = Notice
        fields = ["title", "title_en", "teaser", "teaser_en", "body", "is_official", "published_at"]
        widgets = {
            "teaser": forms.Textarea(attrs={"rows": 3}),
            "teaser_en": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 8}),
            "published_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]
        self.fields["published_at"].input_formats = formats  # type: ignore[attr-defined]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Suchbegriff"), max_length=200, required=False)
