from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from rathaus.core.tenancy.models import Domain, Municipality


class Command(BaseCommand):
    help = "Create a municipality (Kommune) with its host names, or add host names to an existing one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="slug, e.g. zeitz")
        parser.add_argument("--name", help="display name, e.g. Zeitz (required for a new municipality)")
        parser.add_argument("--ags", help="Amtlicher Gemeindeschlüssel, 8 digits")
        parser.add_argument("--ars", help="Amtlicher Regionalschlüssel, 12 digits")
        parser.add_argument("--prefix", default="XX", help="reference number prefix, e.g. ZZ")
        parser.add_argument("--host", action="append", default=[], help="host name; repeat for several")

    def handle(self, *args: Any, **opts: Any) -> None:
        slug = opts["municipality"]
        with transaction.atomic():
            muni = Municipality.objects.filter(slug=slug).first()
            if muni is None:
                missing = [k for k in ("name", "ags", "ars") if not opts[k]]
                if missing:
                    raise CommandError(
                        f"Für eine neue Kommune fehlen / missing: {', '.join('--' + m for m in missing)}"
                    )
                muni = Municipality(
                    slug=slug,
                    name=opts["name"],
                    ags=opts["ags"],
                    ars=opts["ars"],
                    state=opts["ags"][:2],
                    reference_prefix=opts["prefix"],
                )
                try:
                    muni.full_clean()
                except ValidationError as exc:
                    raise CommandError(
                        "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                    ) from exc
                muni.save()
                self.stdout.write(f"Kommune {muni.name} angelegt / created")
            for host in opts["host"]:
                host = host.strip().lower()
                existing = Domain.objects.filter(host=host).first()
                if existing and existing.municipality_id != muni.pk:
                    raise CommandError(f"{host} gehört schon zu / already belongs to {existing.municipality}")
                if not existing:
                    Domain.objects.create(municipality=muni, host=host, is_primary=not muni.domains.exists())
                    self.stdout.write(f"Host {host} → {muni.slug}")
