from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.accounts.mfa import current_totp_code
from rathaus.core.accounts.models import User
from rathaus.demo.core_demo import DEMO_TOTP_SECRET
from rathaus.demo.guard import require_demo


class Command(BaseCommand):
    help = (
        "Print the current TOTP code of a demo account (for trying the demo without an authenticator app). "
        "Only accounts that carry the public demo TOTP secret are answered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **opts: Any) -> None:
        require_demo()
        user = User.objects.filter(email=opts["email"].lower()).first()
        auth = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first() if user else None
        if user is None or auth is None:
            raise CommandError("Kein TOTP für dieses Konto / no TOTP for this account")
        # A real account's second factor is never printed, not even in a demo installation.
        if decrypt(auth.data["secret"]) != DEMO_TOTP_SECRET:
            raise CommandError(
                "Dieses Konto ist kein Demo-Konto: sein zweiter Faktor wird nicht ausgegeben. / "
                "This is not a demo account: its second factor is not printed."
            )
        self.stdout.write(current_totp_code(user))
