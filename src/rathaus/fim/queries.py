"""Reads of the FIM form engine (other apps use these)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from rathaus.core.accounts.models import User
from rathaus.core.tenancy.models import Municipality

from . import engine
from .models import Draft, FormDefinition


def published_forms(municipality: Municipality) -> QuerySet[FormDefinition]:
    return FormDefinition.objects.for_tenant(municipality).filter(active_version__isnull=False)


def form_for_service(municipality: Municipality, leika: str, service_id: int | None = None) -> str | None:
    """URL of the online form of a catalogue service in this municipality, or None: a published
    designed form linked to the service (``FormDesign.catalog_service_id``; local services often
    have no LeiKa key), else a published form with the service's LeiKa key."""
    form = form_of_service(municipality, leika, service_id)
    return reverse("fim:form", kwargs={"pk": form.pk}) if form else None


def form_of_service(
    municipality: Municipality, leika: str, service_id: int | None = None
) -> FormDefinition | None:
    """The published online form of a catalogue service (see ``form_for_service``), or None."""
    form = None
    if service_id:
        form = (
            published_forms(municipality).filter(design__catalog_service_id=service_id).order_by("pk").first()
        )
    if form is None and leika:
        form = published_forms(municipality).filter(leika=leika).order_by("pk").first()
    return form


def field_labels(form: FormDefinition) -> dict[str, str]:
    """FIM field id → label of every data field of the form's active version (for field mappings)."""
    if form.active_version is None:
        return {}
    nodes = engine.nodes_by_id(form.active_version.definition)
    return {fid: str(n.get("label", "")) for fid, n in nodes.items() if n.get("kind") != "group"}


def drafts_of(user: User, municipality: Municipality) -> QuerySet[Draft]:
    return Draft.objects.for_tenant(municipality).filter(user=user).select_related("form", "version")


def display_value(node: dict[str, Any], value: Any, labels: dict[str, dict[str, str]]) -> str:
    """An answer as people read it, in the active language: code list labels, Ja/Nein, dates as
    TT.MM.JJJJ in German (the locale's short format in English), numbers with the locale's decimal
    separator ("12,50" / "12.50"), amounts with €. Values that do not parse are shown as entered."""
    if isinstance(value, dict):
        return str(value.get("name", "")) or "–"
    if value in (None, "", [], False) and node["datentyp"] != "bool":
        return "–"
    if node.get("codelist"):
        return str(labels.get(node["codelist"], {}).get(value, value))
    dt = node["datentyp"]
    text = str(value)
    if engine.is_identifier(node):
        return text  # Parkausweisnummer 4711, not "4.711"
    try:
        if dt == "bool":
            if value in (None, ""):
                return "–"
            return _("Ja") if text.strip().lower() in engine.TRUTHY else _("Nein")
        if dt == "date":
            return formats.date_format(date.fromisoformat(text), "SHORT_DATE_FORMAT")
        if dt == "datetime":
            return formats.date_format(datetime.fromisoformat(text), "SHORT_DATETIME_FORMAT")
        if dt == "time":
            return formats.time_format(time.fromisoformat(text), "TIME_FORMAT")
        if dt in ("num", "num_int", "num_currency"):
            number = Decimal(text)
            places = 2 if dt == "num_currency" else max(0, -int(number.as_tuple().exponent))
            shown = formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)
            return f"{shown} €" if dt == "num_currency" else shown
    except (ValueError, InvalidOperation, TypeError):
        return text
    return text


def answer_rows(defn: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Sections for the review page and receipts: [{"title", "number", "rows": [(label, value)]}].

    Steps, groups and fields that the schema's rules switch off under these answers are left out;
    values are formatted for the active language (``display_value``)."""
    sections = []
    labels = {c: dict(v["items"]) for c, v in defn["codelists"].items()}
    _required, off = engine.evaluate(defn, answers)

    def walk(node: dict[str, Any], raw: Any, rows: list[tuple[str, str]], prefix: str) -> None:
        for i, inst in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(inst, dict):
                continue
            suffix = f" ({i + 1})" if len(raw) > 1 else ""
            for child in node["children"]:
                if child["id"] in off:
                    continue
                if child["kind"] == "group":
                    walk(child, inst.get(child["id"]), rows, f"{child['label']}{suffix}: ")
                elif child["feldart"] in ("input", "select"):
                    value = display_value(child, inst.get(child["id"], ""), labels)
                    rows.append((prefix + child["label"] + suffix, value))

    for n, node in enumerate(engine.steps(defn)):
        if node["id"] in off:
            continue
        rows: list[tuple[str, str]] = []
        walk(node, answers.get(node["id"], [{}]), rows, "")
        sections.append({"title": node["label"], "number": n, "rows": rows})
    return sections
