from __future__ import annotations

from pathlib import Path

import pytest

from rathaus.fim import services
from tests.conftest import testdata_dir


def fim_dir() -> Path:
    return testdata_dir() / "fim"


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"FIM test data not available: {path} (set RATHAUS_TESTDATA)")
    return path


def bewohnerparken_path() -> Path:
    return require(fim_dir() / "schemas" / "bewohnerparken" / "S05000058V1.0_xdf2.xml")


@pytest.fixture
def parken(muni_a):
    """The Bewohnerparkausweis form imported for Zeitz."""
    return services.import_file(bewohnerparken_path(), muni_a).form
