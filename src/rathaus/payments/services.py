"""All writes of the payment step: fee fixed at submission, start, return/notification (verified with
the provider), refunds, the cash office's booking, expiry. Transactional and audited.

Races (return redirect and notification at once, twice, out of order): the provider is asked outside
any lock, then the fee and the attempt rows are locked (select_for_update) and the change is applied
only if it has not been applied yet; the application changes state once (cases.payment_confirmed is
idempotent under its own row lock)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from rathaus.cases import services as cases
from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext
from rathaus.core.pdf import Document
from rathaus.core.tenancy.models import Municipality
from rathaus.core.tenancy.services import public_url

from . import crypto, epc, fees
from .models import (
    ApplicationFee,
    AttemptStatus,
    FeeRule,
    FeeState,
    PaymentAttempt,
    ProviderConfig,
    Refund,
    RefundMethod,
)
from .providers import base as providers
from .providers.base import PaymentOrder, ProviderError, RefundNotSupported, TransactionStatus

logger = logging.getLogger(__name__)
RETURN_SALT = "rathaus.payments.return"


class PaymentError(Exception):
    """A clear message for the person (German source, translated)."""


class UnknownTransaction(PaymentError):
    pass


class PaymentMismatch(PaymentError):
    pass


# --- configuration ---------------------------------------------------------------------------------


def config_of(municipality: Municipality) -> ProviderConfig | None:
    return ProviderConfig.objects.filter(municipality=municipality, is_active=True).first()


def provider_of(config: ProviderConfig) -> providers.Provider:
    cls = providers.get(config.provider)
    if cls is None:
        raise PaymentError(_("Der Zahlungsanbieter ist nicht eingerichtet."))
    return cls(config.options or {}, crypto.decrypt(config.secret_encrypted))


def save_config(
    municipality: Municipality,
    *,
    provider: str,
    options: dict[str, str],
    secret: str = "",
    expiry_days: int = 7,
    reminder_days: int = 2,
    is_active: bool = True,
    ctx: ServiceContext,
) -> ProviderConfig:
    """Store the municipality's provider. An empty ``secret`` keeps the stored one (never shown again)."""
    if providers.get(provider) is None:
        raise PaymentError(_("Unbekannter Zahlungsanbieter."))
    with transaction.atomic():
        conf = ProviderConfig.objects.select_for_update().filter(municipality=municipality).first()
        if conf is None:
            conf = ProviderConfig(municipality=municipality)
        before = {"provider": conf.provider, "options": dict(conf.options or {})}
        conf.provider = provider
        conf.options = options
        conf.expiry_days = expiry_days
        conf.reminder_days = min(reminder_days, max(expiry_days - 1, 0))
        conf.is_active = is_active
        if secret:
            conf.secret_encrypted = crypto.encrypt(secret)
        conf.save()
        record(
            "payments.provider_configured",
            ctx=ctx,
            municipality=municipality,
            obj=conf,
            changes={
                "provider": [before["provider"], provider],
                "options": [before["options"], options],
                "secret": ["***", "*** (neu)" if secret else "***"],
            },
        )
    return conf


def save_rule(rule: FeeRule, *, ctx: ServiceContext) -> FeeRule:
    with transaction.atomic():
        rule.save()
        record("payments.fee_rule_saved", ctx=ctx, municipality=rule.municipality, obj=rule)
    return rule


# --- the fee at submission (called by cases inside its transaction) ------------------------------


def rule_for_form(form: Any) -> FeeRule | None:
    if not getattr(form, "leika", ""):
        return None
    return (
        FeeRule.objects.filter(
            municipality_id=form.municipality_id, service__leika=form.leika, is_active=True
        )
        .order_by("pk")
        .first()
    )


def hold_for_payment(app: Any) -> bool:
    """Fix the fee of a new web application; True when it must be paid before it counts."""
    rule = rule_for_form(app.form)
    conf = config_of(app.municipality) if rule is not None else None
    if rule is None or conf is None:
        return False
    answers = (app.submission.payload or {}).get("answers", {}) if app.submission is not None else {}
    q = fees.quote(rule, answers)
    if not q.is_due:
        return False
    fee = ApplicationFee.objects.create(
        municipality=app.municipality,
        application=app,
        service_name=app.service_name,
        kassenzeichen=app.reference,
        amount=q.amount,
        lines=q.lines,
        haushaltsstelle=rule.haushaltsstelle,
        provider=conf.provider,
        expires_at=timezone.now() + timedelta(days=conf.expiry_days),
        is_demo=rule.is_demo,
    )
    record(
        "payments.fee_fixed",
        municipality=app.municipality,
        obj=fee,
        changes={"amount": [None, str(fee.amount)], "application": [None, app.reference]},
    )
    return True


# --- start -------------------------------------------------------------------------------------------


def return_url(attempt: PaymentAttempt) -> str:
    """Where the provider sends the citizen back: on the municipality's configured domain (the
    address the provider was told about), whichever host the payment was started from."""
    token = signing.dumps(attempt.pk, salt=RETURN_SALT)
    return public_url(attempt.fee.municipality, reverse("payments:return", args=[token]))


def attempt_from_token(municipality: Municipality, token: str) -> PaymentAttempt | None:
    try:
        pk = signing.loads(token, salt=RETURN_SALT, max_age=60 * 60 * 24 * 90)
    except signing.BadSignature:
        return None
    return PaymentAttempt.objects.filter(municipality=municipality, pk=pk).select_related("fee").first()


def _purpose(fee: ApplicationFee) -> str:
    # Verwendungszweck: at most 27 characters of letters, digits, blanks and hyphens.
    return "".join(ch for ch in fee.kassenzeichen if ch.isascii() and (ch.isalnum() or ch in " -"))[:27]


def start_payment(fee: ApplicationFee, *, ctx: ServiceContext) -> PaymentAttempt:
    """A new attempt at the provider; raises PaymentError with a message for the citizen."""
    conf = config_of(fee.municipality)
    if conf is None:
        raise PaymentError(_("Für diese Kommune ist kein Zahlungsanbieter eingerichtet."))
    provider = provider_of(conf)
    with transaction.atomic():
        locked = ApplicationFee.objects.select_for_update().get(pk=fee.pk)
        if locked.is_settled:
            raise PaymentError(_("Diese Gebühr ist bereits bezahlt."))
        if locked.state == FeeState.EXPIRED:
            raise PaymentError(_("Die Frist für die Zahlung ist abgelaufen; der Antrag ist verfallen."))
        attempt = PaymentAttempt.objects.create(
            municipality=fee.municipality, fee=locked, provider=conf.provider, amount=locked.amount
        )
        record(
            "payments.started",
            ctx=ctx,
            municipality=fee.municipality,
            obj=attempt,
            changes={"kassenzeichen": [None, fee.kassenzeichen], "amount": [None, str(fee.amount)]},
        )
    order = PaymentOrder(
        request_id=str(attempt.request_id),
        amount=fee.amount,
        purpose=_purpose(fee),
        description=f"{fee.service_name} {fee.kassenzeichen}"[:250],
        redirect_url=return_url(attempt),
        kassenzeichen=fee.kassenzeichen,
        items=[
            {"text": line["text"], "amount": line["amount"], "quantity": 1}
            for line in fee.lines
            if Decimal(line["amount"]) > 0
        ]
        or [{"text": fee.service_name, "amount": str(fee.amount), "quantity": 1}],
        haushaltsstelle=fee.haushaltsstelle,
    )
    if sum(Decimal(i["amount"]) for i in order.items) != fee.amount:
        order.items = [{"text": fee.service_name[:250], "amount": str(fee.amount), "quantity": 1}]
    try:
        result = provider.start(order)
    except ProviderError as exc:
        logger.warning("payment start failed: %s", exc)
        with transaction.atomic():
            PaymentAttempt.objects.filter(pk=attempt.pk).update(
                status=AttemptStatus.FAILED, status_detail=str(exc)[:200]
            )
            record(
                "payments.start_failed",
                ctx=ctx,
                municipality=fee.municipality,
                obj=attempt,
                changes={"error": [None, str(exc)[:200]]},
            )
        raise PaymentError(
            _(
                "Der Zahlungsdienst ist gerade nicht erreichbar. Ihr Antrag ist gespeichert (Zahlung offen). "
                "Bitte versuchen Sie es später über „Meine Anträge“ erneut."
            )
        ) from exc
    with transaction.atomic():
        att: PaymentAttempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        att.transaction_id = result.transaction_id
        att.redirect_url = result.redirect_url
        att.save(update_fields=["transaction_id", "redirect_url", "updated_at"])
    if result.status == "invoiced":
        _settle(att, FeeState.INVOICED, AttemptStatus.INVOICED, ctx=ctx)
    att.refresh_from_db()
    return att


# --- return and notification ---------------------------------------------------------------------


def _settle(attempt: PaymentAttempt, fee_state: str, attempt_status: str, *, ctx: ServiceContext) -> bool:
    """Apply a confirmed payment once (rows locked); True when this call changed something."""
    with transaction.atomic():
        fee = ApplicationFee.objects.select_for_update().get(pk=attempt.fee_id)
        att = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        changed = False
        if att.status != attempt_status:
            att.status = attempt_status
            att.save(update_fields=["status", "updated_at"])
            changed = True
        if fee.state in (FeeState.OPEN, FeeState.EXPIRED):
            late = fee.state == FeeState.EXPIRED
            fee.state = fee_state
            fee.provider = att.provider
            if fee_state == FeeState.PAID:
                fee.paid_at = timezone.now()
            fee.save(update_fields=["state", "provider", "paid_at"])
            record(
                "payments.paid" if fee_state == FeeState.PAID else "payments.invoiced",
                ctx=ctx,
                municipality=fee.municipality,
                obj=fee,
                changes={
                    "state": [FeeState.EXPIRED if late else FeeState.OPEN, fee_state],
                    "transaction": [None, att.transaction_id],
                },
            )
            cases.payment_confirmed(fee.application, note=fee.kassenzeichen)
            changed = True
    return changed


def apply_status(attempt: PaymentAttempt, status: TransactionStatus, *, ctx: ServiceContext) -> bool:
    """Check the provider's answer against what was ordered, then apply it (idempotent)."""
    problems = []
    if status.transaction_id != attempt.transaction_id:
        problems.append("transaction")
    if status.request_id and status.request_id != str(attempt.request_id):
        problems.append("requestId")
    if status.status in ("paid",) and Decimal(status.amount).quantize(Decimal("0.01")) != attempt.amount:
        problems.append("amount")
    if problems:
        record(
            "payments.refused",
            ctx=ctx,
            municipality=attempt.municipality,
            obj=attempt,
            changes={"problems": [None, problems], "amount": [str(attempt.amount), str(status.amount)]},
        )
        raise PaymentMismatch(_("Die Angaben des Zahlungsdienstes passen nicht zu dieser Zahlung."))
    if status.status == "paid":
        return _settle(attempt, FeeState.PAID, AttemptStatus.PAID, ctx=ctx)
    if status.status in ("failed", "cancelled"):
        new = AttemptStatus.FAILED if status.status == "failed" else AttemptStatus.CANCELLED
        with transaction.atomic():
            att = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
            if att.status != AttemptStatus.STARTED:
                return False
            att.status, att.status_detail = new, status.detail
            att.save(update_fields=["status", "status_detail", "updated_at"])
            record(
                "payments.not_paid",
                ctx=ctx,
                municipality=att.municipality,
                obj=att,
                changes={"status": [AttemptStatus.STARTED, new]},
            )
        return True
    return False


def sync(attempt: PaymentAttempt, *, ctx: ServiceContext) -> bool:
    """Ask the provider for the attempt's status and apply it. ProviderError when it cannot be asked.

    Called from the return page (``ctx`` of the citizen's request), the provider's notification
    (channel ``webhook``), the cash office and the expiry job (channel ``task``)."""
    if not attempt.transaction_id:
        return False
    conf = config_of(attempt.municipality)
    if conf is None or conf.provider != attempt.provider:
        raise ProviderError("provider no longer configured")
    status = provider_of(conf).fetch_status(attempt.transaction_id)
    if status.status == "invoiced":
        return False
    return apply_status(attempt, status, ctx=ctx)


def handle_notification(
    municipality: Municipality, provider_key: str, body: bytes, params: dict[str, str], *, ctx: ServiceContext
) -> bool:
    """A provider's notification: only names a transaction; its status is fetched, never believed."""
    cls = providers.get(provider_key)
    if cls is None:
        raise UnknownTransaction(_("Unbekannter Zahlungsanbieter."))
    txn = cls({}).transaction_from_notification(body, params)
    attempt = (
        PaymentAttempt.objects.filter(municipality=municipality, provider=provider_key, transaction_id=txn)
        .exclude(transaction_id="")
        .first()
    )
    if attempt is None:
        record(
            "payments.refused",
            ctx=ctx,
            municipality=municipality,
            object_type="payments.paymentattempt",
            object_id=txn[:60],
            changes={"problems": [None, ["unknown transaction"]]},
        )
        raise UnknownTransaction(_("Unbekannte Transaktion."))
    return sync(attempt, ctx=ctx)


# --- staff ------------------------------------------------------------------------------------------


def mark_paid(fee: ApplicationFee, *, ctx: ServiceContext) -> bool:
    """The cash office booked the transfer of an invoiced fee."""
    with transaction.atomic():
        locked = ApplicationFee.objects.select_for_update().get(pk=fee.pk)
        if locked.state != FeeState.INVOICED:
            return False
        locked.state, locked.paid_at = FeeState.PAID, timezone.now()
        locked.save(update_fields=["state", "paid_at"])
        record(
            "payments.booked",
            ctx=ctx,
            municipality=locked.municipality,
            obj=locked,
            changes={"state": [FeeState.INVOICED, FeeState.PAID]},
        )
    return True


def refund(fee: ApplicationFee, amount: Decimal, reason: str, *, ctx: ServiceContext) -> Refund:
    """A full or partial refund: through the provider where it can, else an instruction for the Kasse."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    reason = reason.strip()
    if not reason:
        raise PaymentError(_("Bitte geben Sie einen Grund an."))
    conf = config_of(fee.municipality)
    with transaction.atomic():
        locked = ApplicationFee.objects.select_for_update().get(pk=fee.pk)
        if amount <= 0 or amount > locked.refundable:
            raise PaymentError(
                _("Erstattet werden können höchstens %(max)s EUR.") % {"max": fees.money(locked.refundable)}
            )
        method, ref = RefundMethod.INSTRUCTION, ""
        paid = locked.attempts.filter(status=AttemptStatus.PAID).first()
        if conf is not None and paid is not None and conf.provider == paid.provider:
            try:
                ref = provider_of(conf).refund(paid.transaction_id, amount, reason)
                method = RefundMethod.PROVIDER
            except RefundNotSupported:
                pass
            except ProviderError as exc:
                raise PaymentError(
                    _("Der Zahlungsdienst hat die Erstattung abgelehnt oder ist nicht erreichbar.")
                ) from exc
        locked.refunded_amount += amount
        locked.state = (
            FeeState.REFUNDED if locked.refunded_amount == locked.amount else FeeState.PARTLY_REFUNDED
        )
        locked.save(update_fields=["refunded_amount", "state"])
        item = Refund.objects.create(
            municipality=locked.municipality,
            fee=locked,
            amount=amount,
            reason=reason[:300],
            method=method,
            provider_reference=ref[:100],
            created_by=ctx.actor,
        )
        record(
            "payments.refunded",
            ctx=ctx,
            municipality=locked.municipality,
            obj=locked,
            changes={"amount": [None, str(amount)], "method": [None, method], "reason": [None, reason[:300]]},
        )
    fee.refresh_from_db()
    return item


# --- expiry and reminders (scheduled) ------------------------------------------------------------


def expire_unpaid(municipality: Municipality | None = None, now: datetime | None = None) -> int:
    """Remind before, then expire unpaid applications. A started online payment is asked first; when the
    provider cannot be asked, the fee waits for the next run (nothing expires on a guess)."""
    now = now or timezone.now()
    qs = ApplicationFee.objects.filter(state=FeeState.OPEN).select_related("application", "municipality")
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    expired = 0
    for fee in qs.filter(expires_at__lte=now):
        try:
            for att in fee.attempts.filter(status=AttemptStatus.STARTED).exclude(transaction_id=""):
                sync(att, ctx=ServiceContext.for_task(fee.municipality))
        except (ProviderError, PaymentError):
            logger.warning("payment status of %s unknown; expiry postponed", fee.kassenzeichen)
            continue
        with transaction.atomic():
            locked = ApplicationFee.objects.select_for_update().get(pk=fee.pk)
            if locked.state != FeeState.OPEN:
                continue
            locked.state = FeeState.EXPIRED
            locked.save(update_fields=["state"])
            record("payments.expired", municipality=locked.municipality, obj=locked)
            cases.payment_expired(locked.application)
            expired += 1
    for fee in qs.filter(reminded_at__isnull=True, expires_at__gt=now):
        conf = config_of(fee.municipality)
        days = conf.reminder_days if conf is not None else 2
        if not days or fee.expires_at - timedelta(days=days) > now:
            continue
        with transaction.atomic():
            if (
                ApplicationFee.objects.filter(pk=fee.pk, reminded_at__isnull=True).update(reminded_at=now)
                != 1
            ):
                continue
            _remind(fee)
            record("payments.reminded", municipality=fee.municipality, obj=fee)
    return expired


def _remind(fee: ApplicationFee) -> None:
    until = date_format(timezone.localtime(fee.expires_at), "DATETIME_FORMAT")
    values = {"amount": fees.money(fee.amount), "service": fee.service_name, "until": until}
    cases.notify_applicant(
        fee.application,
        lambda: _("Gebühr noch offen: %(ref)s") % {"ref": fee.kassenzeichen},
        lambda: (
            _(
                "Guten Tag,\n\ndie Gebühr von %(amount)s EUR für Ihren Antrag „%(service)s“ ist "
                "noch nicht bezahlt. Bitte bezahlen Sie sie bis %(until)s über „Meine Anträge“; "
                "danach verfällt der Antrag."
            )
            % values
        ),
    )


# --- receipt ------------------------------------------------------------------------------------------


def receipt_pdf(fee: ApplicationFee) -> bytes:
    """Zahlungsbeleg (or, for Überweisung, the payment request with Kassenzeichen and GiroCode)."""
    muni = fee.municipality
    conf = config_of(muni)
    with override("de"):
        cls = providers.get(conf.provider) if conf is not None else None
        invoice = fee.state == FeeState.INVOICED or (
            fee.state == FeeState.OPEN and cls is not None and not cls.online
        )
        doc = Document(
            municipality_name=muni.official_name or muni.name,
            title=_("Zahlungsaufforderung") if invoice else _("Zahlungsbeleg"),
            subject=f"{fee.service_name} – {fee.kassenzeichen}",
        )
        when = fee.paid_at or fee.created_at
        doc.fields(
            [
                (_("Kassenzeichen"), fee.kassenzeichen),
                (_("Leistung"), fee.service_name),
                (_("Betrag"), f"{fees.money(fee.amount).replace('.', ',')} EUR"),
                (_("Datum"), date_format(timezone.localtime(when), "DATE_FORMAT")),
                (_("Zahlungsstand"), FeeState(fee.state).label),
            ]
        )
        if fee.lines:
            doc.table(
                [_("Position"), _("Betrag (EUR)")],
                [(ln["text"], ln["amount"].replace(".", ",")) for ln in fee.lines],
            )
        if invoice and conf is not None:
            opts = conf.options or {}
            doc.heading(_("Bitte überweisen Sie den Betrag"))
            doc.fields(
                [
                    (_("Empfänger"), opts.get("account_holder", "")),
                    (_("IBAN"), opts.get("iban", "")),
                    (_("BIC"), opts.get("bic", "") or "–"),
                    (_("Verwendungszweck"), fee.kassenzeichen),
                    (_("zahlbar bis"), date_format(timezone.localtime(fee.expires_at), "DATE_FORMAT")),
                ]
            )
            data = epc.payload(
                name=opts.get("account_holder", ""),
                iban=opts.get("iban", ""),
                bic=opts.get("bic", ""),
                amount=fee.amount,
                remittance=fee.kassenzeichen,
            )
            import io

            doc.paragraph(_("GiroCode: mit der Banking-App scannen"))
            doc.pdf.image(io.BytesIO(epc.png(data)), w=45, h=45, alt_text="GiroCode")
            doc.pdf.ln(4)
        if fee.is_demo:
            doc.paragraph(_("Demo: Beispielgebühr, keine echte Zahlung."))
        doc.paragraph(_("Dieser Beleg wurde maschinell erstellt und ist ohne Unterschrift gültig."))
        return doc.output()
