from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Aktion"), required=False, max_length=60)
    actor = forms.CharField(label=_("Person (E-Mail)"), required=False, max_length=200)
    object_type = forms.CharField(label=_("Objekttyp"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("Von"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("Bis"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
