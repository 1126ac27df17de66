"""Reads of the FIM form engine (other apps use these)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from . import engine
from .models import Draft, FormDefinition


def published_forms(municipality: Any) -> QuerySet[FormDefinition]:
    return FormDefinition.objects.for_tenant(municipality).filter(active_version__isnull=False)


def form_for_service(municipality: Any, leika: str) -> str | None:
    """URL of the online form for a LeiKa key in this municipality, or None."""
    if not leika:
        return None
    form = published_forms(municipality).filter(leika=leika).order_by("pk").first()
    return reverse("fim:form", kwargs={"pk": form.pk}) if form else None


def drafts_of(user: Any, municipality: Any) -> QuerySet[Draft]:
    return Draft.objects.for_tenant(municipality).filter(user=user).select_related("form", "version")


def answer_rows(defn: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Sections for the review page and receipts: [{"title", "number", "rows": [(label, value)]}]."""
    sections = []
    labels = {c: dict(v["items"]) for c, v in defn["codelists"].items()}

    def walk(node: dict[str, Any], raw: Any, rows: list[tuple[str, str]], prefix: str) -> None:
        for i, inst in enumerate(raw if isinstance(raw, list) else []):
            suffix = f" ({i + 1})" if len(raw) > 1 else ""
            for child in node["children"]:
                if child["kind"] == "group":
                    walk(child, inst.get(child["id"]), rows, f"{child['label']}{suffix}: ")
                elif child["feldart"] in ("input", "select"):
                    value = inst.get(child["id"], "")
                    if isinstance(value, dict):
                        value = value.get("name", "")
                    elif child.get("codelist"):
                        value = labels.get(child["codelist"], {}).get(value, value)
                    elif child["datentyp"] == "bool":
                        value = {"true": _("Ja"), "false": _("Nein")}.get(value, value)
                    rows.append((prefix + child["label"] + suffix, str(value) if value else "–"))

    for n, node in enumerate(engine.steps(defn)):
        rows: list[tuple[str, str]] = []
        walk(node, answers.get(node["id"], [{}]), rows, "")
        sections.append({"title": node["label"], "number": n, "rows": rows})
    return sections
