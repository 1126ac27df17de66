# ruff: noqa: E501  (demo texts and official names are kept on one line each)
"""Demo data: a few datasets Zeitz maintains by hand (small generated files) plus the module datasets."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step

from . import services, vocab
from .models import CatalogSettings, Dataset, DatasetStatus

BUDGET = [
    ("11", "Innere Verwaltung", 14_820_300, 21_115_900),
    ("12", "Sicherheit und Ordnung", 1_402_000, 4_987_400),
    ("21-24", "Schulträgeraufgaben", 2_310_500, 7_845_200),
    ("25-29", "Kultur und Wissenschaft", 912_400, 4_120_800),
    ("31-35", "Soziale Hilfen", 650_000, 2_215_300),
    ("36", "Kinder-, Jugend- und Familienhilfe", 9_870_100, 19_432_600),
    ("42", "Sportförderung", 120_300, 1_530_200),
    ("51-52", "Räumliche Planung und Entwicklung, Bauen und Wohnen", 1_845_000, 3_960_700),
    ("54", "Verkehrsflächen und -anlagen, ÖPNV", 3_215_800, 8_644_100),
    ("55-56", "Natur- und Landschaftspflege, Umweltschutz", 210_000, 1_908_300),
    ("57", "Wirtschaft und Tourismus", 480_700, 1_655_000),
    ("61", "Allgemeine Finanzwirtschaft", 38_950_000, 12_140_000),
]

HOTSPOTS = [
    ("Altmarkt", 51.0489, 12.1376, "Altmarkt 1", "Stadt Zeitz"),
    ("Rathaus Zeitz", 51.0485, 12.1383, "Altmarkt 1", "Stadt Zeitz"),
    ("Digital Hub Zeitz", 51.0491, 12.1369, "Altmarkt 16", "Stadt Zeitz"),
    ("Schloss Moritzburg", 51.0531, 12.1342, "Schlossstraße 6", "Museum Schloss Moritzburg"),
    ("Bahnhof Zeitz", 51.0442, 12.1449, "Bahnhofstraße 1", "Stadt Zeitz"),
    ("Stadtbibliothek", 51.0478, 12.1395, "Roßmarkt 4", "Stadt Zeitz"),
    ("Michaeliskirche", 51.0500, 12.1391, "Michaeliskirchhof", "Ev. Kirchengemeinde"),
    ("Tourist-Information", 51.0488, 12.1380, "Altmarkt 16", "Stadt Zeitz"),
]

POPULATION = [
    ("Zeitz (Kernstadt)", 21_540, 20_986),
    ("Theißen", 1_388, 1_342),
    ("Luckenau", 736, 712),
    ("Kayna", 690, 671),
    ("Droyßig (Ortsteil Zeitz)", 0, 0),
    ("Würchwitz", 512, 498),
    ("Bergisdorf", 301, 292),
    ("Döbris", 280, 266),
    ("Geußnitz", 215, 208),
    ("Nonnewitz", 1_105, 1_081),
]


def _csv(header: list[str], rows: list[tuple[Any, ...]]) -> bytes:
    lines = [";".join(header)] + [";".join(str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _geojson() -> bytes:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": name, "adresse": addr, "betreiber": op},
        }
        for name, lat, lon, addr, op in HOTSPOTS
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")


DATASETS: list[dict[str, Any]] = [
    {
        "title": "Haushaltsplan 2026 – Übersicht nach Produktbereichen",
        "title_en": "Budget 2026 – overview by product area",
        "description": "Geplante Erträge und Aufwendungen des Ergebnishaushalts 2026 der Stadt Zeitz je Produktbereich (in Euro).",
        "themes": ["GOVE", "ECON"],
        "keywords": ["Haushalt", "Finanzen", "Doppik"],
        "frequency": "ANNUAL",
        "start": date(2026, 1, 1),
        "end": date(2026, 12, 31),
        "files": [
            (
                "Haushaltsplan 2026 (CSV)",
                "haushaltsplan-2026.csv",
                lambda: _csv(["produktbereich", "bezeichnung", "ertraege_eur", "aufwendungen_eur"], BUDGET),
            )
        ],
    },
    {
        "title": "Standorte öffentlicher WLAN-Hotspots",
        "title_en": "Public Wi-Fi hotspots",
        "description": "Kostenlose öffentliche WLAN-Zugänge (Freifunk und städtisches WLAN) in Zeitz mit Lage und Betreiber.",
        "themes": ["TECH", "REGI"],
        "keywords": ["WLAN", "Digitalisierung", "Infrastruktur"],
        "frequency": "IRREG",
        "start": None,
        "end": None,
        "files": [
            (
                "WLAN-Hotspots (CSV)",
                "wlan-hotspots.csv",
                lambda: _csv(["name", "breite", "laenge", "adresse", "betreiber"], HOTSPOTS),
            ),
            ("WLAN-Hotspots (GeoJSON)", "wlan-hotspots.geojson", _geojson),
        ],
    },
    {
        "title": "Einwohner nach Ortsteilen",
        "title_en": "Population by district",
        "description": "Einwohnerinnen und Einwohner mit Hauptwohnsitz je Ortsteil am 31.12. (Melderegister).",
        "themes": ["SOCI", "REGI"],
        "keywords": ["Bevölkerung", "Ortsteile", "Statistik"],
        "frequency": "ANNUAL",
        "start": date(2024, 12, 31),
        "end": date(2025, 12, 31),
        "files": [
            (
                "Einwohner je Ortsteil (CSV)",
                "einwohner-ortsteile.csv",
                lambda: _csv(["ortsteil", "einwohner_2024", "einwohner_2025"], POPULATION),
            )
        ],
    },
]


def demo_datasets(muni: Municipality) -> list[Dataset]:
    """Idempotent: the manual demo datasets of a municipality, published, with their files."""
    out = []
    for spec in DATASETS:
        ds, created = Dataset.objects.get_or_create(
            municipality=muni,
            title=spec["title"],
            source="manual",
            defaults={
                "title_en": spec["title_en"],
                "description": spec["description"],
                "licence": vocab.DEFAULT_LICENCE,
                "accrual_periodicity": spec["frequency"],
                "temporal_start": spec["start"],
                "temporal_end": spec["end"],
                "contact_name": "Stabsstelle Digitalisierung",
                "contact_email": "digital@stadt-zeitz.example",
            },
        )
        if created:
            services.save_dataset(ds, themes=spec["themes"], keywords=spec["keywords"])
        if not ds.distributions.exists():
            for title, name, make in spec["files"]:
                services.add_file(ds, SimpleUploadedFile(name, make()), title=title)
        if ds.status != DatasetStatus.PUBLISHED:
            services.set_status(ds, DatasetStatus.PUBLISHED)
        out.append(ds)
    return out


@demo_step(820)
def opendata_datasets(cmd: Any) -> None:
    zeitz = Municipality.objects.get(slug="zeitz")
    demo_datasets(zeitz)
    # Zeitz delivers to GovData through the state catalogue of Sachsen-Anhalt.
    CatalogSettings.objects.get_or_create(
        municipality=zeitz,
        defaults={"contributor_id": "http://dcat-ap.de/def/contributors/landSachsenAnhalt"},
    )


@demo_step(845)
def opendata_module_datasets(cmd: Any) -> None:
    # Last of all: every module's demo data exists now.
    from rathaus.core.search import services as search

    for muni in Municipality.objects.filter(is_active=True):
        services.sync_module_datasets(muni)
        # The core rebuilds the search index early (step 90); add what the steps 800+ created.
        search.rebuild(muni, kinds=["opendata.dataset", "strategy.measure"])
