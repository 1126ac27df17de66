"""Survey pages: public list, taking part page by page, results; the builder and exports for staff."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core import exports, ratelimit
from rathaus.core.accounts.permissions import module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest

from . import queries, services, structure
from .forms import (
    ConditionForm,
    InvitationForm,
    PageForm,
    QuestionForm,
    QuestionKindForm,
    StartForm,
    SurveyForm,
    TakeForm,
    TemplateForm,
    chosen_kind,
)
from .models import (
    CATEGORICAL_KINDS,
    Access,
    Answer,
    Condition,
    Kind,
    Page,
    Question,
    Segment,
    Status,
    Survey,
)
from .templates_data import TEMPLATES

MODULE = "participation"
staff = module_required(MODULE)
COOKIE_SALT = "rathaus.surveys.participated"
SUBMIT_LIMIT = 30  # final submissions per client address and survey per hour
CODE_LIMIT = 20  # invitation code attempts per client address per 10 minutes


def _cookie(survey: Survey) -> str:
    return f"rh_umfrage_{survey.pk}"


def _participated_here(request: RathausRequest, survey: Survey) -> bool:
    return request.get_signed_cookie(_cookie(survey), default=None, salt=COOKIE_SALT) == "1"


def _public_survey(request: RathausRequest, pk: int) -> Survey:
    return tenant_object_or_404(Survey, request, pk=pk, is_published=True, is_template=False)


def _child(model: Any, request: RathausRequest, pk: int) -> Any:
    """A page, question, condition or answer of a survey of this municipality, or 404."""
    qs = model.objects.select_related("survey")
    return get_object_or_404(qs, pk=pk, survey__municipality=request.municipality)


# --- Public -----------------------------------------------------------------------------------------


@public
def index(request: RathausRequest) -> HttpResponse:
    now = timezone.now()
    surveys = list(
        Survey.objects.for_tenant(request)
        .filter(is_published=True, is_template=False)
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        .order_by("closes_at", "-id")[:200]
    )
    open_ = [s for s in surveys if s.status_at(now) == Status.OPEN]
    closed = [s for s in surveys if s.status_at(now) == Status.CLOSED and s.publish_results]
    return render(request, "surveys/index.html", {"open": open_, "closed": closed})


def _state_key(survey: Survey, preview: bool) -> str:
    return f"survey{'-preview' if preview else ''}:{survey.pk}"


@public
@require_http_methods(["GET", "POST"])
def detail(request: RathausRequest, pk: int) -> HttpResponse:
    survey = _public_survey(request, pk)
    reason = services.may_take_part(survey, request.user)
    if reason is None and survey.access == Access.PUBLIC and _participated_here(request, survey):
        reason = _("Sie haben an dieser Umfrage in diesem Browser bereits teilgenommen. Vielen Dank!")
    need_login = survey.access == Access.ACCOUNT and not request.user.is_authenticated
    need_verified = (
        survey.access == Access.ACCOUNT
        and request.user.is_authenticated
        and not services.is_verified(request.user)
    )
    draft = services.load_draft(survey, request.user) if reason is None else None
    form = StartForm(request.POST or None, survey=survey)
    if request.method == "POST" and reason is None:
        if need_login:
            return redirect_to_login(request.get_full_path())
        if not need_verified and form.is_valid():
            state: dict[str, Any] = {
                "answers": (draft or {}).get("answers", {}),
                "segment": form.cleaned_data.get("segment", ""),
            }
            if survey.access == Access.INVITATION:
                if not ratelimit.hit(request, "surveys.code", limit=CODE_LIMIT, window_seconds=600):
                    form.add_error("code", _("Zu viele Versuche. Bitte warten Sie einige Minuten."))
                else:
                    invitation = services.find_invitation(survey, form.cleaned_data["code"])
                    if invitation is None:
                        form.add_error("code", _("Der Code ist ungültig oder wurde bereits verwendet."))
                    else:
                        state["invitation"] = invitation.pk
            if not form.errors:
                request.session[_state_key(survey, False)] = state
                return redirect("surveys:take", pk=survey.pk, number=1)
    return render(
        request,
        "surveys/detail.html",
        {
            "survey": survey,
            "reason": reason,
            "form": form,
            "need_login": need_login,
            "need_verified": need_verified,
            "draft": draft,
            "question_count": survey.questions.count(),
        },
    )


def _take(request: RathausRequest, survey: Survey, number: int, *, preview: bool) -> HttpResponseBase:
    key = _state_key(survey, preview)
    start_url = (
        reverse("surveys:preview", args=[survey.pk])
        if preview
        else reverse("surveys:detail", args=[survey.pk])
    )
    if number < 1 or number > survey.pages.count():
        raise Http404
    state = request.session.get(key)
    if state is None:
        return redirect(start_url)
    if not preview:
        reason = services.may_take_part(survey, request.user)
        if reason:
            messages.error(request, reason)
            return redirect(start_url)
    s = structure.load(survey)
    answers: dict[str, Any] = state.get("answers", {})
    pages = structure.visible_pages(s, answers)
    if not pages:
        raise Http404
    if number < 1 or number > len(pages):
        return redirect(request.path.rsplit("/", 2)[0] + f"/{min(max(number, 1), len(pages))}/")
    page = pages[number - 1]
    questions = structure.visible_questions(s, page, answers)
    form = TakeForm(s, questions, answers, data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        action = request.POST.get("aktion", "weiter")
        form.is_valid()
        for q in questions:
            failed = f"q{q.pk}" in form.errors
            if not failed or action == "zurueck":
                if form.values[q.pk] is None or failed:
                    answers.pop(str(q.pk), None)
                else:
                    answers[str(q.pk)] = form.values[q.pk]
        answers = structure.prune(s, answers)
        state["answers"] = answers
        request.session[key] = state
        if not preview:
            services.save_draft(survey, request.user, {"answers": answers})
        base = request.path.rsplit("/", 2)[0]
        if action == "zurueck":
            return redirect(f"{base}/{max(1, number - 1)}/")
        if not form.errors:
            if action == "speichern" and request.user.is_authenticated and not preview:
                messages.success(
                    request, _("Ihre Antworten sind gespeichert. Sie können später hier weitermachen.")
                )
                return redirect(start_url)
            pages = structure.visible_pages(s, answers)
            if number < len(pages):
                return redirect(f"{base}/{number + 1}/")
            if preview:
                del request.session[key]
                messages.success(request, _("Vorschau beendet. In der Vorschau wird nichts gespeichert."))
                return redirect("surveys:edit", pk=survey.pk)
            return _submit(request, survey, s, state)
    return render(
        request,
        "surveys/take.html",
        {
            "survey": survey,
            "page": page,
            "number": number,
            "total": len(pages),
            "percent": round(100 * (number - 1) / len(pages)),
            "form": form,
            "preview": preview,
            "last": number == len(pages),
            "can_save": request.user.is_authenticated and not preview,
        },
        status=400 if form.errors else 200,
    )


def _submit(
    request: RathausRequest, survey: Survey, s: structure.Structure, state: dict[str, Any]
) -> HttpResponseBase:
    if survey.access == Access.PUBLIC and _participated_here(request, survey):
        messages.error(request, _("Sie haben an dieser Umfrage in diesem Browser bereits teilgenommen."))
        return redirect("surveys:detail", pk=survey.pk)
    if not ratelimit.hit(request, f"surveys.submit.{survey.pk}", limit=SUBMIT_LIMIT, window_seconds=3600):
        messages.error(
            request,
            _(
                "Von Ihrem Anschluss kamen in der letzten Stunde sehr viele Antworten. "
                "Bitte versuchen Sie es später erneut."
            ),
        )
        return redirect("surveys:detail", pk=survey.pk)
    sub = services.Submission(
        answers=state.get("answers", {}),
        segment=state.get("segment", ""),
        user=request.user,
        invitation_id=state.get("invitation"),
    )
    try:
        services.submit(survey, sub, ctx=ServiceContext.from_request(request), s=s)
    except services.SurveyError as err:
        messages.error(request, err.message)
        request.session.pop(_state_key(survey, False), None)
        return redirect("surveys:detail", pk=survey.pk)
    request.session.pop(_state_key(survey, False), None)
    response = redirect("surveys:thanks", pk=survey.pk)
    if survey.access == Access.PUBLIC:
        response.set_signed_cookie(
            _cookie(survey),
            "1",
            salt=COOKIE_SALT,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@public
@require_http_methods(["GET", "POST"])
def take(request: RathausRequest, pk: int, number: int) -> HttpResponseBase:
    return _take(request, _public_survey(request, pk), number, preview=False)


@public
def thanks(request: RathausRequest, pk: int) -> HttpResponse:
    survey = _public_survey(request, pk)
    return render(request, "surveys/thanks.html", {"survey": survey})


def _filter_from(request: RathausRequest, s: structure.Structure) -> queries.Filter:
    flt = queries.Filter()
    seg = request.GET.get("segment")
    if seg in ("citizen", "business", "none"):
        flt.segment = "" if seg == "none" else seg
    cats = {q.pk: q for q in s.questions.values() if q.kind in CATEGORICAL_KINDS}
    where = request.GET.get("wenn", "")
    if ":" in where:
        qid, _sep, key = where.partition(":")
        q = cats.get(int(qid)) if qid.isdigit() else None
        if q is not None and key in dict(queries.categories(s, q)):
            flt.question, flt.key = q, key
    by = request.GET.get("nach", "")
    if by.isdigit() and int(by) in cats:
        flt.by = cats[int(by)]
    return flt


def _results_page(request: RathausRequest, survey: Survey, *, public: bool) -> HttpResponse:
    s = structure.load(survey)
    flt = _filter_from(request, s)
    res = queries.results(survey, flt, public=public, s=s)
    cats = [q for q in s.ordered_questions() if q.kind in CATEGORICAL_KINDS]
    where_choices = [
        (f"{q.pk}:{key}", f"{q.text} = {label}") for q in cats for key, label in queries.categories(s, q)
    ]
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "res": res,
            "public": public,
            "cats": cats,
            "where_choices": where_choices,
            "current": {
                "segment": request.GET.get("segment", ""),
                "wenn": request.GET.get("wenn", ""),
                "nach": request.GET.get("nach", ""),
            },
            "segments": [
                ("citizen", Segment.CITIZEN.label),
                ("business", Segment.BUSINESS.label),
                ("none", Segment.NONE.label),
            ],
        },
    )


@public
def public_results(request: RathausRequest, pk: int) -> HttpResponse:
    survey = _public_survey(request, pk)
    if not survey.results_public:
        raise Http404
    return _results_page(request, survey, public=True)


@public
def open_data_csv(request: RathausRequest) -> StreamingHttpResponse:
    surveys = [
        s
        for s in Survey.objects.for_tenant(request).filter(
            is_published=True, is_template=False, publish_results=True
        )
        if s.results_public
    ]
    return exports.csv_response(queries.aggregated_rows(surveys), "umfragen-ergebnisse.csv")


# --- Staff: builder ---------------------------------------------------------------------------------


@staff
@require_http_methods(["GET", "POST"])
def manage(request: RathausRequest) -> HttpResponse:
    surveys = (
        Survey.objects.for_tenant(request)
        .annotate(n_responses=Count("responses"))
        .order_by("is_template", "-created_at")
    )
    templates = [s for s in surveys if s.is_template]
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        survey = services.create_survey(
            request.municipality, form.cleaned_data, ctx=ServiceContext.from_request(request)
        )
        messages.success(request, _("Die Umfrage wurde angelegt. Fügen Sie jetzt Seiten und Fragen hinzu."))
        return redirect("surveys:edit", pk=survey.pk)
    return render(
        request,
        "surveys/staff/manage.html",
        {"surveys": surveys, "form": form, "template_form": TemplateForm(templates=templates)},
    )


@staff
@require_POST
def from_template(request: RathausRequest) -> HttpResponse:
    templates = list(Survey.objects.for_tenant(request).filter(is_template=True))
    form = TemplateForm(request.POST, templates=templates)
    if not form.is_valid():
        messages.error(request, _("Bitte wählen Sie eine Vorlage."))
        return redirect("surveys:manage")
    kind, _sep, ref = form.cleaned_data["template"].partition(":")
    if kind == "builtin":
        survey = services.build_from_spec(request.municipality, TEMPLATES[ref], is_template=False)
    else:
        source = next(s for s in templates if str(s.pk) == ref)
        survey = services.copy_survey(
            source, request.municipality, title=source.title, ctx=ServiceContext.from_request(request)
        )
    messages.success(request, _("Die Umfrage wurde aus der Vorlage angelegt (als Entwurf)."))
    return redirect("surveys:edit", pk=survey.pk)


@staff
@require_http_methods(["GET", "POST"])
def edit(request: RathausRequest, pk: int) -> HttpResponse:
    survey = tenant_object_or_404(Survey, request, pk=pk)
    form = SurveyForm(request.POST or None, instance=Survey.objects.get(pk=survey.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_survey(survey, form.cleaned_data, ctx=ServiceContext.from_request(request))
        except services.SurveyError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, _("Die Einstellungen wurden gespeichert."))
            return redirect("surveys:edit", pk=survey.pk)
    s = structure.load(survey)
    return render(
        request,
        "surveys/staff/edit.html",
        {
            "survey": survey,
            "form": form,
            "s": s,
            "pages": [(p, s.by_page.get(p.pk, []), s.page_conditions.get(p.pk, [])) for p in s.pages],
            "locked": services.is_locked(survey),
            "page_form": PageForm(),
            "response_count": survey.responses.count(),
        },
    )


@staff
@require_POST
def copy(request: RathausRequest, pk: int) -> HttpResponse:
    survey = tenant_object_or_404(Survey, request, pk=pk)
    new = services.copy_survey(survey, request.municipality, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Die Umfrage wurde kopiert."))
    return redirect("surveys:edit", pk=new.pk)


def _locked_message(request: RathausRequest, err: services.SurveyError) -> None:
    messages.error(request, err.message)


@staff
@require_POST
def page_create(request: RathausRequest, pk: int) -> HttpResponse:
    survey = tenant_object_or_404(Survey, request, pk=pk)
    form = PageForm(request.POST)
    if form.is_valid():
        try:
            page = services.add_page(
                survey,
                form.cleaned_data["title"],
                title_en=form.cleaned_data["title_en"],
                description=form.cleaned_data["description"],
                ctx=ServiceContext.from_request(request),
            )
        except services.SurveyError as err:
            _locked_message(request, err)
        else:
            return redirect("surveys:page_edit", pk=page.pk)
    else:
        messages.error(request, _("Bitte geben Sie eine Überschrift für die Seite an."))
    return redirect("surveys:edit", pk=survey.pk)


@staff
@require_http_methods(["GET", "POST"])
def page_edit(request: RathausRequest, pk: int) -> HttpResponse:
    page: Page = _child(Page, request, pk)
    form = PageForm(request.POST or None, instance=page)
    if request.method == "POST" and form.is_valid():
        services.update_page(page, form.cleaned_data, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Die Seite wurde gespeichert."))
        return redirect("surveys:edit", pk=page.survey_id)
    return render(
        request,
        "surveys/staff/page.html",
        {
            "page": page,
            "survey": page.survey,
            "form": form,
            "questions": page.questions.all(),
            "conditions": Condition.objects.filter(target_page=page).select_related("source", "option"),
            "condition_form": ConditionForm(survey=page.survey, before_page=page),
            "condition_url": reverse("surveys:page_condition", args=[page.pk]),
        },
    )


@staff
@require_POST
def page_delete(request: RathausRequest, pk: int) -> HttpResponse:
    page: Page = _child(Page, request, pk)
    try:
        services.delete_page(page, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Die Seite wurde gelöscht."))
    except services.SurveyError as err:
        _locked_message(request, err)
    return redirect("surveys:edit", pk=page.survey_id)


def _question_kind(request: RathausRequest, question: Question | None = None) -> str | None:
    """The kind the builder edits: posted with the form, chosen in step 1 (?art=), or the question's own."""
    return (
        chosen_kind(request.POST.get("kind"))
        or chosen_kind(request.GET.get("art"))
        or (question.kind if question else None)
    )


@staff
@require_http_methods(["GET", "POST"])
def question_create(request: RathausRequest, pk: int) -> HttpResponse:
    page: Page = _child(Page, request, pk)
    kind = _question_kind(request)
    if kind is None:  # step 1: choose the kind, then only its settings are shown
        return render(
            request,
            "surveys/staff/question.html",
            {"kind_form": QuestionKindForm(), "page": page, "survey": page.survey, "question": None},
        )
    form = QuestionForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_question(
                page,
                form.question_data(),
                options=form.options(),
                rows=form.rows(),
                ctx=ServiceContext.from_request(request),
            )
        except services.SurveyError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, _("Die Frage wurde hinzugefügt."))
            return redirect("surveys:page_edit", pk=page.pk)
    return render(
        request,
        "surveys/staff/question.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": Kind(kind).label,
            "page": page,
            "survey": page.survey,
            "question": None,
        },
    )


@staff
@require_http_methods(["GET", "POST"])
def question_edit(request: RathausRequest, pk: int) -> HttpResponse:
    question: Question = _child(Question, request, pk)
    kind = _question_kind(request, question)
    form = QuestionForm(request.POST or None, instance=Question.objects.get(pk=question.pk), kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_question(
                question,
                form.question_data(),
                options=form.options(),
                rows=form.rows(),
                ctx=ServiceContext.from_request(request),
            )
        except services.SurveyError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, _("Die Frage wurde gespeichert."))
            return redirect("surveys:page_edit", pk=question.page_id)
    page = question.page
    return render(
        request,
        "surveys/staff/question.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": Kind(kind).label if kind else "",
            "kind_form": QuestionKindForm(initial={"art": kind}),
            "page": page,
            "survey": question.survey,
            "question": question,
            "locked": services.is_locked(question.survey),
            "conditions": Condition.objects.filter(target_question=question).select_related(
                "source", "option"
            ),
            "condition_form": ConditionForm(survey=question.survey, before_page=page),
            "condition_url": reverse("surveys:question_condition", args=[question.pk]),
        },
    )


@staff
@require_POST
def question_delete(request: RathausRequest, pk: int) -> HttpResponse:
    question: Question = _child(Question, request, pk)
    try:
        services.delete_question(question, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Die Frage wurde gelöscht."))
    except services.SurveyError as err:
        _locked_message(request, err)
    return redirect("surveys:page_edit", pk=question.page_id)


def _add_condition(request: RathausRequest, survey: Survey, page: Page, question: Question | None) -> None:
    form = ConditionForm(request.POST, survey=survey, before_page=page)
    if not form.is_valid():
        messages.error(request, _("Bitte wählen Sie eine Frage einer früheren Seite und eine Bedingung."))
        return
    try:
        services.add_condition(
            survey,
            source=form.cleaned_data["source"],
            operator=form.cleaned_data["operator"],
            target_question=question,
            target_page=None if question else page,
            option=form.cleaned_data["option"],
            value=form.cleaned_data["value"],
            ctx=ServiceContext.from_request(request),
        )
        messages.success(request, _("Die Bedingung wurde hinzugefügt."))
    except services.SurveyError as err:
        messages.error(request, err.message)


@staff
@require_POST
def question_condition(request: RathausRequest, pk: int) -> HttpResponse:
    question: Question = _child(Question, request, pk)
    _add_condition(request, question.survey, question.page, question)
    return redirect("surveys:question_edit", pk=question.pk)


@staff
@require_POST
def page_condition(request: RathausRequest, pk: int) -> HttpResponse:
    page: Page = _child(Page, request, pk)
    _add_condition(request, page.survey, page, None)
    return redirect("surveys:page_edit", pk=page.pk)


@staff
@require_POST
def condition_delete(request: RathausRequest, pk: int) -> HttpResponse:
    cond: Condition = _child(Condition, request, pk)
    try:
        services.delete_condition(cond, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Die Bedingung wurde entfernt."))
    except services.SurveyError as err:
        _locked_message(request, err)
    if cond.target_question_id:
        return redirect("surveys:question_edit", pk=cond.target_question_id)
    return redirect("surveys:page_edit", pk=cond.target_page_id)


@staff
@require_http_methods(["GET", "POST"])
def preview(request: RathausRequest, pk: int) -> HttpResponse:
    survey = tenant_object_or_404(Survey, request, pk=pk)
    if request.method == "POST":
        request.session[_state_key(survey, True)] = {"answers": {}, "segment": ""}
        return redirect("surveys:preview_page", pk=survey.pk, number=1)
    return render(request, "surveys/staff/preview.html", {"survey": survey})


@staff
@require_http_methods(["GET", "POST"])
def preview_page(request: RathausRequest, pk: int, number: int) -> HttpResponseBase:
    return _take(request, tenant_object_or_404(Survey, request, pk=pk), number, preview=True)


@staff
@require_http_methods(["GET", "POST"])
def invitations(request: RathausRequest, pk: int) -> HttpResponse:
    survey = tenant_object_or_404(Survey, request, pk=pk)
    form = InvitationForm(request.POST or None)
    codes: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.generate_invitations(
                survey,
                form.cleaned_data.get("count") or 0,
                emails=form.cleaned_data["emails"],
                ctx=ServiceContext.from_request(request),
            )
        except services.SurveyError as err:
            form.add_error(None, err.message)
        else:
            if form.cleaned_data["emails"]:
                messages.success(
                    request,
                    _("%(n)s Einladungen werden per E-Mail versendet.")
                    % {"n": len(form.cleaned_data["emails"])},
                )
            if codes:
                response = render(
                    request,
                    "surveys/staff/codes.html",
                    {
                        "survey": survey,
                        "codes": [services.format_code(c) for c in codes],
                        "link": request.build_absolute_uri(survey.get_absolute_url()),
                    },
                )
                response["Cache-Control"] = "no-store"
                return response
            return redirect("surveys:invitations", pk=survey.pk)
    stats = survey.invitations.aggregate(total=Count("id"), used=Count("id", filter=Q(used=True)))
    return render(request, "surveys/staff/invitations.html", {"survey": survey, "form": form, "stats": stats})


@staff
def results(request: RathausRequest, pk: int) -> HttpResponse:
    return _results_page(request, tenant_object_or_404(Survey, request, pk=pk), public=False)


@staff
@require_POST
def moderate(request: RathausRequest, pk: int) -> HttpResponse:
    answer: Answer = get_object_or_404(
        Answer.objects.select_related("response__survey"), pk=pk, survey__municipality=request.municipality
    )
    services.set_answer_hidden(
        answer, request.POST.get("hidden") == "1", ctx=ServiceContext.from_request(request)
    )
    messages.success(
        request,
        _("Die Antwort wird öffentlich nicht angezeigt.")
        if request.POST.get("hidden") == "1"
        else _("Die Antwort wird wieder angezeigt."),
    )
    nxt = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect("surveys:results", pk=answer.survey_id)


@staff
def export_csv(request: RathausRequest, pk: int) -> StreamingHttpResponse:
    survey = tenant_object_or_404(Survey, request, pk=pk)
    s = structure.load(survey)
    services.audit.record("surveys.export.csv", ctx=ServiceContext.from_request(request), obj=survey)
    return exports.csv_response(queries.export_rows(survey, s), f"umfrage-{survey.pk}-antworten.csv")


@staff
def codebook_csv(request: RathausRequest, pk: int) -> StreamingHttpResponse:
    survey = tenant_object_or_404(Survey, request, pk=pk)
    s = structure.load(survey)
    return exports.csv_response(queries.codebook(s), f"umfrage-{survey.pk}-codebuch.csv")


@staff
def export_xlsx(request: RathausRequest, pk: int) -> FileResponse:
    survey = tenant_object_or_404(Survey, request, pk=pk)
    s = structure.load(survey)
    services.audit.record("surveys.export.xlsx", ctx=ServiceContext.from_request(request), obj=survey)
    return exports.xlsx_response(
        [(_("Antworten"), queries.export_rows(survey, s)), (_("Codebuch"), queries.codebook(s))],
        f"umfrage-{survey.pk}-antworten.xlsx",
    )
