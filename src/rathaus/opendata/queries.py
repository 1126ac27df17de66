"""Reads of the open-data portal: the faceted dataset list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from rathaus.core.tenancy.models import Municipality

from . import vocab
from .models import Dataset, DatasetKeyword, DatasetStatus, DatasetTheme, Distribution


@dataclass
class Facets:
    theme: str = ""
    format: str = ""
    licence: str = ""
    keyword: str = ""

    @classmethod
    def from_params(cls, params: Any) -> Facets:
        f = cls(
            theme=params.get("kategorie", "")[:10],
            format=params.get("format", "")[:20],
            licence=params.get("lizenz", "")[:120],
            keyword=params.get("schlagwort", "")[:80],
        )
        if f.theme not in vocab.THEME_NAMES:
            f.theme = ""
        if f.format not in vocab.FILE_TYPES:
            f.format = ""
        if f.licence not in vocab.LICENCE_NAMES:
            f.licence = ""
        return f

    @property
    def active(self) -> bool:
        return bool(self.theme or self.format or self.licence or self.keyword)


@dataclass
class FacetCounts:
    themes: list[tuple[str, str, int]] = field(default_factory=list)
    formats: list[tuple[str, str, int]] = field(default_factory=list)
    licences: list[tuple[str, str, int]] = field(default_factory=list)
    keywords: list[tuple[str, int]] = field(default_factory=list)


def published(municipality: Municipality) -> QuerySet[Dataset]:
    return Dataset.objects.for_tenant(municipality).filter(status=DatasetStatus.PUBLISHED)


def filtered(municipality: Municipality, f: Facets) -> QuerySet[Dataset]:
    qs = published(municipality)
    if f.theme:
        qs = qs.filter(pk__in=DatasetTheme.objects.filter(code=f.theme).values("dataset_id"))
    if f.format:
        qs = qs.filter(pk__in=Distribution.objects.filter(format=f.format).values("dataset_id"))
    if f.licence:
        qs = qs.filter(licence=f.licence)
    if f.keyword:
        qs = qs.filter(pk__in=DatasetKeyword.objects.filter(keyword=f.keyword).values("dataset_id"))
    return qs


def facet_counts(qs: QuerySet[Dataset]) -> FacetCounts:
    """Counts within the current selection: four aggregate queries."""
    ids = qs.values("pk")
    out = FacetCounts()
    for code, n in (
        DatasetTheme.objects.filter(dataset_id__in=ids).values_list("code").annotate(n=Count("dataset_id"))
    ):
        out.themes.append((code, str(vocab.THEME_NAMES.get(code, code)), n))
    for code, n in (
        Distribution.objects.filter(dataset_id__in=ids)
        .values_list("format")
        .annotate(n=Count("dataset_id", distinct=True))
    ):
        out.formats.append((code, vocab.FILE_TYPES.get(code, ("", code))[1], n))
    for uri, n in qs.exclude(licence="").values_list("licence").annotate(n=Count("pk")).order_by():
        out.licences.append((uri, vocab.licence_name(uri), n))
    out.keywords = list(
        DatasetKeyword.objects.filter(dataset_id__in=ids)
        .values_list("keyword")
        .annotate(n=Count("dataset_id"))
        .order_by("-n", "keyword")[:30]
    )
    out.themes.sort(key=lambda t: (-t[2], t[1]))
    out.formats.sort(key=lambda t: (-t[2], t[1]))
    out.licences.sort(key=lambda t: (-t[2], t[1]))
    return out


def module_dataset_path(municipality: Municipality, source_key: str) -> str:
    """The portal page of the published dataset synced from a figures dataset source ("" if none)."""
    ds = published(municipality).filter(source=f"module:{source_key}").only("pk").first()
    return ds.get_absolute_url() if ds else ""
