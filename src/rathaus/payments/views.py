"""Thin views of the payment step (citizen), the provider's callbacks and the cash office pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rathaus.cases import queries as cases_queries
from rathaus.catalog import queries as catalog_queries
from rathaus.core import exports, ratelimit
from rathaus.core.accounts.permissions import admin_required, module_required, public, staff_required
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest, SignedInRequest

from . import hooks, queries, services
from .forms import DayForm, ExportForm, FeeRuleForm, ProviderForm, RefundForm
from .models import ApplicationFee, FeeRule, FeeState, ProviderConfig
from .providers import base as providers
from .providers.base import ProviderError

# Limits per client address: starts (each one calls the provider) and provider notifications.
START_LIMIT = 10  # per 10 minutes
NOTIFY_LIMIT = 120  # per minute

# --- citizen ------------------------------------------------------------------------------------------


def _fee_for_visitor(request: RathausRequest, pk: int) -> ApplicationFee:
    app = cases_queries.application_for(request.municipality, pk)
    if app is None:
        raise Http404
    own = request.user.is_authenticated and app.applicant_id == request.user.pk
    if not own and pk not in request.session.get(hooks.SESSION_KEY, []):
        raise Http404
    fee = queries.fee_of_application(app)
    if fee is None:
        raise Http404
    return fee


def _provider_label(fee: ApplicationFee) -> str:
    conf = services.config_of(fee.municipality)
    cls = providers.get(conf.provider) if conf else None
    return str(cls.label) if cls else ""


@public
def pay(request: RathausRequest, pk: int) -> HttpResponse:
    fee = _fee_for_visitor(request, pk)
    error = ""
    if request.method == "POST":
        if fee.is_settled:
            return redirect("payments:receipt", pk=pk)
        if not ratelimit.hit(request, "payments.start", limit=START_LIMIT, window_seconds=600):
            return _pay_page(request, fee, error=_("Zu viele Versuche. Bitte warten Sie einige Minuten."))
        try:
            attempt = services.start_payment(fee, ctx=ServiceContext.from_request(request))
        except services.PaymentError as exc:
            error = str(exc)
        else:
            if attempt.redirect_url:
                return redirect(attempt.redirect_url)
            return redirect("payments:receipt", pk=pk)
    elif fee.is_settled:
        return redirect("payments:receipt", pk=pk)
    return _pay_page(request, fee, error=error)


def _pay_page(
    request: HttpRequest, fee: ApplicationFee, *, error: str = "", notice: str = ""
) -> HttpResponse:
    return render(
        request,
        "payments/pay.html",
        {
            "fee": fee,
            "error": error,
            "notice": notice,
            "last": fee.attempts.first(),
            "provider_label": _provider_label(fee),
            "expired": fee.state == FeeState.EXPIRED,
        },
        status=503 if error else 200,
    )


@public
def return_view(request: RathausRequest, token: str) -> HttpResponse:
    """The citizen comes back from the pay page: the status is fetched from the provider, always.

    The answer is rendered here (no redirect), so a reload asks the provider again and stays harmless."""
    attempt = services.attempt_from_token(request.municipality, token)
    if attempt is None:
        raise Http404
    hooks.allow(request, attempt.fee.application_id)
    notice = ""
    try:
        services.sync(attempt, ctx=ServiceContext.from_request(request))
    except ProviderError:
        notice = _(
            "Wir konnten den Stand Ihrer Zahlung gerade nicht beim Zahlungsdienst abfragen. Ihr Antrag "
            "bleibt gespeichert (Zahlung offen); wir prüfen es erneut. Bitte zahlen Sie nicht doppelt – "
            "sehen Sie später unter „Meine Anträge“ nach."
        )
    except services.PaymentError as exc:
        notice = str(exc)
    fee = ApplicationFee.objects.get(pk=attempt.fee_id)
    if fee.is_settled:
        return _receipt_page(request, fee)
    attempt.refresh_from_db()
    if not notice and attempt.status in ("abgebrochen", "fehlgeschlagen"):
        notice = _("Die Zahlung wurde nicht abgeschlossen. Sie können es erneut versuchen.")
    elif not notice:
        notice = _(
            "Der Zahlungsdienst hat die Zahlung noch nicht bestätigt. Wenn Sie bezahlt haben, "
            "sehen Sie den Stand später unter „Meine Anträge“."
        )
    return _pay_page(request, fee, notice=notice)


@public
@csrf_exempt  # called by the provider's server; it proves nothing: the status is fetched back
@require_POST
def notify(request: RathausRequest, provider: str) -> HttpResponse:
    if not ratelimit.hit(request, "payments.notify", limit=NOTIFY_LIMIT, window_seconds=60):
        return JsonResponse({"detail": "too many requests"}, status=429)
    params = {k: str(v) for k, v in request.GET.items()}
    try:
        services.handle_notification(
            request.municipality,
            provider,
            request.body,
            params,
            ctx=ServiceContext.from_request(request, channel="webhook"),
        )
    except services.UnknownTransaction:
        return JsonResponse({"detail": "unknown transaction"}, status=404)
    except services.PaymentMismatch:
        return JsonResponse({"detail": "refused"}, status=409)
    except (ProviderError, services.PaymentError):
        return JsonResponse({"detail": "status unavailable, retry later"}, status=503)
    return JsonResponse({"detail": "ok"})


@public
def receipt(request: RathausRequest, pk: int) -> HttpResponse:
    return _receipt_page(request, _fee_for_visitor(request, pk))


def _receipt_page(request: RathausRequest, fee: ApplicationFee) -> HttpResponse:
    return render(
        request,
        "payments/receipt.html",
        {"fee": fee, "conf": services.config_of(fee.municipality), "provider_label": _provider_label(fee)},
    )


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = exports.disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@public
def receipt_pdf(request: RathausRequest, pk: int) -> HttpResponse:
    fee = _fee_for_visitor(request, pk)
    return _pdf(services.receipt_pdf(fee), f"Zahlung-{fee.kassenzeichen}.pdf")


# --- staff ------------------------------------------------------------------------------------------------

MODULE = "services"


@module_required(MODULE)
def day(request: SignedInRequest) -> HttpResponse:
    form = DayForm(request.GET or None)
    the_day: date = timezone.localdate()
    if form.is_bound and form.is_valid() and form.cleaned_data.get("tag"):
        the_day = form.cleaned_data["tag"]
    data = queries.payments_of_day(request.municipality, the_day)
    return render(
        request,
        "payments/staff/day.html",
        {
            "form": form,
            "day": the_day,
            "export_form": ExportForm(initial={"von": the_day, "bis": the_day}),
            **data,
        },
    )


@module_required(MODULE)
def export(request: SignedInRequest) -> HttpResponseBase:
    form = ExportForm(request.GET or None)
    if not form.is_valid():
        messages.error(request, _("Bitte wählen Sie einen gültigen Zeitraum (höchstens ein Jahr)."))
        return redirect("payments:day")
    start, end = form.cleaned_data["von"], form.cleaned_data["bis"]
    rows = queries.export_rows(request.municipality, start, end)
    return exports.csv_response(rows, f"zahlungen-{start.isoformat()}-{end.isoformat()}.csv")


@staff_required
@require_POST
def fee_action(request: SignedInRequest, pk: int) -> HttpResponse:
    fee = tenant_object_or_404(ApplicationFee, request, pk=pk)
    # The same visibility as the case itself (department, role).
    if (
        not cases_queries.visible_applications(ServiceContext.from_request(request))
        .filter(pk=fee.application_id)
        .exists()
    ):
        raise Http404
    back = reverse("cases:case", args=[fee.application_id])
    ctx = ServiceContext.from_request(request)
    action = request.POST.get("action")
    try:
        if action == "refund":
            form = RefundForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Bitte geben Sie Betrag und Grund der Erstattung an."))
                return redirect(back)
            item = services.refund(fee, form.cleaned_data["amount"], form.cleaned_data["reason"], ctx=ctx)
            if item.method == "kasse":
                messages.success(
                    request,
                    _("Erstattung erfasst: Die Auszahlungsanordnung steht im Tagesabgleich für die Kasse."),
                )
            else:
                messages.success(request, _("Erstattung über den Zahlungsanbieter ausgelöst."))
        elif action == "booked":
            if services.mark_paid(fee, ctx=ctx):
                messages.success(request, _("Zahlungseingang gebucht."))
        elif action == "check":
            for att in fee.attempts.filter(status="gestartet").exclude(transaction_id=""):
                services.sync(att, ctx=ctx)
            messages.success(request, _("Stand beim Zahlungsanbieter abgefragt."))
    except services.PaymentError as exc:
        messages.error(request, str(exc))
    except ProviderError:
        messages.error(request, _("Der Zahlungsdienst ist gerade nicht erreichbar."))
    return redirect(back)


@staff_required
def staff_receipt_pdf(request: SignedInRequest, pk: int) -> HttpResponse:
    fee = tenant_object_or_404(ApplicationFee, request, pk=pk)
    if (
        not cases_queries.visible_applications(ServiceContext.from_request(request))
        .filter(pk=fee.application_id)
        .exists()
    ):
        raise Http404
    return _pdf(services.receipt_pdf(fee), f"Zahlung-{fee.kassenzeichen}.pdf")


@admin_required
def settings_page(request: SignedInRequest) -> HttpResponse:
    muni = request.municipality
    conf = services.config_of(muni) or ProviderConfig.objects.filter(municipality=muni).first()
    initial: dict[str, Any] = {}
    if conf is not None:
        initial = {
            "provider": conf.provider,
            "expiry_days": conf.expiry_days,
            "reminder_days": conf.reminder_days,
        }
        initial.update({f"opt_{k}": v for k, v in (conf.options or {}).items()})
    form = ProviderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["provider"]
        services.save_config(
            muni,
            provider=key,
            options=form.options_for(key),
            secret=form.cleaned_data.get("secret") or "",
            expiry_days=form.cleaned_data["expiry_days"],
            reminder_days=form.cleaned_data["reminder_days"],
            ctx=ServiceContext.from_request(request),
        )
        messages.success(request, _("Zahlungsanbieter gespeichert."))
        return redirect("payments:settings")
    services_list = list(catalog_queries.staff_services(muni))
    rules = {r.service_id: r for r in FeeRule.objects.filter(municipality=muni)}
    rows = [(s, rules.get(s.pk)) for s in services_list]
    return render(
        request,
        "payments/staff/settings.html",
        {"form": form, "rows": rows, "has_secret": bool(conf and conf.secret_encrypted)},
    )


@admin_required
def rule_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    muni = request.municipality
    service = tenant_object_or_404(catalog_queries.staff_services(muni), request, pk=pk)
    rule = FeeRule.objects.filter(municipality=muni, service=service).first() or FeeRule(
        municipality=muni, service=service
    )
    form = FeeRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        services.save_rule(form.save(commit=False), ctx=ServiceContext.from_request(request))
        messages.success(request, _("Gebühr gespeichert."))
        return redirect("payments:settings")
    return render(request, "payments/staff/rule_edit.html", {"form": form, "service": service})
