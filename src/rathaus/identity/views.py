"""Thin views: login with BundID / MUK, the ACS, metadata, single logout, /konto/ links, staff setup."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core.accounts.permissions import admin_required, login_required, module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.types import RathausRequest, SignedInRequest
from rathaus.fim import queries as fim_queries

from . import queries, saml, services, web
from .forms import IdentityProviderForm, RequirementForm
from .models import IdentityProvider, Provider


def _error(request: RathausRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "identity/error.html", {"message": message}, status=status)


@public
def metadata(request: RathausRequest) -> HttpResponse:
    """The SP metadata of this municipality (entity ID, ACS, SLO, certificate) for the IdP."""
    return HttpResponse(saml.metadata_xml(web.site(request)), content_type="application/samlmetadata+xml")


@public
def login_start(request: RathausRequest, provider: str) -> HttpResponse:
    if provider not in Provider.values:
        raise Http404
    try:
        level = int(request.GET.get("niveau", "1"))
    except ValueError:
        level = 1
    try:
        out = web.start_login(
            request, provider, level=min(max(level, 1), 4), next_url=request.GET.get("next", "/")
        )
    except saml.SamlError as exc:
        return _error(request, str(exc), 404)
    if out.url:
        return redirect(out.url)
    return render(request, "identity/post.html", {"action": out.action, "fields": out.form})


@csrf_exempt  # the IdP posts here; the response is signed and bound to our request (InResponseTo)
@public
@require_http_methods(["GET", "POST"])
def acs(request: RathausRequest) -> HttpResponse:
    if request.method == "POST":
        data = request.POST.get("SAMLResponse", "")
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # A POST from the IdP's site carries no SameSite=Lax session cookie: park the response
            # and continue with a same-site GET, which does.
            key = services.park_response(data)
            return redirect(reverse("identity:acs") + "?" + urlencode({"weiter": key}))
    else:
        parked = services.take_parked_response(request.GET.get("weiter", ""))
        if parked is None:
            return _error(request, _("Die Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an."))
        data = parked
    try:
        next_url = web.complete_login(request, data)
    except saml.SamlError as exc:
        return _error(request, str(exc))
    messages.success(request, _("Sie sind angemeldet."))
    return redirect(next_url)


@csrf_exempt
@public
@require_http_methods(["GET", "POST"])
def slo(request: RathausRequest) -> HttpResponse:
    """Single logout from the IdP: a LogoutRequest (answered) or the LogoutResponse to ours."""
    params = request.GET if request.method == "GET" else request.POST
    binding = "redirect" if request.method == "GET" else "post"
    try:
        values = {k: str(params.get(k, "")) for k in params}
        target = saml.handle_logout_message(web.site(request), values, binding)
    except Exception:  # a faulty message must not keep anybody logged in, nor show a 500
        target = None
    logout(request)
    if target:
        return redirect(target)
    messages.info(request, _("Sie sind abgemeldet."))
    return redirect("/")


@login_required
@require_POST
def logout_view(request: SignedInRequest) -> HttpResponse:
    try:
        target = web.logout_url(request)
    except Exception:
        target = None
    logout(request)
    return redirect(target or "/")


@login_required
def account(request: SignedInRequest) -> HttpResponse:
    return render(
        request,
        "identity/account.html",
        {
            "links": queries.links_of(request.user),
            "providers": services.enabled_providers(request.municipality),
            "identity": web.session_identity(request),
        },
    )


@login_required
@require_POST
def unlink(request: SignedInRequest, provider: str) -> HttpResponse:
    if provider not in Provider.values:
        raise Http404
    unlinked = services.unlink(request.user, provider, ctx=ServiceContext.from_request(request))
    web.forget_identity(request, provider)
    if unlinked:
        messages.success(request, _("Die Verknüpfung wurde aufgehoben."))
    return redirect("identity:account")


# --- staff ----------------------------------------------------------------------------------------


@admin_required
def setup(request: SignedInRequest) -> HttpResponse:
    site = web.site(request)
    idps = {idp.provider: idp for idp in IdentityProvider.objects.for_tenant(request)}
    return render(
        request,
        "identity/setup.html",
        {
            "site": site,
            "providers": [(value, label, idps.get(value)) for value, label in Provider.choices],
            "cert": site.certificate,
        },
    )


@admin_required
def setup_provider(request: SignedInRequest, provider: str) -> HttpResponse:
    if provider not in Provider.values:
        raise Http404
    instance = IdentityProvider.objects.for_tenant(request).filter(provider=provider).first()
    form = IdentityProviderForm(request.POST or None, request.FILES or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_identity_provider(
                request.municipality,
                provider,
                form.cleaned_data["metadata_file"],
                binding=form.cleaned_data["binding"],
                allowed_methods=form.cleaned_data["allowed_methods"],
                display_name=form.cleaned_data["display_name"],
                online_service_id=form.cleaned_data["online_service_id"],
                enabled=form.cleaned_data["enabled"],
                ctx=ServiceContext.from_request(request),
            )
        except saml.SamlError as exc:
            form.add_error("metadata_file", str(exc))
        else:
            messages.success(request, _("Die Einstellungen wurden gespeichert."))
            return redirect("identity:setup")
    return render(request, "identity/setup_provider.html", {"form": form, "provider": Provider(provider)})


@module_required("services")
def requirements(request: SignedInRequest) -> HttpResponse:
    forms_ = fim_queries.published_forms(request.municipality).order_by("name")
    reqs = queries.requirements_by_form(request.municipality)
    rows: list[dict[str, Any]] = [{"form": f, "req": reqs.get(f.pk)} for f in forms_]
    return render(request, "identity/requirements.html", {"rows": rows})


@module_required("services")
def requirement_edit(request: SignedInRequest, form_pk: int) -> HttpResponse:
    form_def = fim_queries.published_forms(request.municipality).filter(pk=form_pk).first()
    if form_def is None:
        raise Http404
    current = services.requirement_for(form_def)
    labels = fim_queries.field_labels(form_def)
    form = RequirementForm(request.POST or None, instance=current, field_ids=labels)
    if request.method == "POST" and form.is_valid():
        services.save_requirement(
            form_def,
            ctx=ServiceContext.from_request(request),
            field_mapping=form.cleaned_data["mapping"],
            **{
                k: form.cleaned_data[k]
                for k in ("level", "accept_citizen", "accept_business", "lock_prefilled")
            },
        )
        messages.success(request, _("Die Einstellungen wurden gespeichert."))
        return redirect(reverse("identity:requirements"))
    return render(
        request,
        "identity/requirement_edit.html",
        {"form": form, "form_def": form_def, "fields": sorted(labels.items())},
    )
