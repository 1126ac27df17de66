"""Fee calculation (exact Decimal euros), the catalogue's display and JSON-LD offers, secrets at rest."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from rathaus.payments import crypto, fees
from rathaus.payments.models import ProviderConfig
from tests.conftest import HOST_A, client_for, grant, make_user

pytestmark = pytest.mark.django_db


def rule(**kw):
    base = {
        "base_amount": Decimal("10.00"),
        "unit_field": "",
        "unit_label": "",
        "unit_price": Decimal("0"),
        "max_units": 1,
        "reduction_field": "",
        "reduction_percent": 0,
        "reduction_reason": "",
    }
    base.update(kw)
    return SimpleNamespace(**base)


def test_fixed_fee_is_exact():
    q = fees.quote(rule(base_amount=Decimal("30.70")))
    assert q.amount == Decimal("30.70") and isinstance(q.amount, Decimal)


def test_per_unit_from_an_answer_bounded():
    r = rule(
        base_amount=Decimal("5.00"),
        unit_field="F_JAHRE",
        unit_label="je Jahr",
        unit_price=Decimal("30.70"),
        max_units=3,
    )
    assert fees.quote(r, {"G1": [{"F_JAHRE": "2"}]}).amount == Decimal("66.40")
    assert fees.quote(r, {"G1": [{"F_JAHRE": "500"}]}).amount == Decimal("97.10")  # bounded by 3
    assert fees.quote(r, {"G1": [{"F_JAHRE": "-4"}]}).amount == Decimal("35.70")  # at least 1
    assert fees.quote(r, {"G1": [{"F_JAHRE": "=1+1"}]}).amount == Decimal("35.70")  # no expressions
    # 0.1 + 0.2 style float errors cannot happen: three times 0.10
    r2 = rule(base_amount=Decimal("0.00"), unit_field="N", unit_price=Decimal("0.10"), max_units=9)
    assert fees.quote(r2, {"N": 3}).amount == Decimal("0.30")


def test_reduction_and_exemption_with_reason():
    r = rule(
        base_amount=Decimal("30.70"),
        reduction_field="F_SOZ",
        reduction_percent=50,
        reduction_reason="Sozialpass",
    )
    q = fees.quote(r, {"F_SOZ": "true"})
    assert q.amount == Decimal("15.35") and "Sozialpass" in q.lines[-1]["text"]
    assert fees.quote(r, {"F_SOZ": "false"}).amount == Decimal("30.70")
    free = fees.quote(
        rule(
            base_amount=Decimal("30.70"),
            reduction_field="F",
            reduction_percent=100,
            reduction_reason="befreit",
        ),
        {"F": True},
    )
    assert free.amount == Decimal("0.00") and not free.is_due and free.exempt_reason == "befreit"


def test_secret_round_trip_and_not_in_clear(settings):
    token = crypto.encrypt("geheim-123")
    assert "geheim" not in token and crypto.decrypt(token) == "geheim-123"
    settings.RATHAUS_PAYMENT_KEY = "another-key"
    assert crypto.decrypt(token) == ""  # another key: unreadable, never an exception


def test_catalogue_page_shows_fee_and_jsonld_offer(muni_a, rule_a, service_a):
    page = client_for(HOST_A).get(reverse("catalog:detail", args=[service_a.pk])).content.decode()
    assert 'data-fee="30.70"' in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["offers"] == {"@type": "Offer", "price": "30.70", "priceCurrency": "EUR"}


def test_catalogue_page_without_fee_has_no_offer(muni_a, service_a):
    page = client_for(HOST_A).get(reverse("catalog:detail", args=[service_a.pk])).content.decode()
    assert "offers" not in page and "data-fee" not in page


def test_provider_settings_store_secret_encrypted_and_never_show_it(muni_a, muni_b):
    admin = make_user("admin-a@example.org", mfa=True)
    grant(admin, muni_a, "admin")
    c = client_for(HOST_A, admin)
    url = reverse("payments:settings")
    data = {
        "provider": "xbezahldienste",
        "expiry_days": 7,
        "reminder_days": 2,
        "secret": "Sehr-Geheim-42",
        "opt_base_url": "https://epay.example/api",
        "opt_token_url": "https://epay.example/token",
        "opt_client_id": "zeitz",
        "opt_originator_id": "rathaus-zeitz",
        "opt_endpoint_id": "15084590",
    }
    assert c.post(url, data).status_code == 302
    conf = ProviderConfig.objects.get(municipality=muni_a)
    assert (
        "Sehr-Geheim" not in conf.secret_encrypted
        and crypto.decrypt(conf.secret_encrypted) == "Sehr-Geheim-42"
    )
    page = c.get(url).content.decode()
    assert "Sehr-Geheim" not in page and conf.secret_encrypted not in page
    # an empty secret keeps the stored one
    c.post(url, {**data, "secret": ""})
    conf.refresh_from_db()
    assert crypto.decrypt(conf.secret_encrypted) == "Sehr-Geheim-42"
    # a bad IBAN for the invoice provider is refused with a message
    bad = c.post(
        url,
        {
            "provider": "rechnung",
            "expiry_days": 7,
            "reminder_days": 2,
            "opt_account_holder": "X",
            "opt_iban": "DE00123",
        },
    )
    assert bad.status_code == 200 and "IBAN" in bad.content.decode()
    # not for citizens, not for admins of another municipality
    assert client_for(HOST_A, make_user("b@example.org")).get(url).status_code in (302, 403)
    other = make_user("admin-b@example.org", mfa=True)
    grant(other, muni_b, "admin")
    assert client_for(HOST_A, other).get(url).status_code in (302, 403)


def test_form_start_page_shows_the_fee(muni_a, form_a, rule_a, invoice_a):
    page = client_for(HOST_A).get(reverse("fim:form", args=[form_a.pk])).content.decode()
    assert 'data-fee="30.70"' in page and "nach dem Absenden des Online-Antrags bezahlt" in page


def test_without_provider_the_fee_is_charged_when_processed(muni_a, form_a, rule_a):
    page = client_for(HOST_A).get(reverse("fim:form", args=[form_a.pk])).content.decode()
    assert 'data-fee="30.70"' in page and "bei der Bearbeitung erhoben" in page
