from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.ui.forms import HoneypotInput

from .models import TARGET_FIELDS, Event, EventType, TargetGroup
from .services import MAX_DATES, MAX_TAGS

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]
_DATE_LINE = re.compile(
    r"^\s*(?:(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2}))"
    r"\s*,?\s+(?P<h1>\d{1,2}):(?P<n1>\d{2})\s*(?:-|–|bis)\s*(?P<h2>\d{1,2}):(?P<n2>\d{2})\s*(?:Uhr)?\s*$"
)


def _dt_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def parse_date_line(line: str) -> tuple[datetime, datetime]:
    """One further date of a course: "12.05.2026 17:00-19:00" (or 2026-05-12 17:00–19:00)."""
    m = _DATE_LINE.match(line)
    if not m:
        raise ValidationError(
            _("„%(line)s“ ist kein Termin im Format TT.MM.JJJJ HH:MM-HH:MM."), params={"line": line.strip()}
        )
    try:
        if m["d"]:
            day = date(int(m["y"]), int(m["m"]), int(m["d"]))
        else:
            day = date(int(m["iy"]), int(m["im"]), int(m["id"]))
        start = timezone.make_aware(datetime.combine(day, time(int(m["h1"]), int(m["n1"]))))
        end = timezone.make_aware(datetime.combine(day, time(int(m["h2"]), int(m["n2"]))))
    except ValueError:
        raise ValidationError(
            _("„%(line)s“ ist kein gültiges Datum."), params={"line": line.strip()}
        ) from None
    if end <= start:
        raise ValidationError(
            _("„%(line)s“: Das Ende muss nach dem Beginn liegen."), params={"line": line.strip()}
        )
    return start, end


class EventForm(forms.ModelForm[Event]):
    first_start = forms.DateTimeField(label=_("Beginn"), widget=_dt_widget(), input_formats=DATETIME_FORMATS)
    first_end = forms.DateTimeField(label=_("Ende"), widget=_dt_widget(), input_formats=DATETIME_FORMATS)
    more_dates = forms.CharField(
        label=_("Weitere Termine"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Für Kurse: ein Termin pro Zeile, z. B. 12.05.2026 17:00-19:00"),
    )
    target_groups = forms.MultipleChoiceField(
        label=_("Zielgruppen"), choices=TargetGroup.choices, widget=forms.CheckboxSelectMultiple
    )
    online_url = forms.URLField(
        label=_("Online-Teilnahme (Link)"), required=False, max_length=200, assume_scheme="https"
    )
    tag_names = forms.CharField(
        label=_("Schlagwörter"),
        required=False,
        max_length=500,
        help_text=_("Durch Komma getrennt, z. B. Digitalisierung, Senioren"),
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "event_type",
            "summary",
            "description",
            "organiser",
            "organiser_email",
            "venue",
            "address",
            "online_url",
            "accessibility",
            "capacity",
            "registration_opens_at",
            "registration_closes_at",
            "is_public",
            "status",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "accessibility": forms.Textarea(attrs={"rows": 3}),
            "registration_opens_at": _dt_widget(),
            "registration_closes_at": _dt_widget(),
        }

    field_order = [
        "title",
        "event_type",
        "summary",
        "description",
        "first_start",
        "first_end",
        "more_dates",
        "organiser",
        "organiser_email",
        "venue",
        "address",
        "online_url",
        "accessibility",
        "target_groups",
        "tag_names",
        "capacity",
        "registration_opens_at",
        "registration_closes_at",
        "is_public",
        "status",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("registration_opens_at", "registration_closes_at"):
            self.fields[name].input_formats = DATETIME_FORMATS  # type: ignore[attr-defined]
        event = self.instance
        if event.pk:
            dates = list(event.dates.all())
            if dates:
                self.initial.setdefault("first_start", timezone.localtime(dates[0].starts_at))
                self.initial.setdefault("first_end", timezone.localtime(dates[0].ends_at))
                self.initial.setdefault(
                    "more_dates",
                    "\n".join(
                        f"{timezone.localtime(d.starts_at):%d.%m.%Y %H:%M}-"
                        f"{timezone.localtime(d.ends_at):%H:%M}"
                        for d in dates[1:]
                    ),
                )
            self.initial.setdefault("target_groups", event.target_groups)
            self.initial.setdefault("tag_names", ", ".join(t.name for t in event.tags.all()))
        else:
            self.initial.setdefault("target_groups", [TargetGroup.CITIZENS])

    def clean_more_dates(self) -> list[tuple[datetime, datetime]]:
        lines = [line for line in (self.cleaned_data.get("more_dates") or "").splitlines() if line.strip()]
        errors, dates = [], []
        for line in lines:
            try:
                dates.append(parse_date_line(line))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        if len(dates) + 1 > MAX_DATES:
            raise ValidationError(_("Höchstens %(n)s Termine."), params={"n": MAX_DATES})
        return dates

    def clean_tag_names(self) -> list[str]:
        names = [n.strip() for n in (self.cleaned_data.get("tag_names") or "").split(",") if n.strip()]
        if len(names) > MAX_TAGS:
            raise ValidationError(_("Höchstens %(n)s Schlagwörter."), params={"n": MAX_TAGS})
        if any(len(n) > 60 for n in names):
            raise ValidationError(_("Ein Schlagwort darf höchstens 60 Zeichen lang sein."))
        return names

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("first_start"), data.get("first_end")
        if start and end and end <= start:
            self.add_error("first_end", _("Das Ende muss nach dem Beginn liegen."))
        if not (data.get("venue") or data.get("address") or data.get("online_url")):
            self.add_error("venue", _("Bitte geben Sie einen Ort, eine Anschrift oder einen Online-Link an."))
        opens, closes = data.get("registration_opens_at"), data.get("registration_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes_at", _("Die Anmeldung muss nach ihrem Beginn enden."))
        return data

    @property
    def dates(self) -> list[tuple[datetime, datetime]]:
        return [
            (self.cleaned_data["first_start"], self.cleaned_data["first_end"]),
            *self.cleaned_data["more_dates"],
        ]

    def save(self, commit: bool = False) -> Event:
        event: Event = super().save(commit=False)
        groups = set(self.cleaned_data.get("target_groups") or [])
        for group, field in TARGET_FIELDS.items():
            setattr(event, field, group in groups)
        return event


class GuestRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Ihr Name"), max_length=150)
    email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        max_length=254,
        help_text=_("Sie erhalten einen Link, mit dem Sie die Anmeldung bestätigen."),
    )
    website = forms.CharField(required=False, label=_("Bitte leer lassen"), widget=HoneypotInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"


def _tag_choices(tags: Any) -> list[tuple[str, str]]:
    return [("", _("alle")), *[(t.slug, t.display_name) for t in tags]]


class EventFilterForm(forms.Form):
    q = forms.CharField(label=_("Suchbegriff"), max_length=200, required=False)
    art = forms.ChoiceField(label=_("Art"), required=False, choices=[("", _("alle")), *EventType.choices])
    zielgruppe = forms.ChoiceField(
        label=_("Zielgruppe"), required=False, choices=[("", _("alle")), *TargetGroup.choices]
    )
    schlagwort = forms.ChoiceField(label=_("Schlagwort"), required=False)
    von = forms.DateField(label=_("Von"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    bis = forms.DateField(label=_("Bis"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, tags: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["schlagwort"].choices = _tag_choices(tags)  # type: ignore[attr-defined]
        for name in ("von", "bis"):
            self.fields[name].input_formats = ["%Y-%m-%d", "%d.%m.%Y"]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("von") and data.get("bis") and data["bis"] < data["von"]:
            self.add_error("bis", _("Das Enddatum liegt vor dem Startdatum."))
        return data
