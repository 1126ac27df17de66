"""SAML 2.0 with pysaml2 and Debian's xmlsec1: the municipality's SP, AuthnRequests with the BundID
extensions, and the checks of a response (signature, audience, recipient, InResponseTo, time with
clock skew, replay in services.py, trust level per attribute).

pysaml2 does the protocol and the XML security; what it cannot know (akdb:TrustLevel, the STORK
classes, the akdb request extension) is written here by hand.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, ExtensionElement
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import AuthnContextClassRef, NameID
from saml2.samlp import Extensions, RequestedAuthnContext
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from . import attributes as attrs
from . import keys

logger = logging.getLogger(__name__)

BINDINGS = {"redirect": BINDING_HTTP_REDIRECT, "post": BINDING_HTTP_POST}


class SamlError(Exception):
    """A response that is refused; the message is for the person (German, through gettext)."""


@dataclass
class Site:
    """The municipality's SP as seen from one host: URLs, keys, trusted IdP metadata."""

    base_url: str  # scheme://host
    name: str
    certificate: str
    key_encrypted: bytes
    idp_metadata: list[str] = field(default_factory=list)

    @property
    def entity_id(self) -> str:
        return f"{self.base_url}/identitaet/saml/metadata/"

    @property
    def acs_url(self) -> str:
        return f"{self.base_url}/identitaet/saml/acs/"

    @property
    def slo_url(self) -> str:
        return f"{self.base_url}/identitaet/saml/slo/"


def clock_skew() -> int:
    return int(getattr(settings, "RATHAUS_IDENTITY_CLOCK_SKEW", 60))


@contextmanager
def client(site: Site) -> Iterator[Saml2Client]:
    with keys.key_files(site.certificate, site.key_encrypted) as (key_path, cert_path):
        conf: dict[str, Any] = {
            "entityid": site.entity_id,
            "xmlsec_binary": getattr(settings, "RATHAUS_IDENTITY_XMLSEC1", "") or "/usr/bin/xmlsec1",
            "key_file": key_path,
            "cert_file": cert_path,
            "encryption_keypairs": [{"key_file": key_path, "cert_file": cert_path}],
            "accepted_time_diff": clock_skew(),
            "allow_unknown_attributes": True,
            "metadata": {"inline": site.idp_metadata} if site.idp_metadata else {},
            "service": {
                "sp": {
                    "name": site.name,
                    "endpoints": {
                        "assertion_consumer_service": [(site.acs_url, BINDING_HTTP_POST)],
                        "single_logout_service": [
                            (site.slo_url, BINDING_HTTP_REDIRECT),
                            (site.slo_url, BINDING_HTTP_POST),
                        ],
                    },
                    "authn_requests_signed": True,
                    "logout_requests_signed": True,
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "allow_unsolicited": False,
                    "signing_algorithm": SIG_RSA_SHA256,
                    "digest_algorithm": DIGEST_SHA256,
                }
            },
        }
        config = SPConfig()
        config.load(conf)
        yield Saml2Client(config=config)


def metadata_xml(site: Site) -> str:
    with client(site) as c:
        return str(entity_descriptor(c.config))


def idp_entity_id(metadata: str) -> str:
    """The entity ID of uploaded IdP metadata; raises SamlError if it is no IdP metadata."""
    from django.utils.translation import gettext as _
    from lxml import etree

    try:
        root = etree.fromstring(
            metadata.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError as exc:
        raise SamlError(_("Die Metadaten sind kein gültiges XML.")) from exc
    md = "urn:oasis:names:tc:SAML:2.0:metadata"
    entity = root if root.tag == f"{{{md}}}EntityDescriptor" else root.find(f"{{{md}}}EntityDescriptor")
    if entity is None or entity.find(f"{{{md}}}IDPSSODescriptor") is None or not entity.get("entityID"):
        raise SamlError(_("Die Datei enthält keine Metadaten eines Identitätsanbieters (IDPSSODescriptor)."))
    return str(entity.get("entityID"))


def _akdb(
    tag: str, children: list[ExtensionElement] | None = None, text: str | None = None, **at: str
) -> Any:
    return ExtensionElement(tag, namespace=attrs.AKDB_NS, attributes=at, children=children or [], text=text)


def akdb_extension(
    requested: list[str], methods: list[str], display_name: str, online_service_id: str
) -> Extensions:
    """``akdb:AuthenticationRequest`` Version 2: requested attributes, allowed methods, display."""
    children: list[ExtensionElement] = []
    if methods:
        children.append(_akdb("AuthnMethods", [_akdb(m, [_akdb("Enabled", text="true")]) for m in methods]))
    children.append(
        _akdb(
            "RequestedAttributes",
            [
                _akdb(
                    "RequestedAttribute",
                    Name=attrs.KEYS[key],
                    RequiredAttribute="true" if key in ("bpk2", "organisation_id") else "false",
                )
                for key in requested
            ],
        )
    )
    if display_name or online_service_id:
        ui = [
            ExtensionElement(tag, namespace=attrs.CLASSIC_UI_NS, text=value)
            for tag, value in (
                ("OrganizationDisplayName", display_name),
                ("OnlineServiceId", online_service_id),
            )
            if value
        ]
        children.append(
            _akdb(
                "DisplayInformation",
                [ExtensionElement("Version", namespace=attrs.CLASSIC_UI_NS, children=ui)],
            )
        )
    return Extensions(extension_elements=[_akdb("AuthenticationRequest", children, Version="2")])


@dataclass
class OutgoingRequest:
    request_id: str
    binding: str
    url: str = ""  # redirect
    form: dict[str, str] = field(default_factory=dict)  # POST: SAMLRequest, RelayState
    action: str = ""


def authn_request(
    site: Site,
    idp_entity_id: str,
    *,
    level: int,
    binding: str,
    relay_state: str,
    requested: list[str],
    methods: list[str],
    display_name: str = "",
    online_service_id: str = "",
) -> OutgoingRequest:
    """A signed AuthnRequest: Comparison="minimum" with STORK-QAA-Level-n and the akdb extension."""
    context = RequestedAuthnContext(
        comparison="minimum",
        authn_context_class_ref=[AuthnContextClassRef(text=f"{attrs.STORK_PREFIX}{max(level, 1)}")],
    )
    saml_binding = BINDINGS[binding]
    with client(site) as c:
        req_id, info = c.prepare_for_authenticate(
            entityid=idp_entity_id,
            relay_state=relay_state,
            binding=saml_binding,
            sign=True,
            sigalg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            requested_authn_context=context,
            extensions=akdb_extension(requested, methods, display_name, online_service_id),
        )
    out = OutgoingRequest(request_id=str(req_id), binding=binding)
    if saml_binding == BINDING_HTTP_REDIRECT:
        out.url = dict(info["headers"])["Location"]
    else:
        out.action, out.form = _post_form(info)
    return out


def _post_form(info: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """pysaml2's POST binding renders an HTML page; take its action and hidden fields apart."""
    from lxml import html

    doc = html.fromstring(info["data"])
    form = doc.find(".//form")
    fields = {i.get("name"): i.get("value") or "" for i in doc.iter("input") if i.get("name")}
    return str(form.get("action")), fields


@dataclass
class Identity:
    provider: str
    subject: str
    level: int
    method: str
    attributes: dict[str, str]
    levels: dict[str, int]
    assertion_id: str
    expires: Any
    name_id: dict[str, str]
    session_index: str
    in_response_to: str


def _attribute_map(assertion: Any) -> tuple[dict[str, str], dict[str, int]]:
    values: dict[str, str] = {}
    levels: dict[str, int] = {}
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            key = attrs.ATTRIBUTES.get(attribute.name, (attribute.name, ""))[0]
            texts = [v.text for v in attribute.attribute_value or [] if v.text]
            if not texts:
                continue
            values[key] = texts[0].strip()
            trust = (attribute.extension_attributes or {}).get(attrs.TRUST_LEVEL_ATTR)
            if trust is not None:
                levels[key] = attrs.level_of(trust)
    return values, levels


def parse_response(site: Site, saml_response: str, outstanding: dict[str, str], provider: str) -> Identity:
    """Checked identity from a POSTed SAMLResponse; raises SamlError with a message for the person."""
    from django.utils.translation import gettext as _
    from saml2 import response as sr
    from saml2 import sigver, validate

    if not saml_response:
        raise SamlError(_("Es wurde keine Antwort des Identitätsanbieters übermittelt."))
    try:
        base64.b64decode(saml_response, validate=True)
    except ValueError as exc:
        raise SamlError(_("Die Antwort des Identitätsanbieters ist beschädigt.")) from exc
    with client(site) as c:
        try:
            resp = c.parse_authn_request_response(saml_response, BINDING_HTTP_POST, outstanding=outstanding)
        except sr.StatusError as exc:
            raise SamlError(_("Der Identitätsanbieter hat die Anmeldung nicht bestätigt.")) from exc
        except (sigver.SignatureError, sr.IncorrectlySigned, sigver.MissingKey) as exc:
            raise SamlError(_("Die Signatur der Antwort ist ungültig oder fehlt.")) from exc
        except sr.UnsolicitedResponse as exc:
            raise SamlError(
                _(
                    "Diese Antwort gehört zu keiner Anmeldung, die hier begonnen wurde. "
                    "Bitte melden Sie sich erneut an."
                )
            ) from exc
        except (validate.ResponseLifetimeExceed, validate.ToEarly) as exc:
            raise SamlError(
                _("Die Antwort ist abgelaufen oder noch nicht gültig. Bitte melden Sie sich erneut an.")
            ) from exc
        except Exception as exc:  # pysaml2 raises plain Exception for audience / recipient faults
            text = str(exc).lower()
            logger.info("SAML response refused: %s: %s", type(exc).__name__, text)
            if "condition" in text:
                raise SamlError(_condition_message(saml_response)) from exc
            if "audience" in text:
                raise SamlError(_("Die Antwort ist nicht für diesen Dienst bestimmt (Audience).")) from exc
            if "recipient" in text or "destination" in text or "subject confirmation" in text:
                raise SamlError(_("Die Antwort ist an eine andere Adresse gerichtet (Recipient).")) from exc
            if "signature" in text or "signed" in text:
                raise SamlError(_("Die Signatur der Antwort ist ungültig oder fehlt.")) from exc
            raise SamlError(_("Die Antwort des Identitätsanbieters konnte nicht geprüft werden.")) from exc
        if resp is None or resp.assertion is None:
            raise SamlError(_("Die Antwort enthält keine Anmeldebestätigung."))
        assertion = resp.assertion
        if not getattr(assertion, "signature", None) and not resp.response.signature:
            raise SamlError(_("Die Signatur der Antwort ist ungültig oder fehlt."))
        # Recipient of the bearer confirmation: our ACS on this host, nothing else
        confirmations = assertion.subject.subject_confirmation if assertion.subject else []
        if not confirmations or any(
            (sc.subject_confirmation_data is None or sc.subject_confirmation_data.recipient != site.acs_url)
            for sc in confirmations
        ):
            raise SamlError(_("Die Antwort ist an eine andere Adresse gerichtet (Recipient)."))
    values, levels = _attribute_map(assertion)
    class_level = 0
    for statement in assertion.authn_statement or []:
        ref = statement.authn_context.authn_context_class_ref if statement.authn_context else None
        if ref is not None and ref.text:
            class_level = max(class_level, attrs.level_of(ref.text))
    level = class_level
    if "level" in values:
        level = min(level, attrs.level_of(values["level"])) if level else attrs.level_of(values["level"])
    subject_key = "bpk2" if provider == "bundid" else "organisation_id"
    name_id = assertion.subject.name_id if assertion.subject else None
    subject = values.get(subject_key, "")
    if provider == "muk":
        # the person acting for the business: the persistent NameID, else bPK2
        subject = (name_id.text if name_id is not None else "") or values.get("bpk2", "")
        if not values.get("organisation_id"):
            raise SamlError(_("Die Antwort enthält keine Unternehmenskennung."))
    if not subject:
        raise SamlError(_("Die Antwort enthält kein bPK2; ohne dieses Merkmal ist keine Anmeldung möglich."))
    if subject_key in levels:
        level = min(level, levels[subject_key])
    expires = assertion.conditions.not_on_or_after if assertion.conditions else None
    session_index = ""
    for statement in assertion.authn_statement or []:
        session_index = statement.session_index or session_index
    return Identity(
        provider=provider,
        subject=subject,
        level=level,
        method=values.get("method", ""),
        attributes=values,
        levels=levels,
        assertion_id=str(assertion.id),
        expires=expires,
        name_id={
            "text": name_id.text or "",
            "format": name_id.format or "",
            "name_qualifier": name_id.name_qualifier or "",
            "sp_name_qualifier": name_id.sp_name_qualifier or "",
        }
        if name_id is not None
        else {},
        session_index=session_index,
        in_response_to=str(resp.in_response_to or ""),
    )


def _condition_message(saml_response: str) -> str:
    """Which condition failed (only to choose the message; the response is refused anyway)."""
    import datetime as dt

    from django.utils.dateparse import parse_datetime
    from django.utils.translation import gettext as _
    from lxml import etree

    expired = _("Die Antwort ist abgelaufen oder noch nicht gültig. Bitte melden Sie sich erneut an.")
    try:
        root = etree.fromstring(
            base64.b64decode(saml_response), parser=etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except (ValueError, etree.XMLSyntaxError):
        return _("Die Antwort des Identitätsanbieters konnte nicht geprüft werden.")
    now = dt.datetime.now(dt.UTC)
    skew = dt.timedelta(seconds=clock_skew())
    for cond in root.iter("{urn:oasis:names:tc:SAML:2.0:assertion}Conditions"):
        after = parse_datetime(cond.get("NotOnOrAfter") or "")
        before = parse_datetime(cond.get("NotBefore") or "")
        if (after and after + skew <= now) or (before and before - skew > now):
            return expired
    return _("Die Antwort ist nicht für diesen Dienst bestimmt (Audience).")


def logout_request(site: Site, idp_entity_id: str, name_id: dict[str, str], session_index: str) -> str | None:
    """URL of a signed LogoutRequest (Redirect binding) to the IdP, or None if it offers no SLO."""
    with client(site) as c:
        try:
            slo = c.metadata.single_logout_service(idp_entity_id, BINDING_HTTP_REDIRECT, "idpsso")
        except Exception:
            return None
        if not slo:
            return None
        destination = slo[0]["location"]
        _req_id, req = c.create_logout_request(
            destination,
            idp_entity_id,
            name_id=NameID(
                text=name_id.get("text", ""),
                format=name_id.get("format") or None,
                name_qualifier=name_id.get("name_qualifier") or None,
                sp_name_qualifier=name_id.get("sp_name_qualifier") or None,
            ),
            session_indexes=[session_index] if session_index else None,
            sign=False,
        )
        info = c.apply_binding(
            BINDING_HTTP_REDIRECT, str(req), destination, relay_state="", sign=True, sigalg=SIG_RSA_SHA256
        )
        return str(dict(info["headers"])["Location"])


def handle_logout_message(site: Site, params: dict[str, str], binding: str) -> str | None:
    """An IdP's LogoutRequest (answered with a signed LogoutResponse URL) or LogoutResponse (None)."""
    saml_binding = BINDINGS[binding]
    with client(site) as c:
        if "SAMLResponse" in params:
            c.parse_logout_request_response(params["SAMLResponse"], saml_binding)
            return None
        req = c.parse_logout_request(
            params.get("SAMLRequest", ""),
            saml_binding,
            relay_state=params.get("RelayState"),
            sigalg=params.get("SigAlg"),
            signature=params.get("Signature"),
        )
        response = c.create_logout_response(req.message, [BINDING_HTTP_REDIRECT])
        slo = c.metadata.single_logout_service(req.message.issuer.text, BINDING_HTTP_REDIRECT, "idpsso")
        destination = slo[0]["location"] if slo else ""
        info = c.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            destination,
            relay_state=params.get("RelayState", ""),
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        return str(dict(info["headers"])["Location"])
