"""Fixtures of the catalog tests: departments, life situations, services in A and B, a manager."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.catalog import services
from rathaus.catalog.models import LifeSituation, Service, Themenfeld
from rathaus.core.accounts.models import Department, Role
from tests.conftest import grant, make_user


def make_service(
    muni: Any,
    name: str = "Hundesteuer – Anmeldung",
    *,
    life: list[LifeSituation] | None = None,
    **fields: Any,
) -> Service:
    defaults: dict[str, Any] = {
        "summary": "Wer einen Hund hält, meldet ihn zur Hundesteuer an.",
        "themenfeld": Themenfeld.STEUERN,
        "kosten": "Keine.",
    }
    defaults.update(fields)
    return services.save_service(
        Service(municipality=muni, name=name, **defaults), life_situations=life or []
    )


@pytest.fixture
def manager_a(muni_a):
    user = make_user("leistungen-a@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["services"])
    return user


@pytest.fixture
def dept_a(muni_a) -> Department:
    return Department.objects.create(
        municipality=muni_a,
        name="Kämmerei und Steuern",
        email="steuern@stadt-zeitz.example",
        phone="03441 83-200",
        address="Altmarkt 1, 06712 Zeitz",
        opening_hours="Dienstag 9–12 Uhr",
    )


@pytest.fixture
def dept_b(muni_b) -> Department:
    return Department.objects.create(municipality=muni_b, name="Bürgerbüro")


@pytest.fixture
def haustier_a(muni_a) -> LifeSituation:
    return services.get_or_create_life_situation(muni_a, "Haustier")


@pytest.fixture
def umzug_a(muni_a) -> LifeSituation:
    return services.get_or_create_life_situation(muni_a, "Umzug")


@pytest.fixture
def catalog_a(muni_a, dept_a, haustier_a, umzug_a) -> dict[str, Service]:
    return {
        "hund": make_service(
            muni_a,
            "Hundesteuer – Anmeldung",
            leika="99102013104000",
            synonyms="Hund anmelden, Hundemarke",
            department=dept_a,
            life=[haustier_a, umzug_a],
        ),
        "park": make_service(
            muni_a,
            "Bewohnerparkausweis",
            leika="99108001001000",
            summary="Parken in der Bewohnerparkzone.",
            themenfeld=Themenfeld.MOBILITAET,
            synonyms="Anwohnerparken, Anwohnerparkausweis",
            life=[umzug_a],
            online_url="https://example.org/antrag",
            online_available=True,
            reifegrad=3,
        ),
        "melde": make_service(
            muni_a,
            "Meldebescheinigung",
            summary="Bestätigt, wo Sie gemeldet sind.",
            themenfeld=Themenfeld.QUERSCHNITT,
            synonyms="Wohnsitzbescheinigung",
            life=[umzug_a],
        ),
    }


@pytest.fixture
def service_b(muni_b) -> Service:
    return make_service(muni_b, "Hundesteuer Musterstadt", synonyms="Anwohnerparken", leika="99102013104000")
