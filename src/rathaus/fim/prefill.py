"""Prefill: a new draft starts with what is already known, so people do not type it again.

Two layers, in this order (a later one wins):

1. the schema's own default of a field (XDatenfelder ``inhalt`` of an input or select field, e.g.
   „Deutschland“ / „000“ for Land), for everybody;
2. the registered **prefill sources** for the signed-in person. A source is a function
   ``(user, municipality) -> {meaning: value}``; the meanings are the keys of ``MEANINGS`` (family
   name, given name, e-mail, birth date, birth name, street, house number, postcode, city, country).
   The built-in sources are the person's latest application in this municipality (address) and the
   account (e-mail, name). rathaus.identity adds the BundID / Mein Unternehmenskonto attributes with
   ``register_prefill_source``; sources registered later win over earlier ones.

Only fields of the applicant are filled: those inside the step (top-level group) about the person
filling in the form („Angaben zur antragstellenden Person“, „Ihre Angaben“ …), never another
person's group such as the vehicle holder. A field's meaning comes from its harmonised FIM id
(Baukasten F00000053 Straße …) or else from its name. Select fields get the code whose code or label
equals the value (so a source may say „Deutschland“).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import engine

PrefillSource = Callable[[Any, Any], dict[str, str]]

MEANINGS = {
    "family_name": re.compile(r"^(familienname|nachname|name)$", re.IGNORECASE),
    "given_name": re.compile(r"^vornamen?$", re.IGNORECASE),
    "email": re.compile(r"^e-?mail(-adresse)?$", re.IGNORECASE),
    "street": re.compile(r"^straße$", re.IGNORECASE),
    "house_number": re.compile(r"^hausnummer$", re.IGNORECASE),
    "postcode": re.compile(r"^(postleitzahl|plz)$", re.IGNORECASE),
    "city": re.compile(r"^(ort|wohnort)$", re.IGNORECASE),
    "birth_date": re.compile(r"^geburtsdatum$", re.IGNORECASE),
    "birth_name": re.compile(r"^geburtsname$", re.IGNORECASE),
    "country": re.compile(r"^(land|staat|staatsangehörigkeit des wohnsitzes)$", re.IGNORECASE),
}
# Harmonised data fields of the FIM Baukasten (the same id in every schema that uses them).
FIELD_IDS = {
    "F00000053": "street",
    "F00000016": "house_number",
    "F00000054": "postcode",
    "F00000035": "city",
}
APPLICANT_RE = re.compile(
    r"antragstell|ihre angaben|persönliche angaben|angaben zu ihrer person|angaben zur person$",
    re.IGNORECASE,
)

_sources: list[PrefillSource] = []


def register_prefill_source(fn: PrefillSource) -> PrefillSource:
    if fn not in _sources:
        _sources.append(fn)
    return fn


def field_meaning(node: dict[str, Any]) -> str | None:
    if node["id"] in FIELD_IDS:
        return FIELD_IDS[node["id"]]
    for text in (node.get("name", ""), node.get("label", "")):
        for meaning, rx in MEANINGS.items():
            if rx.match(text.strip()):
                return meaning
    return None


def known_values(user: Any, municipality: Any) -> dict[str, str]:
    """Every source's values for this person, later sources winning; {} for guests."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    out: dict[str, str] = {}
    for source in _sources:
        out.update({k: str(v) for k, v in source(user, municipality).items() if v not in (None, "")})
    return out


def _select_value(node: dict[str, Any], defn: dict[str, Any], value: str) -> str | None:
    if node["feldart"] != "select" or not node.get("codelist"):
        return value
    wanted = value.strip().lower()
    for code, label in defn["codelists"].get(node["codelist"], {}).get("items", []):
        if wanted in (str(code).lower(), str(label).strip().lower()):
            return str(code)
    return None


def _fill(
    node: dict[str, Any],
    defn: dict[str, Any],
    known: dict[str, str],
    applicant: bool,
    by_field: dict[str, str] | None = None,
    defaults: bool = True,
) -> dict[str, Any]:
    """One instance of a group with the values known for its fields (only non-empty keys)."""
    inst: dict[str, Any] = {}
    for child in node["children"]:
        if child["kind"] == "group":
            if child["min"] >= 1:
                sub = _fill(child, defn, known, applicant, by_field, defaults)
                if sub:
                    inst[child["id"]] = [sub]
            continue
        if child["feldart"] not in ("input", "select") or child["datentyp"] == "file":
            continue
        value: str | None = None
        meaning = field_meaning(child) if applicant else None
        if meaning and meaning in known:
            value = _select_value(child, defn, known[meaning])
        if by_field and child["id"] in by_field:
            value = _select_value(child, defn, by_field[child["id"]])
        default = (child.get("content") or "") if defaults else ""  # XDatenfelder ``inhalt``
        if value in (None, "") and default:
            value = _select_value(child, defn, default)
        if value not in (None, ""):
            inst[child["id"]] = value
    return inst


def initial_answers(defn: dict[str, Any], user: Any = None, municipality: Any = None) -> dict[str, Any]:
    """The raw answers a new draft starts with (the engine's nested shape)."""
    known = known_values(user, municipality)
    answers: dict[str, Any] = {}
    for step in engine.steps(defn):
        inst = _fill(step, defn, known, bool(APPLICANT_RE.search(step["label"])))
        if inst:
            answers[step["id"]] = [inst]
    return answers


def answers_from(defn: dict[str, Any], known: dict[str, str], by_field: dict[str, str]) -> dict[str, Any]:
    """Only the given values (no schema defaults): by meaning in the applicant's steps, by field id
    (a per-form mapping) in any step."""
    answers: dict[str, Any] = {}
    for step in engine.steps(defn):
        inst = _fill(step, defn, known, bool(APPLICANT_RE.search(step["label"])), by_field, False)
        if inst:
            answers[step["id"]] = [inst]
    return answers


def overlay(answers: dict[str, Any], forced: dict[str, Any]) -> dict[str, Any]:
    """``answers`` with every value of ``forced`` written over it (first instance of each group)."""
    out = dict(answers)
    for key, value in forced.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            current = out.get(key)
            first = (
                current[0] if isinstance(current, list) and current and isinstance(current[0], dict) else {}
            )
            rest = current[1:] if isinstance(current, list) and current else []
            out[key] = [overlay(first, value[0]), *rest]
        else:
            out[key] = value
    return out


def field_ids(answers: dict[str, Any]) -> set[str]:
    """The ids of every field that holds a value in ``answers``."""
    out: set[str] = set()
    for key, value in answers.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for inst in value:
                out |= field_ids(inst)
        else:
            out.add(key)
    return out


# --- built-in sources ----------------------------------------------------------------------------


@register_prefill_source
def previous_application_source(user: Any, municipality: Any) -> dict[str, str]:
    """The applicant's own details from the person's latest application in this municipality."""
    from .models import FormSubmission

    sub = (
        FormSubmission.objects.filter(municipality=municipality, user=user)
        .select_related("version")
        .order_by("-submitted_at", "-pk")
        .first()
    )
    if sub is None or not sub.version_id:
        return {}
    defn = sub.version.definition
    answers = (sub.payload or {}).get("answers") or {}
    labels = {k: dict(v["items"]) for k, v in defn.get("codelists", {}).items()}
    out: dict[str, str] = {}

    def walk(node: dict[str, Any], raw: Any) -> None:
        inst = raw[0] if isinstance(raw, list) and raw and isinstance(raw[0], dict) else {}
        for child in node["children"]:
            if child["kind"] == "group":
                walk(child, inst.get(child["id"]))
                continue
            meaning = field_meaning(child)
            value = inst.get(child["id"])
            if meaning and isinstance(value, str) and value and meaning not in out:
                # a code is stored; keep its label so that another schema's code list can match it
                out[meaning] = labels.get(child.get("codelist") or "", {}).get(value, value)

    for step in engine.steps(defn):
        if APPLICANT_RE.search(step["label"]):
            walk(step, answers.get(step["id"]))
    return out


@register_prefill_source
def account_source(user: Any, municipality: Any) -> dict[str, str]:
    """The account: e-mail and, when given, the name."""
    out = {"email": user.email or ""}
    given, family = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not (given or family) and " " in (user.display_name or "").strip():
        given, family = user.display_name.strip().rsplit(" ", 1)
    out.update(given_name=given, family_name=family)
    return out
