"""Staff views of the form designer (issue 18). Plain HTML forms with POST; no JavaScript needed.

Every view needs the module role „services“ in the request's municipality; designs of another
municipality are not found (404).
"""

from __future__ import annotations

from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rathaus.core.accounts.permissions import module_required
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest

from . import designer, engine
from .designer import DesignError
from .forms import (
    TYPE_CHOICES,
    DesignBaukastenForm,
    DesignCodelistForm,
    DesignCreateForm,
    DesignFieldForm,
    DesignGroupForm,
    DesignMetaForm,
    DesignRuleForm,
)
from .models import FormDesign

TYPE_LABELS = dict(TYPE_CHOICES)


def _design(request: RathausRequest, pk: int) -> FormDesign:
    design: FormDesign = tenant_object_or_404(FormDesign.objects.select_related("form"), request, pk=pk)
    return design


def _catalog_services(request: RathausRequest) -> list[tuple[int, str]]:
    """This municipality's catalogue services (the catalogue is optional for the form engine)."""
    try:
        from rathaus.catalog import queries as catalog_queries
    except ImportError:  # pragma: no cover - the catalogue app is installed in every deployment
        return []
    return [(s.pk, s.name) for s in catalog_queries.staff_services(request.municipality)]


def _kind(node: dict[str, Any]) -> str:
    if node["kind"] == "group":
        return _("Gruppe")
    if node["feldart"] == "select":
        return str(TYPE_LABELS["select"])
    if node["feldart"] == "label":
        return str(TYPE_LABELS["label"])
    return str(TYPE_LABELS.get(node["datentyp"], node["datentyp"]))


def _tree(defn: dict[str, Any], nodes: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
    out = []
    for i, node in enumerate(nodes):
        out.append(
            {
                "node": node,
                "depth": depth,
                "kind": _kind(node),
                "first": i == 0,
                "last": i == len(nodes) - 1,
                "repeat": node["kind"] == "group" and (node["max"] is None or node["max"] > 1),
                "children": _tree(defn, node["children"], depth + 1) if node["kind"] == "group" else [],
                "codelist": defn["codelists"].get(node.get("codelist") or "", {}).get("name", ""),
            }
        )
    return out


def _choices(defn: dict[str, Any]) -> dict[str, Any]:
    all_nodes = designer.walk(defn["items"])
    return {
        "parents": designer.containers(defn),
        "codelists": [(k, v["name"]) for k, v in defn["codelists"].items()],
        "rule_fields": [
            (n["id"], f"{n['label']} ({n['id']})")
            for n in all_nodes
            if n["kind"] == "field" and (n["feldart"] == "select" or n["datentyp"] == "bool")
        ],
        "targets": [(n["id"], f"{n['label']} ({n['id']})") for n in all_nodes],
    }


def _forms(request: RathausRequest, design: FormDesign, bound: dict[str, djforms.Form]) -> dict[str, Any]:
    defn = design.definition
    ch = _choices(defn)
    meta_initial = {
        "title": defn["title"],
        "definition": defn["definition"],
        "description": defn["description"],
        "legal_basis": defn["legal_basis"],
        "leika": design.form.leika,
        "catalog_service": design.catalog_service_id,
    }
    return {
        "meta_form": bound.get("meta")
        or DesignMetaForm(prefix="meta", initial=meta_initial, services=_catalog_services(request)),
        "step_form": bound.get("step") or DesignGroupForm(prefix="step", step=True),
        "group_form": bound.get("group") or DesignGroupForm(prefix="group", parents=ch["parents"]),
        "field_form": bound.get("field")
        or DesignFieldForm(prefix="field", parents=ch["parents"], codelists=ch["codelists"]),
        "codelist_form": bound.get("codelist") or DesignCodelistForm(prefix="codelist"),
        "rule_form": bound.get("rule")
        or DesignRuleForm(prefix="rule", fields=ch["rule_fields"], targets=ch["targets"]),
        "baukasten_form": bound.get("baukasten")
        or DesignBaukastenForm(
            prefix="baukasten",
            elements=[(e["key"], e["label"]) for e in designer.baukasten(request.municipality)],
            parents=ch["parents"],
        ),
    }


@module_required("services")
def design_list(request: RathausRequest) -> HttpResponse:
    create = DesignCreateForm(request.POST or None, prefix="new")
    if request.method == "POST" and create.is_valid():
        try:
            design = designer.create_design(
                request.municipality,
                title=create.cleaned_data["title"],
                actor=request.user,
                ctx=ServiceContext.from_request(request),
            )
        except DesignError as exc:
            create.add_error("title", str(exc))
        else:
            messages.success(request, _("Formular angelegt. Fügen Sie jetzt Schritte und Felder hinzu."))
            return redirect("fim:design", pk=design.pk)
    designs = (
        FormDesign.objects.for_tenant(request)
        .select_related("form", "form__active_version")
        .order_by("form__name", "pk")
    )
    return render(request, "fim/designer/list.html", {"designs": designs, "create": create})


def _run(request: RathausRequest, form: djforms.Form, fn: Any) -> bool:
    """Run a designer change; a refused change becomes an error on the form (shown in its summary)."""
    try:
        fn()
    except DesignError as exc:
        form.add_error(None, str(exc))
        return False
    return True


@module_required("services")
def design_edit(request: RathausRequest, pk: int) -> HttpResponse:
    design = _design(request, pk)
    bound: dict[str, djforms.Form] = {}
    kw: dict[str, Any] = {"actor": request.user, "ctx": ServiceContext.from_request(request)}
    if request.method == "POST":
        op = request.POST.get("op", "")
        ch = _choices(design.definition)
        ok = False
        form: djforms.Form | None = None
        if op == "meta":
            form = DesignMetaForm(request.POST, prefix="meta", services=_catalog_services(request))
            if form.is_valid():
                data = form.cleaned_data
                ok = _run(
                    request,
                    form,
                    lambda: designer.update_meta(
                        design, {**data, "catalog_service_id": data["catalog_service"]}, **kw
                    ),
                )
        elif op == "step":
            form = DesignGroupForm(request.POST, prefix="step", step=True)
            if form.is_valid():
                ok = _run(request, form, lambda: designer.add_group(design, form.cleaned_data, **kw))
        elif op == "group":
            form = DesignGroupForm(request.POST, prefix="group", parents=ch["parents"])
            if form.is_valid():
                data = form.cleaned_data
                ok = _run(
                    request, form, lambda: designer.add_group(design, data, parent=data["parent"], **kw)
                )
        elif op == "field":
            form = DesignFieldForm(
                request.POST, prefix="field", parents=ch["parents"], codelists=ch["codelists"]
            )
            if form.is_valid():
                data = form.cleaned_data
                ok = _run(request, form, lambda: designer.add_field(design, data, data["parent"], **kw))
        elif op == "codelist":
            form = DesignCodelistForm(request.POST, prefix="codelist")
            if form.is_valid():
                ok = _run(request, form, lambda: designer.add_codelist(design, form.cleaned_data, **kw))
        elif op == "rule":
            form = DesignRuleForm(
                request.POST, prefix="rule", fields=ch["rule_fields"], targets=ch["targets"]
            )
            if form.is_valid():
                ok = _run(request, form, lambda: designer.add_rule(design, form.cleaned_data, **kw))
        elif op == "baukasten":
            elements = [(e["key"], e["label"]) for e in designer.baukasten(request.municipality)]
            form = DesignBaukastenForm(
                request.POST, prefix="baukasten", elements=elements, parents=ch["parents"]
            )
            if form.is_valid():
                data = form.cleaned_data
                ok = _run(
                    request,
                    form,
                    lambda: designer.insert_baukasten(design, data["element"], data["parent"], **kw),
                )
        elif op in ("up", "down", "remove", "remove_rule"):
            target = request.POST.get("node", "")
            try:
                if op == "remove":
                    designer.remove(design, target, **kw)
                elif op == "remove_rule":
                    designer.remove_rule(design, target, **kw)
                else:
                    designer.move(design, target, -1 if op == "up" else 1, **kw)
            except DesignError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Gespeichert."))
            return redirect(reverse("fim:design", kwargs={"pk": design.pk}) + "#aufbau")
        else:
            raise Http404
        if ok:
            messages.success(request, _("Gespeichert."))
            return redirect(reverse("fim:design", kwargs={"pk": design.pk}) + "#aufbau")
        if form is not None:
            bound[op] = form
        design.refresh_from_db()
    defn = design.definition
    context = {
        "design": design,
        "defn": defn,
        "tree": _tree(defn, defn["items"]),
        "changes": design.changes.select_related(None).all()[:30],
        "problems": designer.problems(defn, publishing=True),
        "codelists": list(defn["codelists"].items()),
        **_forms(request, design, bound),
    }
    return render(request, "fim/designer/edit.html", context, status=400 if bound else 200)


def _find(design: FormDesign, node_id: str, kind: str) -> dict[str, Any]:
    found = designer.find(design.definition, node_id)
    if found is None or found[0]["kind"] != kind:
        raise Http404
    return found[0]


@module_required("services")
def field_edit(request: RathausRequest, pk: int, node_id: str) -> HttpResponse:
    design = _design(request, pk)
    node = _find(design, node_id, "field")
    ch = _choices(design.definition)
    kind = (
        "select"
        if node["feldart"] == "select"
        else "label"
        if node["feldart"] == "label"
        else node["datentyp"]
    )
    initial = {
        "type": kind,
        "label": node["label"],
        "help": node.get("help", ""),
        "required": node["min"] >= 1,
        "codelist": node.get("codelist") or "",
        "min_length": node.get("min_length"),
        "max_length": node.get("max_length"),
        "min_value": node.get("min_value"),
        "max_value": node.get("max_value"),
        "pattern": node.get("pattern", ""),
        "content": node.get("content", ""),
        "media_types": node.get("media_types") or [],
        "max_size_mb": (node["max_size"] // (1024 * 1024)) if node.get("max_size") else None,
    }
    form = DesignFieldForm(
        request.POST or None, initial=initial, codelists=ch["codelists"], editing=True, prefix="field"
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "name": node.get("name", "")}
        if _run(
            request,
            form,
            lambda: designer.update_field(
                design, node_id, data, actor=request.user, ctx=ServiceContext.from_request(request)
            ),
        ):
            messages.success(request, _("Gespeichert."))
            return redirect(reverse("fim:design", kwargs={"pk": design.pk}) + "#aufbau")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "fim/designer/element.html", {"design": design, "node": node, "form": form}, status=status
    )


@module_required("services")
def group_edit(request: RathausRequest, pk: int, node_id: str) -> HttpResponse:
    design = _design(request, pk)
    node = _find(design, node_id, "group")
    top = any(n["id"] == node_id for n in design.definition["items"])
    initial = {"label": node["label"], "help": node.get("help", ""), "min": node["min"], "max": node["max"]}
    form = DesignGroupForm(request.POST or None, initial=initial, step=top, prefix="group")
    if not top:
        del form.fields["parent"]
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "name": node.get("name", "")}
        if _run(
            request,
            form,
            lambda: designer.update_group(
                design, node_id, data, actor=request.user, ctx=ServiceContext.from_request(request)
            ),
        ):
            messages.success(request, _("Gespeichert."))
            return redirect(reverse("fim:design", kwargs={"pk": design.pk}) + "#aufbau")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "fim/designer/element.html", {"design": design, "node": node, "form": form}, status=status
    )


@module_required("services")
def codelist_edit(request: RathausRequest, pk: int, index: int) -> HttpResponse:
    design = _design(request, pk)
    lists = list(design.definition["codelists"].items())
    if index >= len(lists):
        raise Http404
    key, cl = lists[index]
    initial = {"name": cl["name"], "items": "\n".join(f"{c};{lbl}" for c, lbl in cl["items"])}
    form = DesignCodelistForm(request.POST or None, initial=initial, prefix="codelist")
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            request,
            form,
            lambda: designer.update_codelist(
                design, key, form.cleaned_data, actor=request.user, ctx=ServiceContext.from_request(request)
            ),
        )
    ):
        messages.success(request, _("Gespeichert."))
        return redirect(reverse("fim:design", kwargs={"pk": design.pk}) + "#codelisten")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "fim/designer/element.html",
        {"design": design, "node": {"label": cl["name"], "id": ""}, "form": form},
        status=status,
    )


@module_required("services")
def design_preview(request: RathausRequest, pk: int, step: int = 0) -> HttpResponse:
    """The form as citizens will see it (the same engine and templates); POST checks the answers of
    this step and shows the error summary, nothing is stored."""
    design = _design(request, pk)
    defn = design.definition
    all_steps = engine.steps(defn)
    if all_steps and step >= len(all_steps):
        raise Http404
    step_form = None
    checked = False
    if all_steps:
        if request.method == "POST":
            node = all_steps[step]
            raw = engine.raw_from_post(
                node, request.POST, request.FILES, [node["id"]], engine.counts_from_post(request.POST), None
            )
            data = engine.flatten(node, raw)
            files = {k: v for k, v in data.items() if hasattr(v, "read")}
            data = {k: v for k, v in data.items() if k not in files and not isinstance(v, dict)}
            step_form = engine.StepForm(defn, step, {node["id"]: raw}, data=data, files=files)
            checked = step_form.is_valid()
        else:
            step_form = engine.StepForm(defn, step, {})
    return render(
        request,
        "fim/designer/preview.html",
        {
            "design": design,
            "defn": defn,
            "steps": all_steps,
            "index": step,
            "number": step + 1,
            "total": len(all_steps),
            "step": all_steps[step] if all_steps else None,
            "step_form": step_form,
            "fields": step_form.bound_fields_by_name() if step_form else {},
            "counts": engine.group_counts(step_form.layout) if step_form else [],
            "checked": checked,
        },
    )


@module_required("services")
@require_POST
def design_publish(request: RathausRequest, pk: int) -> HttpResponse:
    design = _design(request, pk)
    try:
        outcome = designer.publish(design, actor=request.user, ctx=ServiceContext.from_request(request))
    except DesignError as exc:
        messages.error(request, str(exc))
    except Exception as exc:  # the importer refusing our own export would be a bug: say so, never a 500
        from .importers.xdf import XdfImportError

        if not isinstance(exc, XdfImportError):
            raise
        messages.error(request, _("Der Export wurde vom Importer abgelehnt: %(e)s") % {"e": exc})
    else:
        messages.success(
            request,
            _("Version %(v)s veröffentlicht. Begonnene Anträge behalten ihre Version.")
            % {"v": outcome.version.version_label},
        )
        for w in outcome.warnings:
            messages.warning(request, w)
    return redirect("fim:design", pk=design.pk)


@module_required("services")
def design_export(request: RathausRequest, pk: int) -> HttpResponse:
    """The design as an XDatenfelder 2.0 Stammdatenschema with its genericode code lists (ZIP)."""
    design = _design(request, pk)
    defn = design.definition
    data = designer.export_zip(defn)
    response = HttpResponse(data, content_type="application/zip")
    name = f"{defn['schema_id']}V{defn['version']}_xdf2.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
