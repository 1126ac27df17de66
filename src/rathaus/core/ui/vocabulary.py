"""Platform vocabularies: names the platform itself defines (demo Lebenslagen, standard event keywords).

Staff may create any name (a Lebenslage, an event keyword); what they write stays as written. Names the
platform ships are German msgids registered here, so that they appear in English in English mode:

    from django.utils.translation import gettext_noop
    LIFE_SITUATIONS = register_terms(gettext_noop("Umzug"), gettext_noop("Geburt"))

`term(name)` is the name in the active language: the English of a registered term, any other name as is.
"""

from __future__ import annotations

from django.utils.translation import gettext

_TERMS: set[str] = set()


def register_terms(*names: str) -> list[str]:
    """Register platform-defined names (msgids marked with gettext_noop); returns them as a list."""
    _TERMS.update(names)
    return list(names)


def term(name: str) -> str:
    """The name in the active language when the platform defines it; staff-written names unchanged."""
    return gettext(name) if name in _TERMS else name
