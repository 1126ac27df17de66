"""Import a population grid (CSV or Parquet with x, y and a count column) for the coverage analysis.

    python manage.py import_population ../shared/data/population/zensus2011_1km/continuous_Einwohner.parquet \
        --municipality zeitz --name "Zensus 2011 1 km" --bbox 4462000,3098000,4480000,3114000
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.mobility import services

from ._common import municipality_option


class Command(BaseCommand):
    help = "Importiert ein Bevölkerungsraster / imports a population grid."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--municipality", metavar="SLUG")
        parser.add_argument("--name", required=True)
        parser.add_argument("--crs", default="EPSG:3035", help="CRS of x/y (default EPSG:3035)")
        parser.add_argument("--bbox", help="xmin,ymin,xmax,ymax in EPSG:3035 metres: keep only these cells")
        parser.add_argument("--source", default="", help="attribution text")

    def handle(self, *args: Any, **options: Any) -> None:
        muni = municipality_option(options["municipality"])
        bbox = None
        if options["bbox"]:
            try:
                x0, y0, x1, y1 = (float(v) for v in options["bbox"].split(","))
            except ValueError:
                raise CommandError("--bbox: xmin,ymin,xmax,ymax") from None
            bbox = (x0, y0, x1, y1)
        try:
            grid = services.import_grid(
                muni,
                Path(options["path"]),
                options["name"],
                crs=options["crs"],
                bbox=bbox,
                source_text=options["source"],
            )
        except services.MobilityError as err:
            raise CommandError(err.message) from None
        self.stdout.write(f"Raster „{grid.name}“: {grid.cell_count} Zellen, {grid.population} Einwohner.")
