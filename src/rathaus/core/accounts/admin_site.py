"""Django's technical admin is for platform admins only, and only with MFA.

Its own login form is replaced by allauth's (which enforces the second factor).
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .permissions import has_mfa, public


def require_mfa_for_admin(site: AdminSite) -> None:
    def has_permission(request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser and has_mfa(user))

    @public  # only redirects to allauth's login (or refuses the signed-in)
    def login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next", reverse("admin:index")), reverse("account_login"))

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.login = login  # type: ignore[method-assign,assignment]
    site.site_header = "Rathaus – Plattformverwaltung"
