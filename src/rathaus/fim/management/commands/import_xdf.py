"""manage.py import_xdf PATH [--municipality SLUG] [--service LEIKA] [--allow-missing-codelists]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.tenancy.models import Municipality
from rathaus.fim.importers.xdf import XdfImportError
from rathaus.fim.services import import_file, xsd_dir


class Command(BaseCommand):
    help = (
        "Import an XDatenfelder 2.0/3.0.0 Stammdatenschema (code lists from the same folder) "
        "as a new form version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--municipality", help="slug (default: the only / first municipality)")
        parser.add_argument("--service", default="", help="LeiKa key of the service (14 digits, 99…)")
        parser.add_argument(
            "--allow-missing-codelists",
            action="store_true",
            help="import selects whose code list is missing as text fields (warning)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"Datei nicht gefunden: {path}")
        qs = Municipality.objects.order_by("pk")
        muni = qs.filter(slug=options["municipality"]).first() if options["municipality"] else qs.first()
        if muni is None:
            raise CommandError("Kommune nicht gefunden.")
        try:
            outcome = import_file(
                path,
                muni,
                leika=options["service"],
                allow_missing_codelists=options["allow_missing_codelists"],
            )
        except XdfImportError as exc:
            raise CommandError(f"Import fehlgeschlagen: {exc}") from exc
        c = outcome.counts
        state = "neue Version" if outcome.created else "unverändert (gleiche Datei bereits importiert)"
        self.stdout.write(
            f"{outcome.form.schema_id} v{outcome.version.version_label} „{outcome.form.name}“ "
            f"für {muni.slug}: {state}"
        )
        self.stdout.write(
            f"Felder: {c['fields']}  Gruppen: {c['groups']}  Regeln: {c['rules']}  "
            f"Codelisten: {c['codelists']}  Hinweise: {len(outcome.warnings)}"
        )
        if xsd_dir() is None:
            self.stdout.write(
                "XSD-Verzeichnis nicht gefunden (RATHAUS_FIM_XSD_DIR): ohne XSD-Prüfung importiert."
            )
        for w in outcome.warnings:
            self.stdout.write(f"Hinweis: {w}")
