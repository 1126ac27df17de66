"""The HTTP boundary of the identity app: what works on the person's session.

The SAML login is bound to the browser session by nature: the AuthnRequests in flight
(InResponseTo) and the identity of the login live in the session, the SP's addresses are those of
the host the person uses, and ``complete_login`` logs the person in. The hooks of the FIM form views
(``form_gate``, ``submission_context``, ``decorate_step``) decide by that session identity; they are
registered with ``rathaus.fim.hooks`` in ``apps.py``, never imported by fim.

Only this app's views, template tags and the registered hooks use this module; the writes go through
``services`` with a ``ServiceContext`` (docs/decisions/0025-service-context.md).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.types import RathausRequest
from rathaus.fim import services as fim

from . import attributes as attrs
from . import saml, services
from .models import Level, Provider, ServiceRequirement
from .saml import SamlError

SESSION_IDENTITY = "rathaus_identity"
SESSION_OUTSTANDING = "rathaus_saml_outstanding"


# --- the SAML login on the session ----------------------------------------------------------------


def site(request: RathausRequest) -> saml.Site:
    """The municipality's SP as seen from the host of this request (entity ID, ACS, SLO addresses)."""
    municipality = request.municipality
    sp = services.service_provider(municipality)
    return saml.Site(
        base_url=f"{request.scheme}://{request.get_host()}",
        name=municipality.name,
        certificate=sp.certificate,
        key_encrypted=bytes(sp.private_key_encrypted),
        idp_metadata=[idp.metadata_xml for idp in services.enabled_providers(municipality).values()],
    )


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return "/"


def start_login(request: RathausRequest, provider: str, *, level: int, next_url: str) -> saml.OutgoingRequest:
    """A signed AuthnRequest to the municipality's IdP; remembers it (InResponseTo) in the session."""
    idp = services.enabled_providers(request.municipality).get(provider)
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


def complete_login(request: RathausRequest, saml_response: str) -> str:
    """Check the IdP's response against the logins this session started, sign in (services.sign_in),
    log the person in and remember the identity in the session; returns where to go next.

    Raises SamlError (nothing stored) for every refused response.
    """
    pending: dict[str, Any] = dict(request.session.get(SESSION_OUTSTANDING, {}))
    providers = services.enabled_providers(request.municipality)
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
    done = services.sign_in(identity, values, ctx=ServiceContext.from_request(request))
    pending.pop(identity.in_response_to, None)
    if current is None or current.pk != done.user.pk:
        login(request, done.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_OUTSTANDING] = pending
    request.session[SESSION_IDENTITY] = done.identity
    return str(entry["next"])


def session_identity(request: HttpRequest) -> dict[str, Any] | None:
    """The identity of this session's BundID / MUK login (None without one)."""
    ident = request.session.get(SESSION_IDENTITY) if hasattr(request, "session") else None
    if not ident or not request.user.is_authenticated:
        return None
    return dict(ident)


def forget_identity(request: HttpRequest, provider: str) -> None:
    """After unlinking: the session no longer counts as identified by this provider."""
    if (request.session.get(SESSION_IDENTITY) or {}).get("provider") == provider:
        request.session.pop(SESSION_IDENTITY, None)


def logout_url(request: RathausRequest) -> str | None:
    """Single logout: the signed LogoutRequest to the IdP (None if the IdP has no SLO)."""
    ident = session_identity(request)
    if ident is None:
        return None
    idp = services.enabled_providers(request.municipality).get(ident["provider"])
    if idp is None or not ident.get("name_id"):
        return None
    return saml.logout_request(site(request), idp.entity_id, ident["name_id"], ident.get("session_index", ""))


# --- hooks of the FIM form views (registered in apps.py) ----------------------------------------


def form_gate(form: Any, request: RathausRequest) -> fim.Gate | None:
    """None when the session may use the form; else why not and where to log in (German message)."""
    req = services.requirement_for(form)
    if req is None or (req.level == Level.NONE and req.accept_citizen):
        return None
    ident = session_identity(request)
    kinds = [k for k, ok in (("citizen", req.accept_citizen), ("business", req.accept_business)) if ok]
    next_url = reverse("fim:form", kwargs={"pk": form.pk})
    providers = services.enabled_providers(request.municipality)
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
    return fim.Gate(message, services.login_link(provider, level, next_url), label)


def _forced(
    draft: Any, request: HttpRequest
) -> tuple[dict[str, Any], ServiceRequirement | None, dict[str, Any] | None]:
    ident = session_identity(request)
    req = services.requirement_for(draft.form)
    if ident is None:
        return {}, req, None
    mapping = {
        fid: ident["known"][key]
        for fid, key in ((req.field_mapping or {}) if req else {}).items()
        if key in ident["known"]
    }
    return fim.prefill_answers(draft.version.definition, ident["known"], mapping), req, ident


def submission_context(draft: Any, request: HttpRequest) -> dict[str, Any]:
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


def decorate_step(draft: Any, step_form: Any, request: HttpRequest) -> None:
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
