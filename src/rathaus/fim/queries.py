"""Reads of the FIM form engine (other apps use these)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from .models import Draft, FormDefinition


def published_forms(municipality: Any) -> QuerySet[FormDefinition]:
    return FormDefinition.objects.for_tenant(municipality).filter(active_version__isnull=False)


def form_for_service(municipality: Any, leika: str) -> str | None:
    """URL of the online form for a LeiKa key in this municipality, or None."""
    if not leika:
        return None
    form = published_forms(municipality).filter(leika=leika).order_by("pk").first()
    return reverse("fim:form", kwargs={"pk": form.pk}) if form else None


def drafts_of(user: Any, municipality: Any) -> QuerySet[Draft]:
    return Draft.objects.for_tenant(municipality).filter(user=user).select_related("form", "version")
