"""Forms of consulting appointments (rendered by the KERN form renderer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import Municipality
from rathaus.core.ui.forms import HoneypotInput

from . import services
from .models import NEED_MAX_LENGTH, PHONE_MAX_LENGTH, Advisor, Mode, Slot, Topic

if TYPE_CHECKING:
    from rathaus.core.accounts.models import User


class TopicChoiceField(forms.ModelChoiceField[Topic]):
    """Topics by their name in the active language."""

    def label_from_instance(self, obj: Topic) -> str:
        return obj.label


class SlotChoiceField(forms.ModelChoiceField[Slot]):
    """Slots by time, advisor and form of consultation."""

    def label_from_instance(self, obj: Slot) -> str:
        return _slot_label(obj)


class SlotFilterForm(forms.Form):
    thema = TopicChoiceField(
        queryset=Topic.objects.none(), required=False, label=_("Thema"), empty_label=_("Alle Themen")
    )
    von = forms.DateField(
        required=False, label=_("ab Datum"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    bis = forms.DateField(
        required=False,
        label=_("bis Datum"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, topics: QuerySet[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["thema"]
        assert isinstance(field, TopicChoiceField)
        field.queryset = topics

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("von") and data.get("bis") and data["bis"] < data["von"]:
            self.add_error("bis", _("Das Enddatum liegt vor dem Anfangsdatum."))
        return data


class BookingForm(forms.Form):
    topic = TopicChoiceField(queryset=Topic.objects.none(), label=_("Thema"), empty_label=None)
    need = forms.CharField(
        label=_("Ihr Anliegen"),
        max_length=NEED_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Kurz und ohne sensible Daten: Worum geht es? Höchstens 1000 Zeichen."),
        error_messages={"required": _("Bitte beschreiben Sie kurz Ihr Anliegen.")},
    )

    def __init__(self, *args: Any, slot: Slot, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["topic"]
        assert isinstance(field, TopicChoiceField)
        field.queryset = slot.topics.filter(is_active=True).order_by("name")
        add_contact_fields(self, slot.mode, required=True)

    def clean_phone(self) -> str:
        return _clean(services.clean_phone, self.cleaned_data.get("phone", ""))

    def clean_email(self) -> str:
        return _clean(services.clean_contact_email, self.cleaned_data.get("email", ""))


class GuestBookingForm(BookingForm):
    """Booking without an account: who comes, and where the confirmation link goes."""

    guest_name = forms.CharField(label=_("Ihr Name"), max_length=150)
    guest_email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse"),
        help_text=_("Wir senden Ihnen einen Link, mit dem Sie den Termin bestätigen."),
    )
    website = forms.CharField(required=False, label=_("Bitte leer lassen"), widget=HoneypotInput)

    def clean_email(self) -> str:
        # the video link goes to the guest's address unless another one is given
        value = self.cleaned_data.get("email", "") or self.data.get("guest_email", "")
        return _clean(services.clean_contact_email, value)


def _clean(fn: Callable[[str], str], value: str) -> str:
    try:
        return str(fn(value))
    except services.ConsultingError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from exc


def add_contact_fields(form: forms.Form, mode: str | None, *, required: bool) -> None:
    """The contact the form of consultation needs: a number to call, an address for the video link.

    ``mode`` None: both, optional (rebooking: the new slot decides which one is needed)."""
    if mode in (Mode.PHONE, None):
        form.fields["phone"] = forms.CharField(
            label=_("Telefonnummer"),
            max_length=PHONE_MAX_LENGTH,
            required=required,
            help_text=_("Unter dieser Nummer ruft die beratende Person Sie zum Termin an.")
            if mode
            else _("Nur für telefonische Termine: Unter dieser Nummer rufen wir Sie an."),
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            error_messages={
                "required": _("Bitte geben Sie eine Telefonnummer an, unter der wir Sie anrufen können.")
            },
        )
    if mode in (Mode.ONLINE, None):
        form.fields["email"] = forms.CharField(
            label=_("E-Mail-Adresse für den Link zur Videoberatung"),
            max_length=254,
            required=required,
            help_text=_("An diese Adresse schickt die beratende Person den Link zur Videoberatung.")
            if mode
            else _("Nur für Videoberatungen: An diese Adresse geht der Link."),
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
            error_messages={
                "required": _(
                    "Bitte geben Sie eine E-Mail-Adresse an, an die wir den Link zur Videoberatung senden."
                )
            },
        )


class RebookForm(forms.Form):
    slot = SlotChoiceField(
        queryset=Slot.objects.none(), label=_("Neuer Termin"), widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args: Any, slots: QuerySet[Slot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["slot"]
        assert isinstance(field, SlotChoiceField)
        field.queryset = slots
        add_contact_fields(self, None, required=False)


def _slot_label(slot: Slot) -> str:
    start = timezone.localtime(slot.starts_at)
    end = timezone.localtime(slot.ends_at)
    return f"{start:%d.%m.%Y %H:%M}–{end:%H:%M}, {slot.advisor.display_name} ({Mode(slot.mode).label})"


DURATIONS = [(15, "15 min"), (30, "30 min"), (45, "45 min"), (60, "60 min"), (90, "90 min"), (120, "120 min")]


class PublishSlotsForm(forms.Form):
    advisor = forms.ModelChoiceField(
        queryset=Advisor.objects.none(), label=_("Beratende Person"), empty_label=None
    )
    day = forms.DateField(label=_("Datum"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(label=_("Beginn"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration = forms.TypedChoiceField(label=_("Dauer"), choices=DURATIONS, coerce=int, initial=60)
    mode = forms.ChoiceField(label=_("Form"), choices=Mode.choices, initial=Mode.ON_SITE)
    location = forms.CharField(
        label=_("Ort oder Hinweis"),
        max_length=200,
        required=False,
        help_text=_("z. B. Digital Hub Zeitz, Beratungsraum 1 – oder: Link folgt per E-Mail"),
    )
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.none(), label=_("Themen"), widget=forms.CheckboxSelectMultiple
    )
    weeks = forms.IntegerField(
        label=_("Wöchentlich wiederholen (Anzahl Wochen)"),
        min_value=1,
        max_value=services.MAX_SERIES_WEEKS,
        initial=1,
        help_text=_("1 = einzelner Termin; bis zu 12 Wochen am selben Wochentag zur selben Uhrzeit."),
    )

    def __init__(
        self, *args: Any, advisors: QuerySet[Advisor], topics: QuerySet[Topic], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        advisor = self.fields["advisor"]
        assert isinstance(advisor, forms.ModelChoiceField)
        advisor.queryset = advisors
        topic_field = self.fields["topics"]
        assert isinstance(topic_field, forms.ModelMultipleChoiceField)
        topic_field.queryset = topics

    def starts_at(self) -> datetime:
        naive = datetime.combine(self.cleaned_data["day"], self.cleaned_data["start"])
        return timezone.make_aware(naive, timezone.get_current_timezone())

    def duration_delta(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["duration"])


class AdvisorForm(forms.ModelForm[Advisor]):
    account_email = forms.EmailField(
        label=_("Benutzerkonto (E-Mail-Adresse)"),
        required=False,
        help_text=_("Optional: Mit Konto kann die Person ihre eigenen Termine verwalten."),
    )

    class Meta:
        model = Advisor
        fields = ["display_name", "organisation", "bio", "email", "is_active"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.instance.municipality = municipality
        if self.instance.pk and (user := self.instance.user) is not None:
            self.fields["account_email"].initial = user.email

    def clean_display_name(self) -> str:
        name: str = self.cleaned_data["display_name"].strip()
        clash = Advisor.objects.for_tenant(self.municipality).filter(display_name=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Eine beratende Person mit diesem Namen gibt es schon."))
        return name

    def clean_account_email(self) -> User | None:
        email = (self.cleaned_data.get("account_email") or "").strip().lower()
        if not email:
            return None
        user = get_user_model().objects.filter(email=email).first()
        if user is None:
            raise forms.ValidationError(_("Zu dieser E-Mail-Adresse gibt es kein Benutzerkonto."))
        clash = Advisor.objects.for_tenant(self.municipality).filter(user=user)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Dieses Konto gehört schon zu einer anderen beratenden Person."))
        return user


class TopicForm(forms.ModelForm[Topic]):
    class Meta:
        model = Topic
        fields = ["name", "name_en", "slug", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.instance.municipality = municipality

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        clash = Topic.objects.for_tenant(self.municipality).filter(slug=slug)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Diesen Kurznamen gibt es schon."))
        return slug
