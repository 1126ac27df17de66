from __future__ import annotations

from typing import Any, Generic, TypeVar

from django import forms
from django.utils.translation import gettext_lazy as _

from rathaus.core import figures
from rathaus.core.accounts.models import Department
from rathaus.core.tenancy.models import TenantOwned

from . import services
from .models import (
    FieldOfAction,
    Goal,
    Indicator,
    IndicatorValue,
    Measure,
    MeasureLink,
    Milestone,
    Strategy,
    StrategyVersion,
)

T = TypeVar("T", bound=TenantOwned)

DATE = forms.DateInput(attrs={"type": "date"})


class TenantForm(forms.ModelForm[T], Generic[T]):
    """A model form whose foreign-key choices are limited to one municipality."""

    scoped: dict[str, Any] = {}

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        for name, model in self.scoped.items():
            if name in self.fields:
                self.fields[name].queryset = model.objects.for_tenant(municipality)  # type: ignore[attr-defined]
        if self.instance.pk is None:
            self.instance.municipality = municipality


class StrategyForm(TenantForm[Strategy]):
    class Meta:
        model = Strategy
        fields = ["title", "summary", "is_published"]


class VersionForm(TenantForm[StrategyVersion]):
    class Meta:
        model = StrategyVersion
        fields = ["version", "adopted_on", "adopted_by", "decision_number", "notes"]
        widgets = {"adopted_on": DATE}


class FieldForm(TenantForm[FieldOfAction]):
    scoped = {"strategy": Strategy}

    class Meta:
        model = FieldOfAction
        fields = ["strategy", "title", "description", "order"]


class GoalForm(TenantForm[Goal]):
    scoped = {"field": FieldOfAction}

    class Meta:
        model = Goal
        fields = ["field", "title", "description", "order"]


class MeasureForm(TenantForm[Measure]):
    scoped = {"goal": Goal, "lead_department": Department}

    class Meta:
        model = Measure
        fields = [
            "goal",
            "code",
            "title",
            "description",
            "lead_department",
            "partners",
            "budget_planned",
            "budget_spent",
            "priority",
            "start",
            "end",
            "status",
            "progress",
            "order",
        ]
        widgets = {"start": DATE, "end": DATE}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (data.get("progress") or 0) > 100:
            self.add_error("progress", _("Der Fortschritt liegt zwischen 0 und 100 %."))
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("Das Ende liegt vor dem Beginn."))
        return data


class MilestoneForm(TenantForm[Milestone]):
    class Meta:
        model = Milestone
        fields = ["date", "title", "done"]
        widgets = {"date": DATE}


class LinkForm(TenantForm[MeasureLink]):
    class Meta:
        model = MeasureLink
        fields = ["kind", "module", "title", "target"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind, target = data.get("kind"), (data.get("target") or "").strip()
        if kind and target:
            error = services.link_error(kind, target)
            if error:
                self.add_error("target", error)
        return data


def _figure_choices() -> list[tuple[str, Any]]:
    return [("", _("– von Hand erfasst –"))] + [(i.key, f"{i.label} ({i.key})") for i in figures.indicators()]


class IndicatorForm(TenantForm[Indicator]):
    scoped = {"strategy": Strategy, "field": FieldOfAction}

    class Meta:
        model = Indicator
        fields = [
            "strategy",
            "field",
            "title",
            "description",
            "unit",
            "baseline_value",
            "baseline_year",
            "target_value",
            "target_year",
            "figures_key",
            "method",
            "order",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _figure_choices()
        current = self.instance.figures_key
        if current and current not in dict(choices):
            choices.append((current, f"{current} ({_('nicht mehr registriert')})"))
        self.fields["figures_key"] = forms.ChoiceField(
            label=_("berechnet aus Kennzahl"),
            choices=choices,
            required=False,
            help_text=_("Leer: Werte werden von Hand erfasst."),
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        spec = figures.indicator(data.get("figures_key") or "")
        if spec is not None and not (data.get("method") or "").strip():
            data["method"] = str(spec.method)
            self.instance.method = data["method"]
        if spec is not None and not data.get("unit"):
            data["unit"] = spec.unit
            self.instance.unit = spec.unit
        return data


class ValueForm(TenantForm[IndicatorValue]):
    class Meta:
        model = IndicatorValue
        fields = ["date", "value"]
        widgets = {"date": DATE}
