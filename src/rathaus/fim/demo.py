"""Demo: the real Bewohnerparkausweis schema for Zeitz (skipped with a note when the test data is absent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step

from .services import import_file

BEWOHNERPARKEN = Path("fim") / "schemas" / "bewohnerparken" / "S05000058V1.0_xdf2.xml"
LEIKA_ERTEILUNG = "99108001001000"


@demo_step(60)
def bewohnerparkausweis(cmd: Any) -> None:
    path = Path(settings.RATHAUS_TESTDATA) / BEWOHNERPARKEN
    if not path.is_file():
        cmd.stdout.write(f"FIM-Demo übersprungen: {path} nicht vorhanden.")
        return
    zeitz = Municipality.objects.filter(slug="zeitz").first()
    if zeitz is None:
        return
    # The schema names its LeiKa keys in its description (Erteilung + Verlängerung); Erteilung is linked.
    import_file(path, zeitz)
    from .models import FormDefinition

    form = FormDefinition.objects.get(municipality=zeitz, schema_id="S05000058")
    if not form.leika and LEIKA_ERTEILUNG in (
        form.active_version.definition["leika"] if form.active_version else []
    ):
        form.leika = LEIKA_ERTEILUNG
        form.save(update_fields=["leika"])
