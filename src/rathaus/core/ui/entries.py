"""The portal's entry types, free of models so that a module's ``apps.py`` can declare them (ADR 0014)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class PortalEntry:
    """A module's tile on the home page, ordered by ``order``."""

    key: str
    title: str | Promise  # usually a lazy translation: the page shows it in the visitor's language
    description: str | Promise
    url_name: str
    order: int = 100


@dataclass(frozen=True)
class StaffEntry:
    """A module's management page, listed on the staff dashboard for those who manage the module."""

    module: str
    title: str | Promise  # usually a lazy translation
    url_name: str
    order: int = 100
    # True: listed for every staff member of the municipality (e.g. the case inbox, which shows each
    # clerk the cases of their departments), not only for those who manage the module.
    all_staff: bool = False
