"""Paying a fee in a real browser: a citizen fills the Bewohnerparkausweis, pays through the
XBezahldienste test server, sees the receipt with the amount; a clerk sees the payment in the case and
refunds it. axe-core on every Rathaus page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rathaus.cases.models import Application, Status
from rathaus.catalog.models import Service
from rathaus.core.accounts.models import Role
from rathaus.core.context import ServiceContext
from rathaus.fim import services as fim_services
from rathaus.payments import services
from rathaus.payments.models import ApplicationFee, FeeRule, FeeState
from tests.conftest import make_user
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page, login, staff_user
from tests.fim.conftest import bewohnerparken_path
from tests.payments import xbd_server
from tests.payments.conftest import xbd_options

pytestmark = pytest.mark.e2e
LEIKA = "99108001001000"


def field(page, name: str):
    return page.locator(f"[id='id_{name}']")


def check(page, heading: str | None = None) -> None:
    assert_not_error_page(page)
    if heading:
        assert page.get_by_role("heading", level=1).inner_text() == heading
    assert_accessible(page)


@pytest.fixture
def xbd():
    server = xbd_server.start()
    yield server
    server.shutdown()
    server.server_close()


def test_citizen_pays_bewohnerparkausweis_clerk_refunds(page, new_page, site: Site, xbd, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    form = fim_services.import_file(bewohnerparken_path(), site.muni_a, leika=LEIKA).form
    service = Service.objects.create(
        municipality=site.muni_a,
        leika=LEIKA,
        name="Bewohnerparkausweis",
        summary="Parken",
        themenfeld="mobilitaet-reisen",
    )
    FeeRule.objects.create(
        municipality=site.muni_a, service=service, base_amount=Decimal("30.70"), is_demo=True
    )
    services.save_config(
        site.muni_a,
        provider="xbezahldienste",
        options=xbd_options(xbd),
        secret=xbd_server.CLIENT_SECRET,
        ctx=ServiceContext.for_command(site.muni_a),
    )
    citizen = make_user("e2e-zahlung@example.org")

    # The catalogue shows the fee before the citizen starts
    login(page, site, citizen)
    page.goto(site.a(f"/leistungen/{service.pk}/"))
    check(page)
    assert "30,70" in page.locator("[data-fee]").inner_text()

    page.goto(site.a(f"/formulare/{form.pk}/"))
    check(page, form.name)
    page.get_by_role("button", name="Antrag starten").click()
    field(page, "_allgemein0__0__F00-4cb0dd14-629c-4661-9435-4e9eadc43e07").check()
    field(page, "_allgemein0__0__F05001344").check()
    page.get_by_role("button", name="Weiter", exact=True).click()
    field(page, "G05000496__0__F05000059").fill("Mustermann")
    field(page, "G05000496__0__F05000060").fill("Erika")
    field(page, "G05000496__0__F05000351").fill("1980-02-03")
    field(page, "G05000496__0__F05001354").fill("erika@example.org")
    field(page, "G05000496__0__G05000428__0__F00000053").fill("Schützenplatz")
    field(page, "G05000496__0__G05000428__0__F00000016").fill("1")
    field(page, "G05000496__0__G00000113__0__F00000054").fill("06712")
    field(page, "G05000496__0__G00000113__0__F00000035").fill("Zeitz")
    field(page, "G05000496__0__F05000523").select_option(index=1)
    page.get_by_role("button", name="Weiter", exact=True).click()
    field(page, "G05000493__0__F05001064").select_option(index=1)
    field(page, "G05000493__0__F05001347").select_option(value="01")
    page.get_by_role("button", name="Weiter", exact=True).click()
    assert "Schritt 4 von 4" in page.content()
    field(page, "G05000477__0__F05000627").fill("ZZ-AB 123")
    field(page, "G05000477__0__F05001062").fill("WVWZZZ1JZXW000001")
    field(page, "G05000477__0__F05001047").select_option(value="01")
    page.get_by_role("button", name="Weiter zur Übersicht").click()
    check(page, "Angaben prüfen")
    page.get_by_role("button", name="Antrag verbindlich absenden").click()

    # Stored first ("Zahlung offen"), then the payment page
    check(page, "Gebühr bezahlen")
    app = Application.objects.get()
    assert app.status == Status.PAYMENT_DUE
    page.get_by_role("button", name="30,70 € bezahlen").click()
    assert page.url.startswith(xbd.base + "/pay/")
    assert "30.70 EUR" in page.content()
    page.get_by_role("button", name="Jetzt zahlen").click()

    # Back at Rathaus: verified with the provider, receipt with the amount
    check(page, "Zahlungsbeleg")
    assert "30,70 €" in page.locator("[data-amount]").inner_text()
    app.refresh_from_db()
    assert app.status == Status.RECEIVED and xbd.errors == []
    page.goto(site.a(f"/antraege/{app.pk}/"))
    check(page, f"Antrag {app.reference}")

    # The clerk sees the payment in the case and refunds it (XBezahldienste 1.0: instruction to the Kasse)
    clerk = staff_user(site, "e2e-kasse@example.org", role=Role.ADMIN)
    staff = new_page()
    login(staff, site, clerk)
    staff.goto(site.a(f"/antraege/verwaltung/{app.pk}/"))
    check(staff)
    panel = staff.locator("section[aria-labelledby='payment-heading']")
    assert "30,70" in panel.inner_text() and app.reference in panel.inner_text()
    staff.get_by_label("Grund der Erstattung").fill("Antrag zurückgenommen")
    staff.get_by_role("button", name="Erstatten").click()
    check(staff)
    fee = ApplicationFee.objects.get(application=app)
    assert fee.state == FeeState.REFUNDED and fee.refunded_amount == Decimal("30.70")
    assert "erstattet" in staff.locator("[data-fee-state]").inner_text()
    staff.goto(site.a("/zahlung/verwaltung/"))
    check(staff, "Zahlungen: Tagesabgleich")
