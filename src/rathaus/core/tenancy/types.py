"""The typed request of a municipality's portal.

``TenantMiddleware`` sets ``request.municipality`` on every request it lets through (an unknown host
is answered with 404 before any view runs), and authentication sets ``request.user``. Views declare
``request: RathausRequest`` so both are typed once, here, instead of ``# type: ignore`` at every use.
A view behind ``login_required`` (or ``staff_required``, ``admin_required``, ``module_required``,
which imply it) declares ``request: SignedInRequest``: its ``request.user`` is a ``User``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rathaus.core.accounts.models import User

    from .models import Municipality


class RathausRequest(HttpRequest):
    """An HttpRequest after TenantMiddleware and AuthenticationMiddleware (for type checking only:
    Django still passes its own request class; nothing is instantiated from this one)."""

    municipality: Municipality
    user: User | AnonymousUser


class SignedInRequest(RathausRequest):
    """A RathausRequest let through by ``login_required`` or a decorator that implies it: the user
    is signed in (for type checking only, like RathausRequest)."""

    user: User
