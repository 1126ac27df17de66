"""Payment entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core import signing
from django.utils import timezone

from rathaus.catalog.models import Service
from rathaus.payments import services
from rathaus.payments.models import ApplicationFee, FeeRule, PaymentAttempt, ProviderConfig, Refund
from tests import isolation
from tests.isolation import Tenant


@isolation.seeder
def seed_payments(t: Tenant) -> None:
    muni = t.municipality
    app = t.objects["cases.application"]
    service = Service.objects.create(
        municipality=muni, name=t.marker("FEE-SERVICE"), summary="Gebühr", themenfeld="mobilitaet-reisen"
    )
    FeeRule.objects.create(
        municipality=muni, service=service, base_amount=Decimal("12.34"), haushaltsstelle=t.marker("FEE-HHST")
    )
    ProviderConfig.objects.create(
        municipality=muni,
        provider="rechnung",
        options={"account_holder": t.marker("FEE-HOLDER"), "iban": "DE02120300000000202051"},
    )
    fee = ApplicationFee.objects.create(
        municipality=muni,
        application=app,
        service_name=t.marker("FEE-APP"),
        kassenzeichen=t.remember(f"KZ-{t.key}-0001"),
        amount=Decimal("12.34"),
        lines=[{"text": t.marker("FEE-LINE"), "amount": "12.34"}],
        expires_at=timezone.now() + timedelta(days=5),
    )
    att = PaymentAttempt.objects.create(
        municipality=muni, fee=fee, provider="xbezahldienste", amount=fee.amount, transaction_id=f"txn{t.key}"
    )
    Refund.objects.create(
        municipality=muni, fee=fee, amount=Decimal("1.00"), reason=t.marker("FEE-REFUND"), method="kasse"
    )
    t.add("payments.service", service)
    t.add("payments.fee", fee)
    t.add("payments.attempt", att)


def app_pk(fee: Any) -> dict[str, Any]:
    return {"pk": fee.application_id}


def rule_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "base_amount": "10.00",
        "unit_field": "",
        "unit_label": "",
        "unit_price": "0",
        "max_units": "1",
        "reduction_field": "",
        "reduction_percent": "0",
        "reduction_reason": "",
        "haushaltsstelle": "1",
        "legal_basis": "",
        "is_active": "on",
    }


applicant = "case_applicant"
isolation.object_url(
    "payments:pay", "payments.fee", kwargs=app_pk, user=applicant, shows=["FEE-APP", "FEE-LINE"]
)
isolation.object_url("payments:receipt", "payments.fee", kwargs=app_pk, user=applicant, shows=["FEE-APP"])
isolation.object_url("payments:receipt_pdf", "payments.fee", kwargs=app_pk, user=applicant)
isolation.object_url(
    "payments:return",
    "payments.attempt",
    kwargs=lambda a: {"token": signing.dumps(a.pk, salt=services.RETURN_SALT)},
    user=applicant,
)
isolation.object_url("payments:fee_action", "payments.fee", get=False, post=lambda t, f: {"action": "check"})
isolation.object_url("payments:staff_receipt_pdf", "payments.fee")
isolation.object_url("payments:rule_edit", "payments.service", post=rule_form, shows=["FEE-SERVICE"])
isolation.value_url("payments:notify", {"provider": "xbezahldienste"})
isolation.page("payments:settings", shows=["FEE-SERVICE", "FEE-HOLDER"])
isolation.page("payments:day")
