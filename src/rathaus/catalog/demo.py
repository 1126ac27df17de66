"""Demo data: the service catalog of Zeitz (and a few services of Musterstadt). Idempotent:
life situations are found by slug, services by name; existing services are left unchanged."""

from __future__ import annotations

from typing import Any

from rathaus.core.accounts.models import Department
from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step

from . import services
from .demo_data import LIFE_SITUATIONS, MUSTERSTADT_SERVICES, OPENING_HOURS, SERVICES
from .models import MODULE_FIELDS, Service


def load(municipality: Municipality, specs: list[dict[str, Any]], department_fallback: str = "") -> int:
    situations = {
        name: services.get_or_create_life_situation(municipality, name, order=n * 10)
        for n, name in enumerate(LIFE_SITUATIONS, start=1)
    }
    departments = {d.name: d for d in Department.objects.for_tenant(municipality)}
    existing = set(Service.objects.for_tenant(municipality).values_list("name", flat=True))
    created = 0
    for spec in specs:
        if spec["name"] in existing:
            continue
        dept_name = spec.get("department", department_fallback)
        service = Service(
            municipality=municipality,
            leika=spec.get("leika", ""),
            name=spec["name"],
            summary=spec["summary"],
            themenfeld=spec["themenfeld"],
            synonyms=spec.get("synonyms", ""),
            department=departments.get(dept_name),
            opening_hours=OPENING_HOURS.get(dept_name, ""),
            online_available=spec.get("online", False),
            reifegrad=spec.get("reifegrad", 0),
            online_url=spec.get("online_url", ""),
            **{f: spec.get(f, "") for f in MODULE_FIELDS},
        )
        services.save_service(
            service, life_situations=[situations[n] for n in spec.get("life", [])], reason="Demodaten"
        )
        created += 1
    return created


@demo_step(60)
def catalog(cmd: Any) -> None:
    zeitz = Municipality.objects.filter(slug="zeitz").first()
    if zeitz is not None:
        load(zeitz, SERVICES)
    muster = Municipality.objects.filter(slug="musterstadt").first()
    if muster is not None:
        load(muster, MUSTERSTADT_SERVICES, department_fallback="Bürgerbüro")
