from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no types
    """Sign-up is open to citizens and businesses in every municipality of the installation."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return getattr(request, "municipality", None) is not None

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Mails carry German and English text in one body (templates under account/email/).
        request = context.get("request") or getattr(self, "request", None)
        muni = getattr(request, "municipality", None)
        context.setdefault("municipality", muni)
        super().send_mail(template_prefix, email, context)
