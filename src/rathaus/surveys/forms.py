from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import structure
from .models import CHOICE_KINDS, Kind, Operator, Option, Page, Question, Segment, Survey
from .templates_data import TEMPLATES

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SurveyForm(forms.ModelForm[Survey]):
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
            field = self.fields[name]
            assert isinstance(field, forms.DateTimeField)
            field.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("Das Ende muss nach dem Beginn liegen."))
        return data


class TemplateForm(forms.Form):
    template = forms.ChoiceField(label=_("Vorlage"))

    def __init__(self, *args: Any, templates: Sequence[Survey] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(f"builtin:{key}", spec["title"]) for key, spec in TEMPLATES.items()]
        choices += [(f"survey:{s.pk}", s.title) for s in templates]
        field = self.fields["template"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class PageForm(forms.ModelForm[Page]):
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


class QuestionForm(forms.ModelForm[Question]):
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


class SourceQuestionField(forms.ModelChoiceField[Question]):
    """Questions of earlier pages, labelled with their page."""

    def label_from_instance(self, obj: Question) -> str:
        return f"{obj.page.title}: {obj.text}"


class ConditionOptionField(forms.ModelChoiceField[Option]):
    """Answer options, labelled with their question."""

    def label_from_instance(self, obj: Option) -> str:
        return f"{obj.question.text} → {obj.label}"


class ConditionForm(forms.Form):
    source = SourceQuestionField(label=_("wenn die Antwort auf die Frage"), queryset=Question.objects.none())
    operator = forms.ChoiceField(label=_("Bedingung"), choices=Operator.choices)
    option = ConditionOptionField(
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
        source = self.fields["source"]
        assert isinstance(source, SourceQuestionField)
        source.queryset = earlier
        options = Option.objects.filter(question__in=earlier).select_related("question")
        option = self.fields["option"]
        assert isinstance(option, ConditionOptionField)
        option.queryset = options


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


# --- Taking part ------------------------------------------------------------------------------------
# A survey page is a Django form built from its questions, as fim builds its steps. The rules of an
# answer live in one place, structure.parse (services.submit checks stored answers again with it), so
# the fields accept what was posted and TakeForm.clean applies parse; the widgets and the KERN field
# templates render it. Field names are the POST names the page always had: q<id>, q<id>_other,
# q<id>_r<row id> (matrix), q<id>_o<option id> (ranking).


def _option_id(option: dict[str, Any]) -> dict[str, Any]:
    """Radio buttons and checkboxes get ids ending in the option's value (q5_17), not in its index: the
    ids stay stable when options are reordered, and the page always had them."""
    if option["attrs"].get("id"):
        option["attrs"]["id"] = f"{option['name']}_{option['value']}"
    return option


class AnswerRadioSelect(forms.RadioSelect):
    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return _option_id(super().create_option(*args, **kwargs))


class AnswerCheckboxes(forms.CheckboxSelectMultiple):
    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return _option_id(super().create_option(*args, **kwargs))


class MatrixWidget(forms.Widget):
    """A table of radio buttons: one row per matrix row, one column per scale point."""

    template_name = "surveys/widgets/matrix.html"

    def __init__(self, question: Question, rows: list[Any]) -> None:
        super().__init__()
        self.question = question
        self.rows = rows

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        return {str(r.pk): data.get(f"{name}_r{r.pk}", "") for r in self.rows}

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        cells = value if isinstance(value, dict) else {}
        context["question"] = self.question
        context["rows"] = [
            (
                r,
                f"{name}_r{r.pk}",
                [(p, str(cells.get(str(r.pk), "")) == str(p)) for p in self.question.scale_points],
            )
            for r in self.rows
        ]
        return context


class RankingWidget(forms.Widget):
    """One select per option: the rank it gets (1 = most important)."""

    template_name = "surveys/widgets/ranking.html"

    def __init__(self, options: list[Option]) -> None:
        super().__init__()
        self.options = options

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        return {str(o.pk): data.get(f"{name}_o{o.pk}", "") for o in self.options}

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        ranks = value if isinstance(value, dict) else {}
        context["options"] = [(o, f"{name}_o{o.pk}", str(ranks.get(str(o.pk), ""))) for o in self.options]
        context["rank_choices"] = [str(i) for i in range(1, len(self.options) + 1)]
        return context


class AnswerField(forms.Field):
    """One question's answer as posted; TakeForm.clean parses and checks it (structure.parse)."""

    def __init__(self, question: Question, **kwargs: Any) -> None:
        self.question = question
        kwargs.setdefault("template_name", "surveys/fields/question.html")
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        return value


def _hint(q: Question) -> str:
    parts = [str(q.display_help)] if q.help_text else []
    if q.kind == Kind.MULTIPLE and (q.min_choices or q.max_choices):
        limits = []
        if q.min_choices:
            limits.append(str(_("mindestens %(n)s") % {"n": q.min_choices}))
        if q.max_choices:
            limits.append(str(_("höchstens %(n)s Antworten") % {"n": q.max_choices}))
        parts.append(", ".join(limits))
    if q.kind == Kind.RANKING:
        parts.append(str(_("Vergeben Sie Rang 1 für das Wichtigste; jeder Rang nur einmal.")))
    return " ".join(parts)


def _answer_field(s: structure.Structure, q: Question) -> AnswerField:
    options = s.options.get(q.pk, [])
    common: dict[str, Any] = {
        "question": q,
        "label": q.display_text,
        "required": q.required,
        "help_text": _hint(q),
    }
    if q.kind in (Kind.SINGLE, Kind.MULTIPLE):
        widget_class = AnswerRadioSelect if q.kind == Kind.SINGLE else AnswerCheckboxes
        widget: forms.Widget = widget_class(choices=[(o.pk, o.display_label) for o in options])
    elif q.kind == Kind.SCALE:
        points = q.scale_points
        labels = {points[0]: q.scale_low_label, points[-1]: q.scale_high_label} if points else {}
        widget = AnswerRadioSelect(
            choices=[(p, f"{p} – {labels[p]}" if labels.get(p) else str(p)) for p in points]
        )
    elif q.kind == Kind.YES_NO:
        widget = AnswerRadioSelect(choices=[("1", _("Ja")), ("0", _("Nein"))])
    elif q.kind == Kind.TEXT_LONG:
        widget = forms.Textarea(attrs={"rows": 5, "maxlength": structure.MAX_TEXT_LONG})
        widget.attrs.pop("cols", None)
    elif q.kind == Kind.NUMBER:
        attrs: dict[str, Any] = {"inputmode": "numeric", "step": 1}
        if q.min_value is not None:
            attrs["min"] = q.min_value
        if q.max_value is not None:
            attrs["max"] = q.max_value
        widget = forms.NumberInput(attrs=attrs)
    elif q.kind == Kind.DATE:
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    elif q.kind == Kind.MATRIX:
        widget = MatrixWidget(q, s.rows.get(q.pk, []))
    elif q.kind == Kind.RANKING:
        widget = RankingWidget(options)
    else:
        widget = forms.TextInput(attrs={"maxlength": structure.MAX_TEXT_SHORT})
    return AnswerField(widget=widget, **common)


def _initial(q: Question, value: dict[str, Any] | None) -> Any:
    """A stored answer as the widget shows it."""
    if not value:
        return None
    if "o" in value:
        return [str(i) for i in value["o"]] if isinstance(value["o"], list) else str(value["o"])
    if "m" in value:
        return {rid: str(n) for rid, n in value["m"].items()}
    if "r" in value:
        return {str(oid): str(rank) for rank, oid in enumerate(value["r"], start=1)}
    if "n" in value:
        return str(value["n"])
    return value.get("d", value.get("t", ""))


class TakeForm(forms.Form):
    """The visible questions of one survey page. After ``is_valid()``, ``values`` holds each question's
    answer as stored (None = unanswered) and ``errors`` the message of each question that failed."""

    use_required_attribute = False  # the page says which questions are optional; parse enforces the rest

    def __init__(
        self,
        s: structure.Structure,
        questions: list[Question],
        answers: dict[str, Any],
        data: Any = None,
    ) -> None:
        super().__init__(data=data, auto_id="%s")
        self.structure = s
        self.questions = questions
        self.values: dict[int, dict[str, Any] | None] = {q.pk: answers.get(str(q.pk)) for q in questions}
        for q in questions:
            name = f"q{q.pk}"
            self.fields[name] = _answer_field(s, q)
            self.initial[name] = _initial(q, answers.get(str(q.pk)))
            if q.kind in (Kind.SINGLE, Kind.MULTIPLE) and q.allow_other:
                self.fields[f"{name}_other"] = forms.CharField(
                    label=_("Sonstiges, und zwar"),
                    required=False,
                    widget=forms.TextInput(attrs={"maxlength": structure.MAX_TEXT_SHORT}),
                )
                stored = answers.get(str(q.pk)) or {}
                self.initial[f"{name}_other"] = stored.get("t", "")

    def question_fields(self) -> list[forms.BoundField]:
        """The questions' bound fields; a choice question with „Sonstiges“ carries its text field."""
        fields = []
        for q in self.questions:
            bf = self[f"q{q.pk}"]
            bf.other = self[f"q{q.pk}_other"] if f"q{q.pk}_other" in self.fields else None  # type: ignore[attr-defined]
            fields.append(bf)
        return fields

    def clean(self) -> dict[str, Any]:
        for q in self.questions:
            value, error = structure.parse(self.structure, q, self.data)
            self.values[q.pk] = value
            if error:
                self.add_error(f"q{q.pk}", error)
        return self.cleaned_data

    def summary(self) -> list[tuple[str, str]]:
        """(link, text) of each error for the error summary: the link leads to the question."""
        return [
            (f"#q{q.pk}-group", f"{q.display_text}: {e}")
            for q in self.questions
            for e in self.errors.get(f"q{q.pk}", [])
        ]
