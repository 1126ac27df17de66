"""Fees per service and payments per application (issue 17).

Invariants kept by the database: one fee rule per catalogue service; one fee per application; a
Kassenzeichen is unique; a provider's transaction id is unique per municipality and provider; one
provider configuration per municipality; amounts are never negative and a refund never exceeds what
was paid (checked under the row lock in services.refund).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import TenantOwned

MAX_FEE = Decimal("99999.99")
field_id_validator = RegexValidator(r"^[A-Za-z0-9_]{1,40}$", _("Eine Feldkennung wie F159900201."))


class FeeRule(TenantOwned):
    """What a service costs: a fixed amount, plus an amount per unit taken from one answer (bounded),
    minus a reduction (or exemption at 100 %) when a yes/no answer is "ja"."""

    service = models.OneToOneField(
        "catalog.Service", on_delete=models.CASCADE, related_name="fee_rule", verbose_name=_("Leistung")
    )
    base_amount = models.DecimalField(
        _("Grundgebühr (EUR)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00")), MaxValueValidator(MAX_FEE)],
    )
    unit_field = models.CharField(
        _("Feld für die Anzahl"),
        max_length=40,
        blank=True,
        validators=[field_id_validator],
        help_text=_("Kennung eines Zahlenfelds des Formulars, z. B. Jahre der Gültigkeit oder Fahrzeuge."),
    )
    unit_label = models.CharField(_("Einheit"), max_length=60, blank=True, help_text=_("z. B. „je Jahr“"))
    unit_price = models.DecimalField(
        _("Betrag je Einheit (EUR)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00")), MaxValueValidator(MAX_FEE)],
    )
    max_units = models.PositiveSmallIntegerField(
        _("Höchstzahl der Einheiten"), default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    reduction_field = models.CharField(
        _("Feld für die Ermäßigung"),
        max_length=40,
        blank=True,
        validators=[field_id_validator],
        help_text=_("Kennung eines Ja/Nein-Felds; bei „ja“ wird ermäßigt."),
    )
    reduction_percent = models.PositiveSmallIntegerField(
        _("Ermäßigung (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("100 = Gebührenbefreiung"),
    )
    reduction_reason = models.CharField(_("Grund der Ermäßigung"), max_length=200, blank=True)
    haushaltsstelle = models.CharField(
        _("Haushaltsstelle"), max_length=40, blank=True, help_text=_("Buchungsstelle im Haushalt der Kommune")
    )
    legal_basis = models.CharField(_("Rechtsgrundlage der Gebühr"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("Beispielgebühr (Demo)"), default=False)
    is_active = models.BooleanField(_("Gebühr wird online erhoben"), default=True)

    class Meta:
        verbose_name = _("Gebühr einer Leistung")
        verbose_name_plural = _("Gebühren der Leistungen")
        constraints = [
            models.CheckConstraint(
                condition=Q(base_amount__gte=0) & Q(unit_price__gte=0), name="payments_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reduction_percent__lte=100), name="payments_fee_reduction_max"
            ),
        ]

    def __str__(self) -> str:
        return str(self.service_id)


class ProviderConfig(TenantOwned):
    """The municipality's payment provider (one per municipality); secrets are stored encrypted."""

    provider = models.CharField(_("Zahlungsanbieter"), max_length=40)
    is_active = models.BooleanField(_("aktiv"), default=True)
    options = models.JSONField(_("Einstellungen"), default=dict, blank=True)
    secret_encrypted = models.TextField(blank=True, editable=False)
    expiry_days = models.PositiveSmallIntegerField(
        _("Frist für die Zahlung (Tage)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Danach verfällt ein nicht bezahlter Antrag."),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("Erinnerung (Tage vor Ablauf)"), default=2, validators=[MaxValueValidator(89)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Zahlungsanbieter")
        verbose_name_plural = _("Zahlungsanbieter")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="payments_provider_one_per_muni")
        ]


class FeeState(models.TextChoices):
    OPEN = "offen", _("offen")
    INVOICED = "rechnung", _("Überweisung erwartet")
    PAID = "bezahlt", _("bezahlt")
    PARTLY_REFUNDED = "teilerstattet", _("teilweise erstattet")
    REFUNDED = "erstattet", _("erstattet")
    EXPIRED = "verfallen", _("verfallen")


class ApplicationFee(TenantOwned):
    """The fee of one application, fixed at submission (amount, lines, Kassenzeichen)."""

    application = models.OneToOneField("cases.Application", on_delete=models.CASCADE, related_name="fee")
    service_name = models.CharField(_("Leistung"), max_length=300)
    kassenzeichen = models.CharField(_("Kassenzeichen"), max_length=30, unique=True)
    amount = models.DecimalField(_("Betrag (EUR)"), max_digits=8, decimal_places=2)
    lines = models.JSONField(_("Berechnung"), default=list)
    haushaltsstelle = models.CharField(_("Haushaltsstelle"), max_length=40, blank=True)
    state = models.CharField(
        _("Zahlungsstand"), max_length=20, choices=FeeState.choices, default=FeeState.OPEN
    )
    provider = models.CharField(_("Zahlungsanbieter"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("Zahlungsfrist bis"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(_("bezahlt am"), null=True, blank=True)
    refunded_amount = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("Gebühr eines Antrags")
        verbose_name_plural = _("Gebühren der Anträge")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_appfee_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="payments_appfee_refund_bounded",
            ),
            models.CheckConstraint(
                condition=Q(state__in=FeeState.values), name="payments_appfee_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "paid_at"], name="payments_fee_paid"),
            models.Index(fields=["state", "expires_at"], name="payments_fee_expiry"),
        ]

    def __str__(self) -> str:
        return self.kassenzeichen

    @property
    def is_settled(self) -> bool:
        return self.state in (FeeState.PAID, FeeState.INVOICED, FeeState.PARTLY_REFUNDED, FeeState.REFUNDED)

    @property
    def refundable(self) -> Decimal:
        if self.state not in (FeeState.PAID, FeeState.PARTLY_REFUNDED, FeeState.INVOICED):
            return Decimal("0.00")
        return self.amount - self.refunded_amount


class AttemptStatus(models.TextChoices):
    STARTED = "gestartet", _("gestartet")
    PAID = "bezahlt", _("bezahlt")
    INVOICED = "rechnung", _("Überweisung erwartet")
    FAILED = "fehlgeschlagen", _("fehlgeschlagen")
    CANCELLED = "abgebrochen", _("abgebrochen")


class PaymentAttempt(TenantOwned):
    """One try to pay a fee at the provider (a retry is a new attempt with a new requestId)."""

    fee = models.ForeignKey(ApplicationFee, on_delete=models.CASCADE, related_name="attempts")
    provider = models.CharField(max_length=40)
    request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    transaction_id = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    status = models.CharField(max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.STARTED)
    status_detail = models.CharField(max_length=200, blank=True)
    redirect_url = models.URLField(max_length=2082, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "provider", "transaction_id"],
                condition=~Q(transaction_id=""),
                name="payments_attempt_txn_unique",
            ),
        ]


class RefundMethod(models.TextChoices):
    PROVIDER = "anbieter", _("über den Zahlungsanbieter")
    INSTRUCTION = "kasse", _("Auszahlungsanordnung an die Kasse")


class Refund(TenantOwned):
    fee = models.ForeignKey(ApplicationFee, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(_("Betrag (EUR)"), max_digits=8, decimal_places=2)
    reason = models.CharField(_("Grund"), max_length=300)
    method = models.CharField(max_length=10, choices=RefundMethod.choices)
    provider_reference = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_positive")]
