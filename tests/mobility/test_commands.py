"""Management commands: import_gtfs, import_population (gtfs_stop_stats: see test_stats.py)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from rathaus.mobility.models import FeedVersion, PopulationGrid
from tests.conftest import testdata_dir as data_dir
from tests.mobility.conftest import gtfs_file
from tests.mobility.feeds import simple_feed

pytestmark = pytest.mark.django_db


def test_import_gtfs_prints_counts_and_warnings(muni_a, muni_b):
    out = io.StringIO()
    call_command(
        "import_gtfs",
        str(gtfs_file("sample-feed-1.zip")),
        "--municipality",
        "zeitz",
        "--name",
        "Demo",
        stdout=out,
    )
    text = out.getvalue()
    assert "frequencies.txt" not in text  # expanded now, no warning
    assert "Fahrplanstand „Demo“ importiert: 9 Haltestellen, 5 Linien, 11 Fahrten, 28 Halte" in text
    assert FeedVersion.objects.get().municipality == muni_a


def test_import_gtfs_refuses_a_broken_feed(muni_a, tmp_path):
    b = simple_feed()
    b.rows["stop_times.txt"].append(["B1-0-0", "abc", "abc", "S2", 3])
    err = io.StringIO()
    with pytest.raises(CommandError, match="nichts gespeichert"):
        call_command("import_gtfs", str(b.zip(tmp_path / "f.zip")), "--municipality", "zeitz", stderr=err)
    assert "FEHLER stop_times.txt:338: Ungültige Abfahrtszeit abc" in err.getvalue()
    assert not FeedVersion.objects.exists()


def test_import_gtfs_needs_the_municipality_when_there_are_several(muni_a, muni_b, tmp_path):
    with pytest.raises(CommandError, match="--municipality"):
        call_command("import_gtfs", str(simple_feed().zip(tmp_path / "f.zip")))
    with pytest.raises(CommandError, match="Unbekannte Kommune"):
        call_command("import_gtfs", str(simple_feed().zip(tmp_path / "g.zip")), "--municipality", "nirgendwo")


def test_import_population_zeitz_box(muni_a):
    path = data_dir() / "population" / "zensus2011_1km" / "continuous_Einwohner.parquet"
    if not path.exists():
        pytest.skip(f"{path} missing (set RATHAUS_TESTDATA)")
    out = io.StringIO()
    call_command(
        "import_population",
        str(path),
        "--name",
        "Zensus",
        "--bbox",
        "4462000,3098000,4480000,3114000",
        stdout=out,
    )
    grid = PopulationGrid.objects.get()
    assert (grid.cell_count, grid.population) == (199, 49_846)  # SOURCES.md
    assert "199 Zellen, 49846 Einwohner" in out.getvalue()


def test_import_gtfs_acts_with_a_command_context(muni_a, tmp_path, monkeypatch):
    """The command imports at once, through the same services.import_feed as the upload's import
    job, with a ServiceContext of its own (no request)."""
    from rathaus.mobility import services

    seen = {}
    real = services.import_feed

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "import_feed", spy)
    path = str(simple_feed().zip(tmp_path / "f.zip"))
    call_command("import_gtfs", path, "--municipality", "zeitz", stdout=io.StringIO())
    ctx = seen["ctx"]
    assert ctx.channel == "command" and ctx.municipality == muni_a and ctx.actor is None
    assert FeedVersion.objects.get().source_name == "f.zip"
