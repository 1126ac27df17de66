"""Demo data: an invented but plausible GTFS feed for Zeitz (real stop names, approximate
coordinates, made-up timetable), the Zensus grid of the Zeitz area when the test data is present
(else a synthetic grid), and three Ortsteile. Everything is labelled as demo data."""

from __future__ import annotations

import csv
import math
import random
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone

from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step

from . import services
from .models import District, FeedVersion, MunicipalityArea, PopulationGrid

FEED_NAME = "Demo-Fahrplan Zeitz"
GRID_NAME = "Bevölkerung Zeitz (1-km-Raster)"
ZEITZ_BOX_3035 = (4462000.0, 3098000.0, 4480000.0, 3114000.0)  # SOURCES.md
ZENSUS_SOURCE = (
    "Quelle: Statistische Ämter des Bundes und der Länder, Zensus 2011, 1-km-Gitter (Spitze Werte), "
    "Datenlizenz Deutschland – Namensnennung – Version 2.0 (www.govdata.de/dl-de/by-2-0); "
    "Parquet-Aufbereitung: JsLth/z22data"
)

# stop_id: (name, lat, lon) — coordinates approximate.
STOPS: dict[str, tuple[str, float, float]] = {
    "ZBF": ("Zeitz, Bahnhof", 51.0527, 12.1383),
    "ZAM": ("Zeitz, Altmarkt", 51.0486, 12.1378),
    "ZRM": ("Zeitz, Roßmarkt", 51.0468, 12.1338),
    "ZSM": ("Zeitz, Schloss Moritzburg", 51.0513, 12.1460),
    "ZKL": ("Zeitz, Klinikum", 51.0436, 12.1284),
    "ZKA": ("Zeitz, Kalkstraße", 51.0452, 12.1455),
    "ZOS": ("Zeitz-Ost, Geschwister-Scholl-Straße", 51.0478, 12.1615),
    "ZOE": ("Zeitz-Ost, Einkaufszentrum", 51.0455, 12.1700),
    "ZAU": ("Zeitz-Aue, Aupark", 51.0605, 12.1305),
    "ZAW": ("Zeitz-Aue, Weißenfelser Straße", 51.0660, 12.1250),
    "TRO": ("Tröglitz, Platz der Freundschaft", 51.0660, 12.1760),
    "TRW": ("Tröglitz, Werk", 51.0720, 12.1870),
    "THE": ("Theißen, Kirche", 51.0890, 12.1070),
    "KMS": ("Kretzschau, Mitte", 51.0750, 12.0750),
    "DRO": ("Droyßig, Schloss", 51.0440, 12.0310),
    "GRO": ("Zeitz-Geußnitz, Dorfplatz", 51.0110, 12.1530),
    "LEI": ("Leipzig Hbf", 51.3455, 12.3821),
    "PEG": ("Pegau", 51.1680, 12.2500),
    "WEZ": ("Wetterzeube", 51.0010, 12.0230),
    "CRO": ("Crossen (Elster)", 50.9680, 12.0330),
    "GER": ("Gera Hbf", 50.8835, 12.0794),
}

# route_id: (short name, long name, route_type, stops, minutes between stops,
#            {service: (first departure, last departure, headway minutes)})
ROUTES: list[tuple[str, str, str, int, list[str], int, dict[str, tuple[int, int, int]]]] = [
    (
        "RB",
        "RB",
        "Leipzig – Zeitz – Gera (Demo)",
        2,
        ["LEI", "PEG", "ZBF", "WEZ", "CRO", "GER"],
        14,
        {"W": (5 * 60, 22 * 60, 60), "SA": (6 * 60, 22 * 60, 60), "SU": (7 * 60, 21 * 60, 120)},
    ),
    (
        "S1",
        "1",
        "Stadtlinie Bahnhof – Altmarkt – Zeitz-Ost",
        3,
        ["ZBF", "ZAM", "ZKA", "ZOS", "ZOE"],
        3,
        {"W": (5 * 60 + 30, 19 * 60, 20), "SA": (7 * 60, 14 * 60, 60)},
    ),
    (
        "S2",
        "2",
        "Stadtlinie Klinikum – Altmarkt – Schloss Moritzburg – Aue",
        3,
        ["ZKL", "ZRM", "ZAM", "ZSM", "ZBF", "ZAU", "ZAW"],
        3,
        {"W": (6 * 60, 18 * 60 + 30, 30), "SA": (8 * 60, 13 * 60, 60)},
    ),
    (
        "790",
        "790",
        "Zeitz – Tröglitz",
        3,
        ["ZBF", "ZAM", "ZOS", "TRO", "TRW"],
        5,
        {"W": (5 * 60, 20 * 60, 60), "SA": (7 * 60, 17 * 60, 120)},
    ),
    (
        "793",
        "793",
        "Zeitz – Kretzschau – Theißen",
        3,
        ["ZBF", "ZAU", "KMS", "THE"],
        6,
        {"W": (6 * 60, 19 * 60, 120)},
    ),
    (
        "781",
        "781",
        "Zeitz – Droyßig",
        3,
        ["ZBF", "ZRM", "ZKL", "DRO"],
        7,
        {"W": (6 * 60 + 15, 18 * 60 + 15, 120), "SA": (8 * 60 + 15, 12 * 60 + 15, 240)},
    ),
    (
        "RUF",
        "Rufbus",
        "Rufbus Zeitz-Geußnitz (Fahrtwunsch 60 Minuten vorher anmelden)",
        715,
        ["ZAM", "GRO"],
        12,
        {"W": (8 * 60, 18 * 60, 120), "SA": (9 * 60, 13 * 60, 240), "SU": (10 * 60, 16 * 60, 240)},
    ),
]

DISTRICTS = {
    "Kernstadt": [[12.118, 51.040], [12.155, 51.040], [12.155, 51.058], [12.118, 51.058]],
    "Zeitz-Ost": [[12.155, 51.038], [12.185, 51.038], [12.185, 51.058], [12.155, 51.058]],
    "Aue": [[12.110, 51.058], [12.150, 51.058], [12.150, 51.075], [12.110, 51.075]],
}

# Outline of the town of Zeitz with its incorporated villages (Theißen, Geußnitz, Kayna …), drawn by
# hand for the demo from the positions of the places: approximate, not the official boundary.
ZEITZ_OUTLINE = [
    [12.075, 51.105],
    [12.110, 51.112],
    [12.145, 51.100],
    [12.160, 51.085],
    [12.165, 51.065],
    [12.195, 51.050],
    [12.225, 51.030],
    [12.235, 51.005],
    [12.215, 50.985],
    [12.185, 50.980],
    [12.150, 50.995],
    [12.115, 51.000],
    [12.080, 51.010],
    [12.055, 51.025],
    [12.045, 51.045],
    [12.085, 51.068],
    [12.060, 51.090],
]
OUTLINE_SOURCE = "Demo: von Hand gezeichneter, ungefährer Umring (keine amtliche Gemeindegrenze)"


def _hms(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def write_feed(folder: Path, start: date, end: date) -> None:
    """Write the demo GTFS text files into ``folder``."""

    def write(name: str, header: list[str], rows: list[list[Any]]) -> None:
        with open(folder / name, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)

    write(
        "agency.txt",
        ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
        [
            [
                "DEMO-PVG",
                "Demo-Busverkehr Burgenlandkreis",
                "https://example.org/demo",
                "Europe/Berlin",
                "de",
            ],
            ["DEMO-DB", "Demo-Regionalbahn", "https://example.org/demo", "Europe/Berlin", "de"],
        ],
    )
    write(
        "stops.txt",
        ["stop_id", "stop_name", "stop_lat", "stop_lon"],
        [[sid, name, lat, lon] for sid, (name, lat, lon) in STOPS.items()],
    )
    write(
        "routes.txt",
        ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
        [
            [rid, "DEMO-DB" if rtype == 2 else "DEMO-PVG", short, long, rtype]
            for rid, short, long, rtype, *_ in ROUTES
        ],
    )
    fmt = "%Y%m%d"
    write(
        "calendar.txt",
        [
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
        [
            ["W", 1, 1, 1, 1, 1, 0, 0, start.strftime(fmt), end.strftime(fmt)],
            ["SA", 0, 0, 0, 0, 0, 1, 0, start.strftime(fmt), end.strftime(fmt)],
            ["SU", 0, 0, 0, 0, 0, 0, 1, start.strftime(fmt), end.strftime(fmt)],
        ],
    )
    holidays = [date(start.year, 10, 3), date(start.year, 12, 25)]
    write(
        "calendar_dates.txt",
        ["service_id", "date", "exception_type"],
        [
            r
            for d in holidays
            if start <= d <= end
            for r in (["W", d.strftime(fmt), 2], ["SU", d.strftime(fmt), 1])
        ],
    )
    trips: list[list[Any]] = []
    stop_times: list[list[Any]] = []
    for rid, _short, _long, _rtype, stops, step, services_ in ROUTES:
        for service, (first, last, headway) in services_.items():
            for direction, seq in ((0, stops), (1, list(reversed(stops)))):
                t0 = first + (headway // 2 if direction else 0)
                n = 0
                while t0 <= last:
                    trip_id = f"{rid}-{service}-{direction}-{n}"
                    trips.append([rid, service, trip_id, STOPS[seq[-1]][0], direction])
                    for i, sid in enumerate(seq):
                        t = t0 + i * step
                        stop_times.append(
                            [trip_id, _hms(t), _hms(t + (1 if 0 < i < len(seq) - 1 else 0)), sid, i + 1]
                        )
                    t0 += headway
                    n += 1
    write("trips.txt", ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id"], trips)
    write(
        "stop_times.txt",
        ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
        stop_times,
    )


def synthetic_grid(folder: Path) -> Path:
    """~250 cells of 250 m around the centre of Zeitz with a plausible density falloff (synthetic)."""
    from .analysis import to_laea

    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    cx, cy = to_laea(np.array([12.1383]), np.array([51.0490]))
    rows = []
    for i in range(-8, 9):
        for j in range(-8, 9):
            x, y = float(cx[0]) + i * 250, float(cy[0]) + j * 250
            dist = math.hypot(i, j) * 250
            people = round(900 * math.exp(-dist / 1200) * rng.uniform(0.6, 1.4))
            if people > 3:
                rows.append([x, y, people])
    path = folder / "grid.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["x", "y", "count"])
        w.writerows(rows)
    return path


@demo_step(700)
def mobility_demo(command: Any) -> None:
    muni = Municipality.objects.filter(slug="zeitz").first()
    if muni is None:
        return
    # Area and Ortsteile first: the plausibility check of the feed import uses them.
    MunicipalityArea.objects.get_or_create(
        municipality=muni, defaults={"polygon": ZEITZ_OUTLINE, "source": OUTLINE_SOURCE}
    )
    for name, ring in DISTRICTS.items():
        District.objects.get_or_create(municipality=muni, name=name, defaults={"polygon": ring})
    if not FeedVersion.objects.for_tenant(muni).filter(name=FEED_NAME).exists():
        today = timezone.localdate()
        with tempfile.TemporaryDirectory() as tmp:
            write_feed(Path(tmp), date(today.year, 1, 1), date(today.year + 1, 12, 31))
            services.import_feed(muni, Path(tmp), FEED_NAME, is_demo=True, source_name="demo", publish=True)
    if not PopulationGrid.objects.for_tenant(muni).exists():
        zensus = (
            Path(settings.RATHAUS_TESTDATA) / "population" / "zensus2011_1km" / "continuous_Einwohner.parquet"
        )
        if zensus.exists():
            services.import_grid(muni, zensus, GRID_NAME, bbox=ZEITZ_BOX_3035, source_text=ZENSUS_SOURCE)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                services.import_grid(
                    muni,
                    synthetic_grid(Path(tmp)),
                    "Synthetisches Bevölkerungsraster Zeitz (Demo)",
                    source_text="Synthetische Demodaten, keine amtliche Statistik",
                    is_synthetic=True,
                )
