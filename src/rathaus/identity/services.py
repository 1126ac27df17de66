"""Public API of the identity app: SAML login with BundID / Mein Unternehmenskonto, accounts linked
by bPK2, the trust level per service, prefill, DSGVO export and erasure.

Other apps reach this app only through this module and queries.py. What works on the HTTP session
(starting and completing the SAML login, single logout, the hooks of the FIM form views) is in
``web.py``, the app's HTTP boundary; it calls these services with a ``ServiceContext``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from rathaus.core.accounts import services as accounts
from rathaus.core.accounts.models import User
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.models import Municipality

from . import attributes as attrs
from . import keys, saml
from .models import (
    IdentityLink,
    IdentityProvider,
    OrganisationLink,
    ParkedResponse,
    Provider,
    SeenAssertion,
    ServiceProvider,
    ServiceRequirement,
)
from .saml import SamlError

KIND = {Provider.BUNDID: "citizen", Provider.MUK: "business"}

# --- the municipality's SP ------------------------------------------------------------------------


def service_provider(municipality: Municipality) -> ServiceProvider:
    """The SP key pair, generated at first use (under a row lock: one key per municipality)."""
    sp = ServiceProvider.objects.filter(municipality=municipality).first()
    if sp is not None:
        return sp
    cert, key = keys.generate(f"Rathaus {municipality.name}")
    try:
        with transaction.atomic():
            sp = ServiceProvider.objects.create(
                municipality=municipality, certificate=cert, private_key_encrypted=key
            )
            audit.record(
                "identity.sp_key_created", municipality=municipality, obj=sp, object_repr="SAML-Schlüssel"
            )
    except IntegrityError:
        sp = ServiceProvider.objects.get(municipality=municipality)
    return sp


def enabled_providers(municipality: Municipality | None) -> dict[str, IdentityProvider]:
    if municipality is None:
        return {}
    return {
        idp.provider: idp for idp in IdentityProvider.objects.for_tenant(municipality).filter(enabled=True)
    }


def save_identity_provider(
    municipality: Municipality,
    provider: str,
    metadata: str,
    *,
    binding: str = "redirect",
    allowed_methods: list[str] | None = None,
    display_name: str = "",
    online_service_id: str = "",
    enabled: bool = True,
    ctx: ServiceContext | None = None,
) -> IdentityProvider:
    """Store (replace) the IdP's metadata; raises SamlError if it is no IdP metadata."""
    entity_id = saml.idp_entity_id(metadata)
    with transaction.atomic():
        idp, _created = IdentityProvider.objects.update_or_create(
            municipality=municipality,
            provider=provider,
            defaults={
                "entity_id": entity_id,
                "metadata_xml": metadata,
                "binding": binding,
                "allowed_methods": [m for m in allowed_methods or [] if m in attrs.METHODS],
                "display_name": display_name,
                "online_service_id": online_service_id,
                "enabled": enabled,
            },
        )
        audit.record(
            "identity.idp_configured",
            ctx=ctx,
            municipality=municipality,
            obj=idp,
            changes={"entity_id": [None, entity_id], "enabled": [None, enabled]},
        )
    return idp


# --- login ----------------------------------------------------------------------------------------


PARK_SECONDS = 300


def park_response(data: str) -> str:
    """Keep a cross-site POSTed SAMLResponse (at most 256 kB) for the same-site GET that follows."""
    import secrets

    ParkedResponse.objects.filter(created_at__lt=timezone.now() - dt.timedelta(seconds=PARK_SECONDS)).delete()
    key = secrets.token_urlsafe(32)
    ParkedResponse.objects.create(key=key, data=data[: 256 * 1024])
    return key


def take_parked_response(key: str) -> str | None:
    """The parked response of this key, once; None if unknown or too old."""
    if not key:
        return None
    with transaction.atomic():
        row = ParkedResponse.objects.select_for_update().filter(key=key).first()
        if row is None:
            return None
        row.delete()
    if row.created_at < timezone.now() - dt.timedelta(seconds=PARK_SECONDS):
        return None
    return row.data


def _expiry(value: Any) -> dt.datetime:
    parsed = parse_datetime(str(value)) if value else None
    if parsed is None:
        return timezone.now() + dt.timedelta(days=1)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed + dt.timedelta(seconds=saml.clock_skew())


def _known(values: dict[str, str]) -> dict[str, str]:
    """Identity attributes → prefill meanings (street line split, birth date as ISO date)."""
    out = {k: v for k, v in values.items() if k in attrs.KEYS and k not in ("bpk2", "level", "method")}
    if "street_line" in out:
        out["street"], out["house_number"] = attrs.split_street(out.pop("street_line"))
    if "birth_date" in out:
        raw = out["birth_date"]
        if len(raw) == 10 and raw[2] == "." and raw[5] == ".":
            out["birth_date"] = f"{raw[6:]}-{raw[3:5]}-{raw[:2]}"
    return out


def _subject_ref(subject: str) -> str:
    return hashlib.sha256(f"rathaus.identity:{subject}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SignIn:
    """A checked login: the account (found, linked or created) and what the session remembers of it."""

    user: User
    created: bool
    identity: dict[str, Any]


def sign_in(identity: saml.Identity, values: dict[str, str], *, ctx: ServiceContext) -> SignIn:
    """Use an IdP response the web layer has checked (signature, InResponseTo, trust level): refuse a
    replayed assertion, find, link (to ``ctx.actor`` when signed in) or create the account, link the
    organisation (MUK), record it. ``values`` are the attributes of the reached level.

    Raises SamlError (nothing stored) when the response may not be used.
    """
    current = ctx.actor
    with transaction.atomic():
        SeenAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
        try:
            with transaction.atomic():
                SeenAssertion.objects.create(
                    assertion_id=identity.assertion_id[:255], expires_at=_expiry(identity.expires)
                )
        except IntegrityError as exc:
            raise SamlError(
                _("Diese Anmeldebestätigung wurde bereits verwendet. Bitte melden Sie sich erneut an.")
            ) from exc
        user, created = _account_for(identity, values, current)
        organisation = (
            _organisation_for(identity, values, user) if identity.provider == Provider.MUK else None
        )
        audit.record(
            "identity.login" if not created else "identity.account_created",
            ctx=ctx,
            actor=user,
            object_type="identity.link",
            object_id=str(user.pk),
            object_repr=f"Konto #{user.pk}: {Provider(identity.provider).label}",
            changes={
                "provider": [None, identity.provider],
                "level": [None, attrs.LEVEL_NAMES.get(identity.level, "")],
                "method": [None, identity.method],
            },
        )
    return SignIn(
        user=user,
        created=created,
        identity={
            "provider": identity.provider,
            "kind": KIND[Provider(identity.provider)],
            "level": identity.level,
            "method": identity.method,
            "at": timezone.now().isoformat(),
            "subject_ref": _subject_ref(identity.subject),
            "name": " ".join(filter(None, [values.get("given_name"), values.get("family_name")])),
            "known": _known(values),
            "organisation": organisation,
            "name_id": identity.name_id,
            "session_index": identity.session_index,
        },
    )


def _account_for(identity: saml.Identity, values: dict[str, str], current: Any) -> tuple[Any, bool]:
    link = (
        IdentityLink.objects.select_related("user")
        .filter(provider=identity.provider, subject=identity.subject)
        .first()
    )
    created = False
    if current is not None:
        if link is not None and link.user_id != current.pk:
            raise SamlError(_("Diese Identität ist bereits mit einem anderen Konto verknüpft."))
        if link is None and IdentityLink.objects.filter(user=current, provider=identity.provider).exists():
            raise SamlError(
                _("Ihr Konto ist bereits mit einer anderen Identität dieses Anbieters verknüpft.")
            )
        user = current
    elif link is not None:
        user = link.user
    else:
        # never linked by e-mail alone: a new account (the address only if no account uses it)
        mail = values.get("email", "")
        if not mail or accounts.email_taken(mail):
            mail = f"{identity.provider}-{_subject_ref(identity.subject)}@konto.invalid"
        name = " ".join(filter(None, [values.get("given_name"), values.get("family_name")]))
        user = accounts.create_account_without_password(
            mail, name, "business" if identity.provider == Provider.MUK else "person"
        )
        created = True
    if accounts.has_staff_role(user) and current is None:
        raise SamlError(
            _("Mitarbeitende melden sich mit Passwort und zweitem Faktor an, nicht mit der BundID.")
        )
    stored = {k: v for k, v in values.items() if k not in ("bpk2",)}
    if link is None:
        IdentityLink.objects.create(
            user=user,
            provider=identity.provider,
            subject=identity.subject,
            level=identity.level,
            attributes=stored,
            last_login_at=timezone.now(),
        )
    else:
        link.level, link.attributes, link.last_login_at = identity.level, stored, timezone.now()
        link.save(update_fields=["level", "attributes", "last_login_at"])
    return user, created


def _organisation_for(identity: saml.Identity, values: dict[str, str], user: User) -> dict[str, Any]:
    ident = values["organisation_id"]
    link = OrganisationLink.objects.select_related("organisation").filter(identifier=ident).first()
    if link is None:
        org = accounts.register_organisation(user, values.get("organisation_name") or ident)
        OrganisationLink.objects.create(organisation=org, identifier=ident)
        return {"id": org.pk, "name": org.name}
    accounts.join_organisation(user, link.organisation_id, representative=True)
    return {"id": link.organisation_id, "name": link.organisation.name}


def unlink(user: User, provider: str, *, ctx: ServiceContext) -> bool:
    """Remove the account's link to this provider (the view also forgets the session's identity)."""
    with transaction.atomic():
        deleted, _rows = IdentityLink.objects.filter(user=user, provider=provider).delete()
        if deleted:
            audit.record(
                "identity.unlinked",
                ctx=ctx,
                actor=user,
                object_type="identity.link",
                object_id=str(user.pk),
                object_repr=f"Konto #{user.pk}: {Provider(provider).label}",
            )
    return bool(deleted)


# --- trust level per service (the FIM form asks for it) -----------------------------------------


def requirement_for(form: Any) -> ServiceRequirement | None:
    return ServiceRequirement.objects.filter(form=form).first()


def save_requirement(form: Any, *, ctx: ServiceContext | None = None, **values: Any) -> ServiceRequirement:
    with transaction.atomic():
        req, _created = ServiceRequirement.objects.update_or_create(
            form=form, defaults={"municipality": form.municipality, **values}
        )
        audit.record(
            "identity.requirement_saved",
            ctx=ctx,
            municipality=form.municipality,
            obj=req,
            object_repr=f"{form.name}: {req.get_level_display()}",
            changes={"level": [None, req.level]},
        )
    return req


def login_link(provider: str, level: int, next_url: str) -> str:
    return (
        reverse("identity:login", kwargs={"provider": provider})
        + "?"
        + urlencode({"niveau": level, "next": next_url})
    )


def identity_prefill_source(user: User, municipality: Municipality) -> dict[str, str]:
    """fim.prefill source: the attributes of the person's last BundID / MUK login."""
    out: dict[str, str] = {}
    for link in IdentityLink.objects.filter(user=user).order_by("provider"):
        out.update(_known(link.attributes or {}))
    return out


# --- DSGVO ----------------------------------------------------------------------------------------


def export_identity(user: User) -> tuple[str, Any]:
    return (
        "identity_links",
        [
            {
                "provider": link.provider,
                "subject": link.subject,
                "level": attrs.LEVEL_NAMES.get(link.level, ""),
                "attributes": link.attributes,
                "linked_at": link.linked_at.isoformat(),
                "last_login_at": link.last_login_at.isoformat() if link.last_login_at else None,
            }
            for link in IdentityLink.objects.filter(user=user)
        ],
    )


def erase_identity(user: User) -> None:
    IdentityLink.objects.filter(user=user).delete()
