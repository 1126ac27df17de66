"""The payment step with XBezahldienste 1.0 against the test server (tests/payments/xbd_server.py),
which validates every request against the schemas in tests/payments/schemas."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from rathaus.cases.models import Application, Status, StatusEvent
from rathaus.core.audit.models import AuditEvent
from rathaus.core.context import ServiceContext
from rathaus.payments import services
from rathaus.payments.models import ApplicationFee, AttemptStatus, FeeState, PaymentAttempt
from tests.conftest import HOST_A, HOST_B, client_for, make_user

from .conftest import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen_a(muni_a):
    return make_user("erika@example.org")


def _pay(client, app):
    return client.post(reverse("payments:pay", args=[app.pk]))


def test_application_with_fee_waits_in_zahlung_offen(form_a, setting_a, rule_a, xbd_a, citizen_a, mailoutbox):
    app = submit(form_a, citizen_a)
    assert app.status == Status.PAYMENT_DUE
    fee = ApplicationFee.objects.get(application=app)
    assert (
        fee.amount == Decimal("30.70") and fee.kassenzeichen == app.reference and fee.state == FeeState.OPEN
    )
    # fixed at submission: a later change of the tariff does not change this application's fee
    rule_a.base_amount = Decimal("99.00")
    rule_a.save()
    fee.refresh_from_db()
    assert fee.amount == Decimal("30.70")
    assert mailoutbox == []  # the receipt goes out when the payment is confirmed
    page = client_for(HOST_A, citizen_a).get(reverse("cases:detail", args=[app.pk])).content.decode()
    assert reverse("payments:pay", args=[app.pk]) in page and "Zahlung offen" in page
    mine = client_for(HOST_A, citizen_a).get(reverse("cases:mine")).content.decode()
    assert "Gebühr jetzt bezahlen" in mine


def test_without_fee_rule_or_provider_nothing_changes(form_a, setting_a, citizen_a, rule_a):
    app = submit(form_a, citizen_a)  # rule but no provider configured
    assert app.status == Status.RECEIVED and not ApplicationFee.objects.exists()


def test_full_payment_through_the_test_server(
    form_a, setting_a, rule_a, xbd_a, citizen_a, mailoutbox, django_capture_on_commit_callbacks
):
    app = submit(form_a, citizen_a)
    c = client_for(HOST_A, citizen_a)
    r = _pay(c, app)
    assert r.status_code == 302 and r["Location"].startswith(xbd_a.base + "/pay/")
    txn = r["Location"].rsplit("/", 1)[1]
    stored = xbd_a.transactions[txn]["paymentRequest"]
    assert stored["currency"] == "EUR" and stored["grosAmount"] == 30.70 and len(stored["purpose"]) <= 27
    assert stored["items"][0]["bookingData"] == {"haushaltsstelle": "1.2.2.01.431100"}
    # the return before paying: the status is fetched (INITIAL), nothing changes
    back = stored["redirectUrl"].split("://", 1)[1].split("/", 1)[1]
    r = c.get("/" + back)
    assert r.status_code == 200 and "noch nicht bestätigt" in r.content.decode()
    app.refresh_from_db()
    assert app.status == Status.PAYMENT_DUE
    # the citizen pays on the provider's page, comes back: paid, eingegangen, receipt
    xbd_a.set_status(txn, "PAYED")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.get("/" + back)
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
    page = r.content.decode()
    assert "Vielen Dank" in page
    assert 'data-amount="30.70"' in page and app.reference in page
    assert ("GET", f"/api/paymenttransaction/rathaus-zeitz/15084590/{txn}") in xbd_a.log
    assert any(p == "/oauth/token" for _m, p in xbd_a.log)
    assert xbd_a.errors == []  # every request matched the spec's schemas
    assert [m.subject for m in mailoutbox if "Eingangsbestätigung" in m.subject]
    assert AuditEvent.objects.filter(action="payments.paid").count() == 1


def test_return_address_is_on_the_configured_domain_not_the_callers_host(
    form_a, setting_a, rule_a, xbd_a, citizen_a, settings
):
    settings.HTTPS, settings.PUBLIC_PORT = True, ""
    app = submit(form_a, citizen_a)
    fee = ApplicationFee.objects.get(application=app)
    # started from another host (an alias, a proxy's address): the provider still sends the person back
    # to the municipality's primary domain
    ctx = ServiceContext(actor=citizen_a, municipality=app.municipality, origin="http://alias.example:8080")
    attempt = services.start_payment(fee, ctx=ctx)
    redirect_url = xbd_a.transactions[attempt.transaction_id]["paymentRequest"]["redirectUrl"]
    assert redirect_url.startswith(f"https://{HOST_A}/zahlung/"), redirect_url


def test_cancelled_payment_can_be_retried_from_meine_antraege(form_a, setting_a, rule_a, xbd_a, citizen_a):
    app = submit(form_a, citizen_a)
    c = client_for(HOST_A, citizen_a)
    txn = _pay(c, app)["Location"].rsplit("/", 1)[1]
    xbd_a.set_status(txn, "CANCELED")
    services.sync(
        PaymentAttempt.objects.get(transaction_id=txn), ctx=ServiceContext.for_task(app.municipality)
    )
    assert PaymentAttempt.objects.get(transaction_id=txn).status == AttemptStatus.CANCELLED
    page = c.get(reverse("payments:pay", args=[app.pk])).content.decode()
    assert "nicht abgeschlossen" in page
    txn2 = _pay(c, app)["Location"].rsplit("/", 1)[1]
    assert txn2 != txn
    xbd_a.set_status(txn2, "PAYED")
    services.sync(
        PaymentAttempt.objects.get(transaction_id=txn2), ctx=ServiceContext.for_task(app.municipality)
    )
    app.refresh_from_db()
    assert app.status == Status.RECEIVED and xbd_a.errors == []


def test_return_and_notification_twice_and_out_of_order_change_state_once(
    form_a, setting_a, rule_a, xbd_a, citizen_a
):
    app = submit(form_a, citizen_a)
    c = client_for(HOST_A, citizen_a)
    txn = _pay(c, app)["Location"].rsplit("/", 1)[1]
    back = "/" + xbd_a.transactions[txn]["paymentRequest"]["redirectUrl"].split("://", 1)[1].split("/", 1)[1]
    notify = reverse("payments:notify", args=["xbezahldienste"])
    anon = client_for(HOST_A)
    # a notification before the payment: verified, nothing happens
    assert (
        anon.post(notify, json.dumps({"transactionId": txn}), content_type="application/json").status_code
        == 200
    )
    xbd_a.set_status(txn, "PAYED")
    for _ in range(2):
        assert (
            anon.post(notify, json.dumps({"transactionId": txn}), content_type="application/json").status_code
            == 200
        )
        assert c.get(back).status_code == 200
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
    assert StatusEvent.objects.filter(application=app, to_status=Status.RECEIVED).count() == 1
    assert AuditEvent.objects.filter(action="payments.paid").count() == 1
    # a late "CANCELED" from an out-of-order notification changes nothing any more
    xbd_a.set_status(txn, "CANCELED")
    anon.post(notify, json.dumps({"transactionId": txn}), content_type="application/json")
    fee = ApplicationFee.objects.get(application=app)
    assert (
        fee.state == FeeState.PAID
        and PaymentAttempt.objects.get(transaction_id=txn).status == AttemptStatus.PAID
    )


def test_forged_foreign_or_changed_notifications_are_refused(
    form_a, setting_a, rule_a, xbd_a, citizen_a, muni_b
):
    app = submit(form_a, citizen_a)
    c = client_for(HOST_A, citizen_a)
    txn = _pay(c, app)["Location"].rsplit("/", 1)[1]
    xbd_a.set_status(txn, "PAYED")
    notify = reverse("payments:notify", args=["xbezahldienste"])
    # forged transaction id
    r = client_for(HOST_A).post(
        notify, json.dumps({"transactionId": "erfunden123"}), content_type="application/json"
    )
    assert r.status_code == 404
    # the right id, but sent to another municipality's portal
    r = client_for(HOST_B).post(notify, json.dumps({"transactionId": txn}), content_type="application/json")
    assert r.status_code == 404
    # unknown provider
    assert (
        client_for(HOST_A)
        .post(reverse("payments:notify", args=["stripe"]), b"{}", content_type="application/json")
        .status_code
        == 404
    )
    # the provider reports another amount: refused, nothing changed
    xbd_a.tamper_amount = Decimal("0.01")
    r = client_for(HOST_A).post(notify, json.dumps({"transactionId": txn}), content_type="application/json")
    assert r.status_code == 409
    app.refresh_from_db()
    assert app.status == Status.PAYMENT_DUE
    assert ApplicationFee.objects.get(application=app).state == FeeState.OPEN
    assert AuditEvent.objects.filter(action="payments.refused").count() == 3
    # a return link with a forged signature is a 404
    assert c.get(reverse("payments:return", args=["kaputt"])).status_code == 404


def test_provider_down_or_slow_keeps_zahlung_offen(form_a, setting_a, rule_a, xbd_a, citizen_a, settings):
    app = submit(form_a, citizen_a)
    c = client_for(HOST_A, citizen_a)
    xbd_a.mode = "down"
    r = _pay(c, app)
    assert (
        r.status_code == 503
        and "nicht erreichbar" in r.content.decode()
        and "Meine Anträge" in r.content.decode()
    )
    app.refresh_from_db()
    assert app.status == Status.PAYMENT_DUE
    settings.RATHAUS_PAYMENT_TIMEOUT = 0.5
    xbd_a.mode = "slow"
    r = _pay(c, app)
    assert r.status_code == 503
    app.refresh_from_db()
    assert app.status == Status.PAYMENT_DUE
    assert PaymentAttempt.objects.filter(status=AttemptStatus.FAILED).count() == 2
    # the provider is back: the return after a lost status works
    xbd_a.mode = "ok"
    txn = _pay(c, app)["Location"].rsplit("/", 1)[1]
    xbd_a.set_status(txn, "PAYED")
    xbd_a.mode = "down"
    back = "/" + xbd_a.transactions[txn]["paymentRequest"]["redirectUrl"].split("://", 1)[1].split("/", 1)[1]
    r = c.get(back)
    assert "nicht beim Zahlungsdienst abfragen" in r.content.decode()
    app.refresh_from_db()
    assert app.status == Status.PAYMENT_DUE


def test_pay_page_only_for_the_applicant(form_a, setting_a, rule_a, xbd_a, citizen_a, muni_b):
    app = submit(form_a, citizen_a)
    url = reverse("payments:pay", args=[app.pk])
    assert client_for(HOST_A).get(url).status_code == 404
    assert client_for(HOST_A, make_user("mallory@example.org")).get(url).status_code == 404
    assert client_for(HOST_B, citizen_a).get(url).status_code == 404
    assert client_for(HOST_A, citizen_a).get(url).status_code == 200
    assert (
        client_for(HOST_A, citizen_a).get(reverse("payments:receipt_pdf", args=[app.pk])).status_code == 200
    )
    assert client_for(HOST_A).get(reverse("payments:receipt_pdf", args=[app.pk])).status_code == 404


def test_guest_reaches_the_payment_after_submitting(form_a, setting_a, rule_a, xbd_a):
    from rathaus.fim import services as fim
    from tests.cases.conftest import answers

    c = client_for(HOST_A)
    draft, _ = fim.start_draft(form_a)
    draft.answers = answers()
    draft.save()
    sub = fim.submit(draft)
    from rathaus.cases.views import done_url

    request = type("R", (), {})()
    request.session = c.session
    url = done_url(sub, request)
    request.session.save()
    assert url == reverse("payments:pay", args=[sub.application.pk])
    assert c.get(url).status_code == 200
    assert Application.objects.get(pk=sub.application.pk).status == Status.PAYMENT_DUE


def test_guest_gets_the_link_to_pay_later(
    form_a, setting_a, rule_a, xbd_a, mailoutbox, django_capture_on_commit_callbacks
):
    import re

    from rathaus.fim import services as fim
    from tests.cases.conftest import answers

    draft, _ = fim.start_draft(form_a)
    draft.answers = answers()
    draft.save()
    with django_capture_on_commit_callbacks(execute=True):
        sub = fim.submit(draft)
    app = sub.application
    assert app.status == Status.PAYMENT_DUE
    assert len(mailoutbox) == 1 and app.reference in mailoutbox[0].subject
    link = re.search(r"https?://\S+/antraege/zugang/\S+/", mailoutbox[0].body).group(0)
    # another browser, days later: the link shows the application with the pay button, the payment works
    c = client_for(HOST_A)
    page = c.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])).content.decode()
    pay_url = reverse("payments:pay", args=[app.pk])
    assert pay_url in page
    r = c.post(pay_url)
    assert r.status_code == 302 and r["Location"].startswith(xbd_a.base)
