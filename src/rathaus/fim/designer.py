"""The form designer (issue 18): staff build a form that the FIM engine renders like an imported one.

A design is a definition of exactly the shape the XDatenfelder importer produces
(``rathaus.fim.importers.xdf``). Every change goes through one function here, is checked as a whole
(``problems``) and refused with a message when it would make the form invalid; nothing invalid is
stored. Publishing writes the design as an XDatenfelder 2.0 Stammdatenschema with genericode code
lists (``export_xdf``) and imports that export with the normal importer, so the published
``FormVersion`` is what any FIM tool would read from the export (the round trip is tested).

XDatenfelder 2.0 limits what a designed form can hold, and the designer keeps to them: data types
text, num, num_int, num_currency, date, bool, file (and select with a code list, label for an
information text); texts in the character set String.Latin (typographic quotes and dashes are
written as their plain forms); rules in the two phrasings the importer understands
(„Wenn bei F… "code" angegeben wird, dann wird … zur Pflichtangabe“ and „… sind nur dann zu
befüllen, wenn "F…" bejaht wurde“). File limits (types, size) travel in the Präzisierung (JSON), as
XDatenfelder 2.0 has no element for them.
"""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from lxml import etree

from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext

from .importers.xdf import LEIKA_RE, NS_V2, compile_pattern, parse_conditions, parse_xdf
from .models import FormDefinition, FormDesign, FormDesignChange

GC_NS = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"

# What the designer offers (XDatenfelder 2.0 Datentyp); "select" and "label" are Feldarten.
TYPES = {
    "text": ("input", "text"),
    "num": ("input", "num"),
    "num_int": ("input", "num_int"),
    "num_currency": ("input", "num_currency"),
    "date": ("input", "date"),
    "bool": ("input", "bool"),
    "file": ("input", "file"),
    "select": ("select", "text"),
    "label": ("label", "text"),
}
XDF2_DATENTYPEN = {"text", "num", "num_int", "num_currency", "date", "bool", "file", "obj"}
XDF2_FELDARTEN = {"input", "select", "label"}
MEDIA_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}
MAX_FILE_MB = 10
MAX_ELEMENTS = 500
FIELD_ID_RE = re.compile(r"F\d[\w-]{0,60}")
GROUP_ID_RE = re.compile(r"G\d[\w-]{0,60}")
CODE_RE = re.compile(r"[\w.\-/]{1,40}")
LATIN_RE = re.compile(
    "(?:[\u0009-\u000a\u000d\u0020-\u007e\u00a1-\u00ac\u00ae-\u0107\u010a-\u011b\u011e-\u0123"
    "\u0126-\u0131\u0134-\u015b\u015e-\u016b\u016e-\u017e\u018f\u01a0-\u01a1\u01af-\u01b0\u01b7"
    "\u01cd-\u01d4\u01de-\u01df\u01e4-\u01f0\u01f4-\u01f5\u01fa-\u01ff\u0218-\u021b\u021e-\u021f"
    "\u022a-\u022b\u022e-\u0233\u0259\u0292\u1e02-\u1e03\u1e0a-\u1e0b\u1e10-\u1e11\u1e1e-\u1e21"
    "\u1e24-\u1e27\u1e30-\u1e31\u1e40-\u1e41\u1e44-\u1e45\u1e56-\u1e57\u1e60-\u1e63\u1e6a-\u1e6b"
    "\u1e80-\u1e85\u1e8c-\u1e93\u1e9e\u1ea0-\u1ea7\u1eaa-\u1eac\u1eae-\u1ec1\u1ec4-\u1ed3"
    "\u1ed6-\u1edd\u1ee4-\u1ef9\u20ac]|M\u0302|N\u0302|m\u0302|n\u0302|D\u0302|d\u0302|J\u030c"
    "|L\u0302|l\u0302)*"
)
# Typographic characters people type that String.Latin lacks: written as their plain forms.
PLAIN = str.maketrans(
    {
        "„": '"',
        "“": '"',
        "”": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


class DesignError(Exception):
    """The change would make the form invalid; the message says why (German, or English)."""


def text(value: Any) -> str:
    """Designer text as the importer reads it back: whitespace collapsed, typographic marks plain."""
    out = " ".join(str(value or "").translate(PLAIN).split())
    if not LATIN_RE.fullmatch(out):
        bad = next(ch for ch in out if not LATIN_RE.fullmatch(ch))
        raise DesignError(
            _(
                "Das Zeichen „%(ch)s“ ist in XDatenfelder nicht erlaubt (Zeichensatz String.Latin). "
                "Bitte verwenden Sie lateinische Buchstaben, Ziffern und übliche Satzzeichen."
            )
            % {"ch": bad}
        )
    return out


# --- a new design ---------------------------------------------------------------------------------


def empty_definition(schema_id: str, title: str) -> dict[str, Any]:
    return {
        "format": 1,
        "xdf_version": "2.0",
        "message": "stammdatenschema",
        "schema_id": schema_id,
        "version": "1.0",
        "name": title,
        "title": title,
        "description": "",
        "definition": "",
        "legal_basis": "",
        "leika": [],
        "schema_rules": [],
        "items": [],
        "rules": [],
        "codelists": {},
    }


def create_design(
    municipality: Any, *, title: str, actor: Any = None, ctx: ServiceContext | None = None
) -> FormDesign:
    title = text(title)
    if not title:
        raise DesignError(_("Bitte geben Sie einen Titel an."))
    with transaction.atomic():
        form = FormDefinition.objects.create(
            municipality=municipality, schema_id=f"tmp-{datetime.now(UTC).timestamp()}", name=title[:300]
        )
        form.schema_id = f"S99{form.pk:05d}"
        form.save(update_fields=["schema_id"])
        design = FormDesign.objects.create(
            municipality=municipality, form=form, definition=empty_definition(form.schema_id, title)
        )
        _log(design, actor, "create", _("Formular „%(t)s“ angelegt") % {"t": title}, ctx)
    return design


# --- walking the definition -----------------------------------------------------------------------


def walk(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for n in nodes:
        out.append(n)
        if n["kind"] == "group":
            out.extend(walk(n["children"]))
    return out


def find(defn: dict[str, Any], node_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """(node, the list that holds it)."""

    def search(nodes: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        for n in nodes:
            if n["id"] == node_id:
                return n, nodes
            if n["kind"] == "group":
                found = search(n["children"])
                if found:
                    return found
        return None

    return search(defn["items"])


def containers(defn: dict[str, Any]) -> list[tuple[str, str]]:
    """(group id, label with its path) of every group new elements can go into."""
    out: list[tuple[str, str]] = []

    def visit(nodes: list[dict[str, Any]], prefix: str) -> None:
        for n in nodes:
            if n["kind"] == "group":
                label = f"{prefix}{n['label']} ({n['id']})"
                out.append((n["id"], label))
                visit(n["children"], prefix + n["label"] + " › ")

    visit(defn["items"], "")
    return out


def fields(defn: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in walk(defn["items"]) if n["kind"] == "field"]


def rule_refs(defn: dict[str, Any]) -> dict[str, list[str]]:
    """{element id: ids of the rules naming it}."""
    out: dict[str, list[str]] = {}
    for rule in defn["rules"]:
        for c in rule["conditions"]:
            for ref in [c["field"], *c["targets"]]:
                out.setdefault(ref, []).append(rule["id"])
    return out


# --- checking a whole definition ------------------------------------------------------------------


def problems(defn: dict[str, Any], *, publishing: bool = False) -> list[str]:
    """Everything that makes the definition an invalid form (empty list: fine)."""
    out: list[str] = []
    seen: set[str] = set()
    for node in walk(defn["items"]):
        nid = node["id"]
        if nid in seen:
            out.append(
                _("Die ID %(id)s kommt mehrfach vor; IDs müssen im Formular eindeutig sein.") % {"id": nid}
            )
        seen.add(nid)
        rx = GROUP_ID_RE if node["kind"] == "group" else FIELD_ID_RE
        if not rx.fullmatch(nid):
            out.append(
                _("Die ID „%(id)s“ hat nicht die Form F… (Feld) bzw. G… (Gruppe) mit Ziffer.") % {"id": nid}
            )
        if not node.get("label"):
            out.append(_("%(id)s hat keine Beschriftung.") % {"id": nid})
        lo, hi = node["min"], node["max"]
        if hi is not None and lo > hi:
            out.append(
                _("%(id)s: Die Mindestanzahl (%(lo)s) ist größer als die Höchstanzahl (%(hi)s).")
                % {"id": nid, "lo": lo, "hi": hi}
            )
        if hi is not None and hi < 1:
            out.append(_("%(id)s: Die Höchstanzahl muss mindestens 1 sein.") % {"id": nid})
        if node["kind"] == "group":
            if publishing and not node["children"]:
                out.append(_("Die Gruppe %(id)s „%(l)s“ ist leer.") % {"id": nid, "l": node["label"]})
            continue
        out.extend(_field_problems(defn, node))
    if len(seen) > MAX_ELEMENTS:
        out.append(_("Ein Formular hat höchstens %(n)d Felder und Gruppen.") % {"n": MAX_ELEMENTS})
    if publishing and not defn["items"]:
        out.append(_("Das Formular hat noch keinen Schritt."))
    for step in defn["items"]:
        if step["kind"] != "group":
            out.append(_("%(id)s steht außerhalb eines Schritts.") % {"id": step["id"]})
    nodes = {n["id"]: n for n in walk(defn["items"])}
    rule_ids: set[str] = set()
    for rule in defn["rules"]:
        if rule["id"] in rule_ids:
            out.append(_("Die Regel-ID %(id)s kommt mehrfach vor.") % {"id": rule["id"]})
        rule_ids.add(rule["id"])
        for c in rule["conditions"]:
            out.extend(_condition_problems(defn, nodes, rule["id"], c))
    for key, cl in defn["codelists"].items():
        if not cl["items"]:
            out.append(_("Die Codeliste „%(n)s“ ist leer.") % {"n": cl["name"] or key})
    return list(dict.fromkeys(out))


def _field_problems(defn: dict[str, Any], node: dict[str, Any]) -> list[str]:
    out: list[str] = []
    nid = node["id"]
    if node["feldart"] not in XDF2_FELDARTEN or node["datentyp"] not in XDF2_DATENTYPEN:
        out.append(
            _("%(id)s: Feldart „%(f)s“/Datentyp „%(d)s“ gibt es in XDatenfelder 2.0 nicht.")
            % {"id": nid, "f": node["feldart"], "d": node["datentyp"]}
        )
    if node["feldart"] == "select":
        key = node.get("codelist")
        if not key or key not in defn["codelists"]:
            out.append(_("Das Auswahlfeld %(id)s hat keine Codeliste.") % {"id": nid})
        elif not defn["codelists"][key]["items"]:
            out.append(_("Das Auswahlfeld %(id)s hat eine leere Codeliste.") % {"id": nid})
    lo_len, hi_len = node.get("min_length"), node.get("max_length")
    if lo_len is not None and hi_len is not None and lo_len > hi_len:
        out.append(_("%(id)s: Die Mindestlänge ist größer als die Höchstlänge.") % {"id": nid})
    lo_v, hi_v = node.get("min_value"), node.get("max_value")
    lo_n, hi_n = _number(lo_v), _number(hi_v)
    if lo_n is not None and hi_n is not None and lo_n > hi_n:
        out.append(_("%(id)s: Der Mindestwert ist größer als der Höchstwert.") % {"id": nid})
    if node.get("pattern"):
        try:
            compile_pattern(node["pattern"])
        except re.error:
            out.append(_("%(id)s: Das Muster ist kein gültiger regulärer Ausdruck.") % {"id": nid})
    return out


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _condition_problems(
    defn: dict[str, Any], nodes: dict[str, dict[str, Any]], rid: str, c: dict[str, Any]
) -> list[str]:
    out: list[str] = []
    source = nodes.get(c["field"])
    if source is None or source["kind"] != "field":
        out.append(_("Regel %(r)s: Das Feld %(f)s gibt es nicht.") % {"r": rid, "f": c["field"]})
    for t in c["targets"]:
        if t not in nodes:
            out.append(_("Regel %(r)s: Das Element %(t)s gibt es nicht.") % {"r": rid, "t": t})
        if t == c["field"]:
            out.append(_("Regel %(r)s: Ein Feld kann nicht von sich selbst abhängen.") % {"r": rid})
    if not c["targets"]:
        out.append(_("Regel %(r)s nennt keine Ziele.") % {"r": rid})
    if source is None or source["kind"] != "field":
        return out
    if c["action"] == "only_if" and source["datentyp"] != "bool":
        out.append(
            _("Regel %(r)s: „nur wenn bejaht“ braucht ein Ja/Nein-Feld; %(f)s ist keines.")
            % {"r": rid, "f": c["field"]}
        )
    if c["action"] == "require":
        if source["feldart"] != "select" and source["datentyp"] != "bool":
            out.append(
                _("Regel %(r)s: Die Bedingung braucht ein Auswahl- oder Ja/Nein-Feld; %(f)s ist keines.")
                % {"r": rid, "f": c["field"]}
            )
        elif source["feldart"] == "select" and source.get("codelist") in defn["codelists"]:
            codes = {code for code, _label in defn["codelists"][source["codelist"]]["items"]}
            if c["equals"] not in codes:
                out.append(
                    _("Regel %(r)s: „%(v)s“ ist kein Code der Codeliste von %(f)s.")
                    % {"r": rid, "v": c["equals"], "f": c["field"]}
                )
        elif source["datentyp"] == "bool" and c["equals"] != "true":
            out.append(_("Regel %(r)s: Bei einem Ja/Nein-Feld ist der Wert „true“ (Ja).") % {"r": rid})
    return out


# --- changes ---------------------------------------------------------------------------------------


@dataclass
class Change:
    action: str
    summary: str


def apply(
    design: FormDesign,
    change: Any,
    *,
    actor: Any = None,
    ctx: ServiceContext | None = None,
) -> FormDesign:
    """Run ``change(defn) -> Change`` on a copy of the definition; store it only when the result has
    no problems (DesignError with the problems otherwise). Logged with who and when: ``actor`` is
    the designer's change log, ``ctx`` the audit trail's address and channel."""
    with transaction.atomic():
        locked = FormDesign.objects.select_for_update().get(pk=design.pk)
        defn = copy.deepcopy(locked.definition)
        done: Change = change(defn, locked)
        found = problems(defn)
        if found:
            raise DesignError(" ".join(found))
        locked.definition = defn
        locked.revision += 1
        locked.save(
            update_fields=["definition", "revision", "next_number", "catalog_service_id", "updated_at"]
        )
        _log(locked, actor, done.action, done.summary, ctx)
    design.refresh_from_db()
    return design


def _log(
    design: FormDesign, actor: Any, action: str, summary: str, ctx: ServiceContext | None = None
) -> None:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    FormDesignChange.objects.create(
        municipality_id=design.municipality_id,
        design=design,
        user=user,
        actor_label=(getattr(user, "email", "") or "")[:200],
        action=action,
        summary=summary[:500],
        revision=design.revision,
    )
    record(
        f"fim.design.{action}",
        ctx=ctx,
        actor=user,
        municipality=design.municipality,
        obj=design.form,
        changes={"change": [None, summary[:200]]},
    )


def _next_id(design: FormDesign, prefix: str) -> str:
    n = design.next_number
    design.next_number = n + 1
    return f"{prefix}99{design.form_id:04d}{n:03d}"


def _container(defn: dict[str, Any], parent: str) -> list[dict[str, Any]]:
    found = find(defn, parent)
    if found is None or found[0]["kind"] != "group":
        raise DesignError(_("Die Gruppe %(id)s gibt es nicht.") % {"id": parent})
    children: list[dict[str, Any]] = found[0]["children"]
    return children


def _leika(defn: dict[str, Any]) -> list[str]:
    texts = " ".join(defn[k] for k in ("description", "definition", "legal_basis", "name"))
    return list(dict.fromkeys(LEIKA_RE.findall(texts)))


def update_meta(design: FormDesign, data: dict[str, Any], **kw: Any) -> FormDesign:
    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        title = text(data["title"])
        if not title:
            raise DesignError(_("Bitte geben Sie einen Titel an."))
        defn.update(
            title=title,
            name=title,
            description=text(data.get("description", "")),
            definition=text(data.get("definition", "")),
            legal_basis=text(data.get("legal_basis", "")),
        )
        defn["leika"] = _leika(defn)
        d.catalog_service_id = data.get("catalog_service_id") or None
        return Change("meta", _("Angaben zum Formular geändert"))

    design = apply(design, change, **kw)
    leika = data.get("leika", "")
    if leika != design.form.leika:
        design.form.leika = leika
        design.form.save(update_fields=["leika"])
    return design


def _group_node(node_id: str, data: dict[str, Any]) -> dict[str, Any]:
    label = text(data["label"])
    return {
        "id": node_id,
        "version": "1.0",
        "name": text(data.get("name") or label),
        "label": label,
        "help": text(data.get("help", "")),
        "min": int(data.get("min", 1)),
        "max": data.get("max"),
        "rules": [],
        "kind": "group",
        "children": [],
    }


def add_group(design: FormDesign, data: dict[str, Any], parent: str = "", **kw: Any) -> FormDesign:
    """A step (``parent`` empty: a top-level group shown once) or a group inside one."""

    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        node_id = data.get("id") or _next_id(d, "G")
        node = _group_node(node_id, data if parent else {**data, "min": 1, "max": 1})
        if parent:
            _container(defn, parent).append(node)
            return Change(
                "add_group", _("Gruppe %(id)s „%(l)s“ angelegt") % {"id": node_id, "l": node["label"]}
            )
        defn["items"].append(node)
        return Change("add_step", _("Schritt %(id)s „%(l)s“ angelegt") % {"id": node_id, "l": node["label"]})

    return apply(design, change, **kw)


def _field_node(node_id: str, data: dict[str, Any]) -> dict[str, Any]:
    feldart, datentyp = TYPES[data["type"]]
    label = text(data["label"])
    node: dict[str, Any] = {
        "id": node_id,
        "version": "1.0",
        "name": text(data.get("name") or label),
        "label": label,
        "help": text(data.get("help", "")),
        "min": 1 if data.get("required") else 0,
        "max": 1,
        "rules": [],
        "kind": "field",
        "feldart": feldart,
        "datentyp": datentyp,
        "codelist": data.get("codelist") or None if feldart == "select" else None,
        "content": text(data.get("content", "")),
    }
    for key in ("min_length", "max_length"):
        if data.get(key) not in (None, ""):
            node[key] = int(data[key])
    for key in ("min_value", "max_value"):
        if data.get(key) not in (None, ""):
            node[key] = str(data[key])
    if data.get("pattern"):
        node["pattern"] = str(data["pattern"])
    if datentyp == "file":
        node["media_types"] = [m for m in data.get("media_types") or [] if m in MEDIA_TYPES]
        mb = data.get("max_size_mb")
        node["max_size"] = int(mb) * 1024 * 1024 if mb else None
    else:
        node["media_types"] = []
        node["max_size"] = None
    return node


def add_field(design: FormDesign, data: dict[str, Any], parent: str, **kw: Any) -> FormDesign:
    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        node = _field_node(data.get("id") or _next_id(d, "F"), data)
        _container(defn, parent).append(node)
        return Change("add_field", _("Feld %(id)s „%(l)s“ angelegt") % {"id": node["id"], "l": node["label"]})

    return apply(design, change, **kw)


def update_field(design: FormDesign, node_id: str, data: dict[str, Any], **kw: Any) -> FormDesign:
    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        found = find(defn, node_id)
        if found is None or found[0]["kind"] != "field":
            raise DesignError(_("Das Feld %(id)s gibt es nicht.") % {"id": node_id})
        node, siblings = found
        new = _field_node(node_id, data)
        new["version"] = node.get("version", "1.0")
        siblings[siblings.index(node)] = new
        return Change("edit_field", _("Feld %(id)s „%(l)s“ geändert") % {"id": node_id, "l": new["label"]})

    return apply(design, change, **kw)


def update_group(design: FormDesign, node_id: str, data: dict[str, Any], **kw: Any) -> FormDesign:
    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        found = find(defn, node_id)
        if found is None or found[0]["kind"] != "group":
            raise DesignError(_("Die Gruppe %(id)s gibt es nicht.") % {"id": node_id})
        node, _siblings = found
        top = any(n is node for n in defn["items"])
        node.update(
            label=text(data["label"]),
            name=text(data.get("name") or data["label"]),
            help=text(data.get("help", "")),
        )
        if not top:
            node.update(min=int(data.get("min", 1)), max=data.get("max"))
        return Change("edit_group", _("Gruppe %(id)s „%(l)s“ geändert") % {"id": node_id, "l": node["label"]})

    return apply(design, change, **kw)


def remove(design: FormDesign, node_id: str, **kw: Any) -> FormDesign:
    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        found = find(defn, node_id)
        if found is None:
            raise DesignError(_("Das Element %(id)s gibt es nicht.") % {"id": node_id})
        node, siblings = found
        refs = rule_refs(defn)
        used = sorted({r for n in walk([node]) for r in refs.get(n["id"], [])})
        if used:
            raise DesignError(
                _("%(id)s wird in Regel %(r)s verwendet. Löschen Sie zuerst die Regel.")
                % {"id": node_id, "r": ", ".join(used)}
            )
        siblings.remove(node)
        return Change("remove", _("%(id)s „%(l)s“ gelöscht") % {"id": node_id, "l": node["label"]})

    return apply(design, change, **kw)


def move(design: FormDesign, node_id: str, direction: int, **kw: Any) -> FormDesign:
    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        found = find(defn, node_id)
        if found is None:
            raise DesignError(_("Das Element %(id)s gibt es nicht.") % {"id": node_id})
        node, siblings = found
        i = siblings.index(node)
        j = i + (1 if direction > 0 else -1)
        if 0 <= j < len(siblings):
            siblings[i], siblings[j] = siblings[j], siblings[i]
        where = _("nach oben") if direction < 0 else _("nach unten")
        return Change("move", _("%(id)s %(w)s verschoben") % {"id": node_id, "w": where})

    return apply(design, change, **kw)


def parse_items(raw: str) -> list[list[str]]:
    """Code list entries, one per line: ``code;Beschriftung`` (or only the label: codes 01, 02 …)."""
    items: list[list[str]] = []
    for n, line in enumerate((raw or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if ";" in line:
            code, label = (p.strip() for p in line.split(";", 1))
        else:
            code, label = f"{len(items) + 1:02d}", line
        if not CODE_RE.fullmatch(code):
            raise DesignError(
                _(
                    "Zeile %(n)d: Der Code „%(c)s“ darf nur Buchstaben, Ziffern, Punkt, Schrägstrich "
                    "und Bindestrich enthalten."
                )
                % {"n": n, "c": code}
            )
        items.append([code, text(label) or code])
    codes = [c for c, _label in items]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise DesignError(_("Der Code %(c)s kommt mehrfach vor.") % {"c": ", ".join(dup)})
    if not items:
        raise DesignError(_("Eine Codeliste braucht mindestens einen Eintrag."))
    return items


def add_codelist(design: FormDesign, data: dict[str, Any], **kw: Any) -> FormDesign:
    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        cid = _next_id(d, "C")
        slug = d.municipality.slug if hasattr(d.municipality, "slug") else "kommune"
        uri = f"urn:de:{slug}:rathaus:codeliste:{cid.lower()}"
        name = text(data["name"])
        if not name:
            raise DesignError(_("Bitte geben Sie der Codeliste einen Namen."))
        defn["codelists"][uri] = {
            "uri": uri,
            "version": "1",
            "name": name,
            "items": parse_items(data.get("items", "")),
            "source": f"{cid}_genericode.xml",
        }
        return Change("add_codelist", _("Codeliste „%(n)s“ angelegt") % {"n": name})

    return apply(design, change, **kw)


def update_codelist(design: FormDesign, key: str, data: dict[str, Any], **kw: Any) -> FormDesign:
    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        if key not in defn["codelists"]:
            raise DesignError(_("Diese Codeliste gibt es nicht."))
        cl = defn["codelists"][key]
        cl["name"] = text(data["name"]) or cl["name"]
        cl["items"] = parse_items(data.get("items", ""))
        return Change("edit_codelist", _("Codeliste „%(n)s“ geändert") % {"n": cl["name"]})

    return apply(design, change, **kw)


def rule_text(cond: dict[str, Any]) -> str:
    """The FIM phrasing the importer turns back into this condition."""
    if cond["action"] == "require":
        verb = "werden" if len(cond["targets"]) > 1 else "wird"
        return (
            f'Wenn bei {cond["field"]} "{cond["equals"]}" angegeben wird, dann {verb} '
            f"{', '.join(cond['targets'])} zur Pflichtangabe."
        )
    targets = ", ".join(f'"{t}"' for t in cond["targets"])
    verb = "sind" if len(cond["targets"]) > 1 else "ist"
    return f'{targets} {verb} nur dann zu befüllen, wenn "{cond["field"]}" bejaht wurde.'


def add_rule(design: FormDesign, data: dict[str, Any], **kw: Any) -> FormDesign:
    """``data``: action (require / only_if), field, equals (the code; "true" for yes), targets, name."""

    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        action = data["action"]
        if action not in ("require", "only_if"):
            raise DesignError(_("Unbekannte Regelart."))
        equals = "true" if action == "only_if" else str(data.get("equals") or "").strip()
        if not CODE_RE.fullmatch(equals):
            raise DesignError(_("Bitte geben Sie den Code an, bei dem die Regel greift."))
        cond = {"action": action, "targets": list(data["targets"]), "field": data["field"], "equals": equals}
        rid = _next_id(d, "R")
        body = rule_text(cond)
        parsed = parse_conditions(body)
        if parsed != [cond]:  # the importer must read back exactly this condition
            raise DesignError(_("Diese Regel lässt sich nicht als FIM-Regel ausdrücken."))
        name = text(data.get("name") or "") or body[:80]
        defn["rules"].append({"id": rid, "name": name, "text": body, "script": "", "conditions": parsed})
        defn["schema_rules"].append(rid)
        return Change("add_rule", _("Regel %(id)s angelegt: %(t)s") % {"id": rid, "t": body})

    return apply(design, change, **kw)


def remove_rule(design: FormDesign, rule_id: str, **kw: Any) -> FormDesign:
    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        before = len(defn["rules"])
        defn["rules"] = [r for r in defn["rules"] if r["id"] != rule_id]
        defn["schema_rules"] = [r for r in defn["schema_rules"] if r != rule_id]
        if len(defn["rules"]) == before:
            raise DesignError(_("Die Regel %(id)s gibt es nicht.") % {"id": rule_id})
        return Change("remove_rule", _("Regel %(id)s gelöscht") % {"id": rule_id})

    return apply(design, change, **kw)


# --- Baukasten: elements of imported FIM schemas -----------------------------------------------------


def baukasten(municipality: Any, exclude_form: Any = None) -> list[dict[str, Any]]:
    """Fields and groups of this municipality's imported (not designed) forms, active versions only:
    [{"key": "<version pk>:<element id>", "label", "node", "codelists"}]."""
    from .models import FormVersion

    versions = (
        FormVersion.objects.for_tenant(municipality)
        .filter(form__design__isnull=True, form__active_version=F("pk"))
        .select_related("form")
        .order_by("form__name", "pk")
    )
    out = []
    for version in versions:
        defn = version.definition
        for node in walk(defn["items"]):
            kind = _("Gruppe") if node["kind"] == "group" else _("Feld")
            out.append(
                {
                    "key": f"{version.pk}:{node['id']}",
                    "label": f"{version.form.name} › {kind} {node['label']} ({node['id']})",
                    "node": node,
                    "codelists": defn["codelists"],
                }
            )
    return out


def insert_baukasten(design: FormDesign, key: str, parent: str, **kw: Any) -> FormDesign:
    """Place a copy of an imported field or group (with its code lists) into a group of the design.
    Its rules stay behind (they name elements of the other schema)."""
    entry = next((e for e in baukasten(design.municipality) if e["key"] == key), None)
    if entry is None:
        raise DesignError(_("Dieses Element gibt es nicht (mehr)."))

    def change(defn: dict[str, Any], d: FormDesign) -> Change:
        node = copy.deepcopy(entry["node"])
        for n in walk([node]):
            n["rules"] = []
            for k in ("label", "name", "help", "content"):
                if k in n:
                    n[k] = text(n[k])
            if n.get("version") and not re.fullmatch(r"\d+\.\d+", n["version"]):
                n["version"] = ""
            if n["kind"] == "field":
                if n["datentyp"] not in XDF2_DATENTYPEN or n["feldart"] not in XDF2_FELDARTEN:
                    raise DesignError(
                        _("%(id)s hat den Datentyp „%(d)s“, den XDatenfelder 2.0 nicht kennt.")
                        % {"id": n["id"], "d": n["datentyp"]}
                    )
                key_ = n.get("codelist")
                if key_:
                    cl = copy.deepcopy(entry["codelists"][key_])
                    cl["name"] = text(cl["name"])
                    cl["items"] = [[c, text(lbl)] for c, lbl in cl["items"]]
                    cl["version"] = cl.get("version") or "1"
                    src = str(cl.get("source") or "")
                    if not src.endswith(".xml"):
                        src = f"{_next_id(d, 'C')}_genericode.xml"
                    cl["source"] = src
                    cl["uri"] = cl.get("uri") or key_
                    defn["codelists"].setdefault(key_, cl)
        _container(defn, parent).append(node)
        return Change(
            "baukasten",
            _("%(id)s „%(l)s“ aus dem Baukasten übernommen") % {"id": node["id"], "l": node["label"]},
        )

    return apply(design, change, **kw)


# --- XDatenfelder 2.0 export ---------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{NS_V2}}}{name}"


def _sub(parent: etree._Element, name: str, value: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, _q(name))
    if value is not None:
        el.text = value
    return el


def _coded(parent: etree._Element, name: str, list_name: str, code: str) -> None:
    el = _sub(parent, name)
    el.set("listURI", f"urn:xoev-de:fim:codeliste:xdatenfelder.{list_name}")
    el.set("listVersionID", "1.0")
    etree.SubElement(el, "code").text = code


def _allgemein(el: etree._Element, node_id: str, version: str, name: str, label: str, **extra: str) -> None:
    ident = _sub(el, "identifikation")
    _sub(ident, "id", node_id)
    if version:
        _sub(ident, "version", version)
    _sub(el, "name", name)
    _sub(el, "bezeichnungEingabe", label)
    _sub(el, "bezeichnungAusgabe", label)
    _sub(el, "beschreibung", extra.get("beschreibung", ""))
    _sub(el, "definition", extra.get("definition", ""))
    _sub(el, "bezug", extra.get("bezug", ""))
    _coded(el, "status", "status", "aktiv")


def codelist_id(cl: dict[str, Any]) -> str:
    src = str(cl.get("source") or "")
    return src.split("_", 1)[0] if src.endswith(".xml") else "C" + re.sub(r"\W", "", cl["uri"])[-20:]


def _version_uri(cl: dict[str, Any]) -> str:
    return f"{cl['uri']}_{cl['version']}" if cl["version"] else cl["uri"]


def _element(parent: etree._Element, node: dict[str, Any], defn: dict[str, Any]) -> None:
    struktur = _sub(parent, "struktur")
    _sub(struktur, "anzahl", f"{node['min']}:{'*' if node['max'] is None else node['max']}")
    _sub(struktur, "bezug", "")
    enthaelt = _sub(struktur, "enthaelt")
    el = _sub(enthaelt, "datenfeldgruppe" if node["kind"] == "group" else "datenfeld")
    _allgemein(el, node["id"], node.get("version", ""), node["name"] or node["label"], node["label"])
    _coded(el, "schemaelementart", "schemaelementart", "HAR")
    _sub(el, "hilfetextEingabe", node.get("help", ""))
    _sub(el, "hilfetextAusgabe", "")
    if node["kind"] == "group":
        for child in node["children"]:
            _element(el, child, defn)
        return
    _coded(el, "feldart", "feldart", node["feldart"])
    _coded(el, "datentyp", "datentyp", node["datentyp"])
    prae: dict[str, Any] = {}
    for src, dst in (
        ("min_length", "minLength"),
        ("max_length", "maxLength"),
        ("min_value", "minValue"),
        ("max_value", "maxValue"),
        ("pattern", "pattern"),
    ):
        if node.get(src) not in (None, ""):
            prae[dst] = str(node[src])
    if node.get("media_types"):
        prae["mediaType"] = list(node["media_types"])
    if node.get("max_size"):
        prae["maxSize"] = str(node["max_size"])
    _sub(el, "praezisierung", json.dumps(prae, ensure_ascii=False) if prae else "")
    _sub(el, "inhalt", node.get("content", ""))
    if node["feldart"] == "select" and node.get("codelist"):
        cl = defn["codelists"][node["codelist"]]
        ref = _sub(el, "codelisteReferenz")
        _sub(_sub(ref, "identifikation"), "id", codelist_id(cl))
        gi = _sub(ref, "genericodeIdentification")
        _sub(gi, "canonicalIdentification", cl["uri"])
        _sub(gi, "version", cl["version"])
        _sub(gi, "canonicalVersionUri", _version_uri(cl))


def _rule(parent: etree._Element, rule: dict[str, Any]) -> None:
    el = _sub(parent, "regel")
    _allgemein(
        el, rule["id"], "1.0", rule["name"] or rule["id"], rule["name"] or rule["id"], definition=rule["text"]
    )
    _sub(el, "script", rule.get("script", ""))


def genericode(cl: dict[str, Any]) -> bytes:
    root = etree.Element(f"{{{GC_NS}}}CodeList", nsmap={"gc": GC_NS})
    ident = etree.SubElement(root, "Identification")
    etree.SubElement(ident, "ShortName").text = codelist_id(cl)
    etree.SubElement(ident, "LongName").text = cl["name"]
    etree.SubElement(ident, "Version").text = cl["version"]
    etree.SubElement(ident, "CanonicalUri").text = cl["uri"]
    etree.SubElement(ident, "CanonicalVersionUri").text = _version_uri(cl)
    colset = etree.SubElement(root, "ColumnSet")
    for col, short in (("code", "Code"), ("name", "Beschriftung")):
        c = etree.SubElement(colset, "Column", Id=col, Use="required")
        etree.SubElement(c, "ShortName").text = short
        etree.SubElement(c, "Data", Type="string")
    key = etree.SubElement(colset, "Key", Id="codeKey")
    etree.SubElement(key, "ShortName").text = "CodeKey"
    etree.SubElement(key, "ColumnRef", Ref="code")
    simple = etree.SubElement(root, "SimpleCodeList")
    for code, label in cl["items"]:
        row = etree.SubElement(simple, "Row")
        for col, value in (("code", code), ("name", label)):
            v = etree.SubElement(row, "Value", ColumnRef=col)
            etree.SubElement(v, "SimpleValue").text = value
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def export_xdf(defn: dict[str, Any], *, created: datetime | None = None) -> tuple[bytes, dict[str, bytes]]:
    """(Stammdatenschema XML, {file name: genericode XML}) of a definition, XDatenfelder 2.0."""
    created = created or datetime.now(UTC)
    root = etree.Element(_q("xdatenfelder.stammdatenschema.0102"), nsmap={"xdf": NS_V2})
    header = _sub(root, "header")
    _sub(header, "nachrichtID", f"{defn['schema_id']}-{defn['version']}-{created:%Y%m%d%H%M%S}")
    _sub(header, "erstellungszeitpunkt", created.strftime("%Y-%m-%dT%H:%M:%SZ"))
    schema = _sub(root, "stammdatenschema")
    _allgemein(
        schema,
        defn["schema_id"],
        defn["version"] if re.fullmatch(r"\d+\.\d+", defn["version"] or "") else "",
        defn["name"],
        defn["title"],
        beschreibung=defn["description"],
        definition=defn["definition"],
        bezug=defn["legal_basis"],
    )
    _coded(schema, "ableitungsmodifikationenStruktur", "ableitungsmodifikationenStruktur", "0")
    _coded(schema, "ableitungsmodifikationenRepraesentation", "ableitungsmodifikationenRepraesentation", "0")
    for rule in defn["rules"]:
        _rule(schema, rule)
    for node in defn["items"]:
        _element(schema, node, defn)
    xml = bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    used = {n["codelist"] for n in fields(defn) if n.get("codelist")}
    files = {
        f"{codelist_id(cl)}_genericode.xml": genericode(cl)
        for k, cl in defn["codelists"].items()
        if k in used
    }
    return xml, files


def export_zip(defn: dict[str, Any]) -> bytes:
    xml, files = export_xdf(defn)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{defn['schema_id']}V{defn['version']}_xdf2.xml", xml)
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def reimport(defn: dict[str, Any]) -> dict[str, Any]:
    """The definition the importer reads from this definition's export (for the round trip)."""
    xml, files = export_xdf(defn)
    return parse_xdf(xml, codelists=files).definition


# --- publishing --------------------------------------------------------------------------------------


def publish(design: FormDesign, *, actor: Any = None, ctx: ServiceContext | None = None) -> Any:
    """A new FormVersion from the design, through the XDatenfelder importer. Drafts keep theirs."""
    from . import services

    with transaction.atomic():
        locked = FormDesign.objects.select_for_update().select_related("form").get(pk=design.pk)
        if locked.published_revision and locked.revision == locked.published_revision:
            raise DesignError(_("Seit der letzten Veröffentlichung wurde nichts geändert."))
        defn = copy.deepcopy(locked.definition)
        found = problems(defn, publishing=True)
        if found:
            raise DesignError(" ".join(found))
        count = locked.form.versions.count()
        defn["version"] = f"{count + 1}.0"
        xml, files = export_xdf(defn)
        outcome = services.import_schema(
            locked.municipality,
            xml,
            source_name=f"{defn['schema_id']}V{defn['version']}_xdf2.xml (Formulardesigner)",
            codelists=files,
            leika=locked.form.leika,
            actor=actor,
            ctx=ctx,
        )
        locked.definition = {**locked.definition, "version": defn["version"]}
        locked.published_revision = locked.revision
        locked.save(update_fields=["definition", "published_revision", "updated_at"])
        _log(
            locked,
            actor,
            "publish",
            _("Version %(v)s veröffentlicht") % {"v": outcome.version.version_label},
            ctx,
        )
    design.refresh_from_db()
    return outcome
