"""Bookable resources of the Digital Hub in the site-wide search."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rathaus.core.search import services as search
from rathaus.core.tenancy.models import Municipality

from .models import Resource

KIND = "hub.resource"


def _doc(r: Resource) -> search.Doc:
    location = r.group.location
    body = f"{r.get_kind_display()}. {location.name}, {location.address}. {r.equipment}"
    return search.Doc(KIND, str(r.pk), r.name, body, reverse("hub:location", args=[location.pk]))


def index_resource(r: Resource) -> None:
    if r.is_active and r.group.location.is_active:
        search.index(r.municipality, _doc(r))
    else:
        search.remove(r.municipality, KIND, str(r.pk))


def _documents(m: Municipality) -> Iterator[search.Doc]:
    qs = Resource.objects.for_tenant(m).filter(is_active=True, group__location__is_active=True)
    for r in qs.select_related("group__location"):
        yield _doc(r)


PROVIDER = search.Provider(KIND, _("Digital Hub"), _documents)  # declared in apps.py (ADR 0014)
