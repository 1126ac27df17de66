"""BundID login end to end against a real SAML IdP (Debian's SimpleSAMLphp): Rathaus → IdP login
page → back with OID-named attributes (signed, encrypted assertion) → form prefilled and locked →
submitted with the trust level recorded; axe-core on every Rathaus page."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from rathaus.cases.models import Application
from rathaus.fim import services as fim
from rathaus.fim.models import FormSubmission
from rathaus.identity import saml, services
from rathaus.identity.models import IdentityLink
from tests.e2e.conftest import Site, _unavailable, assert_accessible, assert_not_error_page
from tests.fim.conftest import bewohnerparken_path
from tests.identity import simplesamlphp
from tests.identity.simplesamlphp import PASSWORD, SimpleSamlPhp

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def idp_server(tmp_path_factory) -> Iterator[SimpleSamlPhp]:
    reason = simplesamlphp.available()
    if reason:
        _unavailable(reason)
    server = SimpleSamlPhp(tmp_path_factory.mktemp("simplesamlphp"))
    server.start()
    yield server
    server.stop()


def field(page, name: str):
    return page.locator(f"[id='id_{name}']")


def check(page, heading: str | None = None) -> None:
    assert_not_error_page(page)
    if heading:
        assert page.get_by_role("heading", level=1).inner_text() == heading
    assert_accessible(page)


def test_bundid_login_prefills_and_records_the_trust_level(page, site: Site, idp_server, monkeypatch):
    # the live server runs in this process: keep the raw responses to check they were encrypted
    seen: list[bytes] = []
    original = saml.parse_response

    def spy(*args: Any) -> Any:
        seen.append(base64.b64decode(args[1]))
        return original(*args)

    monkeypatch.setattr(saml, "parse_response", spy)
    form = fim.import_file(bewohnerparken_path(), site.muni_a).form
    services.save_identity_provider(site.muni_a, "bundid", idp_server.metadata())
    cert = services.service_provider(site.muni_a).certificate
    idp_server.trust_sp(
        site.a("/identitaet/saml/metadata/"),
        site.a("/identitaet/saml/acs/"),
        site.a("/identitaet/saml/slo/"),
        cert,
    )
    services.save_requirement(form, level=4, accept_citizen=True, accept_business=False, lock_prefilled=True)

    page.goto(site.a(f"/formulare/{form.pk}/"))
    check(page, form.name)
    assert "mindestens „hoch“" in page.content()
    page.get_by_role("link", name="Mit BundID anmelden").click()

    # SimpleSAMLphp's login page (the exampleauth user source)
    page.wait_for_url(f"{idp_server.base}**")
    page.locator("#username").fill("erika")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")

    # back at Rathaus, logged in at level 4 (STORK-QAA-Level-4), on the form's start page
    page.wait_for_url(site.a(f"/formulare/{form.pk}/"))
    check(page, form.name)
    assert seen and b"EncryptedAssertion" in seen[0] and b"STORK-QAA-Level-4" not in seen[0]
    link = IdentityLink.objects.get(provider="bundid")
    assert link.subject == "bPK2-SSP-Erika-0001" and link.level == 4
    page.get_by_role("button", name="Antrag starten").click()

    page.locator("[id='id__allgemein0__0__F00-4cb0dd14-629c-4661-9435-4e9eadc43e07']").check()
    field(page, "_allgemein0__0__F05001344").check()
    page.get_by_role("button", name="Weiter", exact=True).click()

    # the applicant's step: filled from the BundID, marked and read-only
    check(page, "Angaben zur antragstellenden Person")
    assert field(page, "G05000496__0__F05000059").input_value() == "Gabler"
    assert field(page, "G05000496__0__F05000060").input_value() == "Erika"
    assert field(page, "G05000496__0__F05000351").input_value() == "1971-04-23"
    assert field(page, "G05000496__0__G05000428__0__F00000053").input_value() == "Rahnestraße"
    assert field(page, "G05000496__0__G05000428__0__F00000016").input_value() == "4"
    assert field(page, "G05000496__0__G00000113__0__F00000054").input_value() == "06712"
    assert field(page, "G05000496__0__F05000059").get_attribute("readonly") is not None
    assert "aus der BundID" in page.content()
    field(page, "G05000496__0__F05000523").select_option(index=1)
    page.get_by_role("button", name="Weiter", exact=True).click()

    check(page)
    field(page, "G05000493__0__F05001064").select_option(index=1)
    field(page, "G05000493__0__F05001347").select_option(value="01")
    page.get_by_role("button", name="Weiter", exact=True).click()
    check(page)
    field(page, "G05000477__0__F05000627").fill("ZZ-AB 123")
    field(page, "G05000477__0__F05001062").fill("WVWZZZ1JZXW000001")
    field(page, "G05000477__0__F05001047").select_option(value="01")
    page.get_by_role("button", name="Weiter zur Übersicht").click()

    check(page, "Angaben prüfen")
    assert "Gabler" in page.content() and "Rahnestraße" in page.content()
    page.get_by_role("button", name="Antrag verbindlich absenden").click()
    check(page, "Antrag eingereicht")

    submission = FormSubmission.objects.get()
    ident = submission.payload["identity"]
    assert ident["provider"] == "bundid" and ident["level"] == 4 and ident["level_name"] == "hoch"
    assert ident["name"] == "Erika Gabler"
    assert submission.payload["answers"]["G05000496"][0]["F05000059"] == "Gabler"
    assert Application.objects.get().metadata["identity"]["level_name"] == "hoch"


def test_level_3_identity_is_refused_for_a_level_4_service(page, site: Site, idp_server):
    form = fim.import_file(bewohnerparken_path(), site.muni_a).form
    services.save_identity_provider(site.muni_a, "bundid", idp_server.metadata())
    cert = services.service_provider(site.muni_a).certificate
    idp_server.trust_sp(
        site.a("/identitaet/saml/metadata/"),
        site.a("/identitaet/saml/acs/"),
        site.a("/identitaet/saml/slo/"),
        cert,
    )
    services.save_requirement(form, level=4, accept_citizen=True, accept_business=False, lock_prefilled=True)
    page.goto(site.a(f"/formulare/{form.pk}/"))
    page.get_by_role("link", name="Mit BundID anmelden").click()
    page.wait_for_url(f"{idp_server.base}**")
    page.locator("#username").fill("max")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(site.a("/identitaet/saml/acs/**"))
    check(page, "Anmeldung nicht möglich")
    assert "„substantiell“ erreicht; nötig ist mindestens „hoch“" in page.content()
    assert not IdentityLink.objects.exists()
