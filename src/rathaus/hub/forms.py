from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rathaus.core.accounts.models import Organisation
from rathaus.core.tenancy.models import Municipality

from .models import WEEKDAYS, ClosingDay, Location, Resource, ResourceGroup
from .services import MAX_REPEAT_WEEKS, at


class BookingForm(forms.Form):
    day = forms.DateField(label=_("Datum"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(
        label=_("Beginn"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Uhrzeit"),
    )
    end = forms.TimeField(
        label=_("Ende"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Uhrzeit"),
    )
    weeks = forms.IntegerField(
        label=_("Wöchentlich wiederholen"),
        min_value=1,
        max_value=MAX_REPEAT_WEEKS,
        initial=1,
        help_text=_(
            "Anzahl der Wochen, 1 = nur dieser Termin. Belegte Termine werden übersprungen und genannt."
        ),
    )

    def range(self) -> tuple[datetime, datetime]:
        d = self.cleaned_data
        start = at(d["day"], d["start"])
        # 00:00 as the end means midnight at the end of the day.
        end = at(d["day"] + timedelta(days=1), time(0)) if d["end"] == time(0) else at(d["day"], d["end"])
        return start, end

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] != time(0) and data["end"] <= data["start"]:
            self.add_error("end", _("Das Ende muss nach dem Beginn liegen."))
        return data


class LocationForm(forms.ModelForm[Location]):
    class Meta:
        model = Location
        fields = ["name", "address", "floor", "step_free", "accessibility", "description", "is_active"]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "accessibility": forms.Textarea(attrs={"rows": 4}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        existing = {}
        if self.instance.pk:
            existing = {h.weekday: h for h in self.instance.opening_hours.all()}
        for wd, label in WEEKDAYS:
            h = existing.get(wd)
            self.fields[f"opens_{wd}"] = forms.TimeField(
                label=_("%(day)s öffnet") % {"day": label},
                required=False,
                initial=h.opens if h else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                help_text=_("leer = geschlossen"),
            )
            self.fields[f"closes_{wd}"] = forms.TimeField(
                label=_("%(day)s schließt") % {"day": label},
                required=False,
                initial=h.closes if h else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for wd, _label in WEEKDAYS:
            o, c = data.get(f"opens_{wd}"), data.get(f"closes_{wd}")
            if (o is None) != (c is None):
                self.add_error(f"closes_{wd}", _("Bitte beide Zeiten angeben oder beide leer lassen."))
            elif o is not None and c is not None and c <= o:
                self.add_error(f"closes_{wd}", _("Die Schließzeit muss nach der Öffnungszeit liegen."))
        return data

    def hours(self) -> dict[int, tuple[time, time] | None]:
        out: dict[int, tuple[time, time] | None] = {}
        for wd, _label in WEEKDAYS:
            o, c = self.cleaned_data.get(f"opens_{wd}"), self.cleaned_data.get(f"closes_{wd}")
            out[wd] = (o, c) if o is not None and c is not None else None
        return out


class ResourceGroupForm(forms.ModelForm[ResourceGroup]):
    class Meta:
        model = ResourceGroup
        fields = [
            "location",
            "name",
            "max_days_ahead",
            "max_active_bookings",
            "min_notice_minutes",
            "cancellation_deadline_hours",
            "no_show_grace_minutes",
            "organisation",
        ]

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.for_tenant(municipality)  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["max_days_ahead"].min_value = 1  # type: ignore[attr-defined]
        self.fields["max_active_bookings"].min_value = 1  # type: ignore[attr-defined]


class ResourceForm(forms.ModelForm[Resource]):
    class Meta:
        model = Resource
        fields = [
            "group",
            "name",
            "kind",
            "capacity",
            "equipment",
            "booking_unit",
            "slot_minutes",
            "is_active",
        ]
        widgets = {"equipment": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = ResourceGroup.objects.for_tenant(municipality).select_related(  # type: ignore[attr-defined]
            "location"
        )

    def clean_slot_minutes(self) -> int:
        value = int(self.cleaned_data["slot_minutes"])
        if not 5 <= value <= 720:
            raise forms.ValidationError(_("Bitte zwischen 5 und 720 Minuten angeben."))
        return value

    def clean_capacity(self) -> int:
        value = int(self.cleaned_data["capacity"])
        if value < 1:
            raise forms.ValidationError(_("Mindestens 1 Platz."))
        return value


class ClosingDayForm(forms.ModelForm[ClosingDay]):
    class Meta:
        model = ClosingDay
        fields = ["location", "date", "reason"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.for_tenant(municipality)  # type: ignore[attr-defined]
        self.instance.municipality = municipality
