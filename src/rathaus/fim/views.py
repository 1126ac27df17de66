"""Thin views of the FIM form engine: public multi-step form, drafts, review, staff import + preview."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rathaus.core.accounts.permissions import login_required, module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports
from rathaus.core.tenancy.services import public_url, tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest, SignedInRequest
from rathaus.payments import queries as payments_queries

from . import engine, hooks, queries, services
from .forms import ImportForm, ResumeMailForm
from .models import Draft, FormDefinition, FormSubmission

SESSION_KEY = "fim_drafts"


def _published(request: RathausRequest, pk: int) -> FormDefinition:
    form = tenant_object_or_404(FormDefinition, request, pk=pk)
    if form.active_version_id is None:
        raise Http404
    return form


def _remember(request: RathausRequest, form: FormDefinition, draft: Draft, token: str) -> None:
    store = dict(request.session.get(SESSION_KEY, {}))
    store[str(form.pk)] = {"id": draft.pk, "token": token}
    request.session[SESSION_KEY] = store


def _current_draft(request: RathausRequest, form: FormDefinition) -> Draft | None:
    entry = request.session.get(SESSION_KEY, {}).get(str(form.pk))
    qs = Draft.objects.for_tenant(request).filter(form=form).select_related("version", "form")
    if entry:
        draft: Draft | None = qs.filter(pk=entry["id"]).first()
        if draft is not None:
            if request.user.is_authenticated and draft.user_id == request.user.pk:
                return draft
            if entry.get("token") and draft.token_hash == services.token_hash(entry["token"]):
                return draft
    if request.user.is_authenticated:
        return qs.filter(user=request.user).first()
    return None


@public
def index(request: RathausRequest) -> HttpResponse:
    forms_ = queries.published_forms(request.municipality).order_by("name")
    drafts = queries.drafts_of(request.user, request.municipality) if request.user.is_authenticated else []
    return render(request, "fim/index.html", {"forms": forms_, "drafts": drafts})


@public
def form_start(request: RathausRequest, pk: int) -> HttpResponse:
    form = _published(request, pk)
    draft = _current_draft(request, form)
    gate = hooks.form_gate(form, request)  # e.g. a login with BundID at a trust level
    if request.method == "POST" and gate is None:
        if draft is None or "new" in request.POST:
            draft, token = services.start_draft(form, user=request.user)
            _remember(request, form, draft, token)
        return redirect("fim:step", pk=form.pk, step=draft.current_step)
    version = form.active_version
    if version is None:  # _published() refuses such forms; this narrows the type
        raise Http404
    defn = version.definition
    return render(
        request,
        "fim/start.html",
        {
            "form_def": form,
            "defn": defn,
            "draft": draft,
            "steps": engine.steps(defn),
            "fee": payments_queries.fee_for_form(form),
            "gate": gate,
        },
        status=403 if gate is not None and request.method == "POST" else 200,
    )


def _neighbour(defn: dict[str, Any], answers: dict[str, Any], index: int, direction: int) -> int | None:
    """The next (direction 1) or previous (-1) step that applies under the answers, or None."""
    active = engine.active_steps(defn, answers)
    candidates = [i for i in active if (i > index if direction > 0 else i < index)]
    if not candidates:
        return None
    return candidates[0] if direction > 0 else candidates[-1]


def _step_context(
    form: FormDefinition, draft: Draft, index: int, step_form: engine.StepForm
) -> dict[str, Any]:
    defn = draft.version.definition
    all_steps = engine.steps(defn)
    active = engine.active_steps(defn, step_form.answers)
    return {
        "form_def": form,
        "draft": draft,
        "step_form": step_form,
        "index": index,
        "number": active.index(index) + 1 if index in active else index + 1,
        "total": len(active),
        "has_previous": any(i < index for i in active),
        "step": all_steps[index],
        "counts": engine.group_counts(step_form.layout),
        "fields": step_form.bound_fields_by_name(),
    }


@public
def step(request: RathausRequest, pk: int, step: int) -> HttpResponse:
    form = _published(request, pk)
    draft = _current_draft(request, form)
    if draft is None:
        return redirect("fim:form", pk=form.pk)
    defn = draft.version.definition
    all_steps = engine.steps(defn)
    if step >= len(all_steps):
        raise Http404
    if step not in engine.active_steps(defn, draft.answers):
        # Switched off by an earlier answer (e.g. the holder of one's own vehicle): skip it.
        nxt = _neighbour(defn, draft.answers, step, 1)
        if nxt is None:
            return redirect("fim:review", pk=form.pk)
        return redirect("fim:step", pk=form.pk, step=nxt)
    node = all_steps[step]
    if request.method == "POST":
        raw = engine.raw_from_post(
            node,
            request.POST,
            request.FILES,
            [node["id"]],
            engine.counts_from_post(request.POST),
            draft.answers.get(node["id"]),
        )
        action = next((k for k in request.POST if k.startswith(("add_", "remove_"))), None)
        answers = {**draft.answers, node["id"]: raw}
        if action:
            raw = engine.apply_action(node, raw, action)
            services.save_step(draft, node["id"], raw, step)
            return redirect(reverse("fim:step", kwargs={"pk": form.pk, "step": step}) + "#formular")
        if "back" in request.POST:
            prev = _neighbour(defn, answers, step, -1)
            prev = step if prev is None else prev
            services.save_step(draft, node["id"], raw, prev)
            return redirect("fim:step", pk=form.pk, step=prev)
        if "save" in request.POST:
            services.save_step(draft, node["id"], raw, step)
            return redirect("fim:save", pk=form.pk)
        data = engine.flatten(node, raw)
        files = {k: v for k, v in data.items() if hasattr(v, "read")}
        data = {k: v for k, v in data.items() if k not in files and not isinstance(v, dict)}
        step_form = engine.StepForm(defn, step, answers, data=data, files=files)
        if step_form.is_valid():
            nxt = _neighbour(defn, answers, step, 1)
            services.save_step(draft, node["id"], raw, step if nxt is None else nxt)
            if nxt is None:
                return redirect("fim:review", pk=form.pk)
            return redirect("fim:step", pk=form.pk, step=nxt)
        draft.answers = {**draft.answers, node["id"]: list(raw)}
    else:
        step_form = engine.StepForm(defn, step, draft.answers)
    hooks.decorate_step(draft, step_form, request)
    return render(request, "fim/step.html", _step_context(form, draft, step, step_form))


def _answer_rows(defn: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    return queries.answer_rows(defn, answers)


@public
def review(request: RathausRequest, pk: int) -> HttpResponse:
    form = _published(request, pk)
    draft = _current_draft(request, form)
    if draft is None:
        # A double click or a browser retry after the submission: show the same submission again.
        key = request.POST.get("submit_key", "") if request.method == "POST" else ""
        earlier = services.submission_for_key(request.municipality, key)
        if (
            earlier is not None
            and earlier.form_id == form.pk
            and (
                request.session.get("fim_last_submission") == earlier.pk
                or (request.user.is_authenticated and earlier.user_id == request.user.pk)
            )
        ):
            return redirect(hooks.done_url(earlier, request) or reverse("fim:done", kwargs={"pk": form.pk}))
        return redirect("fim:form", pk=form.pk)
    defn = draft.version.definition
    errors: dict[int, Any] = {}
    submit_error = ""
    gate = None
    if request.method == "POST":
        gate = hooks.form_gate(form, request)  # checked again: the session may have changed
    if request.method == "POST" and gate is not None:
        submit_error = gate.message
    elif request.method == "POST":
        try:
            # The key is always the draft's own (a posted key only finds an earlier submission above).
            extra = hooks.submission_context(draft, request)
            submission = services.submit(draft, extra=extra)
        except services.SubmissionInvalid as exc:
            errors = exc.invalid
        except services.SubmissionRejected as exc:
            submit_error = str(exc)
        else:
            request.session["fim_last_submission"] = submission.pk
            return redirect(
                hooks.done_url(submission, request) or reverse("fim:done", kwargs={"pk": form.pk})
            )
    return render(
        request,
        "fim/review.html",
        {
            "form_def": form,
            "draft": draft,
            "sections": _answer_rows(defn, draft.answers),
            "submit_error": submit_error,
            "gate": gate,
            "invalid_steps": [
                {"number": i + 1, "index": i, "title": engine.steps(defn)[i]["label"]} for i in sorted(errors)
            ],
        },
    )


@public
def save(request: RathausRequest, pk: int) -> HttpResponse:
    form = _published(request, pk)
    draft = _current_draft(request, form)
    if draft is None:
        return redirect("fim:form", pk=form.pk)
    mail_form = None
    if draft.user_id is None:
        entry = request.session.get(SESSION_KEY, {}).get(str(form.pk), {})
        mail_form = ResumeMailForm(request.POST or None, initial={"email": draft.email})
        if request.method == "POST" and mail_form.is_valid():
            path = reverse("fim:resume", kwargs={"token": entry.get("token", "")})
            url = public_url(request.municipality, path, ServiceContext.from_request(request))
            services.send_resume_link(draft, mail_form.cleaned_data["email"], url)
            messages.success(request, _("Wir haben Ihnen den Link zum Fortsetzen per E-Mail gesendet."))
            return redirect("fim:save", pk=form.pk)
    return render(request, "fim/saved.html", {"form_def": form, "draft": draft, "mail_form": mail_form})


@public
def resume(request: RathausRequest, token: str) -> HttpResponse:
    """The link from the guest's e-mail: a confirmation page (GET changes nothing), POST resumes."""
    draft = (
        Draft.objects.for_tenant(request)
        .filter(token_hash=services.token_hash(token))
        .select_related("form")
        .first()
    )
    if draft is None or not token:
        raise Http404
    if request.method == "POST":
        _remember(request, draft.form, draft, token)
        return redirect("fim:step", pk=draft.form_id, step=draft.current_step)
    return render(request, "fim/resume.html", {"draft": draft, "form_def": draft.form})


@login_required
@require_POST
def draft_resume(request: SignedInRequest, pk: int) -> HttpResponse:
    draft = tenant_object_or_404(Draft.objects.filter(user_id=request.user.pk or 0), request, pk=pk)
    _remember(request, draft.form, draft, "")
    return redirect("fim:step", pk=draft.form_id, step=draft.current_step)


@public
def done(request: RathausRequest, pk: int) -> HttpResponse:
    form = _published(request, pk)
    sub_pk = request.session.get("fim_last_submission")
    qs = FormSubmission.objects.for_tenant(request).filter(form=form)
    submission = qs.filter(pk=sub_pk).first() if sub_pk else None
    if submission is None and request.user.is_authenticated:
        submission = qs.filter(user=request.user).first()
    if submission is None:
        return redirect("fim:form", pk=form.pk)
    return render(request, "fim/done.html", {"form_def": form, "submission": submission})


# --- staff ---------------------------------------------------------------------------------------


@module_required("services")
def manage(request: SignedInRequest) -> HttpResponse:
    forms_ = FormDefinition.objects.for_tenant(request).select_related("active_version").order_by("name")
    return render(request, "fim/manage.html", {"forms": forms_})


@module_required("services")
def import_view(request: SignedInRequest) -> HttpResponse:
    """Upload a schema with its code lists: size, XML and DOCTYPE are checked here, the schema is
    parsed and stored in an import job (rathaus.core.jobs.imports); the user goes on to its page."""
    upload = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if upload.is_valid():
            schema: Any = request.FILES["schema"]
            data = services.pack_upload(
                services.SchemaUpload(
                    schema=upload.cleaned_data["schema"],
                    source_name=schema.name or "",
                    codelists=upload.cleaned_data["codelists"],
                    leika=upload.cleaned_data["leika"],
                    allow_missing_codelists=upload.cleaned_data["allow_missing_codelists"],
                )
            )
            try:
                ctx = ServiceContext.from_request(request)
                name = schema.name or "schema.xml"
                job, started = imports.start_import(ctx, services.IMPORT_KIND, name, data)
            except imports.ImportFailed as exc:
                upload.add_error("schema", exc.message)
            else:
                if not started:
                    messages.info(
                        request, _("Diese Datei wird schon importiert oder wurde gerade importiert.")
                    )
                return redirect(imports.job_url(job))
        status = 400
    return render(request, "fim/import.html", {"upload": upload}, status=status)


@module_required("services")
def preview(request: SignedInRequest, pk: int) -> HttpResponse:
    form = tenant_object_or_404(FormDefinition, request, pk=pk)
    versions = list(form.versions.all())
    version = form.active_version
    steps_ctx = []
    if version is not None:
        defn = version.definition
        for i in range(len(engine.steps(defn))):
            sf = engine.StepForm(defn, i, {})
            steps_ctx.append({"form": sf, "fields": sf.bound_fields_by_name(), "number": i + 1})
    return render(
        request,
        "fim/preview.html",
        {
            "form_def": form,
            "version": version,
            "versions": versions,
            "steps": steps_ctx,
            "defn": version.definition if version else None,
        },
    )
