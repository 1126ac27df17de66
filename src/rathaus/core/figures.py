"""Registries through which modules publish figures and datasets, without knowing who reads them.

Modules register **indicators** (a number per municipality, computed live from their own data) and
**dataset sources** (open data they can produce) through their declaration (``figures=`` in
``apps.py``, ADR 0014, rathaus.core.modules). The strategy app
(computed KPIs), the open-data app (DCAT-AP.de catalog) and the Digitalbarometer read these
registries; no module imports another module for it (docs/architecture.md).

Example (in ``hub/figures.py``, declared as ``figures=("rathaus.hub.figures.declarations",)``)::

    from rathaus.core import figures

    def declarations() -> list[figures.Indicator | figures.DatasetSource]:
        return [figures.Indicator(
            key="hub.utilisation", module="hub", label=_("Auslastung der Arbeitsplätze"), unit="%",
            method=_("Gebuchte Stunden der letzten 30 Tage geteilt durch buchbare Stunden"),
            compute=utilisation_percent, source_url_name="hub:index")]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rathaus.core.tenancy.models import Municipality


@dataclass(frozen=True)
class Indicator:
    """A figure computed live from a module's data for one municipality.

    ``compute`` returns the current value (``None`` when the module has no data yet). ``method``
    says in plain words how the value is computed (shown next to the figure). ``source_url_name``
    is the public page the figure comes from (reversed without arguments on the municipality's host).
    """

    key: str
    module: str
    label: Any  # lazy translation
    unit: str
    method: Any  # lazy translation
    compute: Callable[[Municipality], Decimal | int | float | None]
    source_url_name: str | None = None
    order: int = 100


@dataclass(frozen=True)
class Distribution:
    """One file or API of a dataset source. ``url_name`` is reversed without arguments."""

    key: str
    title: Any
    url_name: str
    media_type: str  # e.g. "text/csv", "application/geo+json"
    format: str  # EU file-type code: "CSV", "JSON", "GEOJSON", "XLSX", "XML", "RDF_TURTLE", "ICS"


@dataclass(frozen=True)
class DatasetSource:
    """Open data a module publishes and keeps current (rendered live by the module's own views).

    ``themes`` are EU data-theme codes (GOVE, TRAN, EDUC, SOCI, ECON, TECH, ENVI, REGI, JUST, HEAL,
    AGRI, ENER, INTR). ``modified`` returns the time of the last change of the underlying data
    (``None``: no data, the open-data catalog leaves the dataset out). ``licence`` is a dcat-ap.de
    licence URI, e.g. ``http://dcat-ap.de/def/licenses/dl-by-de/2.0``.
    """

    key: str
    module: str
    title: Any
    description: Any
    themes: tuple[str, ...]
    keywords: tuple[str, ...]
    distributions: tuple[Distribution, ...]
    modified: Callable[[Municipality], datetime | None]
    licence: str = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    update_frequency: str = "IRREG"  # EU frequency code: DAILY, WEEKLY, MONTHLY, ANNUAL, IRREG, ...
    landing_url_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_indicators: dict[str, Indicator] = {}
_datasets: dict[str, DatasetSource] = {}


def register_indicator(indicator: Indicator) -> None:
    _indicators[indicator.key] = indicator


def register_dataset_source(source: DatasetSource) -> None:
    _datasets[source.key] = source


def indicators(module: str | None = None) -> list[Indicator]:
    found = (i for i in _indicators.values() if module is None or i.module == module)
    return sorted(found, key=lambda i: (i.order, i.key))


def indicator(key: str) -> Indicator | None:
    return _indicators.get(key)


def dataset_sources(module: str | None = None) -> list[DatasetSource]:
    found = (d for d in _datasets.values() if module is None or d.module == module)
    return sorted(found, key=lambda d: d.key)


def dataset_source(key: str) -> DatasetSource | None:
    return _datasets.get(key)


def compute_all(
    municipality: Municipality, keys: Iterable[str] | None = None
) -> Iterator[tuple[Indicator, Any]]:
    """Each registered indicator with its current value for the municipality."""
    wanted = set(keys) if keys is not None else None
    for ind in indicators():
        if wanted is None or ind.key in wanted:
            yield ind, ind.compute(municipality)
