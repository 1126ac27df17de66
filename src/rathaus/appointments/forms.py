from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rathaus.core.ui.forms import HoneypotInput

from .services import NAME_MAX, PHONE_MAX


class ContactForm(forms.Form):
    """Who comes (guests only; account holders' data come from the account)."""

    name = forms.CharField(label=_("Ihr Name"), max_length=NAME_MAX)
    email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse"),
        help_text=_("Wir senden Ihnen einen Link, mit dem Sie den Termin bestätigen."),
    )
    phone = forms.CharField(label=_("Telefon"), max_length=PHONE_MAX, required=False)
    website = forms.CharField(required=False, label=_("Bitte leer lassen"), widget=HoneypotInput)
