"""How the payment step plugs into the case flow (cases.services.register_extension)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from rathaus.cases import services as cases

from . import services
from .models import ApplicationFee

SESSION_KEY = "payments_apps"


def allow(request: Any, app_pk: int) -> None:
    """Remember in the session that this visitor may pay (and see the receipt of) this application."""
    allowed = list(request.session.get(SESSION_KEY, []))
    if app_pk not in allowed:
        request.session[SESSION_KEY] = [*allowed, app_pk][-20:]


def applicant_link(app: Any, request: Any) -> tuple[str, str] | None:
    if not ApplicationFee.objects.filter(application=app).exists():
        return None
    allow(request, app.pk)
    return _("Gebühr jetzt bezahlen"), reverse("payments:pay", args=[app.pk])


def staff_panel(app: Any, request: Any) -> str:
    fee = ApplicationFee.objects.filter(application=app).first()
    if fee is None:
        return ""
    return render_to_string(
        "payments/_case_panel.html",
        {
            "fee": fee,
            "attempts": list(fee.attempts.all()),
            "refunds": list(fee.refunds.select_related("created_by")),
            "app": app,
        },
        request=request,
    )


# Declared in apps.py (ADR 0014): the loader hands it to cases.services.register_extension.
CASE_EXTENSION = cases.CaseExtension(
    key="payments",
    hold=services.hold_for_payment,
    applicant_link=applicant_link,
    staff_panel=staff_panel,
)
