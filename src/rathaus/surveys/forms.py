from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CHOICE_KINDS, Kind, Operator, Option, Page, Question, Segment, Survey
from .templates_data import TEMPLATES

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = [
            "title",
            "title_en",
            "description",
            "description_en",
            "access",
            "anonymized",
            "ask_segment",
            "publish_results",
            "opens_at",
            "closes_at",
            "is_published",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "access": forms.RadioSelect,
            "opens_at": DT,
            "closes_at": DT,
        }
        help_texts = {
            "opens_at": _("leer = sofort nach Veröffentlichung"),
            "closes_at": _("leer = bis Sie die Umfrage beenden"),
            "is_published": _("Erst veröffentlichte Umfragen sind öffentlich sichtbar (ab Beginn)."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("Das Ende muss nach dem Beginn liegen."))
        return data


class TemplateForm(forms.Form):
    template = forms.ChoiceField(label=_("Vorlage"))

    def __init__(self, *args: Any, templates: list[Survey] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        choices = [(f"builtin:{key}", spec["title"]) for key, spec in TEMPLATES.items()]
        choices += [(f"survey:{s.pk}", s.title) for s in templates]
        self.fields["template"].choices = choices  # type: ignore[attr-defined]


class PageForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = ["title", "title_en", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


# The settings that apply to each kind of question; the builder shows only these (issue 14). Every other
# field of QuestionForm is common to all kinds.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    Kind.SINGLE: ("options_text", "allow_other"),
    Kind.MULTIPLE: ("options_text", "allow_other", "min_choices", "max_choices"),
    Kind.RANKING: ("options_text",),
    Kind.NUMBER: ("min_value", "max_value"),
    Kind.SCALE: ("scale_min", "scale_max", "scale_low_label", "scale_high_label"),
    Kind.MATRIX: ("rows_text", "scale_min", "scale_max", "scale_low_label", "scale_high_label"),
}
KIND_SPECIFIC_FIELDS = frozenset(name for names in KIND_FIELDS.values() for name in names)


def chosen_kind(value: Any) -> str | None:
    """A valid question kind from a request parameter, or None (then the builder asks for one)."""
    return value if value in Kind.values else None


class QuestionKindForm(forms.Form):
    """Step 1 of the question builder (a GET form, works without JavaScript): which kind of question."""

    art = forms.ChoiceField(label=_("Fragetyp"), choices=Kind.choices, widget=forms.RadioSelect)


class QuestionForm(forms.ModelForm):
    options_text = forms.CharField(
        label=_("Antwortmöglichkeiten"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Eine Antwortmöglichkeit je Zeile (Einfach-, Mehrfachauswahl und Rangfolge)."),
    )
    rows_text = forms.CharField(
        label=_("Zeilen der Matrix"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Eine Zeile je Aussage (nur Matrix)."),
    )

    class Meta:
        model = Question
        fields = [
            "kind",
            "text",
            "text_en",
            "help_text",
            "help_text_en",
            "required",
            "allow_other",
            "min_choices",
            "max_choices",
            "min_value",
            "max_value",
            "scale_min",
            "scale_max",
            "scale_low_label",
            "scale_high_label",
        ]
        help_texts = {
            "scale_max": _("höchstens 11 Stufen"),
        }

    def __init__(self, *args: Any, kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Step 2 of the builder: the kind is chosen, only its settings are shown (and saved).
        self.kind = kind or (self.instance.kind if self.instance.pk else None)
        if self.kind:
            wanted = set(KIND_FIELDS.get(self.kind, ()))
            for name in KIND_SPECIFIC_FIELDS - wanted:
                del self.fields[name]
            self.fields["kind"].widget = forms.HiddenInput()
            self.initial["kind"] = self.kind
        if self.instance.pk:
            if "options_text" in self.fields:
                self.fields["options_text"].initial = "\n".join(
                    o.label for o in self.instance.options.all() if not o.is_other
                )
            if "rows_text" in self.fields:
                self.fields["rows_text"].initial = "\n".join(r.label for r in self.instance.rows.all())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        lines = [line for line in (data.get("options_text") or "").splitlines() if line.strip()]
        if kind in CHOICE_KINDS and len(lines) < 2:
            self.add_error(
                "options_text", _("Eine Auswahlfrage braucht mindestens zwei Antwortmöglichkeiten.")
            )
        rows = [line for line in (data.get("rows_text") or "").splitlines() if line.strip()]
        if kind == Kind.MATRIX and not rows:
            self.add_error("rows_text", _("Eine Matrixfrage braucht mindestens eine Zeile."))
        return data

    def options(self) -> list[str]:
        return (self.cleaned_data.get("options_text") or "").splitlines()

    def rows(self) -> list[str]:
        return (self.cleaned_data.get("rows_text") or "").splitlines()

    def question_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in self.Meta.fields if k in self.fields}


class ConditionForm(forms.Form):
    source = forms.ModelChoiceField(
        label=_("wenn die Antwort auf die Frage"), queryset=Question.objects.none()
    )
    operator = forms.ChoiceField(label=_("Bedingung"), choices=Operator.choices)
    option = forms.ModelChoiceField(
        label=_("Antwortmöglichkeit"),
        queryset=Option.objects.none(),
        required=False,
        help_text=_("für Einfach-, Mehrfachauswahl und Rangfolge"),
    )
    value = forms.IntegerField(
        label=_("Wert"), required=False, help_text=_("für Ja/Nein (1 = Ja, 0 = Nein), Skalen und Zahlen")
    )

    def __init__(self, *args: Any, survey: Survey, before_page: Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        earlier = Question.objects.filter(
            survey=survey, page__position__lt=before_page.position
        ).select_related("page")
        self.fields["source"].queryset = earlier  # type: ignore[attr-defined]
        self.fields["source"].label_from_instance = lambda q: f"{q.page.title}: {q.text}"  # type: ignore[attr-defined]
        options = Option.objects.filter(question__in=earlier).select_related("question")
        self.fields["option"].queryset = options  # type: ignore[attr-defined]
        self.fields["option"].label_from_instance = lambda o: f"{o.question.text} → {o.label}"  # type: ignore[attr-defined]


class InvitationForm(forms.Form):
    count = forms.IntegerField(
        label=_("Anzahl Codes zum Ausdrucken"), min_value=0, max_value=2000, initial=10, required=False
    )
    emails = forms.CharField(
        label=_("Per E-Mail einladen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Eine E-Mail-Adresse je Zeile; jede Adresse erhält einen eigenen Code. "
            "Die Adressen werden nicht gespeichert."
        ),
    )

    def clean_emails(self) -> list[str]:
        from django.core.validators import validate_email

        out = []
        for line in (self.cleaned_data.get("emails") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                validate_email(line)
            except forms.ValidationError:
                raise forms.ValidationError(_("Ungültige E-Mail-Adresse: %(a)s") % {"a": line}) from None
            out.append(line)
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        total = (data.get("count") or 0) + len(data.get("emails") or [])
        if not self.errors and not 1 <= total <= 2000:
            raise forms.ValidationError(_("Bitte erzeugen Sie zwischen 1 und 2000 Codes auf einmal."))
        return data


class StartForm(forms.Form):
    code = forms.CharField(
        label=_("Einladungscode"), max_length=40, help_text=_("steht auf Ihrer Einladung, z. B. ABCDE-FGHJK")
    )
    segment = forms.ChoiceField(
        label=_("Sie nehmen teil als"),
        choices=[
            (Segment.CITIZEN, Segment.CITIZEN.label),
            (Segment.BUSINESS, Segment.BUSINESS.label),
            ("", _("keine Angabe")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if survey.access != "invitation":
            del self.fields["code"]
        if not survey.ask_segment:
            del self.fields["segment"]
