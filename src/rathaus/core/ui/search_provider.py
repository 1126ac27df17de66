"""The portal's documents in the site-wide search: notices and legal pages."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from rathaus.core.search import services as search
from rathaus.core.tenancy.models import Municipality

from .models import LegalPage, Notice


def _notice_doc(n: Notice) -> search.Doc:
    return search.Doc(
        "notice", str(n.pk), n.title, f"{n.teaser}\n{n.body}", reverse("ui:notice", args=[n.pk])
    )


def _legal_doc(p: LegalPage) -> search.Doc:
    # The index is German (body_de, German stemming): the title must not depend on the language
    # that happens to be active (an editor working in English, or a leftover activation).
    with translation.override(settings.LANGUAGE_CODE):
        title = str(p.get_kind_display())
    return search.Doc("legal", p.kind, title, p.body_de, reverse("ui:legal", args=[p.kind]))


def index_notice(n: Notice) -> None:
    # Scheduled notices become searchable with the next rebuild_search_index after publication.
    if n.published_at <= timezone.now():
        search.index(n.municipality, _notice_doc(n))
    else:
        remove_notice(n)


def remove_notice(n: Notice) -> None:
    search.remove(n.municipality, "notice", str(n.pk))


def index_legal_page(p: LegalPage) -> None:
    search.index(p.municipality, _legal_doc(p))


def _notices(m: Municipality) -> Iterator[search.Doc]:
    for n in Notice.objects.for_tenant(m).published():
        yield _notice_doc(n)


def _legal(m: Municipality) -> Iterator[search.Doc]:
    for p in LegalPage.objects.for_tenant(m):
        yield _legal_doc(p)


# Declared in apps.py (ADR 0014).
NOTICES = search.Provider("notice", _("Aktuelles"), _notices)
LEGAL = search.Provider("legal", _("Rechtliches"), _legal)
