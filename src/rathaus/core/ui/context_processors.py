from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rathaus.core.accounts import permissions

from .models import LegalPageKind


def portal(request: HttpRequest) -> dict[str, Any]:
    muni = getattr(request, "municipality", None)
    return {
        "municipality": muni,
        "legal_pages": LegalPageKind.choices,
        "is_staff_member": bool(muni) and permissions.is_staff_member(request),
    }
