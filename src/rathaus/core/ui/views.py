"""Portal pages. Views are thin: parse input, call a service, render."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core import ratelimit
from rathaus.core.accounts import permissions
from rathaus.core.accounts import services as accounts
from rathaus.core.accounts.permissions import (
    admin_required,
    login_required,
    module_required,
    public,
    staff_required,
)
from rathaus.core.context import ServiceContext
from rathaus.core.pagecache.private import private_page
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest, SignedInRequest

from . import services
from .forms import AccessibilityFeedbackForm, LegalPageForm, NoticeForm
from .models import AccessibilityFeedback, LegalPageKind, Notice
from .municipality_forms import MunicipalitySettingsForm


@public
@private_page()
def home(request: RathausRequest) -> HttpResponse:
    # Anonymous visitors get it from the shared page cache (rathaus.core.pagecache, ui/pagecache.py),
    # signed-in visitors from their own cached copy (private_page).
    return render(request, "ui/home.html", services.home_context(request.municipality))


@public
@never_cache
def language(request: RathausRequest, code: str) -> HttpResponse:
    """Switch the language (GET link in the header): sets the language cookie, back to ``next``."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
    )
    return response


@public
def theme_css(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    key = f"ui:theme:{muni.pk}:{muni.brand_colour}"
    css = cache.get(key)
    if css is None:
        colour = muni.brand_colour  # validated #RRGGBB with AA contrast against white
        css = (
            f":root {{ --kern-color-action-default: {colour}; --rh-brand: {colour}; }}\n"
            f".rh-header {{ border-top: .5rem solid {colour}; }}\n"
        )
        cache.set(key, css, 3600)
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


@public
def legal(request: RathausRequest, kind: str) -> HttpResponse:
    if kind not in LegalPageKind.values:
        raise Http404
    muni = request.municipality
    page = services.legal_page(muni, kind)
    return render(
        request,
        "ui/legal.html",
        {
            "kind": kind,
            "title": LegalPageKind(kind).label,
            "page": page,
            "body_html": services.legal_body_html(page),
            "can_edit": permissions.manages_module(request, "portal"),
        },
    )


@public
@require_http_methods(["GET", "POST"])
def accessibility_feedback(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    form = AccessibilityFeedbackForm(request.POST or None, initial={"page_url": request.GET.get("seite", "")})
    if request.method == "POST":
        if not ratelimit.hit(request, "a11y-feedback", limit=5, window_seconds=600):
            messages.error(
                request, _("Zu viele Nachrichten in kurzer Zeit. Bitte versuchen Sie es später erneut.")
            )
            return render(request, "ui/accessibility_feedback.html", {"form": form}, status=429)
        if form.is_valid():
            if not form.cleaned_data.get("website"):  # honeypot empty: a person
                services.submit_accessibility_feedback(
                    muni, form.cleaned_data, ServiceContext.from_request(request)
                )
            messages.success(request, _("Vielen Dank. Ihre Rückmeldung ist eingegangen."))
            return redirect("ui:legal", "barrierefreiheit")
    return render(request, "ui/accessibility_feedback.html", {"form": form})


@public
def notice(request: RathausRequest, pk: int) -> HttpResponse:
    item = tenant_object_or_404(Notice.objects.published(), request, pk=pk)
    return render(
        request, "ui/notice.html", {"notice": item, "body_html": services.render_markdown(item.body)}
    )


# --- Account (citizen) -------------------------------------------------------------------------


@login_required
@private_page()  # organisations and second factor: scope "account"; the e-mail: the user's fingerprint
def account(request: SignedInRequest) -> HttpResponse:
    return render(
        request,
        "ui/account.html",
        {
            "organisations": accounts.organisations_of(request.user),
            "has_mfa": permissions.has_mfa(request.user),
        },
    )


@login_required
def account_export(request: SignedInRequest) -> HttpResponse:
    data = accounts.export_user_data(request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="meine-daten.json"'
    return response


DELETE_WORD = "LÖSCHEN"  # accepted in every language; the English page asks for its own word too


def _delete_words() -> set[str]:
    return {DELETE_WORD, _("LÖSCHEN").upper()}


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: SignedInRequest) -> HttpResponse:
    # Accounts created by a BundID / Mein Unternehmenskonto login have no password: they confirm by
    # typing the confirmation word instead (CSRF-protected POST from their own signed-in session).
    has_password = request.user.has_usable_password()
    error = ""
    if request.method == "POST":
        if has_password:
            confirmed = request.user.check_password(request.POST.get("password", ""))
            error = _("Das Passwort ist nicht richtig.")
        else:
            word = request.POST.get("confirm", "").strip().upper()
            confirmed = word in _delete_words()
            error = _("Bitte geben Sie zur Bestätigung das Wort %(word)s ein.") % {"word": _("LÖSCHEN")}
        if confirmed:
            user = request.user
            logout(request)
            accounts.delete_account(user, ServiceContext.from_request(request))
            messages.success(request, _("Ihr Konto und Ihre Daten wurden gelöscht."))
            return redirect("ui:home")
    return render(
        request,
        "ui/account_delete.html",
        {
            "error": error if request.method == "POST" else "",
            "has_password": has_password,
            "delete_word": _("LÖSCHEN"),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Staff -------------------------------------------------------------------------------------


@staff_required
def staff_dashboard(request: SignedInRequest) -> HttpResponse:
    return render(
        request,
        "ui/staff/dashboard.html",
        {
            "is_admin": permissions.is_municipality_admin(request),
            "manages_portal": permissions.manages_module(request, "portal"),
            "membership": permissions.membership(request),
            "module_entries": services.staff_entries_for(ServiceContext.from_request(request)),
        },
    )


@module_required("portal")
@require_http_methods(["GET", "POST"])
def legal_edit(request: SignedInRequest, kind: str) -> HttpResponse:
    if kind not in LegalPageKind.values:
        raise Http404
    muni = request.municipality
    page = services.legal_page(muni, kind)
    form = LegalPageForm(request.POST or None, instance=page)
    if request.method == "POST" and form.is_valid():
        services.save_legal_page(muni, kind, form.cleaned_data, ServiceContext.from_request(request))
        messages.success(request, _("Der Text wurde gespeichert."))
        return redirect("ui:legal", kind)
    return render(
        request, "ui/staff/legal_edit.html", {"form": form, "title": LegalPageKind(kind).label, "kind": kind}
    )


@module_required("portal")
def notice_list_staff(request: SignedInRequest) -> HttpResponse:
    notices = Notice.objects.for_tenant(request).select_related("created_by")[:200]
    return render(request, "ui/staff/notice_list.html", {"notices": notices})


@module_required("portal")
@require_http_methods(["GET", "POST"])
def notice_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    muni = request.municipality
    item = tenant_object_or_404(Notice, request, pk=pk) if pk else Notice(municipality=muni)
    form = NoticeForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        services.save_notice(form.save(commit=False), ServiceContext.from_request(request))
        messages.success(request, _("Die Meldung wurde gespeichert."))
        return redirect("ui:notice_list_staff")
    return render(request, "ui/staff/notice_edit.html", {"form": form, "notice": item if pk else None})


@module_required("portal")
@require_POST
def notice_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    item = tenant_object_or_404(Notice, request, pk=pk)
    services.delete_notice(item, ServiceContext.from_request(request))
    messages.success(request, _("Die Meldung wurde gelöscht."))
    return redirect("ui:notice_list_staff")


@module_required("portal")
def feedback_list(request: SignedInRequest) -> HttpResponse:
    items = AccessibilityFeedback.objects.for_tenant(request)[:200]
    return render(request, "ui/staff/feedback_list.html", {"items": items})


@admin_required
@require_http_methods(["GET", "POST"])
def municipality_settings(request: SignedInRequest) -> HttpResponse:
    muni = request.municipality
    form = MunicipalitySettingsForm(request.POST or None, request.FILES or None, instance=muni)
    if request.method == "POST" and form.is_valid():
        services.save_municipality_settings(form, ServiceContext.from_request(request))
        messages.success(request, _("Die Einstellungen wurden gespeichert."))
        return redirect("ui:municipality_settings")
    return render(request, "ui/staff/municipality_settings.html", {"form": form})


@admin_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: SignedInRequest) -> HttpResponse:
    muni = request.municipality
    new_secret = ""
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()[:100]
        if not name:
            messages.error(request, _("Bitte geben Sie eine Bezeichnung an."))
        else:
            _token, new_secret = accounts.create_api_token(muni, name, request.user)
    tokens = accounts.api_tokens_of(muni)
    return render(request, "ui/staff/api_tokens.html", {"tokens": tokens, "new_secret": new_secret})


@admin_required
@require_POST
def api_token_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    token = accounts.api_token_or_404(ServiceContext.from_request(request), pk)
    accounts.revoke_api_token(token, request.user)
    messages.success(request, _("Das Token wurde gesperrt."))
    return redirect("ui:api_tokens")
