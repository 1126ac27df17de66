"""Rathaus: the municipal platform."""

import django_stubs_ext

# Lets the typed generics of django-stubs (forms.ModelForm[Notice], admin.ModelAdmin[User], ...)
# be subscripted at run time as well; mypy checks the model types.
django_stubs_ext.monkeypatch()
