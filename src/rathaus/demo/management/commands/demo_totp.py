from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.accounts.mfa import current_totp_code
from rathaus.core.accounts.models import User


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (for trying the demo without an authenticator app)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(email=opts["email"].lower()).first()
        try:
            self.stdout.write(current_totp_code(user))  # type: ignore[arg-type]
        except Exception as exc:
            raise CommandError("Kein TOTP für dieses Konto / no TOTP for this account") from exc
