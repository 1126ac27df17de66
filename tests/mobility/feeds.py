"""Hand-made GTFS feeds for the mobility tests."""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASE_HEADERS = {
    "agency.txt": ["agency_id", "agency_name", "agency_url", "agency_timezone"],
    "stops.txt": ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"],
    "routes.txt": ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
    "trips.txt": ["route_id", "service_id", "trip_id", "direction_id"],
    "stop_times.txt": ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
    "calendar.txt": [
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ],
    "calendar_dates.txt": ["service_id", "date", "exception_type"],
}


@dataclass
class FeedBuilder:
    """A tiny valid feed: agency A, service WD Mo–Fr 2026, add stops and lines."""

    rows: dict[str, list[list[Any]]] = field(
        default_factory=lambda: {
            "agency.txt": [["A", "Testverkehr", "https://example.org", "Europe/Berlin"]],
            "stops.txt": [],
            "routes.txt": [],
            "trips.txt": [],
            "stop_times.txt": [],
            "calendar.txt": [["WD", 1, 1, 1, 1, 1, 0, 0, "20260101", "20261231"]],
            "calendar_dates.txt": [],
        }
    )

    def stop(
        self,
        stop_id: str,
        lat: float,
        lon: float,
        name: str = "",
        parent: str = "",
        location_type: int | str = "",
    ) -> FeedBuilder:
        self.rows["stops.txt"].append([stop_id, name or f"Halt {stop_id}", lat, lon, location_type, parent])
        return self

    def line(
        self,
        route_id: str,
        route_type: int,
        stops: list[str],
        starts: list[int],
        *,
        both_directions: bool = True,
        step: int = 2,
        service: str = "WD",
    ) -> FeedBuilder:
        """Trips starting at the given minutes after midnight, in both directions."""
        self.rows["routes.txt"].append([route_id, "A", route_id, f"Linie {route_id}", route_type])
        directions = [(0, stops), (1, list(reversed(stops)))] if both_directions else [(0, stops)]
        for d, seq in directions:
            for n, t0 in enumerate(starts):
                trip = f"{route_id}-{d}-{n}"
                self.rows["trips.txt"].append([route_id, service, trip, d])
                for i, sid in enumerate(seq):
                    t = t0 + i * step
                    hms = f"{t // 60:02d}:{t % 60:02d}:00"
                    self.rows["stop_times.txt"].append([trip, hms, hms, sid, i + 1])
        return self

    def write(self, folder: Path, *, skip: tuple[str, ...] = ()) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, rows in self.rows.items():
            if name in skip:
                continue
            with open(folder / name, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(BASE_HEADERS[name])
                w.writerows(rows)
        return folder

    def zip(self, path: Path, **kw: Any) -> Path:
        folder = self.write(path.with_suffix(""), **kw)
        with zipfile.ZipFile(path, "w") as zf:
            for f in folder.iterdir():
                zf.write(f, f.name)
        return path


def simple_feed() -> FeedBuilder:
    """Two stops 1 km apart in Zeitz, one bus line every 10 minutes 06:00–20:00 both directions."""
    b = FeedBuilder().stop("S1", 51.0486, 12.1378, "Altmarkt").stop("S2", 51.0576, 12.1378, "Nord")
    return b.line("B1", 3, ["S1", "S2"], list(range(6 * 60, 20 * 60, 10)))
