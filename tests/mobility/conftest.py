from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import testdata_dir as data_dir


@pytest.fixture(autouse=True)
def _mobility_dir(settings, tmp_path):
    settings.MOBILITY_DATA_DIR = tmp_path / "mobility-data"
    return settings.MOBILITY_DATA_DIR


def gtfs_file(name: str) -> Path:
    path = data_dir() / "gtfs" / name
    if not path.exists():
        pytest.skip(f"test data {path} missing (set RATHAUS_TESTDATA)")
    return path
