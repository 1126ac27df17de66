"""The demo commands run only where the demo is switched on (settings.DEMO).

settings.DEMO is on in a development checkout (RATHAUS_DEBUG=1, which `make` writes into
var/development.env), in the test suite, and where an operator sets RATHAUS_DEMO=1 on purpose.
Without it the demo app is not even installed; this guard covers settings modules that install it
anyway.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError


def require_demo() -> None:
    if not getattr(settings, "DEMO", False):
        raise CommandError(
            "Die Demo ist in dieser Installation ausgeschaltet (RATHAUS_DEMO). / "
            "The demo is switched off in this installation (RATHAUS_DEMO)."
        )
