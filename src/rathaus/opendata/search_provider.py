"""Published datasets in the site-wide search."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from rathaus.core.search import services as search
from rathaus.core.tenancy.models import Municipality

from .models import Dataset, DatasetStatus

KIND = "opendata.dataset"


def _doc(ds: Dataset) -> search.Doc:
    keywords = " ".join(k.keyword for k in ds.keyword_rows.all())
    return search.Doc(KIND, str(ds.pk), ds.title, ds.description, ds.get_absolute_url(), keywords=keywords)


def index_dataset(ds: Dataset) -> None:
    if ds.pk and ds.status == DatasetStatus.PUBLISHED:
        search.index(ds.municipality, _doc(ds))
    elif ds.pk:
        search.remove(ds.municipality, KIND, str(ds.pk))


def remove_dataset(municipality: Municipality, pk: int) -> None:
    search.remove(municipality, KIND, str(pk))


def _documents(m: Municipality) -> Iterator[search.Doc]:
    for ds in (
        Dataset.objects.for_tenant(m).filter(status=DatasetStatus.PUBLISHED).prefetch_related("keyword_rows")
    ):
        yield _doc(ds)


PROVIDER = search.Provider(KIND, _("Offene Daten"), _documents)  # declared in apps.py (ADR 0014)
