# ruff: noqa: E501  (demo texts and official names are kept on one line each)
"""Demo data: "Digitalstrategie Zeitz 2030", adopted by the Stadtrat on 19 June 2025."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rathaus.core.accounts.models import Department
from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step

from . import services
from .models import (
    FieldOfAction,
    Goal,
    Indicator,
    IndicatorValue,
    Measure,
    MeasureLink,
    MeasureStatus,
    Milestone,
    Priority,
    Strategy,
    StrategyVersion,
)

DIGI = "Wirtschaftsförderung und Digitalisierung"
BUERGER = "Bürgerservice und Einwohnermeldeamt"
KULTUR = "Kultur, Museum Schloss Moritzburg und Stadtarchiv"
BAU = "Bauamt und Stadtplanung"
KAEMMEREI = "Kämmerei und Steuern"

# field -> [(goal, [(code, title, description, dept, partners, status, progress, priority, start, end,
#                    budget planned, spent, milestones [(date, title, done)], links [(kind, module, title, target)])])]
TREE: list[tuple[str, str, list[tuple[str, list[tuple[Any, ...]]]]]] = [
    (
        "Digitale Verwaltung",
        "Verwaltungsleistungen einfach, sicher und vollständig online – nach dem Onlinezugangsgesetz.",
        [
            (
                "Die wichtigsten Verwaltungsleistungen sind bis 2027 vollständig online",
                [
                    (
                        "M 1.1",
                        "Online-Anträge für die 50 häufigsten Leistungen",
                        "Die am häufigsten nachgefragten Leistungen werden mit FIM-Formularen vollständig online angeboten, mit Bezahlung und elektronischem Bescheid.",
                        BUERGER,
                        "IT-Dienstleister des Landes, KID Magdeburg",
                        MeasureStatus.IN_PROGRESS,
                        55,
                        Priority.HIGH,
                        date(2025, 7, 1),
                        date(2027, 6, 30),
                        "480000",
                        "212500",
                        [
                            (date(2025, 12, 15), "Top-20-Leistungen online", True),
                            (date(2026, 12, 31), "Top-50-Leistungen online", False),
                        ],
                        [
                            ("page", "catalog", "Leistungskatalog", "/leistungen/"),
                            ("indicator", "catalog", "Anteil der Leistungen online", "catalog.online_share"),
                        ],
                    ),
                    (
                        "M 1.2",
                        "Leistungskatalog mit LeiKa und Reifegrad pflegen",
                        "Alle Leistungen der Stadt werden mit LeiKa-Schlüssel, Zuständigkeit und OZG-Reifegrad beschrieben und aktuell gehalten.",
                        BUERGER,
                        "",
                        MeasureStatus.DONE,
                        100,
                        Priority.MEDIUM,
                        date(2025, 7, 1),
                        date(2025, 12, 31),
                        "25000",
                        "23800",
                        [(date(2025, 9, 30), "Katalog veröffentlicht", True)],
                        [("page", "catalog", "Leistungen von A bis Z", "/leistungen/")],
                    ),
                    (
                        "M 1.3",
                        "Elektronische Akte in allen Fachbereichen",
                        "Einführung der E-Akte mit revisionssicherer Ablage; Papierakten werden nur noch im Ausnahmefall geführt.",
                        DIGI,
                        "Kommunaler IT-Dienstleister",
                        MeasureStatus.IN_PROGRESS,
                        30,
                        Priority.HIGH,
                        date(2025, 9, 1),
                        date(2028, 12, 31),
                        "650000",
                        "140000",
                        [
                            (date(2026, 6, 30), "Pilot im Bürgerservice abgeschlossen", True),
                            (date(2027, 6, 30), "Rollout Bauamt und Ordnungsamt", False),
                        ],
                        [],
                    ),
                ],
            ),
            (
                "Transparenz durch offene Daten",
                [
                    (
                        "M 1.4",
                        "Open-Data-Portal nach DCAT-AP.de",
                        "Die Stadt veröffentlicht ihre Daten maschinenlesbar unter offener Lizenz; GovData und das Landesportal Sachsen-Anhalt übernehmen den Katalog automatisch.",
                        DIGI,
                        "Open Knowledge Foundation (Beratung)",
                        MeasureStatus.IN_PROGRESS,
                        70,
                        Priority.MEDIUM,
                        date(2025, 10, 1),
                        date(2026, 12, 31),
                        "30000",
                        "18500",
                        [
                            (date(2026, 3, 31), "Erste zehn Datensätze veröffentlicht", True),
                            (date(2026, 10, 31), "Harvesting durch GovData", False),
                        ],
                        [
                            ("page", "opendata", "Offene Daten", "/daten/"),
                            (
                                "dataset",
                                "strategy",
                                "Digitalbarometer als offene Daten",
                                "strategy.barometer",
                            ),
                        ],
                    ),
                ],
            ),
        ],
    ),
    (
        "Digitale Bildung und Kompetenzen",
        "Alle Generationen sollen digitale Angebote sicher und selbstbestimmt nutzen können.",
        [
            (
                "Digitale Kompetenzen für alle Altersgruppen stärken",
                [
                    (
                        "M 2.1",
                        "Digital-Sprechstunden für Seniorinnen und Senioren",
                        "Wöchentliche offene Sprechstunde im Digital Hub und in der Stadtbibliothek: Smartphone, Online-Banking, Online-Anträge.",
                        DIGI,
                        "Seniorenbeirat, Stadtbibliothek",
                        MeasureStatus.IN_PROGRESS,
                        60,
                        Priority.HIGH,
                        date(2025, 9, 1),
                        date(2027, 12, 31),
                        "18000",
                        "7400",
                        [(date(2025, 10, 1), "Erste Sprechstunde", True)],
                        [
                            ("page", "events", "Veranstaltungen und Kurse", "/veranstaltungen/"),
                            ("page", "consulting", "Beratungstermine", "/beratung/"),
                        ],
                    ),
                    (
                        "M 2.2",
                        "Kursreihe Digitale Grundbildung",
                        "Kurse zu Datenschutz, sicheren Passwörtern, Künstlicher Intelligenz und Medienkompetenz im Digital Hub.",
                        DIGI,
                        "Volkshochschule Burgenlandkreis",
                        MeasureStatus.IN_PROGRESS,
                        40,
                        Priority.MEDIUM,
                        date(2026, 1, 1),
                        date(2027, 12, 31),
                        "24000",
                        "6100",
                        [],
                        [("page", "events", "Kurse im Digital Hub", "/veranstaltungen/")],
                    ),
                    (
                        "M 2.3",
                        "Digitale Ausstattung der Grundschulen",
                        "WLAN, Präsentationstechnik und Tablets in allen städtischen Grundschulen (DigitalPakt Schule).",
                        BAU,
                        "Schulleitungen, Medienzentrum des Landkreises",
                        MeasureStatus.DONE,
                        100,
                        Priority.HIGH,
                        date(2023, 1, 1),
                        date(2025, 8, 31),
                        "1250000",
                        "1198000",
                        [(date(2025, 8, 31), "Alle Grundschulen ausgestattet", True)],
                        [],
                    ),
                ],
            ),
        ],
    ),
    (
        "Mobilität",
        "Bus, Bahn, Rad und Fuß besser verknüpfen – auf Grundlage guter Daten.",
        [
            (
                "Datenbasierte Mobilitätsplanung",
                [
                    (
                        "M 3.1",
                        "Mobilitätsdaten auswerten und veröffentlichen",
                        "Fahrplandaten (GTFS) und Erreichbarkeit der Haltestellen werden ausgewertet und als offene Daten veröffentlicht.",
                        BAU,
                        "Nahverkehrsgesellschaft, Burgenlandkreis",
                        MeasureStatus.IN_PROGRESS,
                        45,
                        Priority.MEDIUM,
                        date(2025, 10, 1),
                        date(2026, 12, 31),
                        "40000",
                        "12000",
                        [(date(2026, 5, 31), "ÖV-Güteklassen berechnet", True)],
                        [("page", "mobility", "Mobilität in Zeitz", "/mobilitaet/")],
                    ),
                    (
                        "M 3.2",
                        "Echtzeit-Abfahrtsanzeigen an zentralen Haltestellen",
                        "Dynamische Fahrgastinformation am Bahnhof, Altmarkt und am Busbahnhof.",
                        BAU,
                        "Nahverkehrsgesellschaft",
                        MeasureStatus.PLANNED,
                        0,
                        Priority.LOW,
                        date(2026, 9, 1),
                        date(2027, 12, 31),
                        "160000",
                        "0",
                        [],
                        [],
                    ),
                ],
            ),
        ],
    ),
    (
        "Kultur und Tourismus",
        "Das kulturelle Erbe der Stadt digital erlebbar machen.",
        [
            (
                "Kulturerbe online zugänglich machen",
                [
                    (
                        "M 4.1",
                        "Digitalisierung der Sammlung Schloss Moritzburg",
                        "Objekte des Museums und des Stadtarchivs werden digitalisiert und mit IIIF online gezeigt.",
                        KULTUR,
                        "Museumsverband Sachsen-Anhalt",
                        MeasureStatus.IN_PROGRESS,
                        35,
                        Priority.MEDIUM,
                        date(2025, 9, 1),
                        date(2028, 12, 31),
                        "220000",
                        "64000",
                        [(date(2026, 4, 30), "Erste 500 Objekte online", True)],
                        [("page", "heritage", "Digitale Sammlung", "/sammlung/")],
                    ),
                    (
                        "M 4.2",
                        "Digitaler Stadtrundgang",
                        "Ein barrierearmer, mehrsprachiger Stadtrundgang mit Audio und Gebärdensprache.",
                        KULTUR,
                        "Tourismusverein Zeitz",
                        MeasureStatus.DEFERRED,
                        10,
                        Priority.LOW,
                        date(2026, 1, 1),
                        date(2027, 6, 30),
                        "45000",
                        "3000",
                        [],
                        [],
                    ),
                ],
            ),
        ],
    ),
    (
        "Wirtschaft und Strukturwandel",
        "Den Strukturwandel im Revier nutzen: Gründungen, Fachkräfte und digitale Infrastruktur.",
        [
            (
                "Digital Hub als Ort für Gründung und Austausch",
                [
                    (
                        "M 5.1",
                        "Digital Hub Zeitz betreiben",
                        "Coworking, Besprechungsräume und Veranstaltungsraum am Altmarkt für Gründerinnen, Unternehmen und Bürger.",
                        DIGI,
                        "IT-Partner des Digital Hubs, IHK Halle-Dessau",
                        MeasureStatus.IN_PROGRESS,
                        80,
                        Priority.HIGH,
                        date(2025, 3, 1),
                        date(2028, 12, 31),
                        "900000",
                        "610000",
                        [
                            (date(2025, 9, 1), "Eröffnung", True),
                            (date(2026, 9, 1), "Auslastung über 50 %", False),
                        ],
                        [
                            ("page", "hub", "Digital Hub buchen", "/digital-hub/"),
                            ("indicator", "hub", "Auslastung der Arbeitsplätze", "hub.desk_utilisation"),
                        ],
                    ),
                    (
                        "M 5.2",
                        "Beratung zur Digitalisierung kleiner Unternehmen",
                        "Kostenlose Erstberatung zu Förderprogrammen, IT-Sicherheit und Online-Handel.",
                        DIGI,
                        "Mittelstand-Digital Zentrum",
                        MeasureStatus.IN_PROGRESS,
                        50,
                        Priority.MEDIUM,
                        date(2025, 9, 1),
                        date(2027, 12, 31),
                        "60000",
                        "21000",
                        [],
                        [("page", "consulting", "Beratung buchen", "/beratung/")],
                    ),
                ],
            ),
            (
                "Bürgerinnen und Bürger beteiligen",
                [
                    (
                        "M 5.3",
                        "Online-Beteiligung zu Stadtentwicklung und Strukturwandel",
                        "Umfragen und Beteiligungsverfahren online, mit veröffentlichten Ergebnissen.",
                        BAU,
                        "Stadtrat, Ortschaftsräte",
                        MeasureStatus.IN_PROGRESS,
                        40,
                        Priority.MEDIUM,
                        date(2026, 1, 1),
                        date(2027, 12, 31),
                        "35000",
                        "9000",
                        [],
                        [("page", "surveys", "Umfragen", "/umfragen/")],
                    ),
                    (
                        "M 5.4",
                        "Gigabit-Ausbau in den Ortsteilen",
                        "Glasfaser für unterversorgte Adressen im Rahmen der Gigabitförderung des Bundes.",
                        KAEMMEREI,
                        "Burgenlandkreis, Netzbetreiber",
                        MeasureStatus.PLANNED,
                        5,
                        Priority.HIGH,
                        date(2026, 6, 1),
                        date(2029, 12, 31),
                        "3400000",
                        "0",
                        [],
                        [],
                    ),
                ],
            ),
        ],
    ),
]

# (field title, title, unit, baseline (value, year), target (value, year), figures key, manual series)
INDICATORS: list[tuple[Any, ...]] = [
    (
        "Digitale Verwaltung",
        "Anteil der Leistungen vollständig online",
        "%",
        ("12", 2024),
        ("80", 2030),
        "catalog.online_share",
        [],
    ),
    (
        "Digitale Verwaltung",
        "Veröffentlichte offene Datensätze",
        "",
        ("0", 2025),
        ("60", 2030),
        "",
        [(date(2025, 12, 1), "3"), (date(2026, 3, 1), "8"), (date(2026, 9, 1), "14")],
    ),
    (
        "Digitale Bildung und Kompetenzen",
        "Teilnehmende an Digital-Kursen pro Jahr",
        "",
        ("0", 2024),
        ("1200", 2030),
        "events.participants_12m",
        [],
    ),
    (
        "Digitale Bildung und Kompetenzen",
        "Haushalte mit Gigabit-Anschluss",
        "%",
        ("38", 2024),
        ("95", 2030),
        "",
        [
            (date(2024, 12, 1), "38"),
            (date(2025, 6, 1), "44"),
            (date(2025, 12, 1), "51"),
            (date(2026, 6, 1), "57"),
        ],
    ),
    (
        "Wirtschaft und Strukturwandel",
        "Auslastung der Arbeitsplätze im Digital Hub",
        "%",
        ("0", 2025),
        ("60", 2028),
        "hub.desk_utilisation",
        [],
    ),
    (
        "Wirtschaft und Strukturwandel",
        "Umsetzungsstand der Digitalstrategie",
        "%",
        ("0", 2025),
        ("100", 2030),
        "strategy.progress",
        [],
    ),
]


def zeitz_strategy(muni: Municipality) -> Strategy:
    """Idempotent: creates the strategy tree once (update nothing on a second run)."""
    strategy, _created = Strategy.objects.get_or_create(
        municipality=muni,
        title="Digitalstrategie Zeitz 2030",
        defaults={
            "is_published": True,
            "summary": (
                "Mit der Digitalstrategie 2030 will Zeitz Verwaltung, Bildung, Mobilität, Kultur und Wirtschaft "
                "digital stärken – nah an den Menschen, barrierefrei und mit offenen Daten. Die Strategie wurde mit "
                "Bürgerinnen und Bürgern, Unternehmen und dem IT-Partner der Stadt erarbeitet."
            ),
        },
    )
    StrategyVersion.objects.get_or_create(
        municipality=muni,
        strategy=strategy,
        version="1.0",
        defaults={
            "adopted_on": date(2025, 6, 19),
            "adopted_by": "Stadtrat",
            "decision_number": "BV 0412/2025",
        },
    )
    depts = {d.name: d for d in Department.objects.for_tenant(muni)}
    fields: dict[str, FieldOfAction] = {}
    for fi, (ftitle, fdesc, goals) in enumerate(TREE, start=1):
        field, _c = FieldOfAction.objects.get_or_create(
            municipality=muni,
            strategy=strategy,
            title=ftitle,
            defaults={"description": fdesc, "order": fi * 10},
        )
        fields[ftitle] = field
        for gi, (gtitle, measures) in enumerate(goals, start=1):
            goal, _c = Goal.objects.get_or_create(
                municipality=muni, field=field, title=gtitle, defaults={"order": gi * 10}
            )
            _measures(muni, goal, measures, depts)
    _indicators(muni, strategy, fields)
    return strategy


def _measures(muni: Municipality, goal: Goal, measures: Any, depts: dict[str, Department]) -> None:
    """The measures of one goal with their milestones and links (only for measures created now)."""
    for mi, spec in enumerate(measures, start=1):
        (
            code,
            title,
            desc,
            dept,
            partners,
            status,
            progress,
            prio,
            start,
            end,
            planned,
            spent,
            milestones,
            links,
        ) = spec
        measure, created = Measure.objects.get_or_create(
            municipality=muni,
            goal=goal,
            code=code,
            defaults={
                "title": title,
                "description": desc,
                "lead_department": depts.get(dept),
                "partners": partners,
                "status": status,
                "progress": progress,
                "priority": prio,
                "start": start,
                "end": end,
                "budget_planned": Decimal(planned),
                "budget_spent": Decimal(spent),
                "order": mi * 10,
            },
        )
        if not created:
            continue
        Milestone.objects.bulk_create(
            [
                Milestone(municipality=muni, measure=measure, date=d, title=t, done=done)
                for d, t, done in milestones
            ]
        )
        MeasureLink.objects.bulk_create(
            [
                MeasureLink(municipality=muni, measure=measure, kind=k, module=mod, title=t, target=target)
                for k, mod, t, target in links
            ]
        )


def _indicators(muni: Municipality, strategy: Strategy, fields: dict[str, FieldOfAction]) -> None:
    """The strategy's indicators with their series (only for indicators created now)."""
    for oi, (ftitle, title, unit, base, target, key, series) in enumerate(INDICATORS, start=1):
        from rathaus.core import figures

        fig = figures.indicator(key) if key else None
        ind, created = Indicator.objects.get_or_create(
            municipality=muni,
            strategy=strategy,
            title=title,
            defaults={
                "field": fields.get(ftitle),
                "unit": unit,
                "baseline_value": Decimal(base[0]),
                "baseline_year": base[1],
                "target_value": Decimal(target[0]),
                "target_year": target[1],
                "figures_key": key if fig else "",
                "order": oi * 10,
                "method": str(fig.method) if fig else "Erhebung der Stabsstelle Digitalisierung",
            },
        )
        if created:
            IndicatorValue.objects.bulk_create(
                [
                    IndicatorValue(municipality=muni, indicator=ind, date=d, value=Decimal(v))
                    for d, v in series
                ]
            )


@demo_step(810)
def digital_strategy(cmd: Any) -> None:
    zeitz_strategy(Municipality.objects.get(slug="zeitz"))


@demo_step(840)
def strategy_snapshot(cmd: Any) -> None:
    # Computed indicators get this month's value (update_or_create: a second run changes nothing new).
    services.snapshot(Municipality.objects.get(slug="zeitz"))
