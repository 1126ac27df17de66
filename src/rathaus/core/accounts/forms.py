"""Extra sign-up fields: a person's name and whether the account acts for an organisation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import User


class SignupForm(forms.Form):
    """Used by allauth (ACCOUNT_SIGNUP_FORM_CLASS); its fields come after e-mail and password."""

    display_name = forms.CharField(label=_("Ihr Name"), max_length=150, required=False)
    account_type = forms.ChoiceField(
        label=_("Sie registrieren sich als"),
        choices=[("person", _("Privatperson")), ("business", _("Unternehmen / Organisation"))],
        initial="person",
        required=False,
        widget=forms.RadioSelect,
    )
    organisation_name = forms.CharField(
        label=_("Name des Unternehmens oder der Organisation"),
        max_length=200,
        required=False,
        help_text=_("Nur für Unternehmen und Organisationen"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("account_type"):
            data["account_type"] = "person"
        if data["account_type"] == "business" and not (data.get("organisation_name") or "").strip():
            self.add_error("organisation_name", _("Bitte geben Sie den Namen des Unternehmens an."))
        return data

    def signup(self, request: HttpRequest, user: User) -> None:
        from . import services

        user.display_name = self.cleaned_data.get("display_name", "")
        user.account_type = self.cleaned_data["account_type"]
        user.save(update_fields=["display_name", "account_type"])
        if user.account_type == "business":
            services.register_organisation(user, self.cleaned_data["organisation_name"].strip())
