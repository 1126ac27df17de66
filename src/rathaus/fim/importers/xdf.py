"""XDatenfelder 2.0 / 3.0.0 importer: XML (+ genericode code lists) → normalised form definition.

The definition is plain JSON (stored on FormVersion.definition)::

    {"format": 1, "xdf_version": "2.0", "message": "stammdatenschema", "schema_id": "S05000058",
     "version": "1.0", "name": ..., "title": ..., "description": ..., "legal_basis": ...,
     "leika": ["99108001001000", ...],            # LeiKa keys mentioned in the schema's texts
     "items": [node, ...],                         # the struktur: groups and fields, nested
     "rules": [{"id", "name", "text", "script", "conditions": [...]}, ...],
     "codelists": {"<key>": {"uri", "version", "name", "items": [[code, label], ...]}}}

    group node: {"kind": "group", "id", "name", "label", "help", "min", "max" (None = unbounded),
                 "rules": [rule ids], "children": [node, ...]}
    field node: {"kind": "field", "id", "name", "label", "help", "feldart", "datentyp", "min", "max",
                 "min_length", "max_length", "min_value", "max_value", "pattern", "codelist" (key|None),
                 "content", "media_types", "max_size", "rules": [rule ids]}

Machine-readable rules: the free-text FIM rule definitions follow two common phrasings, which are
turned into conditions (everything else stays free text for the staff preview):

* ``Wenn bei F1 "02 …" angegeben wird, dann wird G2 zur/eine Pflichtangabe`` →
  ``{"action": "require", "targets": ["G2"], "field": "F1", "equals": "02"}``
* ``"F2 …", "F3 …" ist/sind nur dann zu befüllen, wenn "F1 …" bejaht wurde`` →
  ``{"action": "only_if", "targets": ["F2", "F3"], "field": "F1", "equals": "true"}``
  (the targets are optional and ignored unless F1 is answered with yes).

Errors (XdfImportError, nothing is stored by the caller): malformed XML, XDatenfelder 1, an unknown
namespace, a referenced code list that is not supplied, duplicate IDs among siblings, a doubled
single element, a missing or empty ``id``, an unexpected element, an invalid Freigabestatus.
XSD violations (e.g. the latinchars pattern, element order) become warnings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

NS_V2 = "urn:xoev-de:fim:standard:xdatenfelder_2"
NS_V3 = "urn:xoev-de:fim:standard:xdatenfelder_3.0.0"
NS_V1 = "urn:xoev-de:fim:standard:xdatenfelder_1"
VERSIONS = {NS_V2: "2.0", NS_V3: "3.0.0"}
FELDARTEN = {"input", "select", "label", "hidden", "locked"}
DATENTYPEN = {
    "text",
    "text_latin",
    "date",
    "time",
    "datetime",
    "bool",
    "num",
    "num_int",
    "num_currency",
    "file",
    "obj",
}
FREIGABESTATUS = {str(i) for i in range(1, 9)}
MAX_XML_BYTES = 20 * 1024 * 1024

# Elements that may appear at most once among their siblings (a second one is an error).
SINGLE = {
    "id",
    "version",
    "name",
    "bezeichnungEingabe",
    "bezeichnungAusgabe",
    "beschreibung",
    "definition",
    "status",
    "freigabestatus",
    "feldart",
    "datentyp",
    "anzahl",
    "praezisierung",
    "hilfetextEingabe",
    "hilfetextAusgabe",
    "fachlicherErsteller",
    "versionshinweis",
    "freigabedatum",
    "veroeffentlichungsdatum",
    "schemaelementart",
    "script",
    "skript",
    "nachrichtID",
    "erstellungszeitpunkt",
    "identifikation",
    "statusGesetztAm",
    "statusGesetztDurch",
    "letzteAenderung",
    "gueltigAb",
    "gueltigBis",
}
# Every element name of XDatenfelder 2.0 and 3.0.0 this importer accepts.
KNOWN = SINGLE | {
    "header",
    "stammdatenschema",
    "datenfeldgruppe",
    "datenfeld",
    "regel",
    "struktur",
    "enthaelt",
    "bezug",
    "codelisteReferenz",
    "genericodeIdentification",
    "canonicalIdentification",
    "canonicalVersionUri",
    "inhalt",
    "vorbefuellung",
    "codeKey",
    "nameKey",
    "helpKey",
    "maxSize",
    "mediaType",
    "werte",
    "wert",
    "code",
    "hilfe",
    "ableitungsmodifikationenStruktur",
    "ableitungsmodifikationenRepraesentation",
    "stichwort",
    "relation",
    "dokumentsteckbrief",
    "referenzID",
    "leistungsschluessel",
    "typ",
    "param",
    "ziel",
    "fehler",
    "freitextRegel",
    "bezugsobjekt",
    "objekt",
    "praedikat",
    "nachricht",
    "art",
    "anzahlKlassen",
    "versionCodeliste",
    "versionshinweis",
    "hilfetext",
    "bezeichnung",
    "designation",
    "istAbstrakt",
    "dokumentart",
    "bezugRechtsgrundlage",
    "linkRechtsgrundlage",
    "rechtsbezug",
    "link",
    "erstelltAm",
    "erstelltDurch",
    "status",
    "lebenslage",
    "produktplan",
    "kennzeichen",
    "letzteAenderungDurch",
    "verwendet",
    "verwendetIn",
    "handlungsgrundlage",
    "feldgruppe",
}
LEIKA_RE = re.compile(r"\b99\d{12}\b")
REQUIRE_RE = re.compile(
    r"Wenn\s+(?:bei\s+)?(?P<field>F[\w-]+)\s+[\"„“](?P<code>[^\s\"“”]+)[^\"“”]*[\"“”]\s+angegeben\s+wird,?"
    r"\s+dann\s+(?:wird|werden)\s+(?P<targets>(?:[FG][\w-]+(?:\s*,\s*|\s+und\s+)?)+)\s+(?:zur|eine|zu)\s+Pflichtangabe",
    re.IGNORECASE,
)
ONLY_IF_RE = re.compile(
    r"^(?P<targets>.+?)\s+(?:ist|sind)\s+nur\s+dann\s+zu\s+bef[üu]llen,\s+wenn\s+[\"„]?(?P<field>F[\w-]+)"
    r"[^\"“”]*[\"“”]?\s+bejaht\s+wurde",
    re.IGNORECASE | re.DOTALL,
)
ID_RE = re.compile(r"\b([FG]\d[\w-]*)")


LETTER_CLASSES = {
    r"\p{L}": "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",
    r"\p{Lu}": "A-Z\u00c0-\u00d6\u00d8-\u00de",
    r"\p{Ll}": "a-z\u00df-\u00f6\u00f8-\u00ff",
    r"\p{N}": "0-9",
}


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """An XSD pattern as a Python regex (implicitly anchored: use fullmatch). \\p{L} → Latin letters."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and pattern.startswith("\\p{", i):
            end = pattern.find("}", i)
            key = pattern[i : end + 1]
            if key not in LETTER_CLASSES:
                raise re.error(f"unsupported class {key}")
            out.append(LETTER_CLASSES[key] if in_class else "[" + LETTER_CLASSES[key] + "]")
            i = end + 1
            continue
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return re.compile("".join(out))


class XdfImportError(Exception):
    """The file cannot be imported; the message names the element."""


@dataclass
class ImportResult:
    definition: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return count_nodes(self.definition)


def count_nodes(definition: dict[str, Any]) -> dict[str, int]:
    counts = {"fields": 0, "groups": 0}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for n in nodes:
            if n["kind"] == "group":
                counts["groups"] += 1
                walk(n["children"])
            else:
                counts["fields"] += 1

    walk(definition["items"])
    counts["rules"] = len(definition["rules"])
    counts["codelists"] = len(definition["codelists"])
    return counts


# --- helpers -------------------------------------------------------------------------------------


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _describe(el: etree._Element) -> str:
    return f"<xdf:{_local(el)}> (Zeile {el.sourceline})"


def _children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _child(el: etree._Element, name: str) -> etree._Element | None:
    for c in _children(el):
        if _local(c) == name:
            return c
    return None


def _text(el: etree._Element | None, name: str | None = None) -> str:
    if el is not None and name is not None:
        el = _child(el, name)
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split()) if len(el) else " ".join((el.text or "").split())


def _code(el: etree._Element, name: str) -> str:
    c = _child(el, name)
    if c is None:
        return ""
    inner = _child(c, "code")
    return _text(inner if inner is not None else c)


def _check_structure(root: etree._Element, ns: str) -> None:
    """Unknown elements, doubled single elements, missing/empty ids, invalid Freigabestatus."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        qn = etree.QName(el)
        if qn.namespace == ns and qn.localname not in KNOWN and el is not root:
            parent = el.getparent()
            where = f" in {_describe(parent)}" if parent is not None else ""
            raise XdfImportError(f"Unerwartetes Element {_describe(el)}{where}.")
        if qn.namespace != ns:
            continue
        seen: set[str] = set()
        for c in _children(el):
            if etree.QName(c).namespace != ns:
                continue
            name = _local(c)
            if name in SINGLE and name in seen:
                raise XdfImportError(f"Doppeltes Element {_describe(c)} in {_describe(el)}.")
            seen.add(name)
        if qn.localname == "identifikation":
            id_el = _child(el, "id")
            if id_el is None:
                raise XdfImportError(f"Element <xdf:id> fehlt in {_describe(el)}.")
            if not _text(id_el):
                raise XdfImportError(f"Leere ID in {_describe(id_el)}.")
        if qn.localname == "freigabestatus":
            code = _code(el.getparent(), "freigabestatus")
            if code not in FREIGABESTATUS:
                raise XdfImportError(f"Ungültiger Freigabestatus „{code}“ in {_describe(el)}.")


# --- XSD -----------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _xsd(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def xsd_warnings(doc: etree._ElementTree, version: str, xsd_dir: Path | None) -> list[str]:
    if xsd_dir is None or not (xsd_dir / version / "xdatenfelder.xsd").is_file():
        where = f" ({xsd_dir / version})" if xsd_dir is not None else ""
        return [f"XSD-Prüfung übersprungen: XDatenfelder-{version}-XSD nicht gefunden{where}."]
    schema = _xsd(str(xsd_dir / version / "xdatenfelder.xsd"))
    try:
        valid = schema.validate(doc)
    except etree.XMLSchemaValidateError as exc:  # e.g. unexpanded entity nodes: never a 500
        raise XdfImportError(
            _("Das Schema kann nicht gegen die XSD geprüft werden (%(e)s).") % {"e": exc}
        ) from exc
    if valid:
        return []
    warnings = []
    latin = 0
    for err in schema.error_log:
        if "pattern" in err.message and "facet" in err.message:
            latin += 1
            if latin > 5:
                continue
            warnings.append(f"Zeichen außerhalb des latinchars-Musters (Zeile {err.line}): {err.message}")
        else:
            warnings.append(f"XSD-Abweichung (Zeile {err.line}): {err.message}")
    if latin > 5:
        warnings.append(f"… und {latin - 5} weitere Verstöße gegen das latinchars-Muster.")
    return warnings[:30]


# --- code lists ----------------------------------------------------------------------------------


def parse_genericode(data: bytes, source: str = "") -> dict[str, Any] | None:
    """A genericode CodeList, read namespace-agnostically; None when the file is no code list."""
    refuse_hostile(data, f"Codeliste {source}" if source else "Codeliste")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XdfImportError(f"Codeliste {source}: fehlerhaftes XML ({exc}).") from exc
    if _local(root) != "CodeList":
        return None

    def find(el: etree._Element, *path: str) -> etree._Element | None:
        for name in path:
            nxt = _child(el, name)
            if nxt is None:
                return None
            el = nxt
        return el

    ident = find(root, "Identification")
    uri = _text(find(ident, "CanonicalUri")) if ident is not None else ""
    version_uri = _text(find(ident, "CanonicalVersionUri")) if ident is not None else ""
    version = _text(find(ident, "Version")) if ident is not None else ""
    name = (_text(find(ident, "LongName")) or _text(find(ident, "ShortName"))) if ident is not None else ""
    columns = []
    key_col = ""
    colset = find(root, "ColumnSet")
    if colset is not None:
        for c in _children(colset):
            if _local(c) == "Column":
                columns.append(c.get("Id", ""))
            elif _local(c) == "Key" and not key_col:
                ref = _child(c, "ColumnRef")
                key_col = ref.get("Ref", "") if ref is not None else ""
    key_col = key_col or (columns[0] if columns else "")
    label_cols = [c for c in columns if c != key_col]
    items: list[list[str]] = []
    simple = find(root, "SimpleCodeList")
    for row in _children(simple) if simple is not None else []:
        values = {
            v.get("ColumnRef", ""): _text(v, "SimpleValue") for v in _children(row) if _local(v) == "Value"
        }
        code = values.get(key_col, "")
        if not code:
            continue
        label = next((values[c] for c in label_cols if values.get(c)), code)
        items.append([code, label])
    return {
        "uri": uri,
        "version_uri": version_uri,
        "version": version,
        "name": name or uri,
        "items": items,
        "source": source,
    }


def codelists_from_dir(directory: Path, exclude: Path | None = None) -> dict[str, bytes]:
    """The XML files next to a schema (candidates for code lists), by file name."""
    found: dict[str, bytes] = {}
    for p in sorted(directory.glob("*.xml")):
        if exclude is not None and p.resolve() == exclude.resolve():
            continue
        if p.stat().st_size <= MAX_XML_BYTES:
            found[p.name] = p.read_bytes()
    return found


# --- parsing -------------------------------------------------------------------------------------

# Markup declarations have no place in XDatenfelder or genericode files; they are how hostile XML
# works (entity expansion "billion laughs", external entities reading local files or URLs).
_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY", b"<!ELEMENT", b"<!ATTLIST", b"<!NOTATION")


def refuse_hostile(data: bytes, source: str = "") -> None:
    """Refuse, before any parsing, XML with a DOCTYPE or other markup declarations (entities,
    external references). Also looks at UTF-16/UTF-32 encoded files."""
    variants = [data]
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            variants.append(data[len(bom) :].decode(codec, errors="replace").encode("utf-8"))
            break
    if data[:4] in (b"<\x00?\x00", b"\x00<\x00?"):  # UTF-16 without BOM
        variants.append(data.decode("utf-16-le" if data[0] else "utf-16-be", errors="replace").encode())
    for text in variants:
        upper = text.upper()
        if any(decl in upper for decl in _DECLARATIONS):
            where = f"{source}: " if source else ""
            raise XdfImportError(
                where
                + _(
                    "Die Datei enthält eine DOCTYPE- oder ENTITY-Deklaration. Aus Sicherheitsgründen "
                    "werden keine Dokumenttyp-Deklarationen, Entitäten oder externen Verweise "
                    "angenommen; XDatenfelder- und genericode-Dateien brauchen sie nicht."
                )
            )


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def _praezisierung(el: etree._Element, ident: str, warnings: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    p = _child(el, "praezisierung")
    if p is None:
        return out
    raw: dict[str, Any] = dict(p.attrib.items())
    text = (p.text or "").strip()
    if text.startswith("{"):
        try:
            raw.update(json.loads(text))
        except ValueError:
            warnings.append(f"Präzisierung von {ident} ist kein gültiges JSON und wurde ignoriert.")
    for src, dst, conv in (
        ("minLength", "min_length", int),
        ("maxLength", "max_length", int),
        ("minValue", "min_value", str),
        ("maxValue", "max_value", str),
        ("pattern", "pattern", str),
    ):
        if raw.get(src) not in (None, ""):
            try:
                out[dst] = conv(str(raw[src]).strip())
            except ValueError:
                warnings.append(f"Präzisierung {src} von {ident} ist ungültig und wurde ignoriert.")
    # File limits: XDatenfelder 2.0 has no element for them, so the form designer writes them into
    # the Präzisierung (``"mediaType": [...]``, ``"maxSize": bytes``); 3.0.0 has mediaType/maxSize.
    media = raw.get("mediaType")
    if isinstance(media, str):
        media = [media]
    if isinstance(media, list):
        out["media_types"] = [str(m).strip() for m in media if str(m).strip()]
    if str(raw.get("maxSize", "")).strip().isdigit():
        out["max_size"] = int(str(raw["maxSize"]).strip())
    if "pattern" in out:
        try:
            compile_pattern(out["pattern"])
        except re.error:
            warnings.append(f"Muster von {ident} ist ungültig und wurde ignoriert.")
            out.pop("pattern")
    return out


def _multiplicity(text: str, where: str) -> tuple[int, int | None]:
    m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+|\*)\s*", text or "1:1")
    if not m:
        raise XdfImportError(f"Ungültige Anzahl „{text}“ in {where}.")
    lo = int(m.group(1))
    hi = None if m.group(2) == "*" else int(m.group(2))
    if hi is not None and hi < lo:
        raise XdfImportError(f"Ungültige Anzahl „{text}“ in {where}.")
    return lo, hi


class _Parser:
    def __init__(self, ns: str, codelist_files: dict[str, bytes], allow_missing_codelists: bool) -> None:
        self.ns = ns
        self.warnings: list[str] = []
        self.rules: dict[str, dict[str, Any]] = {}
        self.codelists: dict[str, dict[str, Any]] = {}
        self.allow_missing = allow_missing_codelists
        self.available: list[dict[str, Any]] = []
        self.defs: dict[str, tuple[str, str]] = {}
        for name, data in codelist_files.items():
            parsed = parse_genericode(data, name)
            if parsed is not None:
                parsed["file"] = name
                self.available.append(parsed)

    def element(self, el: etree._Element, lo: int, hi: int | None) -> dict[str, Any]:
        ident = _child(el, "identifikation")
        if ident is None:
            raise XdfImportError(f"Element <xdf:identifikation> fehlt in {_describe(el)}.")
        node_id = _text(ident, "id")
        node: dict[str, Any] = {
            "id": node_id,
            "version": _text(ident, "version"),
            "name": _text(el, "name"),
            "label": _text(el, "bezeichnungEingabe") or _text(el, "name") or node_id,
            "help": _text(el, "hilfetextEingabe"),
            "min": lo,
            "max": hi,
            "rules": [self.rule(r) for r in _children(el) if _local(r) == "regel"],
        }
        sig = (node["name"], _code(el, "datentyp"))
        if self.defs.setdefault(node_id, sig) != sig:
            raise XdfImportError(f"Doppelte ID {node_id} mit abweichender Definition in {_describe(el)}.")
        if _local(el) == "datenfeldgruppe":
            node["kind"] = "group"
            node["children"] = self.struktur(el)
            return node
        node["kind"] = "field"
        feldart = _code(el, "feldart") or "input"
        datentyp = _code(el, "datentyp") or "text"
        if feldart not in FELDARTEN:
            raise XdfImportError(f"Unbekannte Feldart „{feldart}“ in {_describe(el)} ({node_id}).")
        if datentyp not in DATENTYPEN:
            raise XdfImportError(f"Unbekannter Datentyp „{datentyp}“ in {_describe(el)} ({node_id}).")
        node.update(feldart=feldart, datentyp=datentyp, codelist=None)
        node["content"] = next((_text(c) for c in _children(el) if _local(c) == "inhalt" and _text(c)), "")
        prae = _praezisierung(el, node_id, self.warnings)
        media = prae.pop("media_types", [])
        size_prae = prae.pop("max_size", None)
        node.update(prae)
        node["media_types"] = [
            _text(c) for c in _children(el) if _local(c) == "mediaType" and _text(c)
        ] or media
        size = _text(el, "maxSize")
        node["max_size"] = int(size) if size.isdigit() else size_prae
        if feldart == "select":
            node["codelist"] = self.codelist(el, node_id)
            if node["codelist"] is None:
                node["feldart"] = "input"
        return node

    def codelist(self, el: etree._Element, node_id: str) -> str | None:
        ref = _child(el, "codelisteReferenz")
        values = _child(el, "werte")
        if values is not None and len(_children(values)):
            key = f"{node_id}-werte"
            items = [[_text(w, "code"), _text(w, "name") or _text(w, "code")] for w in _children(values)]
            self.codelists[key] = {
                "uri": key,
                "version": "",
                "name": node_id,
                "items": items,
                "source": "inline",
            }
            return key
        cid = _text(ref, "id") if ref is not None and _child(ref, "identifikation") is None else ""
        if ref is not None and _child(ref, "identifikation") is not None:
            cid = _text(_child(ref, "identifikation"), "id")
        gi = _child(ref, "genericodeIdentification") if ref is not None else None
        canon = _text(gi, "canonicalIdentification") if gi is not None else ""
        canon = canon or (_text(ref, "canonicalIdentification") if ref is not None else "")
        version_uri = _text(gi, "canonicalVersionUri") if gi is not None else ""
        if not (cid or canon or version_uri):
            self.warnings.append(
                f"Auswahlfeld {node_id} hat keine Codeliste und wird als Textfeld angezeigt."
            )
            return None
        for cl in self.available:
            if (
                (version_uri and cl["version_uri"] == version_uri)
                or (canon and cl["uri"] == canon)
                or (cid and cl["file"].startswith(cid))
            ):
                key = cl["uri"] or cid
                self.codelists[key] = {k: cl[k] for k in ("uri", "version", "name", "items", "source")}
                return key
        label = canon or cid
        if self.allow_missing:
            self.warnings.append(
                f"Codeliste {label} ({cid}) für Feld {node_id} fehlt; das Feld wird als Textfeld angezeigt."
            )
            return None
        raise XdfImportError(
            f"Codeliste {label} ({cid or 'ohne ID'}) fehlt: referenziert in <xdf:codelisteReferenz> "
            f"von {node_id} "
            f"(Zeile {el.sourceline}). Legen Sie die genericode-Datei neben das Schema."
        )

    def struktur(self, el: etree._Element) -> list[dict[str, Any]]:
        items = []
        seen: set[str] = set()
        for s in _children(el):
            if _local(s) != "struktur":
                continue
            lo, hi = _multiplicity(_text(s, "anzahl"), _describe(s))
            enth = _child(s, "enthaelt")
            if enth is None:
                continue
            for child in _children(enth):
                if _local(child) not in ("datenfeld", "datenfeldgruppe"):
                    raise XdfImportError(f"Unerwartetes Element {_describe(child)} in <xdf:enthaelt>.")
                node = self.element(child, lo, hi)
                if node["id"] in seen:
                    raise XdfImportError(f"Doppelte ID {node['id']} in {_describe(child)} (gleiche Gruppe).")
                seen.add(node["id"])
                items.append(node)
        return items

    def rule(self, el: etree._Element) -> str:
        rid = _text(el, "id") or _text(_child(el, "identifikation"), "id")
        text = " ".join(
            t for t in (_text(el, "definition"), _text(el, "freitextRegel"), _text(el, "beschreibung")) if t
        )
        script = _child(el, "script") if _child(el, "script") is not None else _child(el, "skript")
        script_text = (script.text or "").strip() if script is not None else ""
        if re.fullmatch(r"function\s+script\s*\(\)\s*\{\s*\}", script_text):
            script_text = ""
        self.rules.setdefault(
            rid,
            {
                "id": rid,
                "name": _text(el, "name"),
                "text": text,
                "script": script_text,
                "conditions": parse_conditions(text),
            },
        )
        return rid


def parse_conditions(text: str) -> list[dict[str, Any]]:
    """The two machine-readable phrasings of FIM rules (see module docstring); [] otherwise."""
    out = []
    m = REQUIRE_RE.search(text)
    if m:
        out.append(
            {
                "action": "require",
                "targets": ID_RE.findall(m.group("targets")),
                "field": m.group("field"),
                "equals": m.group("code"),
            }
        )
    m2 = ONLY_IF_RE.search(text)
    if m2:
        out.append(
            {
                "action": "only_if",
                "targets": ID_RE.findall(m2.group("targets")),
                "field": m2.group("field"),
                "equals": "true",
            }
        )
    return out


def parse_xdf(
    data: bytes,
    *,
    codelists: dict[str, bytes] | None = None,
    xsd_dir: Path | None = None,
    allow_missing_codelists: bool = False,
) -> ImportResult:
    if len(data) > MAX_XML_BYTES:
        raise XdfImportError("Die Datei ist zu groß (höchstens 20 MB).")
    refuse_hostile(data)
    try:
        doc = etree.ElementTree(etree.fromstring(data, parser=_parser()))
    except etree.XMLSyntaxError as exc:
        raise XdfImportError(f"Fehlerhaftes XML: {exc}") from exc
    root = doc.getroot()
    ns = etree.QName(root).namespace or ""
    if ns == NS_V1 or "xdatenfelder_1" in ns:
        raise XdfImportError(
            f"XDatenfelder 1 (Namensraum {ns}, Wurzelelement <xdf:{_local(root)}>) wird nicht unterstützt. "
            "Bitte exportieren Sie das Schema als XDatenfelder 2.0 oder 3.0.0."
        )
    if ns not in VERSIONS:
        raise XdfImportError(
            f"Unbekannter Namensraum „{ns}“ im Wurzelelement <{_local(root)}>; "
            "erwartet XDatenfelder 2.0 oder 3.0.0."
        )
    version = VERSIONS[ns]
    _check_structure(root, ns)
    warnings = xsd_warnings(doc, version, xsd_dir)
    parser = _Parser(ns, codelists or {}, allow_missing_codelists)
    main = next(
        (c for c in _children(root) if _local(c) in ("stammdatenschema", "datenfeldgruppe", "datenfeld")),
        None,
    )
    if main is None:
        raise XdfImportError(
            "Kein <xdf:stammdatenschema>, <xdf:datenfeldgruppe> oder <xdf:datenfeld> "
            f"in <xdf:{_local(root)}>."
        )
    kind = _local(main)
    if kind == "stammdatenschema":
        ident = _child(main, "identifikation")
        if ident is None:
            raise XdfImportError(f"Element <xdf:identifikation> fehlt in {_describe(main)}.")
        schema_rules = [parser.rule(r) for r in _children(main) if _local(r) == "regel"]
        items = parser.struktur(main)
        schema_id, schema_version = _text(ident, "id"), _text(ident, "version")
    else:
        node = parser.element(main, 1, 1)
        items = [node]
        schema_rules = []
        schema_id, schema_version = node["id"], node["version"]
    texts = " ".join(_text(main, n) for n in ("beschreibung", "definition", "bezug", "name"))
    leika = list(dict.fromkeys(LEIKA_RE.findall(texts)))
    for c in _children(main):
        if _local(c) in ("dokumentsteckbrief", "leistungsschluessel", "bezug"):
            leika += [k for k in LEIKA_RE.findall(_text(c)) if k not in leika]
    definition: dict[str, Any] = {
        "format": 1,
        "xdf_version": version,
        "message": kind,
        "schema_id": schema_id,
        "version": schema_version,
        "name": _text(main, "name") or schema_id,
        "title": _text(main, "bezeichnungEingabe") or _text(main, "name") or schema_id,
        "description": _text(main, "beschreibung"),
        "definition": _text(main, "definition"),
        "legal_basis": _text(main, "bezug"),
        "leika": leika,
        "schema_rules": schema_rules,
        "items": items,
        "rules": list(parser.rules.values()),
        "codelists": parser.codelists,
    }
    known_ids = _all_ids(items)
    for rule in definition["rules"]:
        for cond in rule["conditions"]:
            missing = [t for t in [cond["field"], *cond["targets"]] if t not in known_ids]
            if missing:
                parser.warnings.append(
                    f"Regel {rule['id']} nennt unbekannte Elemente ({', '.join(missing)}); "
                    "sie bleibt Freitext."
                )
        rule["conditions"] = [
            c for c in rule["conditions"] if all(t in known_ids for t in [c["field"], *c["targets"]])
        ]
    if not items:
        parser.warnings.append("Das Schema enthält keine Felder.")
    return ImportResult(definition, list(dict.fromkeys(warnings + parser.warnings)))


def _all_ids(nodes: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for n in nodes:
        out.add(n["id"])
        if n["kind"] == "group":
            out |= _all_ids(n["children"])
    return out
