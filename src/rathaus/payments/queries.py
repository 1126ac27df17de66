"""Reads of the payment app (other apps use these: the catalogue page, the case page)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone

from rathaus.core.tenancy.models import Municipality

from . import fees
from .models import ApplicationFee, FeeRule, FeeState, PaymentAttempt, ProviderConfig, Refund


def rule_of_service(service: Any) -> FeeRule | None:
    return FeeRule.objects.filter(
        municipality_id=service.municipality_id, service=service, is_active=True
    ).first()


def fee_for_service(service: Any) -> dict[str, Any] | None:
    """What the catalogue page and the form show before the citizen starts (or None: no online fee)."""
    rule = rule_of_service(service)
    if rule is None:
        return None
    q = fees.quote(rule)
    return {
        "amount": q.amount,
        "base": rule.base_amount,
        "unit_price": rule.unit_price if rule.unit_field else None,
        "unit_label": rule.unit_label,
        "max_units": rule.max_units,
        "reduction_percent": rule.reduction_percent if rule.reduction_field else 0,
        "reduction_reason": rule.reduction_reason,
        "legal_basis": rule.legal_basis,
        "is_demo": rule.is_demo,
        "online": ProviderConfig.objects.filter(
            municipality_id=service.municipality_id, is_active=True
        ).exists(),
    }


def fee_for_form(form: Any) -> dict[str, Any] | None:
    """The fee of the catalogue service a FIM form belongs to (by LeiKa key), for the form's start page."""
    from rathaus.catalog import queries as catalog_queries

    service = catalog_queries.service_for_leika(form.municipality, getattr(form, "leika", ""))
    return fee_for_service(service) if service is not None else None


def offer_for_service(service: Any) -> dict[str, Any] | None:
    """schema.org ``offers`` of the service's JSON-LD (price in EUR as a decimal string)."""
    fee = fee_for_service(service)
    if fee is None:
        return None
    offer: dict[str, Any] = {
        "@type": "Offer",
        "price": fees.money(Decimal(fee["amount"])),
        "priceCurrency": "EUR",
    }
    if fee["unit_price"]:
        offer["priceSpecification"] = {
            "@type": "UnitPriceSpecification",
            "price": fees.money(Decimal(fee["unit_price"])),
            "priceCurrency": "EUR",
            "unitText": fee["unit_label"] or "Einheit",
        }
    return offer


def fee_of_application(app: Any) -> ApplicationFee | None:
    return ApplicationFee.objects.filter(application=app).first()


def attempts_of(fee: ApplicationFee) -> QuerySet[PaymentAttempt]:
    return fee.attempts.all()


def refunds_of(fee: ApplicationFee) -> QuerySet[Refund]:
    return fee.refunds.select_related("created_by")


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def payments_of_day(municipality: Municipality, day: date) -> dict[str, Any]:
    """The reconciliation list of one day: fees paid (or booked) that day, refunds that day, sums."""
    start, end = _day_bounds(day)
    paid = list(
        ApplicationFee.objects.filter(municipality=municipality, paid_at__gte=start, paid_at__lt=end)
        .select_related("application")
        .order_by("paid_at", "pk")
    )
    invoiced = list(
        ApplicationFee.objects.filter(
            municipality=municipality, state=FeeState.INVOICED, created_at__gte=start, created_at__lt=end
        ).order_by("created_at", "pk")
    )
    refunds = list(
        Refund.objects.filter(municipality=municipality, created_at__gte=start, created_at__lt=end)
        .select_related("fee")
        .order_by("created_at", "pk")
    )
    paid_sum = sum((f.amount for f in paid), Decimal("0.00"))
    refund_sum = sum((r.amount for r in refunds), Decimal("0.00"))
    by_provider: dict[str, Decimal] = {}
    for f in paid:
        by_provider[f.provider] = by_provider.get(f.provider, Decimal("0.00")) + f.amount
    return {
        "paid": paid,
        "invoiced": invoiced,
        "refunds": refunds,
        "paid_sum": paid_sum,
        "invoiced_sum": sum((f.amount for f in invoiced), Decimal("0.00")),
        "refund_sum": refund_sum,
        "net": paid_sum - refund_sum,
        "by_provider": sorted(by_provider.items()),
    }


def export_rows(municipality: Municipality, start: date, end: date) -> Iterator[list[object]]:
    """CSV for the cash system: one row per payment and per refund (negative) in [start, end]."""
    yield ["kassenzeichen", "betrag_eur", "datum", "leistung", "haushaltsstelle", "art", "anbieter"]
    lo, _x = _day_bounds(start)
    _y, hi = _day_bounds(end)
    for f in (
        ApplicationFee.objects.filter(municipality=municipality, paid_at__gte=lo, paid_at__lt=hi)
        .order_by("paid_at", "pk")
        .iterator()
    ):
        day = timezone.localtime(f.paid_at).date().isoformat()
        yield [f.kassenzeichen, f.amount, day, f.service_name, f.haushaltsstelle, "zahlung", f.provider]
    for r in (
        Refund.objects.filter(municipality=municipality, created_at__gte=lo, created_at__lt=hi)
        .select_related("fee")
        .order_by("created_at", "pk")
        .iterator()
    ):
        yield [
            r.fee.kassenzeichen,
            -r.amount,
            timezone.localtime(r.created_at).date().isoformat(),
            r.fee.service_name,
            r.fee.haushaltsstelle,
            "erstattung" if r.method == "anbieter" else "auszahlungsanordnung",
            r.fee.provider,
        ]


def totals(municipality: Municipality) -> dict[str, Any]:
    agg = ApplicationFee.objects.filter(municipality=municipality, paid_at__isnull=False).aggregate(
        s=Sum("amount")
    )
    return {"paid": agg["s"] or Decimal("0.00")}
