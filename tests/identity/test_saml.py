"""SAML login with BundID against a test IdP: the request, a good response, and every bad one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from rathaus.core.audit.models import AuditEvent
from rathaus.identity.models import IdentityLink, SeenAssertion
from tests.conftest import HOST_A

from .conftest import ACS, SP, post, start
from .idp import BPK2, TestIdP

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_authn_request_is_signed_and_carries_bundid_extensions(client, bundid, test_idp):
    r = client.get("/identitaet/anmelden/bundid/", {"niveau": 4, "next": "/x/"}, HTTP_HOST=HOST_A)
    assert r.status_code == 302
    assert r["Location"].startswith(test_idp.sso)
    assert "Signature=" in r["Location"] and "SigAlg=" in r["Location"]
    req = TestIdP.request_from_redirect(r["Location"])
    ns = {
        "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
        "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
        "akdb": "https://www.akdb.de/request/2018/09",
    }
    rac = req.find("samlp:RequestedAuthnContext", ns)
    assert rac.get("Comparison") == "minimum"
    assert rac.findtext("saml:AuthnContextClassRef", namespaces=ns) == "STORK-QAA-Level-4"
    ext = req.find("samlp:Extensions/akdb:AuthenticationRequest", ns)
    assert ext.get("Version") == "2"
    names = [a.get("Name") for a in ext.findall("akdb:RequestedAttributes/akdb:RequestedAttribute", ns)]
    assert BPK2 in names and "urn:oid:2.5.4.42" in names
    assert ext.find("akdb:AuthnMethods/akdb:eID/akdb:Enabled", ns).text == "true"
    assert ext.find("akdb:AuthnMethods/akdb:Benutzername", ns) is None
    assert req.get("AssertionConsumerServiceURL") == ACS


def test_good_response_creates_account_by_bpk2_and_records_level(client, bundid, test_idp):
    rid = start(client, level=3, next_url="/formulare/")
    xml = test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS))
    r = post(client, xml)
    assert r.status_code == 302 and r["Location"] == "/formulare/", r.content[:1500]
    link = IdentityLink.objects.get(provider="bundid")
    assert link.subject == "bPK2-Testperson-0001" and link.level == 4
    assert link.user.display_name == "Erika Mustermann"
    assert not link.user.has_usable_password()
    session = client.session["rathaus_identity"]
    assert session["level"] == 4 and session["known"]["street"] == "Heidestraße"
    assert session["known"]["house_number"] == "17"
    event = AuditEvent.objects.get(action="identity.account_created")
    assert event.changes["level"] == [None, "hoch"]
    # a second login with the same bPK2 is the same account
    client.logout()
    rid = start(client)
    post(client, test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS)))
    assert User.objects.filter(identity_links__provider="bundid").count() == 1
    assert AuditEvent.objects.filter(action="identity.login").count() == 1


def test_existing_email_is_never_linked_by_itself(client, bundid, test_idp, citizen):
    attrs = {BPK2: ("bPK2-X", "HOCH"), "urn:oid:0.9.2342.19200300.100.1.3": (citizen.email, "NORMAL")}
    rid = start(client)
    post(
        client,
        test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, attributes=attrs)),
    )
    link = IdentityLink.objects.get(subject="bPK2-X")
    assert link.user != citizen and link.user.email.endswith("@konto.invalid")


def _refused(client, r, text: str) -> None:
    assert r.status_code == 400
    body = r.content.decode()
    assert text in body, body[body.find("data-identity-error") :][:400]
    assert "rathaus_identity" not in client.session
    assert not IdentityLink.objects.exists()
    assert not User.objects.filter(email__endswith="@konto.invalid").exists()


def test_unsigned_response_is_refused(client, bundid, test_idp):
    rid = start(client)
    xml = TestIdP.unsigned(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS))
    _refused(client, post(client, xml), "Signatur")
    assert not SeenAssertion.objects.exists()


def test_wrongly_signed_response_is_refused(client, bundid, test_idp):
    rid = start(client)
    xml = test_idp.sign(
        test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS), key=test_idp.other_key_path
    )
    _refused(client, post(client, xml), "Signatur")


def test_tampered_response_is_refused(client, bundid, test_idp):
    rid = start(client)
    xml = test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS))
    _refused(client, post(client, xml.replace("bPK2-Testperson-0001", "bPK2-Angreifer")), "Signatur")


def test_expired_response_is_refused(client, bundid, test_idp):
    rid = start(client)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    xml = test_idp.sign(
        test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, not_on_or_after=past)
    )
    _refused(client, post(client, xml), "abgelaufen")


def test_replayed_assertion_is_refused(client, bundid, test_idp):
    rid = start(client)
    xml = test_idp.sign(
        test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, assertion_id="_same")
    )
    assert post(client, xml).status_code == 302
    assert SeenAssertion.objects.filter(assertion_id="_same").exists()
    client.logout()
    rid = start(client)  # even bound to a new request of the same browser
    xml = test_idp.sign(
        test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, assertion_id="_same")
    )
    r = post(client, xml)
    assert r.status_code == 400 and "bereits verwendet" in r.content.decode()
    assert "rathaus_identity" not in client.session


def test_same_response_posted_twice_is_refused(client, bundid, test_idp):
    rid = start(client)
    xml = test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS))
    assert post(client, xml).status_code == 302
    r = post(client, xml)
    assert r.status_code == 400


def test_wrong_audience_is_refused(client, bundid, test_idp):
    rid = start(client)
    xml = test_idp.sign(
        test_idp.response_xml(
            in_response_to=rid, sp_entity_id=SP, acs=ACS, audience="https://andere.example/sp"
        )
    )
    _refused(client, post(client, xml), "Audience")


def test_wrong_recipient_is_refused(client, bundid, test_idp):
    rid = start(client)
    xml = test_idp.sign(
        test_idp.response_xml(
            in_response_to=rid, sp_entity_id=SP, acs=ACS, recipient="https://andere.example/acs"
        )
    )
    _refused(client, post(client, xml), "Recipient")


def test_unknown_in_response_to_is_refused(client, bundid, test_idp):
    start(client)
    xml = test_idp.sign(test_idp.response_xml(in_response_to="_fremd", sp_entity_id=SP, acs=ACS))
    _refused(client, post(client, xml), "keiner Anmeldung")


def test_too_low_a_level_is_refused(client, bundid, test_idp):
    rid = start(client, level=4)
    xml = test_idp.sign(
        test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, class_ref="STORK-QAA-Level-3")
    )
    _refused(client, post(client, xml), "Vertrauensniveau")


def test_bpk2_below_the_level_is_refused(client, bundid, test_idp):
    """The class says 4, but the IdP vouches for the bPK2 only at NORMAL (akdb:TrustLevel)."""
    rid = start(client, level=3)
    attrs = {BPK2: ("bPK2-Y", "NORMAL"), "urn:oid:2.5.4.42": ("Erika", "HOCH")}
    xml = test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, attributes=attrs))
    _refused(client, post(client, xml), "Vertrauensniveau")


def test_attribute_below_the_level_is_not_used(client, bundid, test_idp):
    rid = start(client, level=3)
    attrs = {
        BPK2: ("bPK2-Z", "HOCH"),
        "urn:oid:2.5.4.42": ("Erika", "HOCH"),
        "urn:oid:2.5.4.4": ("Muster", "NORMAL"),
    }
    xml = test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, attributes=attrs))
    assert post(client, xml).status_code == 302
    known = client.session["rathaus_identity"]["known"]
    assert known["given_name"] == "Erika" and "family_name" not in known


def test_missing_bpk2_is_refused(client, bundid, test_idp):
    rid = start(client)
    attrs = {"urn:oid:2.5.4.42": ("Erika", "HOCH")}
    xml = test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, attributes=attrs))
    _refused(client, post(client, xml), "bPK2")


def test_signature_wrapping_is_refused(client, bundid, test_idp):
    """XSW: the signed assertion stays, a forged one (other bPK2) is put before it."""
    from lxml import etree

    rid = start(client)
    signed = test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS))
    root = etree.fromstring(signed.encode())
    ns = "{urn:oasis:names:tc:SAML:2.0:assertion}"
    original = root.find(f"{ns}Assertion")
    evil = etree.fromstring(etree.tostring(original))
    evil.set("ID", "_evil")
    for sig in evil.iter("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        sig.getparent().remove(sig)
    for value in evil.iter(f"{ns}AttributeValue"):
        if value.text == "bPK2-Testperson-0001":
            value.text = "bPK2-Angreifer"
    original.addprevious(evil)
    r = post(client, etree.tostring(root).decode())
    assert r.status_code == 400
    assert not IdentityLink.objects.exists()
    # variant 2: the forged assertion carries the signed one's ID, the original hidden inside it
    rid = start(client)
    signed = test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS))
    root = etree.fromstring(signed.encode())
    original = root.find(f"{ns}Assertion")
    evil = etree.fromstring(etree.tostring(original))
    for value in evil.iter(f"{ns}AttributeValue"):
        if value.text == "bPK2-Testperson-0001":
            value.text = "bPK2-Angreifer"
    original.addprevious(evil)
    sig = evil.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    obj = etree.SubElement(sig, "{http://www.w3.org/2000/09/xmldsig#}Object")
    obj.append(original)  # moved: the response now holds one assertion, the forged one
    r = post(client, etree.tostring(root).decode())
    assert r.status_code == 400
    assert not IdentityLink.objects.filter(subject="bPK2-Angreifer").exists()
    assert not IdentityLink.objects.exists()


def test_garbage_is_refused_without_500(client, bundid):
    start(client)
    r = client.post("/identitaet/saml/acs/", {"SAMLResponse": "nicht base64 !!"}, HTTP_HOST=HOST_A)
    assert r.status_code == 400
    r = client.post("/identitaet/saml/acs/", {"SAMLResponse": TestIdP.b64("<kein/>")}, HTTP_HOST=HOST_A)
    assert r.status_code == 400


def test_no_idp_configured_means_no_login(client, muni_a):
    r = client.get("/identitaet/anmelden/bundid/", HTTP_HOST=HOST_A)
    assert r.status_code == 404
    r = client.post("/identitaet/saml/acs/", {"SAMLResponse": "x"}, HTTP_HOST=HOST_A, follow=True)
    assert r.status_code == 400 and "keine Anmeldung mit BundID eingerichtet" in r.content.decode()


def test_metadata_per_municipality_without_private_key(client, muni_a, muni_b):
    from tests.conftest import HOST_B

    a = client.get("/identitaet/saml/metadata/", HTTP_HOST=HOST_A).content.decode()
    b = client.get("/identitaet/saml/metadata/", HTTP_HOST=HOST_B).content.decode()
    assert 'entityID="http://zeitz.testserver/identitaet/saml/metadata/"' in a
    assert "musterstadt.testserver" in b
    assert "PRIVATE KEY" not in a and "AssertionConsumerService" in a
    from rathaus.identity.models import ServiceProvider

    sps = list(ServiceProvider.objects.all())
    assert len(sps) == 2 and b"PRIVATE" not in bytes(sps[0].private_key_encrypted)
    assert client.get("/identitaet/saml/metadata/", HTTP_HOST=HOST_A).content.decode() == a


def test_cross_site_post_without_session_cookie_continues_with_a_get(client, bundid, test_idp):
    """The IdP's POST comes from another site: the SameSite=Lax session cookie is missing."""
    from django.test import Client

    rid = start(client)
    xml = test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS))
    r = Client().post("/identitaet/saml/acs/", {"SAMLResponse": TestIdP.b64(xml)}, HTTP_HOST=HOST_A)
    assert r.status_code == 302 and "weiter=" in r["Location"]
    assert not IdentityLink.objects.exists()
    follow = client.get(r["Location"], HTTP_HOST=HOST_A)
    assert follow.status_code == 302 and IdentityLink.objects.count() == 1
    again = client.get(r["Location"], HTTP_HOST=HOST_A)  # taken once
    assert again.status_code == 400 and "abgelaufen" in again.content.decode()
