"""Published objects of the digital collection in the site-wide search."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from rathaus.core.search import services as search
from rathaus.core.tenancy.models import Municipality

from .models import HeritageObject, Status

KIND = "heritage.object"


def _doc(obj: HeritageObject) -> search.Doc:
    body = " ".join(
        p for p in (obj.description, obj.dating, ", ".join(a.get("name", "") for a in obj.actors or [])) if p
    )
    keywords = " ".join(
        [obj.inventory_number, obj.title_en]
        + [t.get("label", "") for f in ("places", "materials", "subjects") for t in getattr(obj, f) or []]
    )
    return search.Doc(KIND, str(obj.pk), obj.title_de, body, obj.get_absolute_url(), keywords=keywords)


def index_object(obj: HeritageObject) -> None:
    if obj.status == Status.PUBLISHED:
        search.index(obj.municipality, _doc(obj))
    else:
        search.remove(obj.municipality, KIND, str(obj.pk))


def remove_object(obj: HeritageObject) -> None:
    search.remove(obj.municipality, KIND, str(obj.pk))


def _documents(m: Municipality) -> Iterator[search.Doc]:
    for obj in HeritageObject.objects.for_tenant(m).filter(status=Status.PUBLISHED).iterator():
        yield _doc(obj)


PROVIDER = search.Provider(KIND, _("Digitale Sammlung"), _documents)  # declared in apps.py (ADR 0014)
