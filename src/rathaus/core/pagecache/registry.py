"""Which tables bump which generation, and which pages depend on which generations.

Each module declares both in ONE place, its ``pagecache.py``::

    register(
        "events",
        models=[Event, EventDate, Tag, Registration],  # any write to their tables bumps "events"
        pages=["events:list", "events:detail", "events_feed"],  # URL names cached for anonymous GETs
        depends=["catalog"],  # other generations these pages show (or ALL)
    )

A cached page's key contains its own generation, those it depends on and ``tenancy`` (the
municipality and its domains, shown on every page). ``depends=ALL`` makes a page depend on every
generation: dashboards that count across modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from django.db import models

ALL: Final = "*"
TENANCY: Final = "tenancy"

_tables: dict[str, set[str]] = {}  # table -> scopes
_pages: dict[str, set[str]] = {}  # URL name -> scopes (may contain ALL before freeze)
_frozen_pages: dict[str, tuple[str, ...]] = {}
_frozen_tables: dict[str, tuple[str, ...]] = {}
_scopes: set[str] = set()
# Scopes of people's accounts: users are not tied to one municipality, so writes to these tables bump
# the counter of municipality 0 (every municipality), and they are left out of ALL (public dashboards
# never show them; a sign-in writing last_login must not invalidate them).
_everywhere: set[str] = set()
_private: set[str] = set()  # scopes only signed-in pages depend on (left out of ALL)


def tables_of(model: type[models.Model]) -> list[str]:
    """The model's table and the tables of its automatic many-to-many relations."""
    tables = [model._meta.db_table]
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        if through is not None and through._meta.auto_created:
            tables.append(through._meta.db_table)
    return tables


def register(
    scope: str,
    *,
    models: Iterable[type[models.Model]] = (),
    pages: Iterable[str] = (),
    depends: Iterable[str] | str = (),
    everywhere: bool = False,
    private: bool = False,
) -> None:
    """``everywhere``: writes bump municipality 0 whatever request makes them (data not owned by
    one municipality, such as user accounts). ``private``: no shared page depends on the scope, only
    pages of signed-in visitors (``private.private_page``) or form pages (``private.form_page``);
    ``depends=ALL`` leaves it out."""
    if not scope or scope == ALL or len(scope) > 40:
        raise ValueError(f"invalid page cache scope {scope!r}")
    _scopes.add(scope)
    if everywhere:
        _everywhere.add(scope)
    if everywhere or private:
        _private.add(scope)
    for model in models:
        for table in tables_of(model):
            _tables.setdefault(table, set()).add(scope)
    extra = {ALL} if depends == ALL else set(depends)
    for name in pages:
        _pages.setdefault(name, set()).update({scope, TENANCY, *extra})
    _frozen_pages.clear()  # re-frozen by freeze(); registering after ready() (tests) stays correct
    _frozen_tables.clear()
    freeze()


def register_core() -> None:
    """The generations every module may depend on: the municipality itself and its departments."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from rathaus.core.accounts.models import (
        Department,
        Membership,
        Organisation,
        OrganisationMembership,
        User,
    )
    from rathaus.core.tenancy.models import Domain, Municipality

    register(TENANCY, models=[Municipality, Domain])
    register("departments", models=[Department])
    # Signed-in pages (private.private_page): who holds which role here, and the accounts themselves.
    register("memberships", models=[Membership], private=True)
    register(
        "account", models=[Organisation, OrganisationMembership, EmailAddress, Authenticator], everywhere=True
    )
    # Other people's accounts (the staff inbox lists colleagues); the own account is in every
    # private key as a fingerprint of the signed-in user's row.
    register("users", models=[User], everywhere=True)


def freeze() -> None:
    everything = tuple(sorted(_scopes - _private))
    for name, scopes in _pages.items():
        _frozen_pages[name] = everything if ALL in scopes else tuple(sorted(scopes))
    for table, scopes in _tables.items():
        _frozen_tables[table] = tuple(sorted(scopes))


def page_scopes(url_name: str) -> tuple[str, ...] | None:
    """The generations a cached page depends on; None: the page is not cached."""
    return _frozen_pages.get(url_name)


def scopes_for_table(table: str) -> tuple[str, ...]:
    return _frozen_tables.get(table, ())


def cached_pages() -> dict[str, tuple[str, ...]]:
    return dict(_frozen_pages)


def all_scopes() -> tuple[str, ...]:
    return tuple(sorted(_scopes))


def public_scopes() -> tuple[str, ...]:
    """What ``depends=ALL`` expands to: every scope but those of accounts and memberships."""
    return tuple(sorted(_scopes - _private))


def is_everywhere(scope: str) -> bool:
    return scope in _everywhere
