"""The provider interface and the registry (after Open Forms' payments/base.py + registry.py).

The payment flow (services.py) never names a provider: it calls ``start``, ``fetch_status`` and
``refund`` of the municipality's configured plugin. A new provider (ePayBL SOAP, Stripe ...) is a new
module that subclasses :class:`Provider`, declared in payments' apps.py as an extension of
:func:`register` (ADR 0014)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.utils.functional import Promise


class ProviderError(Exception):
    """The provider cannot be reached, answers with an error, or answers nonsense."""


class RefundNotSupported(ProviderError):
    pass


@dataclass
class PaymentOrder:
    """What Rathaus asks a provider to collect."""

    request_id: str
    amount: Decimal
    purpose: str  # Verwendungszweck, <= 27 characters, [A-Za-z0-9 -]
    description: str
    redirect_url: str
    kassenzeichen: str
    items: list[dict[str, Any]] = field(default_factory=list)  # {"id", "text", "amount", "quantity"}
    haushaltsstelle: str = ""


@dataclass
class StartResult:
    transaction_id: str
    redirect_url: str = ""  # where the citizen pays; "" = nothing to do online
    status: str = "started"  # "started" | "invoiced"


@dataclass
class TransactionStatus:
    """The provider's answer to a status request (never the redirect's word)."""

    transaction_id: str
    status: str  # "started" | "paid" | "failed" | "cancelled"
    amount: Decimal
    request_id: str = ""
    detail: str = ""


@dataclass(frozen=True)
class OptionField:
    name: str
    label: str | Promise
    required: bool = True
    help: str | Promise = ""


class Provider:
    key: ClassVar[str] = ""
    label: ClassVar[str | Promise] = ""
    options: ClassVar[tuple[OptionField, ...]] = ()
    has_secret: ClassVar[bool] = False
    supports_refund: ClassVar[bool] = False
    online: ClassVar[bool] = True  # the citizen pays on the provider's page

    def __init__(self, options: dict[str, Any], secret: str = "") -> None:
        self.opts = options
        self.secret = secret

    def start(self, order: PaymentOrder) -> StartResult:
        raise NotImplementedError

    def fetch_status(self, transaction_id: str) -> TransactionStatus:
        raise NotImplementedError

    def transaction_from_return(self, params: dict[str, str]) -> str:
        """The transaction id a return redirect names (only a hint: the status is fetched anyway)."""
        return params.get("transactionId", "")

    def transaction_from_notification(self, body: bytes, params: dict[str, str]) -> str:
        import json

        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        value = data.get("transactionId") if isinstance(data, dict) else None
        return str(value or params.get("transactionId", ""))

    def refund(self, transaction_id: str, amount: Decimal, reason: str) -> str:
        raise RefundNotSupported


_registry: dict[str, type[Provider]] = {}


def register(cls: type[Provider]) -> type[Provider]:
    _registry[cls.key] = cls
    return cls


def get(key: str) -> type[Provider] | None:
    return _registry.get(key)


def choices() -> list[tuple[str, str]]:
    return [(k, str(c.label)) for k, c in sorted(_registry.items())]
