"""Page cache declaration of the mobility module (ADR 0017). The timetable data itself lives in
files; a new one becomes visible only by publishing a FeedVersion, which bumps the generation."""

from rathaus.core.pagecache.registry import register

from .models import District, FeedVersion, MunicipalityArea, PopulationGrid

register(
    "mobility",
    models=[FeedVersion, PopulationGrid, MunicipalityArea, District],
    pages=[
        "mobility:index",
        "mobility:compare",
        "mobility:indicators",
        "mobility:indicators_csv",
        "mobility:stops_geojson",
        "mobility:classes_geojson",
        "mobility:stops_csv",
        "mobility:base_geojson",
    ],
)
