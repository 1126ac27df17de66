"""Demo: plausible fees (marked as demo) for two services of Zeitz and the invoice provider with a
demo IBAN, so that `make run` shows the whole payment flow without an external system.

After the demo applications (order 400), which stay as they are (they were submitted without a fee).
Idempotent: update_or_create only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rathaus.catalog import queries as catalog_queries
from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step

from .models import FeeRule, ProviderConfig

# LeiKa key -> fee (EUR), Haushaltsstelle, legal basis; plausible values, not Zeitz's real tariff.
DEMO_FEES: dict[str, dict[str, Any]] = {
    "99108001001000": {  # Bewohnerparkausweis
        "base_amount": Decimal("30.70"),
        "haushaltsstelle": "1.2.2.01.431100",
        "legal_basis": "GebOSt Nr. 265 (Beispiel)",
    },
    "99050012104000": {  # Gewerbeanmeldung
        "base_amount": Decimal("26.00"),
        "haushaltsstelle": "1.2.1.01.431100",
        "legal_basis": "Verwaltungskostensatzung (Beispiel)",
    },
}
# A well-known test IBAN (valid check digits, no real account of the city).
DEMO_ACCOUNT = {
    "account_holder": "Stadt Zeitz (Demo)",
    "iban": "DE02120300000000202051",
    "bic": "BYLADEM1001",
    "bank_name": "Demo-Bank",
}


@demo_step(410)
def demo_fees(cmd: Any) -> None:
    zeitz = Municipality.objects.filter(slug="zeitz").first()
    if zeitz is None:
        return
    for leika, values in DEMO_FEES.items():
        service = catalog_queries.service_for_leika(zeitz, leika)
        if service is None:
            continue
        FeeRule.objects.update_or_create(
            municipality=zeitz, service=service, defaults={**values, "is_demo": True, "is_active": True}
        )
    if not ProviderConfig.objects.filter(municipality=zeitz).exists():
        ProviderConfig.objects.create(
            municipality=zeitz, provider="rechnung", options=DEMO_ACCOUNT, expiry_days=14, reminder_days=3
        )
        cmd.stdout.write("Zahlungsanbieter „Überweisung mit Kassenzeichen“ mit Demo-IBAN eingerichtet.")
