"""Public API of the identity app: SAML login with BundID / Mein Unternehmenskonto, accounts linked
by bPK2, the trust level per service, prefill, DSGVO export and erasure.

Other apps reach this app only through this module and queries.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from rathaus.core.accounts import services as accounts
from rathaus.core.audit import services as audit
from rathaus.fim import services as fim

from . import attributes as attrs
from . import keys, saml
from .models import (
    IdentityLink,
    IdentityProvider,
    Level,
    OrganisationLink,
    ParkedResponse,
    Provider,
    SeenAssertion,
    ServiceProvider,
    ServiceRequirement,
)
from .saml import SamlError

SESSION_IDENTITY = "rathaus_identity"
SESSION_OUTSTANDING = "rathaus_saml_outstanding"
KIND = {Provider.BUNDID: "citizen", Provider.MUK: "business"}

# --- the municipality's SP ------------------------------------------------------------------------


def service_provider(municipality: Any) -> ServiceProvider:
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


def enabled_providers(municipality: Any) -> dict[str, IdentityProvider]:
    if municipality is None:
        return {}
    return {
        idp.provider: idp for idp in IdentityProvider.objects.for_tenant(municipality).filter(enabled=True)
    }


def site(request: Any) -> saml.Site:
    municipality = request.municipality
    sp = service_provider(municipality)
    return saml.Site(
        base_url=f"{request.scheme}://{request.get_host()}",
        name=municipality.name,
        certificate=sp.certificate,
        key_encrypted=bytes(sp.private_key_encrypted),
        idp_metadata=[idp.metadata_xml for idp in enabled_providers(municipality).values()],
    )


def save_identity_provider(
    municipality: Any,
    provider: str,
    metadata: str,
    *,
    binding: str = "redirect",
    allowed_methods: list[str] | None = None,
    display_name: str = "",
    online_service_id: str = "",
    enabled: bool = True,
    actor: Any = None,
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
            actor=actor,
            municipality=municipality,
            obj=idp,
            changes={"entity_id": [None, entity_id], "enabled": [None, enabled]},
        )
    return idp


# --- login ----------------------------------------------------------------------------------------


def _safe_next(request: Any, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return "/"


def start_login(request: Any, provider: str, *, level: int, next_url: str) -> saml.OutgoingRequest:
    """A signed AuthnRequest to the municipality's IdP; remembers it (InResponseTo) in the session."""
    idp = enabled_providers(request.municipality).get(provider)
    if idp is None:
        raise SamlError(_("Für diese Kommune ist keine Anmeldung mit diesem Konto eingerichtet."))
    level = max(int(level), Level.BASIC)
    out = saml.authn_request(
        site(request),
        idp.entity_id,
        level=level,
        binding=idp.binding,
        relay_state=_safe_next(request, next_url),
        requested=attrs.BUNDID_REQUESTED if provider == Provider.BUNDID else attrs.MUK_REQUESTED,
        methods=list(idp.allowed_methods or []),
        display_name=idp.display_name or request.municipality.name,
        online_service_id=idp.online_service_id,
    )
    pending = dict(request.session.get(SESSION_OUTSTANDING, {}))
    pending = dict(list(pending.items())[-9:])  # a few tabs at once, not an unbounded list
    pending[out.request_id] = {"provider": provider, "level": level, "next": _safe_next(request, next_url)}
    request.session[SESSION_OUTSTANDING] = pending
    return out


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


def complete_login(request: Any, saml_response: str) -> str:
    """Check the IdP's response, log in or link the account; returns where to go next.

    Raises SamlError (nothing stored) for every refused response.
    """
    pending: dict[str, Any] = dict(request.session.get(SESSION_OUTSTANDING, {}))
    providers = enabled_providers(request.municipality)
    if not providers:
        raise SamlError(_("Für diese Kommune ist keine Anmeldung mit BundID eingerichtet."))
    # the provider of the request this answers (the response's InResponseTo; pysaml2 checks it)
    outstanding = {rid: p["next"] for rid, p in pending.items()}
    errors: list[SamlError] = []
    identity = None
    for provider in sorted({p["provider"] for p in pending.values()} or providers):
        if provider not in providers:
            continue
        try:
            identity = saml.parse_response(site(request), saml_response, outstanding, provider)
            break
        except SamlError as exc:
            errors.append(exc)
    if identity is None:
        raise (
            errors[0]
            if errors
            else SamlError(_("Diese Antwort gehört zu keiner Anmeldung, die hier begonnen wurde."))
        )
    entry = pending.get(identity.in_response_to)
    if entry is None or entry["provider"] != identity.provider:
        raise SamlError(
            _(
                "Diese Antwort gehört zu keiner Anmeldung, die hier begonnen wurde. "
                "Bitte melden Sie sich erneut an."
            )
        )
    if identity.level < entry["level"]:
        raise SamlError(
            _(
                "Die Anmeldung hat das Vertrauensniveau „%(got)s“ erreicht; nötig ist mindestens „%(need)s“. "
                "Bitte melden Sie sich erneut an, zum Beispiel mit dem Online-Ausweis."
            )
            % {"got": attrs.LEVEL_NAMES.get(identity.level, "?"), "need": attrs.LEVEL_NAMES[entry["level"]]}
        )
    # attributes below the reached level are not used (they were not checked well enough)
    values = {
        k: v
        for k, v in identity.attributes.items()
        if identity.levels.get(k, identity.level) >= min(identity.level, entry["level"])
    }
    current = request.user if request.user.is_authenticated else None
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
            request=request,
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
    pending.pop(identity.in_response_to, None)
    if current is None or current.pk != user.pk:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_OUTSTANDING] = pending
    request.session[SESSION_IDENTITY] = {
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
    }
    return str(entry["next"])


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


def _organisation_for(identity: saml.Identity, values: dict[str, str], user: Any) -> dict[str, Any]:
    ident = values["organisation_id"]
    link = OrganisationLink.objects.select_related("organisation").filter(identifier=ident).first()
    if link is None:
        org = accounts.register_organisation(user, values.get("organisation_name") or ident)
        OrganisationLink.objects.create(organisation=org, identifier=ident)
        return {"id": org.pk, "name": org.name}
    accounts.join_organisation(user, link.organisation_id, representative=True)
    return {"id": link.organisation_id, "name": link.organisation.name}


def session_identity(request: Any) -> dict[str, Any] | None:
    ident = request.session.get(SESSION_IDENTITY) if hasattr(request, "session") else None
    if not ident or not request.user.is_authenticated:
        return None
    return dict(ident)


def logout_url(request: Any) -> str | None:
    """Single logout: the signed LogoutRequest to the IdP (None if the IdP has no SLO)."""
    ident = session_identity(request)
    if ident is None:
        return None
    idp = enabled_providers(request.municipality).get(ident["provider"])
    if idp is None or not ident.get("name_id"):
        return None
    return saml.logout_request(site(request), idp.entity_id, ident["name_id"], ident.get("session_index", ""))


def unlink(user: Any, provider: str, *, request: Any = None) -> bool:
    with transaction.atomic():
        deleted, _rows = IdentityLink.objects.filter(user=user, provider=provider).delete()
        if deleted:
            audit.record(
                "identity.unlinked",
                request=request,
                actor=user,
                object_type="identity.link",
                object_id=str(user.pk),
                object_repr=f"Konto #{user.pk}: {Provider(provider).label}",
            )
    if request is not None and (request.session.get(SESSION_IDENTITY) or {}).get("provider") == provider:
        request.session.pop(SESSION_IDENTITY, None)
    return bool(deleted)


# --- trust level per service (the FIM form asks for it) -----------------------------------------


def requirement_for(form: Any) -> ServiceRequirement | None:
    return ServiceRequirement.objects.filter(form=form).first()


def save_requirement(form: Any, *, actor: Any = None, **values: Any) -> ServiceRequirement:
    with transaction.atomic():
        req, _created = ServiceRequirement.objects.update_or_create(
            form=form, defaults={"municipality": form.municipality, **values}
        )
        audit.record(
            "identity.requirement_saved",
            actor=actor,
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


def form_gate(form: Any, request: Any) -> fim.Gate | None:
    """None when the session may use the form; else why not and where to log in (German message)."""
    req = requirement_for(form)
    if req is None or (req.level == Level.NONE and req.accept_citizen):
        return None
    ident = session_identity(request)
    kinds = [k for k, ok in (("citizen", req.accept_citizen), ("business", req.accept_business)) if ok]
    next_url = reverse("fim:form", kwargs={"pk": form.pk})
    providers = enabled_providers(request.municipality)
    level = max(req.level, Level.BASIC)
    if ident is not None and ident["kind"] in kinds and ident["level"] >= level:
        return None
    provider = next(
        (
            p
            for p, kind in ((Provider.BUNDID, "citizen"), (Provider.MUK, "business"))
            if kind in kinds and p in providers
        ),
        None,
    )
    need = attrs.LEVEL_NAMES[level]
    if ident is not None and ident["kind"] in kinds:
        message = _(
            "Sie sind mit dem Vertrauensniveau „%(got)s“ angemeldet. Für diesen Antrag ist mindestens "
            "„%(need)s“ nötig. Bitte melden Sie sich erneut an, zum Beispiel mit dem Online-Ausweis."
        ) % {"got": attrs.LEVEL_NAMES.get(ident["level"], "?"), "need": need}
    elif kinds == ["business"]:
        message = _(
            "Diesen Antrag stellen Unternehmen. Bitte melden Sie sich mit Mein Unternehmenskonto an "
            "(Vertrauensniveau „%(need)s“)."
        ) % {"need": need}
    else:
        message = _(
            "Für diesen Antrag müssen Sie sich mit der BundID anmelden "
            "(Vertrauensniveau mindestens „%(need)s“)."
        ) % {"need": need}
    if provider is None:
        return fim.Gate(
            message
            + " "
            + _("Diese Anmeldung ist hier noch nicht eingerichtet; bitte wenden Sie sich an die Verwaltung.")
        )
    label = (
        _("Mit BundID anmelden") if provider == Provider.BUNDID else _("Mit Mein Unternehmenskonto anmelden")
    )
    return fim.Gate(message, login_link(provider, level, next_url), label)


def _forced(
    draft: Any, request: Any
) -> tuple[dict[str, Any], ServiceRequirement | None, dict[str, Any] | None]:
    ident = session_identity(request)
    req = requirement_for(draft.form)
    if ident is None:
        return {}, req, None
    mapping = {
        fid: ident["known"][key]
        for fid, key in ((req.field_mapping or {}) if req else {}).items()
        if key in ident["known"]
    }
    return fim.prefill_answers(draft.version.definition, ident["known"], mapping), req, ident


def submission_context(draft: Any, request: Any) -> dict[str, Any]:
    """payload["identity"]: who identified, how and at which level; locked fields set back."""
    forced, req, ident = _forced(draft, request)
    if ident is None:
        return {}
    if forced and (req is None or req.lock_prefilled):
        answers = fim.overlay_answers(draft.answers, forced)
        if answers != draft.answers:
            fim.set_answers(draft, answers)
    return {
        "identity": {
            "provider": ident["provider"],
            "kind": ident["kind"],
            "level": ident["level"],
            "level_name": attrs.LEVEL_NAMES.get(ident["level"], ""),
            "method": ident.get("method", ""),
            "name": ident.get("name", ""),
            "organisation": (ident.get("organisation") or {}).get("name", ""),
            "subject_ref": ident.get("subject_ref", ""),
            "identified_at": ident.get("at", ""),
            "prefilled_fields": sorted(fim.field_ids_of(draft.version.definition, forced)),
        }
    }


def decorate_step(draft: Any, step_form: Any, request: Any) -> None:
    """Mark fields filled from the identity („aus der BundID“); locked ones are read-only."""
    forced, req, ident = _forced(draft, request)
    if not forced or ident is None:
        return
    ids = fim.field_ids_of(draft.version.definition, forced)
    locked = req is None or req.lock_prefilled
    source = _("aus der BundID") if ident["provider"] == Provider.BUNDID else _("aus Mein Unternehmenskonto")
    for name, (node, *_rest) in step_form.field_nodes.items():
        if node["id"] not in ids or name not in step_form.fields:
            continue
        field = step_form.fields[name]
        note = source + (" – " + _("nicht änderbar") if locked else "")
        field.help_text = f"{field.help_text} ({note})" if field.help_text else note
        if locked:
            field.widget.attrs["readonly"] = "readonly"


def identity_prefill_source(user: Any, municipality: Any) -> dict[str, str]:
    """fim.prefill source: the attributes of the person's last BundID / MUK login."""
    out: dict[str, str] = {}
    for link in IdentityLink.objects.filter(user=user).order_by("provider"):
        out.update(_known(link.attributes or {}))
    return out


# --- DSGVO ----------------------------------------------------------------------------------------


def export_identity(user: Any) -> tuple[str, Any]:
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


def erase_identity(user: Any) -> None:
    IdentityLink.objects.filter(user=user).delete()
