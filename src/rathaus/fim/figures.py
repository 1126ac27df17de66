"""FIM form figures for the Digitalbarometer / strategy (issue 9)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core import figures
from rathaus.core.tenancy.models import Municipality

from .models import FormDefinition, FormSubmission


def forms_online(municipality: Municipality) -> int:
    return FormDefinition.objects.for_tenant(municipality).filter(active_version__isnull=False).count()


def submissions_12m(municipality: Municipality) -> int:
    since = timezone.now() - timedelta(days=365)
    return FormSubmission.objects.for_tenant(municipality).filter(submitted_at__gte=since).count()


def declarations() -> list[figures.Indicator | figures.DatasetSource]:
    """Declared in apps.py (ADR 0014)."""
    return [
        figures.Indicator(
            key="fim.forms_online",
            module="fim",
            label=_("Online-Formulare"),
            unit="",
            method=_("Zahl der Formulare mit aktiver Version, die online ausgefüllt werden können"),
            compute=forms_online,
            source_url_name="fim:index",
            order=25,
        ),
        figures.Indicator(
            key="fim.submissions_12m",
            module="fim",
            label=_("Online eingereichte Formulare (12 Monate)"),
            unit="",
            method=_("Zahl der in den letzten 365 Tagen online eingereichten Formulare"),
            compute=submissions_12m,
            source_url_name="fim:index",
            order=26,
        ),
    ]
