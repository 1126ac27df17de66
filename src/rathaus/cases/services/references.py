"""Reference numbers (Aktenzeichen): allocated per municipality and year, never reused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from rathaus.cases.models import (
    Attachment,
    ReferenceCounter,
)
from rathaus.core.storage import private_storage
from rathaus.core.tenancy.models import Municipality

if TYPE_CHECKING:
    from rathaus.core.backup.registry import FileRef


def allocate_reference(municipality: Municipality, year: int | None = None) -> str:
    """``<PREFIX>-<YYYY>-<000123>`` from the locked counter row (call inside a transaction)."""
    year = year or timezone.localdate().year
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
        municipality=municipality, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    prefix = (municipality.reference_prefix or "XX").strip().upper()
    return f"{prefix}-{year}-{counter.last:06d}"


def advance_reference_counters(gap: int, since: date) -> list[str]:
    """After a restore (``manage.py restore``): move every municipality's counter of every year from
    the backup's year to this year ``gap`` numbers ahead, creating missing rows, so that the
    Aktenzeichen issued between the backup and the restore are never issued again
    (docs/operations.md, "Reference numbers after a restore")."""
    from rathaus.core.tenancy.models import Municipality

    today = timezone.localdate()
    advanced: list[str] = []
    with transaction.atomic():
        for muni in Municipality.objects.order_by("pk"):
            for year in range(min(since.year, today.year), today.year + 1):
                counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
                    municipality=muni, year=year
                )
                counter.last += gap
                counter.save(update_fields=["last"])
                advanced.append(f"{muni.slug} {year}: {counter.last}")
    return advanced


def attachment_file_references() -> Iterator[FileRef]:
    """Every stored attachment file (for ``manage.py check_files`` and the restore check)."""
    from rathaus.core.backup.registry import FileRef

    rows = Attachment.objects.exclude(path="").values_list("pk", "path")
    for pk, path in rows.iterator():
        yield FileRef(f"cases.Attachment {pk}", "file", private_storage().exists(path))
