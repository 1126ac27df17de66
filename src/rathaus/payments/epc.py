"""EPC069-12 "GiroCode" (SEPA Credit Transfer QR code), version 002, character set 1 (UTF-8).

Written by hand (about 20 lines): the payload is a fixed list of lines; the QR image comes from the
``qrcode`` library with error correction level M as the guideline asks."""

from __future__ import annotations

import io
from decimal import Decimal

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def payload(*, name: str, iban: str, amount: Decimal, remittance: str, bic: str = "") -> str:
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if not (Decimal("0.01") <= amount <= Decimal("999999999.99")):
        raise ValueError("amount out of range")
    lines = [
        "BCD",  # service tag
        "002",  # version
        "1",  # character set UTF-8
        "SCT",  # SEPA credit transfer
        bic.strip().upper(),
        name.strip()[:70],
        iban.replace(" ", "").upper(),
        f"EUR{amount}",
        "",  # purpose code (none)
        "",  # structured creditor reference (none: unstructured text below)
        remittance.strip()[:140],
    ]
    return "\n".join(lines)


def png(data: str) -> bytes:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(data.encode("utf-8"))
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image().save(out, format="PNG")
    return out.getvalue()
