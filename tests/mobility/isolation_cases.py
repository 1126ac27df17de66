"""Mobility entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings

from rathaus.mobility import services
from rathaus.mobility.models import District
from tests import isolation
from tests.isolation import Tenant
from tests.mobility.feeds import simple_feed


@isolation.seeder
def seed_mobility(t: Tenant) -> None:
    if not getattr(settings, "MOBILITY_DATA_DIR", None):
        # Keep the seeded Parquet files out of the developer's data directory.
        settings.MOBILITY_DATA_DIR = Path(tempfile.mkdtemp(prefix="rathaus-mobility-isolation-"))
    b = simple_feed()
    b.rows["stops.txt"][0][1] = t.marker("MOB-STOP")
    with tempfile.TemporaryDirectory() as tmp:
        feed = services.import_feed(
            t.municipality, b.write(Path(tmp) / "f"), t.marker("MOB-FEED"), publish=True
        )
        grid_csv = Path(tmp) / "g.csv"
        grid_csv.write_text("x,y,count\n4470000,3105000,12\n")
        grid = services.import_grid(t.municipality, grid_csv, t.marker("MOB-GRID"))
    district = District.objects.create(
        municipality=t.municipality,
        name=t.marker("MOB-DISTRICT"),
        polygon=[[12.1, 51.0], [12.2, 51.0], [12.2, 51.1]],
    )
    t.add("mobility.feed", feed)
    t.add("mobility.grid", grid)
    t.add("mobility.district", district)


def nothing(t: Tenant, obj: Any) -> dict[str, Any]:
    return {}


isolation.object_url("mobility:feed_detail", "mobility.feed", shows=["MOB-FEED"])
isolation.object_url("mobility:feed_delete", "mobility.feed", get=False, post=nothing)
isolation.object_url("mobility:feed_publish", "mobility.feed", get=False, post=nothing)
isolation.object_url("mobility:grid_delete", "mobility.grid", get=False, post=nothing)
isolation.object_url("mobility:district_delete", "mobility.district", get=False, post=nothing)

isolation.page("mobility:index", shows=["MOB-FEED", "MOB-STOP"])
isolation.page("mobility:manage", shows=["MOB-FEED", "MOB-GRID", "MOB-DISTRICT"])
isolation.page("mobility:indicators")
isolation.page("mobility:compare", shows=["MOB-FEED"])
