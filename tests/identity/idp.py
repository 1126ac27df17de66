# ruff: noqa: E501  (SAML XML written out as the IdP sends it)
"""A test identity provider: builds SAML responses as BundID sends them (akdb:TrustLevel per
attribute) and signs them with xmlsec1 and its own test key — or breaks them on purpose."""

from __future__ import annotations

import base64
import datetime as dt
import subprocess
import uuid
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from rathaus.identity import keys

AKDB = "https://www.akdb.de/request/2018/09"
BPK2 = "urn:oid:1.3.6.1.4.1.25484.494450.3"
ATTRS = {
    BPK2: ("bPK2-Testperson-0001", "HOCH"),
    "urn:oid:2.5.4.42": ("Erika", "HOCH"),
    "urn:oid:2.5.4.4": ("Mustermann", "HOCH"),
    "urn:oid:1.2.40.0.10.2.1.1.55": ("1964-08-12", "HOCH"),
    "urn:oid:2.5.4.16": ("Heidestraße 17", "SUBSTANTIELL"),
    "urn:oid:2.5.4.17": ("06712", "SUBSTANTIELL"),
    "urn:oid:2.5.4.7": ("Zeitz", "SUBSTANTIELL"),
    "urn:oid:0.9.2342.19200300.100.1.3": ("erika@example.org", "NORMAL"),
}


def make_keypair(cn: str) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM).decode(),
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
    )


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TestIdP:
    __test__ = False

    entity_id = "https://idp.bund.test/idp"
    sso = "https://idp.bund.test/sso"
    slo = "https://idp.bund.test/slo"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cert, self.key = make_keypair("Test-IdP")
        self.key_path = folder / "idp.key"
        self.key_path.write_text(self.key)
        _other_cert, other_key = make_keypair("Fremder Schlüssel")
        self.other_key_path = folder / "other.key"
        self.other_key_path.write_text(other_key)

    def metadata(self) -> str:
        body = keys.cert_body(self.cert)
        return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{self.entity_id}">
 <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="true">
  <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{self.slo}"/>
  <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{self.sso}"/>
  <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{self.sso}"/>
 </md:IDPSSODescriptor>
</md:EntityDescriptor>"""

    @staticmethod
    def request_from_redirect(url: str) -> etree._Element:
        query = parse_qs(urlparse(url).query)
        xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15)
        return etree.fromstring(xml)

    def response_xml(
        self,
        *,
        in_response_to: str,
        sp_entity_id: str,
        acs: str,
        attributes: dict[str, tuple[str, str | None]] | None = None,
        class_ref: str = "STORK-QAA-Level-4",
        not_on_or_after: dt.datetime | None = None,
        assertion_id: str | None = None,
        audience: str | None = None,
        recipient: str | None = None,
    ) -> str:
        now = dt.datetime.now(dt.UTC)
        until = not_on_or_after or now + dt.timedelta(minutes=5)
        aid = assertion_id or "_a" + uuid.uuid4().hex
        attrs = ATTRS if attributes is None else attributes
        attr_xml = "".join(
            f'<saml:Attribute Name="{name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"'
            + (f' akdb:TrustLevel="{trust}"' if trust else "")
            + f'><saml:AttributeValue xsi:type="xs:string">{value}</saml:AttributeValue></saml:Attribute>'
            for name, (value, trust) in attrs.items()
        )
        return f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{uuid.uuid4().hex}" Version="2.0" IssueInstant="{iso(now)}" Destination="{acs}" InResponseTo="{in_response_to}"><saml:Issuer>{self.entity_id}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:akdb="{AKDB}" ID="{aid}" Version="2.0" IssueInstant="{iso(now)}"><saml:Issuer>{self.entity_id}</saml:Issuer>{self._sig_template(aid)}<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">_n{uuid.uuid4().hex}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{iso(until)}" Recipient="{recipient or acs}" InResponseTo="{in_response_to}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{iso(now - dt.timedelta(seconds=30))}" NotOnOrAfter="{iso(until)}"><saml:AudienceRestriction><saml:Audience>{audience or sp_entity_id}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{iso(now)}" SessionIndex="_s{uuid.uuid4().hex}"><saml:AuthnContext><saml:AuthnContextClassRef>{class_ref}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attr_xml}</saml:AttributeStatement></saml:Assertion></samlp:Response>"""

    def _sig_template(self, ref: str) -> str:
        return (
            '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
            '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
            '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
            f'<ds:Reference URI="#{ref}"><ds:Transforms>'
            '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
            '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
            '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/>'
            "</ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data>"
            f"<ds:X509Certificate>{keys.cert_body(self.cert)}</ds:X509Certificate>"
            "</ds:X509Data></ds:KeyInfo></ds:Signature>"
        )

    def sign(self, xml: str, *, key: Path | None = None) -> str:
        src = self.folder / f"in-{uuid.uuid4().hex}.xml"
        src.write_text(xml)
        out = subprocess.run(
            [
                "xmlsec1",
                "--sign",
                "--privkey-pem",
                str(key or self.key_path),
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                str(src),
            ],
            capture_output=True,
            check=True,
        )
        return out.stdout.decode()

    @staticmethod
    def unsigned(xml: str) -> str:
        root = etree.fromstring(xml.encode())
        for sig in root.iter("{http://www.w3.org/2000/09/xmldsig#}Signature"):
            sig.getparent().remove(sig)
        return etree.tostring(root).decode()

    @staticmethod
    def b64(xml: str) -> str:
        return base64.b64encode(xml.encode()).decode()
