"""Audit the account events that allauth performs on a person's behalf."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import email_confirmed, password_changed, password_reset, user_signed_up
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.dispatch import receiver

from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext


@receiver(user_signed_up)
def _signed_up(request: Any, user: Any, **kwargs: Any) -> None:
    audit.record("account.signed_up", ctx=_ctx(request), actor=user, obj=user)


@receiver(email_confirmed)
def _email_confirmed(request: Any, email_address: Any, **kwargs: Any) -> None:
    audit.record(
        "account.email_confirmed", ctx=_ctx(request), actor=email_address.user, obj=email_address.user
    )


@receiver(password_changed)
@receiver(password_reset)
def _password_changed(request: Any, user: Any, **kwargs: Any) -> None:
    audit.record("account.password_changed", ctx=_ctx(request), actor=user, obj=user)


@receiver(authenticator_added)
def _mfa_added(request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit.record(
        "account.mfa_added",
        ctx=_ctx(request),
        actor=user,
        obj=user,
        changes={"type": [None, authenticator.type]},
    )


@receiver(authenticator_removed)
def _mfa_removed(request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit.record(
        "account.mfa_removed",
        ctx=_ctx(request),
        actor=user,
        obj=user,
        changes={"type": [authenticator.type, None]},
    )


def _ctx(request: Any) -> ServiceContext | None:
    """allauth sends its signals with the request, or None outside a request."""
    return ServiceContext.from_request(request) if request is not None else None
