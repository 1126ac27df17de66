"""Demo: two services of Zeitz carry a demo fee, Zeitz offers the invoice provider with a demo IBAN;
a second run changes nothing; a demo application goes through the whole flow without an external system."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.urls import reverse

from rathaus.cases.models import Status
from rathaus.catalog.demo import catalog
from rathaus.core.tenancy.models import Municipality
from rathaus.fim import queries as fim_queries
from rathaus.fim.demo import demo_forms
from rathaus.payments.demo import demo_fees
from rathaus.payments.models import ApplicationFee, FeeRule, FeeState, ProviderConfig
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db


def cmd() -> SimpleNamespace:
    return SimpleNamespace(stdout=StringIO())


def test_demo_fees_and_invoice_provider(muni_a, settings, tmp_path):
    settings.RATHAUS_TESTDATA = str(tmp_path / "missing")
    demo_forms(cmd())
    catalog(cmd())
    demo_fees(cmd())
    demo_fees(cmd())
    zeitz = Municipality.objects.get(slug="zeitz")
    rules = {r.service.name: r for r in FeeRule.objects.filter(municipality=zeitz).select_related("service")}
    assert (
        rules["Bewohnerparkausweis"].base_amount == Decimal("30.70") and rules["Bewohnerparkausweis"].is_demo
    )
    assert rules["Gewerbeanmeldung"].base_amount == Decimal("26.00") and rules["Gewerbeanmeldung"].is_demo
    conf = ProviderConfig.objects.get(municipality=zeitz)
    assert conf.provider == "rechnung" and conf.options["iban"] == "DE02120300000000202051"
    # the catalogue page says it is a demo fee
    page = client_for("zeitz.testserver").get(
        reverse("catalog:detail", args=[rules["Bewohnerparkausweis"].service_id])
    )
    assert "30,70" in page.content.decode() and "Beispielgebühr" in page.content.decode()
    # the whole flow with the demo form of the Bewohnerparkausweis
    from rathaus.fim import services as fim

    form = fim_queries.published_forms(zeitz).get(leika="99108001001000")
    draft, _ = fim.start_draft(form, user=make_user("demo-zahlung@example.org"))
    draft.answers = {}
    draft.save()
    from rathaus.cases import services as cases

    app = cases.submit_draft(draft, {"answers": {}}, "demo-key").application
    assert app.status == Status.PAYMENT_DUE
    c = client_for("zeitz.testserver", app.applicant)
    c.post(reverse("payments:pay", args=[app.pk]))
    app.refresh_from_db()
    fee = ApplicationFee.objects.get(application=app)
    assert app.status == Status.RECEIVED and fee.state == FeeState.INVOICED and fee.is_demo
