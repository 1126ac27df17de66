"""Überweisung mit Kassenzeichen (receipt PDF with a GiroCode read by zbarimg), staff: payments per
case, refunds, the daily reconciliation list, the CSV for the cash system; expiry with a reminder."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rathaus.cases.models import Status
from rathaus.core.audit.models import AuditEvent
from rathaus.core.context import ServiceContext
from rathaus.payments import services
from rathaus.payments.models import ApplicationFee, FeeState, PaymentAttempt, Refund, RefundMethod
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user

from .conftest import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen_a(muni_a):
    return make_user("erika@example.org")


def _decode_qr(pdf: bytes, tmp_path) -> str:
    for tool in ("pdftoppm", "zbarimg"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} missing: apt-get install poppler-utils zbar-tools")
    (tmp_path / "beleg.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(tmp_path / "beleg.pdf"), str(tmp_path / "seite")], check=True
    )
    page = sorted(tmp_path.glob("seite*.png"))[0]
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sbinary", "-Sqrcode.enable", str(page)],
        capture_output=True,
        check=True,
    )
    return out.stdout.decode("utf-8")


def test_invoice_receipt_carries_an_epc_girocode_that_a_reader_decodes(
    form_a, setting_a, rule_a, invoice_a, citizen_a, tmp_path
):
    app = submit(form_a, citizen_a)
    c = client_for(HOST_A, citizen_a)
    r = c.post(reverse("payments:pay", args=[app.pk]))
    assert r["Location"] == reverse("payments:receipt", args=[app.pk])
    app.refresh_from_db()
    fee = ApplicationFee.objects.get(application=app)
    assert app.status == Status.RECEIVED and fee.state == FeeState.INVOICED
    page = c.get(r["Location"]).content.decode()
    assert "DE02120300000000202051" in page and fee.kassenzeichen in page
    pdf = c.get(reverse("payments:receipt_pdf", args=[app.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = _decode_qr(pdf.content, tmp_path)
    assert text.rstrip("\n").split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "BYLADEM1001",
        "Stadt Zeitz",
        "DE02120300000000202051",
        "EUR30.70",
        "",
        "",
        fee.kassenzeichen,
    ]


def test_clerk_sees_payment_books_it_and_refunds_partly_then_fully(
    form_a, setting_a, rule_a, invoice_a, citizen_a, clerk_a, kasse_a
):
    app = submit(form_a, citizen_a)
    client_for(HOST_A, citizen_a).post(reverse("payments:pay", args=[app.pk]))
    fee = ApplicationFee.objects.get(application=app)
    clerk = client_for(HOST_A, clerk_a)
    page = clerk.get(reverse("cases:case", args=[app.pk])).content.decode()
    assert 'data-fee-state="rechnung"' in page and fee.kassenzeichen in page
    action = reverse("payments:fee_action", args=[fee.pk])
    assert clerk.post(action, {"action": "booked"}).status_code == 302
    fee.refresh_from_db()
    assert fee.state == FeeState.PAID and fee.paid_at is not None
    # too much, no reason: refused, nothing changed
    clerk.post(action, {"action": "refund", "amount": "31.00", "reason": "Rücknahme"})
    clerk.post(action, {"action": "refund", "amount": "5.00", "reason": ""})
    assert not Refund.objects.exists()
    clerk.post(action, {"action": "refund", "amount": "10.70", "reason": "Teilweise abgelehnt"})
    fee.refresh_from_db()
    assert fee.state == FeeState.PARTLY_REFUNDED and fee.refunded_amount == Decimal("10.70")
    clerk.post(action, {"action": "refund", "amount": "20.00", "reason": "Rücknahme"})
    fee.refresh_from_db()
    assert fee.state == FeeState.REFUNDED and fee.refundable == Decimal("0.00")
    assert set(Refund.objects.values_list("method", flat=True)) == {RefundMethod.INSTRUCTION}
    assert AuditEvent.objects.filter(action="payments.refunded").count() == 2
    # reconciliation list and CSV for the cash system
    kasse = client_for(HOST_A, kasse_a)
    day = kasse.get(reverse("payments:day")).content.decode()
    assert "30,70" in day or "30.70" in day
    assert fee.kassenzeichen in day
    today = timezone.localdate().isoformat()
    csv = b"".join(
        kasse.get(reverse("payments:export"), {"von": today, "bis": today}).streaming_content
    ).decode("utf-8-sig")
    lines = csv.strip().split("\r\n")
    assert lines[0] == "kassenzeichen;betrag_eur;datum;leistung;haushaltsstelle;art;anbieter"
    assert f"{fee.kassenzeichen};30.70;{today};Sondernutzung Gehweg;1.2.2.01.431100;zahlung;rechnung" in lines
    refund_row = ";".join(
        [
            fee.kassenzeichen,
            "-10.70",
            today,
            "Sondernutzung Gehweg",
            "1.2.2.01.431100",
            "auszahlungsanordnung",
            "rechnung",
        ]
    )
    assert refund_row in lines


def test_staff_pages_are_closed_to_others(
    form_a, setting_a, rule_a, invoice_a, citizen_a, other_clerk_a, muni_b
):
    app = submit(form_a, citizen_a)
    client_for(HOST_A, citizen_a).post(reverse("payments:pay", args=[app.pk]))
    fee = ApplicationFee.objects.get(application=app)
    action = reverse("payments:fee_action", args=[fee.pk])
    # a clerk of another department does not see the case, so cannot book or refund
    assert client_for(HOST_A, other_clerk_a).post(action, {"action": "booked"}).status_code == 404
    # a citizen, an anonymous visitor, staff of another municipality
    assert client_for(HOST_A, citizen_a).post(action, {"action": "booked"}).status_code in (302, 403)
    assert client_for(HOST_A).get(reverse("payments:day")).status_code in (302, 403)
    other = make_user("kasse-b@example.org", mfa=True)
    grant(other, muni_b, "module_manager", modules=["services"])
    assert client_for(HOST_B, other).post(action, {"action": "booked"}).status_code == 404
    assert client_for(HOST_A, other).get(reverse("payments:day")).status_code in (302, 403)
    assert client_for(HOST_A, other_clerk_a).get(reverse("payments:day")).status_code == 403
    fee.refresh_from_db()
    assert fee.state == FeeState.INVOICED


def test_day_list_queries_do_not_grow(
    form_a, setting_a, rule_a, invoice_a, citizen_a, kasse_a, django_assert_max_num_queries
):
    for _ in range(5):
        app = submit(form_a, citizen_a)
        client_for(HOST_A, citizen_a).post(reverse("payments:pay", args=[app.pk]))
        services.mark_paid(
            ApplicationFee.objects.get(application=app),
            ctx=ServiceContext.for_user(kasse_a, app.municipality),
        )
    c = client_for(HOST_A, kasse_a)
    c.get(reverse("payments:day"))
    with django_assert_max_num_queries(20):
        page = c.get(reverse("payments:day")).content.decode()
    assert page.count("Sondernutzung Gehweg") == 5
    bad = c.get(reverse("payments:export"), {"von": "2026-12-07", "bis": "2020-01-01"})
    assert bad.status_code == 302


def test_unpaid_application_gets_a_reminder_then_expires(
    form_a, setting_a, rule_a, xbd_a, citizen_a, mailoutbox, django_capture_on_commit_callbacks
):
    app = submit(form_a, citizen_a)
    fee = ApplicationFee.objects.get(application=app)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_unpaid(now=now) == 0
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_unpaid(now=fee.expires_at - timedelta(days=1))
        services.expire_unpaid(now=fee.expires_at - timedelta(hours=20))
    assert len(mailoutbox) == 1 and "Gebühr noch offen" in mailoutbox[0].subject
    # a payment was started; the provider is down at expiry time: nothing expires on a guess
    c = client_for(HOST_A, citizen_a)
    txn = c.post(reverse("payments:pay", args=[app.pk]))["Location"].rsplit("/", 1)[1]
    xbd_a.mode = "down"
    assert services.expire_unpaid(now=fee.expires_at + timedelta(minutes=1)) == 0
    app.refresh_from_db()
    assert app.status == Status.PAYMENT_DUE
    xbd_a.mode = "ok"
    assert services.expire_unpaid(now=fee.expires_at + timedelta(minutes=1)) == 1
    app.refresh_from_db()
    fee.refresh_from_db()
    assert app.status == Status.WITHDRAWN and fee.state == FeeState.EXPIRED
    assert PaymentAttempt.objects.get(transaction_id=txn).status == "gestartet"
    # a payment that arrives after the expiry is recorded (for a refund), the application stays withdrawn
    xbd_a.set_status(txn, "PAYED")
    services.sync(
        PaymentAttempt.objects.get(transaction_id=txn), ctx=ServiceContext.for_task(app.municipality)
    )
    fee.refresh_from_db()
    app.refresh_from_db()
    assert fee.state == FeeState.PAID and app.status == Status.WITHDRAWN and fee.refundable == fee.amount
