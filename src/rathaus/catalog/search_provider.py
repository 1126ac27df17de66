"""Services in the site-wide search: published services, their synonyms as keywords."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from rathaus.core.search import services as search
from rathaus.core.tenancy.models import Municipality

from .models import Service

KIND = "service"


def _doc(service: Service) -> search.Doc:
    body = "\n".join(p for p in (service.summary, service.volltext, service.voraussetzungen) if p)
    with translation.override("de"):  # the index is German whatever the editor's language
        themenfeld = str(service.get_themenfeld_display())
    keywords = " ".join([*service.synonym_list, service.leika, themenfeld])
    return search.Doc(
        KIND, str(service.pk), service.name, body, reverse("catalog:detail", args=[service.pk]), keywords
    )


def sync(service: Service) -> None:
    if service.is_published:
        search.index(service.municipality, _doc(service))
    else:
        search.remove(service.municipality, KIND, str(service.pk))


def remove(service: Service) -> None:
    search.remove(service.municipality, KIND, str(service.pk))


def _documents(municipality: Municipality) -> Iterator[search.Doc]:
    yield from (_doc(s) for s in Service.objects.for_tenant(municipality).published())


PROVIDER = search.Provider(KIND, _("Verwaltungsleistungen"), _documents)  # declared in apps.py (ADR 0014)
