"""Demo: the online forms of Zeitz, from the XDatenfelder 2.0 schemas in ``demo_schemas/``.

The schemas and their genericode code lists were written for Rathaus (own IDs from a demo number
range, valid against the official XDatenfelder 2.0 XSD); they ship with the code, so a fresh clone
has working online forms without the public test data (``RATHAUS_TESTDATA``), which stays for tests.
Each schema names its LeiKa key, which links the form to the catalogue's service. Idempotent: the
importer creates nothing for a file it has imported before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step

from . import designer
from .demo_designs import DESIGNS
from .models import FormDesign
from .services import import_file

DEMO_SCHEMAS = Path(__file__).resolve().parent / "demo_schemas"
# schema ID -> LeiKa key of the catalogue service the form belongs to
DEMO_FORMS = {
    "S15990001": "99108001001000",  # Bewohnerparkausweis (Erteilung)
    "S15990002": "99102013104000",  # Hundesteuer – Anmeldung
    "S15990003": "99050012104000",  # Gewerbeanmeldung
}


def schema_files() -> list[Path]:
    return sorted(DEMO_SCHEMAS.glob("S*_xdf2.xml"))


# Before the catalogue (order 60): a service may only claim an online application when its form exists.
@demo_step(55)
def demo_forms(cmd: Any) -> None:
    zeitz = Municipality.objects.filter(slug="zeitz").first()
    if zeitz is None:
        return
    for path in schema_files():
        schema_id = path.name.split("V", 1)[0]
        outcome = import_file(path, zeitz, leika=DEMO_FORMS.get(schema_id, ""))
        if outcome.created:
            cmd.stdout.write(f"Formular „{outcome.form.name}“ importiert.")


# After the catalogue (order 60): the designed forms link to catalogue services by their name.
@demo_step(65)
def demo_designed_forms(cmd: Any) -> None:
    zeitz = Municipality.objects.filter(slug="zeitz").first()
    if zeitz is None:
        return
    for spec in DESIGNS:
        if FormDesign.objects.for_tenant(zeitz).filter(form__name=spec["title"]).exists():
            continue
        design = build_design(zeitz, spec)
        outcome = designer.publish(design)
        _offer_online(design)
        cmd.stdout.write(f"Formular „{outcome.form.name}“ gestaltet und veröffentlicht.")


def _offer_online(design: FormDesign) -> None:
    """The linked catalogue service now has its form online: say so (Reifegrad 3, online verfügbar)."""
    if not design.catalog_service_id:
        return
    from rathaus.catalog import queries as catalog_queries
    from rathaus.catalog import services as catalog_services

    service = catalog_queries.staff_services(design.municipality).filter(pk=design.catalog_service_id).first()
    if service is not None and service.reifegrad < 3:
        service.reifegrad = 3
        catalog_services.save_service(service, reason="Demodaten: Online-Formular gestaltet")


def _service_id(municipality: Municipality, name: str) -> int | None:
    try:
        from rathaus.catalog import queries as catalog_queries
    except ImportError:  # pragma: no cover
        return None
    service = catalog_queries.staff_services(municipality, name).filter(name=name).first()
    return service.pk if service is not None else None


def build_design(municipality: Municipality, spec: dict[str, Any]) -> FormDesign:
    """A design from a spec of ``demo_designs`` through the designer's checked changes."""
    design = designer.create_design(municipality, title=spec["title"])
    keys: dict[str, str] = {}
    for short, (name, items) in spec.get("codelists", {}).items():
        before = set(design.definition["codelists"])
        design = designer.add_codelist(design, {"name": name, "items": items})
        keys[short] = next(k for k in design.definition["codelists"] if k not in before)

    def add(items: list[dict[str, Any]], parent: str) -> None:
        nonlocal design
        for item in items:
            if "group" in item:
                design = designer.add_group(design, item["group"], parent=parent)
                add(item["items"], design_ids(design)[item["group"]["label"]])
                continue
            data = dict(item)
            if data.get("codelist"):
                data["codelist"] = keys[data["codelist"]]
            design = designer.add_field(design, data, parent)

    for step in spec["steps"]:
        design = designer.add_group(design, {"label": step["label"], "help": step.get("help", "")})
        add(step["items"], design.definition["items"][-1]["id"])
    labels = design_ids(design)
    for rule in spec.get("rules", []):
        design = designer.add_rule(
            design,
            {
                "action": rule["action"],
                "field": labels[rule["field"]],
                "equals": rule.get("equals", ""),
                "targets": [labels[t] for t in rule["targets"]],
            },
        )
    return designer.update_meta(
        design,
        {
            "title": spec["title"],
            "definition": spec.get("definition", ""),
            "description": f"Mit dem Formulardesigner gestaltet (Demo Stadt Zeitz): {spec['title']}.",
            "legal_basis": spec.get("legal_basis", ""),
            "leika": "",
            "catalog_service_id": _service_id(municipality, spec.get("service", "")),
        },
    )


def design_ids(design: FormDesign) -> dict[str, str]:
    """Label → id (the last element with that label wins: labels repeat only across steps)."""
    return {n["label"]: n["id"] for n in designer.walk(design.definition["items"])}
