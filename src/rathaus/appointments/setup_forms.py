"""Forms of the staff setup pages (Einrichtung der Terminvergabe). Every choice is limited to the
municipality; a foreign id is refused as an invalid choice with a clear message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import Municipality, TenantOwned

from .models import Availability, BlockedDay, Counter, Location, OpeningHours, ServiceSetting

ORDER_ERROR = _("Das Ende muss nach dem Beginn liegen.")
CHOICE_ERROR = _("Bitte wählen Sie einen Eintrag aus der Liste; dieser gehört nicht zu Ihrer Kommune.")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class SetupForm(forms.ModelForm[TenantOwned]):
    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.instance.municipality = municipality
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
                model = field.queryset.model
                if model is get_user_model():
                    # Staff are the municipality's members (and whoever the entry names already).
                    current = getattr(self.instance, "staff_id", None)
                    field.queryset = (
                        model.objects.filter(Q(memberships__municipality=municipality) | Q(pk=current))
                        .distinct()
                        .order_by("email")
                    )
                else:
                    field.queryset = field.queryset.filter(municipality=municipality)
                field.error_messages["invalid_choice"] = CHOICE_ERROR
                field.error_messages["invalid_pk_value"] = CHOICE_ERROR


class LocationForm(SetupForm):
    class Meta:
        model = Location
        fields = ["name", "slug", "address", "buffer_minutes", "step_minutes", "horizon_days", "is_active"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        taken = Location.objects.filter(municipality=self.municipality, slug=slug).exclude(
            pk=self.instance.pk
        )
        if taken.exists():
            raise forms.ValidationError(_("Diesen Kurznamen verwendet schon ein anderer Standort."))
        return slug


class CounterForm(SetupForm):
    class Meta:
        model = Counter
        fields = ["location", "name", "is_active"]
        labels = {"location": _("Standort")}


def _overlaps(qs: QuerySet[Any], start_field: str, end_field: str, start: object, end: object) -> bool:
    return bool(qs.filter(**{f"{start_field}__lt": end, f"{end_field}__gt": start}).exists())


class OpeningHoursForm(SetupForm):
    class Meta:
        model = OpeningHours
        fields = ["location", "weekday", "opens", "closes"]
        labels = {"location": _("Standort")}
        widgets = {"opens": TimeInput(), "closes": TimeInput()}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens"), data.get("closes")
        if opens and closes and closes <= opens:
            self.add_error("closes", ORDER_ERROR)
        elif opens and closes and data.get("location") and data.get("weekday") is not None:
            others = OpeningHours.objects.filter(location=data["location"], weekday=data["weekday"]).exclude(
                pk=self.instance.pk
            )
            if _overlaps(others, "opens", "closes", opens, closes):
                raise forms.ValidationError(
                    _("Diese Öffnungszeit überschneidet sich mit einer anderen Öffnungszeit desselben Tages.")
                )
        return data


class BlockedDayForm(SetupForm):
    class Meta:
        model = BlockedDay
        fields = ["location", "day", "reason"]
        labels = {"location": _("Standort")}
        widgets = {"day": DateInput()}


class ServiceSettingForm(SetupForm):
    class Meta:
        model = ServiceSetting
        fields = ["service", "location", "duration_minutes", "max_quantity", "lead_time_hours", "is_bookable"]
        labels = {"location": _("Standort")}


class AvailabilityForm(SetupForm):
    class Meta:
        model = Availability
        fields = ["staff", "counter", "weekday", "starts", "ends", "services"]
        labels = {"counter": _("Schalter")}
        widgets = {"starts": TimeInput(), "ends": TimeInput(), "services": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, related in (("services", "service"), ("counter", "location")):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None
            field.queryset = field.queryset.select_related(related)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends, counter = data.get("starts"), data.get("ends"), data.get("counter")
        if starts and ends and ends <= starts:
            self.add_error("ends", ORDER_ERROR)
            return data
        if counter is not None:
            for s in data.get("services") or []:
                if s.location_id != counter.location_id:
                    self.add_error(
                        "services",
                        _("„%(name)s“ wird an einem anderen Standort angeboten als dieser Schalter.")
                        % {"name": s.service.name},
                    )
        if starts and ends and counter is not None and data.get("weekday") is not None:
            same_day = Availability.objects.filter(weekday=data["weekday"]).exclude(pk=self.instance.pk)
            if data.get("staff") and _overlaps(
                same_day.filter(staff=data["staff"]), "starts", "ends", starts, ends
            ):
                raise forms.ValidationError(
                    _("Diese Person hat an diesem Tag schon eine Dienstzeit, die sich damit überschneidet.")
                )
            if _overlaps(same_day.filter(counter=counter), "starts", "ends", starts, ends):
                raise forms.ValidationError(
                    _("An diesem Schalter ist zu dieser Zeit schon eine andere Dienstzeit eingetragen.")
                )
        return data
