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
