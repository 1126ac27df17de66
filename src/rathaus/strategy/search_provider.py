"""Measures of the published digital strategy in the site-wide search."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from rathaus.core.search import services as search
from rathaus.core.tenancy.models import Municipality

from .models import Measure

KIND = "strategy.measure"


def _doc(m: Measure) -> search.Doc:
    body = f"{m.goal.field.title}. {m.goal.title}. {m.description}"
    return search.Doc(KIND, str(m.pk), str(m), body, m.get_absolute_url())


def _documents(muni: Municipality) -> Iterator[search.Doc]:
    qs = Measure.objects.for_tenant(muni).filter(goal__field__strategy__is_published=True)
    for m in qs.select_related("goal__field"):
        yield _doc(m)


def reindex(muni: Municipality) -> None:
    """Measures change with their strategy (published or not): rebuild this kind for the municipality."""
    search.rebuild(muni, kinds=[KIND])


PROVIDER = search.Provider(KIND, _("Digitalstrategie"), _documents)  # declared in apps.py (ADR 0014)
