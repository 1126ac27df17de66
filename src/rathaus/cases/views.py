"""Thin views: Meine Anträge (account and guest link), staff inbox and case, settings, OZG dashboard."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rathaus.core import exports, storage
from rathaus.core.accounts.permissions import (
    admin_required,
    login_required,
    module_required,
    public,
    staff_required,
)
from rathaus.core.context import ServiceContext
from rathaus.core.pagecache.private import private_page
from rathaus.core.pagecache.registry import ALL
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest, SignedInRequest
from rathaus.core.ui import charts

from . import queries, services
from .forms import (
    AnswerForm,
    AssignForm,
    DeadlineForm,
    DecisionForm,
    LetterSettingsForm,
    NoteForm,
    QueryForm,
    SettingForm,
)
from .models import DECIDED, DEFAULT_LEGAL_REMEDY, OPEN, Application, Attachment, ServiceSetting, Status

CONFIRM_KEY = "cases_confirm"


def done_url(submission: Any, request: RathausRequest) -> str | None:
    """Registered with the form engine: after submitting, show the case's confirmation page."""
    app = Application.objects.filter(submission=submission).only("pk").first()
    if app is None:
        return None
    token = getattr(submission, "guest_token", "")
    earlier = request.session.get(CONFIRM_KEY) or {}
    if not token and earlier.get("id") == app.pk:
        token = earlier.get("token", "")
    request.session[CONFIRM_KEY] = {"id": app.pk, "token": token}
    link = _next_step(app, request)
    if link is not None:
        return str(link[1])
    return reverse("cases:confirmation")


def _next_step(app: Application, request: HttpRequest) -> tuple[str, str] | None:
    """The applicant's next step an extension asks for (e.g. paying the fee), as (label, url)."""
    if app.status != Status.PAYMENT_DUE:
        return None
    for ext in services.extensions():
        link = ext.applicant_link(app, request)
        if link:
            return link  # type: ignore[no-any-return]
    return None


def _staff_panels(app: Application, request: HttpRequest) -> list[str]:
    return [html for ext in services.extensions() if (html := ext.staff_panel(app, request))]


# --- applicant ------------------------------------------------------------------------------------


@public
def confirmation(request: RathausRequest) -> HttpResponse:
    entry = request.session.get(CONFIRM_KEY) or {}
    app = Application.objects.for_tenant(request).filter(pk=entry.get("id") or 0).first()
    if app is None:
        return redirect("fim:index")
    token = entry.get("token", "")
    if token:
        base = reverse("cases:guest", kwargs={"token": token})
    elif request.user.is_authenticated and app.applicant_id == request.user.pk:
        base = reverse("cases:detail", kwargs={"pk": app.pk})
    else:
        base = ""
    return render(
        request,
        "cases/confirmation.html",
        {
            "app": app,
            "status_url": base,
            "guest_url": request.build_absolute_uri(base) if token else "",
            "next_step": _next_step(app, request),
        },
    )


@login_required
@private_page("cases")
def mine(request: SignedInRequest) -> HttpResponse:
    apps = queries.applications_of(request.user, request.municipality)
    from rathaus.core.accounts.permissions import is_staff_member

    return render(request, "cases/mine.html", {"apps": apps, "is_staff": is_staff_member(request)})


def _own(request: RathausRequest, pk: int) -> Application:
    own: QuerySet[Application] = Application.objects.filter(
        applicant_id=request.user.pk or 0, erased_at__isnull=True
    )
    return tenant_object_or_404(own, request, pk=pk)


def _guest_app(request: RathausRequest, token: str) -> Application:
    app = services.application_for_guest(request.municipality, token)
    if app is None or app.erased_at is not None:
        raise Http404
    return app


def _applicant_page(request: RathausRequest, app: Application, base: str, doc_url: Any) -> HttpResponse:
    answer = AnswerForm(prefix="antwort")
    if request.method == "POST":
        action = request.POST.get("action")
        actor = request.user if request.user.is_authenticated else None
        try:
            if action == "withdraw":
                services.withdraw(app, actor=actor, ctx=ServiceContext.from_request(request))
                messages.success(request, _("Sie haben Ihren Antrag zurückgenommen."))
                return redirect(base)
            if action == "answer":
                answer = AnswerForm(request.POST, request.FILES, prefix="antwort")
                if answer.is_valid():
                    files = [(f.name or "datei", f.read()) for f in answer.cleaned_data["attachments"]]
                    services.answer_query(
                        app,
                        answer.cleaned_data["body"],
                        files=files,
                        actor=actor,
                        ctx=ServiceContext.from_request(request),
                    )
                    messages.success(request, _("Ihre Antwort wurde übermittelt."))
                    return redirect(base)
        except services.AttachmentRejected as exc:
            answer.add_error("attachments", str(exc))
        except services.IllegalTransition as exc:
            messages.error(request, str(exc))
            return redirect(base)
    events = list(app.events.all())
    msgs = list(app.messages.prefetch_related("attachments"))
    docs = [a for a in app.attachments.all() if a.message_id is None]
    return render(
        request,
        "cases/detail.html",
        {
            "app": app,
            "events": events,
            "postbox": msgs,
            "documents": docs,
            "doc_url": doc_url,
            "receipt_url": base + "eingangsbestaetigung.pdf",
            "answer_form": answer if app.status == Status.QUERY else None,
            "can_withdraw": services.can_transition(app.status, Status.WITHDRAWN, "applicant"),
            "base": base,
            "next_step": _next_step(app, request),
        },
    )


@login_required
def detail(request: SignedInRequest, pk: int) -> HttpResponse:
    app = _own(request, pk)
    base = reverse("cases:detail", kwargs={"pk": pk})
    return _applicant_page(request, app, base, lambda a: reverse("cases:document", args=[pk, a.pk]))


@public
def guest(request: RathausRequest, token: str) -> HttpResponse:
    app = _guest_app(request, token)
    base = reverse("cases:guest", kwargs={"token": token})
    return _applicant_page(
        request, app, base, lambda a: reverse("cases:guest_document", kwargs={"token": token, "att": a.pk})
    )


def _file(att: Attachment) -> HttpResponseBase:
    """An attachment from the private storage; every caller has checked access to its application."""
    return storage.file_response(
        storage.private_storage(), att.path, filename=att.name, content_type=att.media_type or None
    )


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def document(request: SignedInRequest, pk: int, att: Any) -> HttpResponseBase:
    app = _own(request, pk)
    return _file(tenant_object_or_404(Attachment.objects.filter(application=app), request, pk=att))


@public
def guest_document(request: RathausRequest, token: str, att: Any) -> HttpResponseBase:
    app = _guest_app(request, token)
    return _file(tenant_object_or_404(Attachment.objects.filter(application=app), request, pk=att))


@login_required
def receipt(request: SignedInRequest, pk: int) -> HttpResponse:
    app = _own(request, pk)
    return _pdf(services.receipt_pdf(app), f"Eingangsbestaetigung-{app.reference}.pdf")


@public
def guest_receipt(request: RathausRequest, token: str) -> HttpResponse:
    app = _guest_app(request, token)
    return _pdf(services.receipt_pdf(app), f"Eingangsbestaetigung-{app.reference}.pdf")


# --- staff: inbox and case ----------------------------------------------------------------------


@staff_required
@private_page(ALL, "users")  # applications, forms, departments, colleagues (assignment list)
def inbox(request: SignedInRequest) -> HttpResponse:
    flt = queries.parse_filter(request.GET)
    page = queries.inbox_page(ServiceContext.from_request(request), flt, request.GET.get("seite", 1))
    params = {k: str(v) for k, v in request.GET.items() if k != "seite" and v}
    return render(
        request,
        "cases/staff/inbox.html",
        {
            "page": page,
            "flt": flt,
            "query": urlencode(params),
            "services_list": queries.services_with_applications(ServiceContext.from_request(request)),
            "statuses": [("offen", _("alle offenen"))] + [(s.value, s.label) for s in Status],
            "sorts": [
                ("-eingang", _("Eingang, neueste zuerst")),
                ("eingang", _("Eingang, älteste zuerst")),
                ("frist", _("Frist, früheste zuerst")),
                ("-frist", _("Frist, späteste zuerst")),
                ("aktenzeichen", _("Aktenzeichen")),
                ("status", _("Status")),
            ],
            "staff": queries.assignable_staff(ServiceContext.from_request(request)),
            "overdue": queries.overdue_count(ServiceContext.from_request(request)),
            "sees_all": queries.sees_all(ServiceContext.from_request(request)),
            "can_configure": queries.sees_all(ServiceContext.from_request(request)),
        },
    )


def _case(request: RathausRequest, pk: int) -> Application:
    return tenant_object_or_404(
        queries.visible_applications(ServiceContext.from_request(request)), request, pk=pk
    )


@staff_required
def case(request: SignedInRequest, pk: int) -> HttpResponse:
    return _case_page(request, _case(request, pk))


def _case_page(
    request: RathausRequest,
    app: Application,
    *,
    decision_form: DecisionForm | None = None,
    letter: Any = None,
    status: int = 200,
) -> HttpResponse:
    sub = app.submission
    sections = []
    if sub is not None:
        from rathaus.fim import queries as fim_queries

        sections = fim_queries.answer_rows(sub.version.definition, sub.payload.get("answers", {}))
    staff = queries.assignable_staff(ServiceContext.from_request(request))
    if decision_form is None and app.status == Status.IN_REVIEW:
        decision_form = DecisionForm()
    return render(
        request,
        "cases/staff/case.html",
        {
            "app": app,
            "sections": sections,
            "events": list(app.events.select_related("actor")),
            "postbox": list(app.messages.prefetch_related("attachments")),
            "notes": list(app.notes.select_related("author")),
            "documents": [a for a in app.attachments.all() if a.message_id is None],
            "assign_form": AssignForm(staff=staff, initial={"assignee": app.assignee_id}),
            "note_form": NoteForm(),
            "query_form": QueryForm() if services.can_transition(app.status, Status.QUERY) else None,
            "decision_form": decision_form if app.status == Status.IN_REVIEW else None,
            "letter": letter,
            "deadline_form": DeadlineForm(initial={"due_date": app.due_date}) if app.status in OPEN else None,
            "can_review": services.can_transition(app.status, Status.IN_REVIEW),
            "can_close": app.status in DECIDED,
            "can_withdraw": services.can_transition(app.status, Status.WITHDRAWN),
            "staff_view": True,
            "extension_panels": _staff_panels(app, request),
        },
        status=status,
    )


@staff_required
@require_POST
def case_action(request: SignedInRequest, pk: int) -> HttpResponse:
    app = _case(request, pk)
    action = request.POST.get("action", "")
    back = reverse("cases:case", kwargs={"pk": pk})
    ctx = ServiceContext.from_request(request)
    try:
        if action == "review":
            services.start_review(app, ctx=ctx)
        elif action == "close":
            services.close(app, ctx=ctx)
        elif action == "withdraw":
            services.transition(app, Status.WITHDRAWN, ctx=ctx)
        elif action == "assign":
            form = AssignForm(request.POST, staff=queries.assignable_staff(ctx))
            if not form.is_valid() or (
                form.cleaned_data["assignee"] and form.cleaned_data["assignee"] not in form.staff
            ):
                messages.error(request, _("Bitte wählen Sie eine Person aus der Liste."))
                return redirect(back)
            services.assign(app, form.staff.get(form.cleaned_data["assignee"]), ctx=ctx)
        elif action == "note":
            note = NoteForm(request.POST)
            if not note.is_valid():
                messages.error(request, _("Der Vermerk ist leer oder zu lang."))
                return redirect(back)
            services.add_note(app, note.cleaned_data["body"], ctx=ctx)
        elif action == "deadline":
            deadline = DeadlineForm(request.POST)
            if not deadline.is_valid():
                messages.error(request, _("Bitte geben Sie ein gültiges Datum an."))
                return redirect(back)
            services.set_due_date(app, deadline.cleaned_data["due_date"], ctx=ctx)
        elif action == "query":
            query = QueryForm(request.POST)
            if not query.is_valid():
                messages.error(request, _("Bitte formulieren Sie die Rückfrage."))
                return redirect(back)
            services.ask(app, query.cleaned_data["body"], ctx=ctx)
        elif action in ("decide", "preview", "preview_pdf"):
            if app.status != Status.IN_REVIEW:
                raise services.IllegalTransition(_("Entscheiden lässt sich nur ein Antrag in Prüfung."))
            decision = DecisionForm(request.POST)
            if not decision.is_valid():
                # The errors (e.g. missing reasons for a refusal) are shown beside the fields.
                return _case_page(request, app, decision_form=decision, status=400)
            outcome, reasons = decision.cleaned_data["outcome"], decision.cleaned_data["reasons"]
            if action == "decide":
                services.decide(app, outcome, reasons, ctx=ctx)
            else:
                letter = services.build_letter(app, outcome, reasons, author=request.user)
                if action == "preview_pdf":
                    response = HttpResponse(letter.pdf(), content_type="application/pdf")
                    response["Content-Disposition"] = (
                        f'inline; filename="Bescheid-Entwurf-{app.reference}.pdf"'
                    )
                    return response
                return _case_page(request, app, decision_form=decision, letter=letter)
        else:
            messages.error(request, _("Unbekannte Aktion."))
            return redirect(back)
    except services.IllegalTransition as exc:
        messages.error(request, str(exc))
        return redirect(back)
    except services.MissingReasons as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, _("Gespeichert."))
    return redirect(back)


@staff_required
def case_document(request: SignedInRequest, pk: int, att: Any) -> HttpResponseBase:
    app = _case(request, pk)
    return _file(tenant_object_or_404(Attachment.objects.filter(application=app), request, pk=att))


@staff_required
def case_receipt(request: SignedInRequest, pk: int) -> HttpResponse:
    app = _case(request, pk)
    return _pdf(services.receipt_pdf(app), f"Eingangsbestaetigung-{app.reference}.pdf")


@staff_required
def case_export(request: SignedInRequest, pk: int) -> HttpResponse:
    """The submission as JSON with FIT-Connect metadata (schema 1.0.0)."""
    app = _case(request, pk)
    services.record_export(app, ctx=ServiceContext.from_request(request))
    response = HttpResponse(
        json.dumps(services.export_document(app), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{app.reference}.json"'
    return response


# --- settings (municipality admin / OZG module manager) -----------------------------------------


@module_required("services")
def settings_list(request: SignedInRequest) -> HttpResponse:
    from rathaus.fim import queries as fim_queries

    forms_ = list(fim_queries.published_forms(request.municipality).order_by("name"))
    by_form = {s.form_id: s for s in ServiceSetting.objects.for_tenant(request).select_related("department")}
    rows = [(f, by_form.get(f.pk)) for f in forms_]
    from rathaus.core.accounts.permissions import is_municipality_admin

    return render(
        request, "cases/staff/settings.html", {"rows": rows, "is_admin": is_municipality_admin(request)}
    )


@module_required("services")
def setting_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    from rathaus.fim import queries as fim_queries

    form_def = tenant_object_or_404(fim_queries.published_forms(request.municipality), request, pk=pk)
    instance = services.setting_for(form_def)
    form = SettingForm(request.POST or None, instance=instance, municipality=request.municipality)
    if request.method == "POST" and form.is_valid():
        services.save_setting(form.save(commit=False), ctx=ServiceContext.from_request(request))
        messages.success(request, _("Einstellungen gespeichert."))
        return redirect("cases:settings")
    return render(request, "cases/staff/setting_edit.html", {"form": form, "form_def": form_def})


@admin_required
def letter_settings(request: SignedInRequest) -> HttpResponse:
    """Briefkopf and Rechtsbehelfsbelehrung of the decision letters (municipality admin)."""
    instance = services.letter_settings_of(request.municipality)
    initial = {} if instance.legal_remedy else {"legal_remedy": DEFAULT_LEGAL_REMEDY}
    form = LetterSettingsForm(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_letter_settings(form.save(commit=False), ctx=ServiceContext.from_request(request))
        messages.success(request, _("Briefkopf und Rechtsbehelfsbelehrung gespeichert."))
        return redirect("cases:letter_settings")
    muni = request.municipality
    return render(
        request,
        "cases/staff/letter_settings.html",
        {"form": form, "municipality": muni, "placeholders": ["{behoerde}", "{anschrift}"]},
    )


# --- public OZG dashboard ---------------------------------------------------------------------


@public
def dashboard(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    cat = queries.catalog_figures(muni)
    months = queries.monthly_statistics(muni)
    labels = [m["month"].strftime("%m/%Y") for m in months]
    return render(
        request,
        "cases/dashboard.html",
        {
            "cat": cat,
            "level_chart": charts.bar_chart(
                _("Leistungen je Reifegrad"), cat["levels"], value_heading=_("Leistungen")
            ),
            "field_chart": charts.bar_chart(
                _("Leistungen je Themenfeld"), cat["fields"], value_heading=_("Leistungen")
            ),
            "month_chart": charts.bar_chart(
                _("Eingegangene Anträge je Monat"),
                list(zip(labels, [m["received"] for m in months], strict=True)),
                value_heading=_("Anträge"),
            ),
            "median_chart": charts.bar_chart(
                _("Mittlere Bearbeitungsdauer je Monat (Median, Tage)"),
                list(zip(labels, [m["median_days"] for m in months], strict=True)),
                value_heading=_("Tage (Median)"),
                decimals=1,
            ),
            "median": queries.median_processing_days(muni),
            "last_year": queries.applications_last_12_months(muni),
        },
    )


@public
def dashboard_csv(request: RathausRequest) -> StreamingHttpResponse:
    """Monthly application statistics as CSV (open data; aggregated, no personal data)."""
    rows = queries.monthly_statistics(request.municipality, months=24)

    def lines() -> Any:
        yield ["monat", "antraege_eingegangen", "antraege_entschieden", "median_bearbeitungstage"]
        for r in rows:
            yield [r["month"].strftime("%Y-%m"), r["received"], r["decided"], r["median_days"]]

    return exports.csv_response(lines(), "antraege-je-monat.csv")
