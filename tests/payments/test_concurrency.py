"""Return redirect and notifications at the same moment (threads on PostgreSQL): one payment, one
state change, one audit event."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from rathaus.cases.models import Status, StatusEvent
from rathaus.core.audit.models import AuditEvent
from rathaus.core.context import ServiceContext
from rathaus.payments import services
from rathaus.payments.models import ApplicationFee, FeeState, PaymentAttempt
from tests.conftest import make_user

from .conftest import submit

WORKERS = 8


@pytest.mark.django_db(transaction=True)
def test_parallel_return_and_notifications_settle_once(form_a, setting_a, rule_a, xbd_a):
    if connection.vendor != "postgresql":
        pytest.skip("real parallel writers need PostgreSQL; SQLite serialises writers")
    citizen = make_user("erika@example.org")
    app = submit(form_a, citizen)
    fee = ApplicationFee.objects.get(application=app)
    attempt = services.start_payment(fee, ctx=ServiceContext.for_user(None, fee.municipality))
    xbd_a.set_status(attempt.transaction_id, "PAYED")
    barrier = threading.Barrier(WORKERS)
    errors: list[str] = []

    def hit(i: int) -> bool:
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)
            if i % 2:
                return services.handle_notification(
                    app.municipality,
                    "xbezahldienste",
                    b'{"transactionId": "%s"}' % attempt.transaction_id.encode(),
                    {},
                    ctx=ServiceContext(municipality=app.municipality, channel="webhook"),
                )
            return services.sync(
                PaymentAttempt.objects.get(pk=attempt.pk), ctx=ServiceContext.for_task(app.municipality)
            )
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            return False
        finally:
            connections.close_all()

    with ThreadPoolExecutor(WORKERS) as pool:
        changed = list(pool.map(hit, range(WORKERS)))
    assert not errors, errors
    assert changed.count(True) == 1
    app.refresh_from_db()
    fee.refresh_from_db()
    assert app.status == Status.RECEIVED and fee.state == FeeState.PAID
    assert StatusEvent.objects.filter(application=app, to_status=Status.RECEIVED).count() == 1
    assert AuditEvent.objects.filter(action="payments.paid").count() == 1
    assert xbd_a.errors == []
