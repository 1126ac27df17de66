from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FeeRule
from .providers import base as providers


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Betrag (EUR)"), min_value=Decimal("0.01"), max_digits=8, decimal_places=2
    )
    reason = forms.CharField(label=_("Grund"), max_length=300)


class DayForm(forms.Form):
    tag = forms.DateField(label=_("Tag"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ExportForm(forms.Form):
    von = forms.DateField(label=_("von"), widget=forms.DateInput(attrs={"type": "date"}))
    bis = forms.DateField(label=_("bis"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("von") and data.get("bis"):
            if data["bis"] < data["von"]:
                raise forms.ValidationError(_("Das Ende liegt vor dem Anfang."))
            if (data["bis"] - data["von"]).days > 366:
                raise forms.ValidationError(_("Höchstens ein Jahr je Export."))
        return data


class FeeRuleForm(forms.ModelForm[FeeRule]):
    class Meta:
        model = FeeRule
        fields = [
            "base_amount",
            "unit_field",
            "unit_label",
            "unit_price",
            "max_units",
            "reduction_field",
            "reduction_percent",
            "reduction_reason",
            "haushaltsstelle",
            "legal_basis",
            "is_demo",
            "is_active",
        ]


class ProviderForm(forms.Form):
    provider = forms.ChoiceField(label=_("Zahlungsanbieter"))
    expiry_days = forms.IntegerField(
        label=_("Frist für die Zahlung (Tage)"), min_value=1, max_value=90, initial=7
    )
    reminder_days = forms.IntegerField(
        label=_("Erinnerung (Tage vor Ablauf)"), min_value=0, max_value=89, initial=2
    )
    secret = forms.CharField(
        label=_("Geheimnis (OAuth2-Client-Secret)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Wird verschlüsselt gespeichert und nie wieder angezeigt. Leer lassen: unverändert."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = providers.choices()  # type: ignore[attr-defined]
        seen: set[str] = set()
        for _key, label in providers.choices():
            cls = providers.get(_key)
            assert cls is not None
            for opt in cls.options:
                if opt.name in seen:
                    continue
                seen.add(opt.name)
                self.fields[f"opt_{opt.name}"] = forms.CharField(
                    label=f"{opt.label} ({label})", required=False, max_length=300, help_text=str(opt.help)
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cls = providers.get(data.get("provider", ""))
        if cls is not None:
            for opt in cls.options:
                if opt.required and not (data.get(f"opt_{opt.name}") or "").strip():
                    self.add_error(f"opt_{opt.name}", _("Bitte ausfüllen."))
            iban = (data.get("opt_iban") or "").replace(" ", "").upper()
            if iban and cls.key == "rechnung" and not _iban_ok(iban):
                self.add_error("opt_iban", _("Diese IBAN ist nicht gültig."))
        return data

    def options_for(self, key: str) -> dict[str, str]:
        cls = providers.get(key)
        assert cls is not None
        out = {o.name: (self.cleaned_data.get(f"opt_{o.name}") or "").strip() for o in cls.options}
        if "iban" in out:
            out["iban"] = out["iban"].replace(" ", "").upper()
        return out


def _iban_ok(iban: str) -> bool:
    if not (15 <= len(iban) <= 34) or not iban[:2].isalpha() or not iban.isalnum():
        return False
    moved = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1
