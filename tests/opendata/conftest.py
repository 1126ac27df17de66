"""Fixtures of the open-data tests: media in a temporary folder, a controllable figures registry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from rathaus.core import figures
from rathaus.opendata import services, vocab
from rathaus.opendata.models import Dataset, DatasetStatus


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def registry(monkeypatch) -> Callable[..., None]:
    """Replace the registered dataset sources by the given ones (other modules' sources are left out)."""

    def use(*sources: figures.DatasetSource) -> None:
        monkeypatch.setattr(figures, "_datasets", {s.key: s for s in sources})

    use()
    return use


def fake_source(
    key: str = "test.things", modified: datetime | None = None, **kw: Any
) -> figures.DatasetSource:
    when = modified if modified is not None else timezone.now().replace(microsecond=0)
    return figures.DatasetSource(
        key=key,
        module="test",
        title=kw.get("title", "Dinge der Stadt"),
        description=kw.get("description", "Alle Dinge als CSV."),
        themes=("GOVE",),
        keywords=("Dinge",),
        distributions=(
            figures.Distribution(
                "csv", "Dinge (CSV)", kw.get("url_name", "barometer_csv"), "text/csv", "CSV"
            ),
        ),
        modified=lambda m: kw["modified_fn"](m) if "modified_fn" in kw else when,
        update_frequency="DAILY",
        landing_url_name="barometer",
    )


def make_dataset(
    muni: Any,
    title: str = "Baumkataster",
    *,
    status: str = DatasetStatus.PUBLISHED,
    licence: str = vocab.DEFAULT_LICENCE,
    themes: tuple[str, ...] = ("ENVI",),
    keywords: tuple[str, ...] = ("Bäume",),
) -> Dataset:
    ds = Dataset(municipality=muni, title=title, description=f"{title}: Beschreibung", licence=licence)
    services.save_dataset(ds, themes=themes, keywords=keywords)
    if status == DatasetStatus.PUBLISHED:
        services.set_status(ds, status)
    return ds
