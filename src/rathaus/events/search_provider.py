"""Events in the site-wide search: public published events, indexed on every save."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rathaus.core.search import services as search
from rathaus.core.tenancy.models import Municipality

from .models import Event, EventStatus

KIND = "event"


def _doc(event: Event) -> search.Doc:
    tags = " ".join(t.name for t in event.tags.all())
    body = "\n".join(
        part
        for part in (event.summary, event.description, event.organiser, event.venue, event.address)
        if part
    )
    keywords = f"{event.get_event_type_display()} {tags}"
    return search.Doc(
        KIND, str(event.pk), event.title, body, reverse("events:detail", args=[event.pk]), keywords
    )


def is_searchable(event: Event) -> bool:
    return event.is_public and event.status == EventStatus.PUBLISHED


def sync(event: Event) -> None:
    if is_searchable(event):
        search.index(event.municipality, _doc(event))
    else:
        search.remove(event.municipality, KIND, str(event.pk))


def _documents(municipality: Municipality) -> Iterator[search.Doc]:
    qs = Event.objects.for_tenant(municipality).filter(is_public=True, status=EventStatus.PUBLISHED)
    for event in qs.prefetch_related("tags"):
        yield _doc(event)


PROVIDER = search.Provider(KIND, _("Veranstaltungen"), _documents)  # declared in apps.py (ADR 0014)
