"""A further provider is a new plugin, not a change: a provider with refunds, registered from a test,
runs through the same flow (start, status, refund through the provider)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rathaus.cases.models import Status
from rathaus.core.context import ServiceContext
from rathaus.payments import services
from rathaus.payments.models import ApplicationFee, FeeState, RefundMethod
from rathaus.payments.providers import base
from tests.conftest import make_user

from .conftest import submit

pytestmark = pytest.mark.django_db


class CardProvider(base.Provider):
    key = "testkarte"
    label = "Testkarte"
    supports_refund = True
    refunds: list[tuple[str, Decimal]] = []
    paid: set[str] = set()

    def start(self, order: base.PaymentOrder) -> base.StartResult:
        self.amounts[order.request_id] = order.amount
        return base.StartResult(
            transaction_id=f"k{order.request_id[:8]}", redirect_url="https://karte.example/pay"
        )

    amounts: dict[str, Decimal] = {}

    def fetch_status(self, transaction_id: str) -> base.TransactionStatus:
        request_id = next(r for r in self.amounts if f"k{r[:8]}" == transaction_id)
        status = "paid" if transaction_id in self.paid else "started"
        return base.TransactionStatus(transaction_id, status, self.amounts[request_id], request_id=request_id)

    def refund(self, transaction_id: str, amount: Decimal, reason: str) -> str:
        self.refunds.append((transaction_id, amount))
        return f"R-{transaction_id}"


@pytest.fixture
def card_a(muni_a):
    base.register(CardProvider)
    yield services.save_config(
        muni_a, provider="testkarte", options={}, ctx=ServiceContext.for_command(muni_a)
    )
    base._registry.pop("testkarte", None)


def test_new_provider_plugin_pays_and_refunds(form_a, setting_a, rule_a, card_a):
    app = submit(form_a, make_user("karte@example.org"))
    fee = ApplicationFee.objects.get(application=app)
    attempt = services.start_payment(fee, ctx=ServiceContext.for_user(None, fee.municipality))
    assert attempt.redirect_url == "https://karte.example/pay"
    CardProvider.paid.add(attempt.transaction_id)
    assert services.sync(attempt, ctx=ServiceContext.for_task(fee.municipality)) is True
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
    item = services.refund(
        fee, Decimal("10.00"), "Teilerstattung", ctx=ServiceContext.system(fee.municipality)
    )
    assert item.method == RefundMethod.PROVIDER and item.provider_reference == f"R-{attempt.transaction_id}"
    assert CardProvider.refunds == [(attempt.transaction_id, Decimal("10.00"))]
    fee.refresh_from_db()
    assert fee.state == FeeState.PARTLY_REFUNDED and fee.refundable == Decimal("20.70")
    with pytest.raises(services.PaymentError):
        services.refund(fee, Decimal("20.71"), "zu viel", ctx=ServiceContext.system(fee.municipality))
