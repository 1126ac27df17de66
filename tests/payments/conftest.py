"""Fixtures of the payment tests: the case test form of Zeitz with a fee, the XBezahldienste test
server, provider configurations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rathaus.catalog.models import Service
from rathaus.core.accounts.models import Role
from rathaus.core.context import ServiceContext
from rathaus.payments import services
from rathaus.payments.models import FeeRule
from tests.cases.conftest import (  # noqa: F401 - fixtures
    _media,
    apply,
    clerk_a,
    dept_a,
    form_a,
    other_clerk_a,
    setting_a,
)
from tests.conftest import grant, make_user

from . import xbd_server

LEIKA = "99108001001000"


@pytest.fixture
def xbd():
    server = xbd_server.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def service_a(muni_a):
    return Service.objects.create(
        municipality=muni_a,
        leika=LEIKA,
        name="Sondernutzung Gehweg",
        summary="Test",
        themenfeld="mobilitaet-reisen",
    )


@pytest.fixture
def rule_a(service_a):
    return FeeRule.objects.create(
        municipality=service_a.municipality,
        service=service_a,
        base_amount=Decimal("30.70"),
        haushaltsstelle="1.2.2.01.431100",
    )


def xbd_options(server: Any) -> dict[str, str]:
    return {
        "base_url": server.base + "/api",
        "token_url": server.base + "/oauth/token",
        "client_id": xbd_server.CLIENT_ID,
        "originator_id": xbd_server.ORIGINATOR,
        "endpoint_id": xbd_server.ENDPOINT,
    }


@pytest.fixture
def xbd_a(muni_a, xbd):
    services.save_config(
        muni_a,
        provider="xbezahldienste",
        options=xbd_options(xbd),
        secret=xbd_server.CLIENT_SECRET,
        expiry_days=7,
        ctx=ServiceContext.for_command(muni_a),
    )
    return xbd


INVOICE_OPTIONS = {
    "account_holder": "Stadt Zeitz",
    "iban": "DE02120300000000202051",
    "bic": "BYLADEM1001",
    "bank_name": "Testbank",
}


@pytest.fixture
def invoice_a(muni_a):
    return services.save_config(
        muni_a,
        provider="rechnung",
        options=dict(INVOICE_OPTIONS),
        expiry_days=7,
        ctx=ServiceContext.for_command(muni_a),
    )


@pytest.fixture
def kasse_a(muni_a):
    """Module manager of Zeitz for the OZG module (sees every case and the reconciliation list)."""
    user = make_user("kasse-a@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, modules=["services"])
    return user


def submit(form: Any, user: Any = None) -> Any:
    return apply(form, user=user)
