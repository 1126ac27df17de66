"""Catalog entries for the tenant-isolation test (see tests/isolation.py)."""

from __future__ import annotations

from typing import Any

from rathaus.catalog import services
from rathaus.catalog.models import Service, Themenfeld
from rathaus.core.accounts.models import Department
from rathaus.core.jobs.models import ImportJob
from tests import isolation
from tests.isolation import Tenant


@isolation.seeder
def seed_catalog(t: Tenant) -> None:
    department = Department.objects.create(municipality=t.municipality, name=t.marker("SERVICE-DEPT"))
    situation = services.get_or_create_life_situation(t.municipality, t.marker("LEBENSLAGE"))
    service = services.save_service(
        Service(
            municipality=t.municipality,
            name=t.marker("SERVICE"),
            summary=t.marker("SERVICE-SUMMARY"),
            themenfeld=Themenfeld.STEUERN,
            synonyms=t.marker("SERVICE-SYNONYM"),
            kosten=t.marker("SERVICE-KOSTEN"),
            department=department,
        ),
        life_situations=[situation],
    )
    t.add("catalog.service", service)
    job = ImportJob.objects.create(
        municipality=t.municipality,
        kind="catalog.csv",
        status=ImportJob.FAILED,
        file_name=t.marker("IMPORT-FILE") + ".csv",
        checksum="0" * 64,
        message=t.marker("IMPORT-MESSAGE"),
    )
    t.add("jobs.import", job)


def service_form(t: Tenant, service: Any) -> dict[str, Any]:
    return {
        "name": "Geänderte Leistung",
        "leika": "",
        "summary": "Kurz",
        "themenfeld": "umwelt",
        "synonyms": "",
        "reifegrad": "1",
        "is_published": "on",
    }


isolation.object_url(
    "catalog:detail",
    "catalog.service",
    shows=["SERVICE", "SERVICE-SUMMARY", "SERVICE-KOSTEN", "SERVICE-DEPT"],
)
isolation.object_url("catalog:manage_edit", "catalog.service", shows=["SERVICE"], post=service_form)
isolation.object_url("catalog:manage_history", "catalog.service", shows=["SERVICE"])
isolation.object_url("api:catalog_service", "catalog.service", shows=["SERVICE", "SERVICE-KOSTEN"])
isolation.page("catalog:list", shows=["SERVICE", "LEBENSLAGE"])
isolation.page("catalog:list", query="q=MARKER", shows=["SERVICE"])
isolation.page("catalog:manage", shows=["SERVICE", "SERVICE-DEPT"])
isolation.page("catalog:manage_export", shows=["SERVICE", "SERVICE-KOSTEN", "LEBENSLAGE"])
isolation.page("api:catalog_services", shows=["SERVICE", "SERVICE-SYNONYM"])
isolation.page("search:search", query="q=MARKER-A-SERVICE", shows=["SERVICE"])
# The shared job page of import jobs (rathaus.core.jobs), here with a catalogue import.
isolation.object_url("jobs:import_job", "jobs.import", shows=["IMPORT-FILE", "IMPORT-MESSAGE"])
