"""XBezahldienste 1.0 (FITKO): REST/JSON with OAuth2 client credentials.

    POST {base}/paymenttransaction/{originatorId}/{endPointId}   PaymentRequest -> PaymentTransaction
    GET  {base}/paymenttransaction/{originatorId}/{endPointId}/{transactionId}   -> PaymentTransaction

The redirect back from the pay page says nothing reliable: the status is always fetched with GET.
XBezahldienste 1.0 has no refund operation, so refunds become an instruction for the cash office.
The standard library's urllib is enough for three JSON calls (no HTTP client dependency)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import OptionField, PaymentOrder, Provider, ProviderError, StartResult, TransactionStatus

STATUS_MAP = {"INITIAL": "started", "PAYED": "paid", "FAILED": "failed", "CANCELED": "cancelled"}
ID_RE = re.compile(r"^[\w-]{1,36}$", re.ASCII)
# Characters the spec allows in purpose and description; anything else becomes a blank.
_PURPOSE_BAD = re.compile(r"[^A-Za-z0-9_\s-]")
_TEXT_BAD = re.compile(r"[^\w\s,.\u00C0-\u017F-]")


def _text(value: str, limit: int) -> str:
    return " ".join(_TEXT_BAD.sub(" ", value).split())[:limit] or "-"


def _amount(value: Decimal) -> float:
    # JSON numbers: two decimals are exact in the provider's decimal parsing; float only for json.dumps.
    return float(Decimal(value).quantize(Decimal("0.01")))


class XBezahldiensteProvider(Provider):
    key = "xbezahldienste"
    label = _("XBezahldienste 1.0 (ePayBL, pmPayment, GiroCheckout …)")
    has_secret = True
    options = (
        OptionField(
            "base_url", _("Basis-URL der Schnittstelle"), help=_("z. B. https://epay.example/api/v1")
        ),
        OptionField("token_url", _("OAuth2-Token-URL")),
        OptionField("client_id", _("OAuth2-Client-ID")),
        OptionField("originator_id", _("originatorId (Kennung des Online-Dienstes)")),
        OptionField("endpoint_id", _("endPointId (z. B. AGS der Behörde)")),
    )

    # --- HTTP ------------------------------------------------------------------------------------

    @property
    def timeout(self) -> float:
        return float(getattr(settings, "RATHAUS_PAYMENT_TIMEOUT", 10))

    def _send(self, req: urllib.request.Request) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - configured https URL
                status, body = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise ProviderError(f"unreachable: {exc}") from exc
        try:
            data = json.loads(body or b"null")
        except ValueError as exc:
            raise ProviderError(f"HTTP {status}: no JSON") from exc
        return status, data

    def _token(self) -> str:
        key = "payments:xbd-token:" + urllib.parse.quote(
            self.opts.get("token_url", "") + self.opts.get("client_id", "")
        )
        token = cache.get(key)
        if token:
            return str(token)
        body = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": self.opts.get("client_id", ""),
                "client_secret": self.secret,
            }
        ).encode()
        req = urllib.request.Request(  # noqa: S310
            self.opts.get("token_url", ""),
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        status, data = self._send(req)
        if status != 200 or not isinstance(data, dict) or not data.get("access_token"):
            raise ProviderError(f"token: HTTP {status}")
        ttl = max(int(data.get("expires_in") or 60) - 30, 1)
        cache.set(key, data["access_token"], ttl)
        return str(data["access_token"])

    def _url(self, *parts: str) -> str:
        base = str(self.opts.get("base_url", "")).rstrip("/")
        ids = [self.opts.get("originator_id", ""), self.opts.get("endpoint_id", ""), *parts]
        for value in ids:
            if not ID_RE.match(value or ""):
                raise ProviderError("invalid originatorId/endPointId/transactionId")
        return base + "/paymenttransaction/" + "/".join(urllib.parse.quote(v, safe="") for v in ids)

    def _call(self, method: str, url: str, payload: Any = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json", "Authorization": f"Bearer {self._token()}"}
        data = None
        if payload is not None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        return self._send(urllib.request.Request(url, data=data, method=method, headers=headers))  # noqa: S310

    # --- the interface -------------------------------------------------------------------------

    def request_body(self, order: PaymentOrder) -> dict[str, Any]:
        items = []
        for n, item in enumerate(order.items[:99], start=1):
            qty = int(item.get("quantity", 1))
            single = Decimal(item["amount"]) / qty
            entry: dict[str, Any] = {
                "id": f"{n}",
                "reference": order.kassenzeichen[:36],
                "description": _text(item["text"], 250),
                "quantity": qty,
                "taxRate": 0,
                "singleNetAmount": _amount(single),
                "singleTaxAmount": 0,
                "totalNetAmount": _amount(Decimal(item["amount"])),
                "totalTaxAmount": 0,
            }
            if order.haushaltsstelle:
                entry["bookingData"] = {"haushaltsstelle": order.haushaltsstelle}
            items.append(entry)
        return {
            "requestId": order.request_id,
            "requestTimestamp": timezone.now().replace(microsecond=0).isoformat(),
            "currency": "EUR",
            "grosAmount": _amount(order.amount),
            "purpose": " ".join(_PURPOSE_BAD.sub(" ", order.purpose).split())[:27] or "-",
            "description": _text(order.description, 250),
            "redirectUrl": order.redirect_url,
            "items": items,
        }

    def start(self, order: PaymentOrder) -> StartResult:
        status, data = self._call("POST", self._url(), self.request_body(order))
        if status not in (200, 201) or not isinstance(data, dict):
            raise ProviderError(f"start: HTTP {status}")
        info = data.get("paymentInformation") or {}
        txn, redirect = str(info.get("transactionId") or ""), str(info.get("transactionRedirectUrl") or "")
        if not ID_RE.match(txn) or not redirect.startswith(("https://", "http://")):
            raise ProviderError("start: no transaction id or pay page in the answer")
        return StartResult(transaction_id=txn, redirect_url=redirect)

    def fetch_status(self, transaction_id: str) -> TransactionStatus:
        status, data = self._call("GET", self._url(transaction_id))
        if status != 200 or not isinstance(data, dict):
            raise ProviderError(f"status: HTTP {status}")
        info = data.get("paymentInformation") or {}
        request = data.get("paymentRequest") or {}
        try:
            amount = Decimal(str(request.get("grosAmount")))
        except (InvalidOperation, ValueError) as exc:
            raise ProviderError("status: no amount") from exc
        if str(info.get("transactionId") or "") != transaction_id:
            raise ProviderError("status: answer for another transaction")
        return TransactionStatus(
            transaction_id=transaction_id,
            status=STATUS_MAP.get(str(info.get("status")), "failed"),
            amount=amount,
            request_id=str(request.get("requestId") or ""),
            detail=str(info.get("statusDetail") or "")[:200],
        )
