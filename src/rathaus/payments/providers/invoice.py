"""Überweisung mit Kassenzeichen: no online payment; the receipt carries the Kassenzeichen, the bank
details and an EPC QR code (GiroCode). The cash office books the transfer; staff mark it paid."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .base import OptionField, PaymentOrder, Provider, StartResult, TransactionStatus


class InvoiceProvider(Provider):
    key = "rechnung"
    label = _("Überweisung mit Kassenzeichen (GiroCode)")
    online = False
    supports_refund = False
    options = (
        OptionField("account_holder", _("Kontoinhaber")),
        OptionField("iban", _("IBAN")),
        OptionField("bic", _("BIC"), required=False),
        OptionField("bank_name", _("Kreditinstitut"), required=False),
    )

    def start(self, order: PaymentOrder) -> StartResult:
        return StartResult(transaction_id=f"RE-{order.kassenzeichen}", status="invoiced")

    def fetch_status(self, transaction_id: str) -> TransactionStatus:
        # Nothing to ask: the transfer is booked by the cash office (services.mark_paid).
        return TransactionStatus(transaction_id=transaction_id, status="invoiced", amount=Decimal("0"))
