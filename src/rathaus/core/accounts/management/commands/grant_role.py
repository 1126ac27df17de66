from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.accounts import services
from rathaus.core.accounts.models import Module, Role, User
from rathaus.core.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Give an existing account a role in one municipality (e.g. the first municipality admin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="slug")
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--module", action="append", default=[], choices=Module.values)

    def handle(self, *args: Any, **opts: Any) -> None:
        muni = Municipality.objects.filter(slug=opts["municipality"]).first()
        if muni is None:
            raise CommandError(f"Unbekannte Kommune / unknown municipality: {opts['municipality']}")
        user = User.objects.filter(email=opts["email"].lower()).first()
        if user is None:
            raise CommandError(f"Kein Konto / no account: {opts['email']}")
        services.grant_role(muni, user, opts["role"], modules=opts["module"])
        self.stdout.write(f"{user.email}: {opts['role']} in {muni.slug}")
