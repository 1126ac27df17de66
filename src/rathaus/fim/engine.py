"""Turns a normalised definition into Django forms (one per step) and validates answers server-side.

Answers (Draft.answers, raw as entered) and the validated payload share one nested shape: every
group maps to a list of instances, an instance maps child ids to values (fields) or lists (groups)::

    {"G1": [{"F1": "Meier", "G2": [{"F2": "…"}, {"F2": "…"}]}]}

Form field names are the path joined with "__" (``G1__0__G2__1__F2``). Repeatable groups are edited
without JavaScript: the buttons ``add_<group path>`` / ``remove_<instance path>`` submit the step.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathaus.core import uploads

from .importers.xdf import compile_pattern

SEP = "__"
MAX_REPEAT = 20
MAX_FILE_BYTES = 10 * 1024 * 1024  # per uploaded file
GENERAL_STEP = "_allgemein"
LATIN_RE = re.compile(r"[\t\n\r\x20-\x7e\xa0-\u024f\u1e00-\u1eff\u2018-\u201e\u20ac]*")
REQUIRED_MSG = "Bitte füllen Sie dieses Feld aus."


def steps(defn: dict[str, Any]) -> list[dict[str, Any]]:
    """One step per top-level group; consecutive top-level fields form a general step."""
    out: list[dict[str, Any]] = []
    loose: list[dict[str, Any]] = []
    for node in defn["items"]:
        if node["kind"] == "group":
            if loose:
                out.append(_general(loose, len(out)))
                loose = []
            out.append(node)
        else:
            loose.append(node)
    if loose:
        out.append(_general(loose, len(out)))
    return out


def _general(children: list[dict[str, Any]], n: int) -> dict[str, Any]:
    return {
        "kind": "group",
        "id": f"{GENERAL_STEP}{n}",
        "name": "",
        "label": "Allgemeine Angaben",
        "help": "",
        "min": 1,
        "max": 1,
        "rules": [],
        "children": children,
    }


def conditions(defn: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for r in defn["rules"] for c in r["conditions"]]


def find_value(answers: Any, field_id: str) -> Any:
    if isinstance(answers, dict):
        if field_id in answers and not isinstance(answers[field_id], list):
            return answers[field_id]
        for v in answers.values():
            found = find_value(v, field_id)
            if found not in (None, ""):
                return found
    elif isinstance(answers, list):
        for item in answers:
            found = find_value(item, field_id)
            if found not in (None, ""):
                return found
    return None


TRUTHY = {"true", "on", "1", "ja", "yes"}


def holds(condition: dict[str, Any], value: Any) -> bool:
    """Whether an answer meets a condition's ``equals`` (a code, or "true" for a yes/no field)."""
    if value is None or isinstance(value, (dict, list)):
        return False
    text = str(value).strip().lower()
    expected = str(condition["equals"]).strip().lower()
    if expected == "true":
        return text in TRUTHY
    return text == expected


def nodes_by_id(defn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for n in nodes:
            out.setdefault(n["id"], n)
            if n["kind"] == "group":
                walk(n["children"])

    walk(defn["items"])
    return out


def evaluate(defn: dict[str, Any], answers: dict[str, Any]) -> tuple[set[str], dict[str, set[str]]]:
    """The schema's rules under the current answers: (ids made required, {id switched off: the
    fields whose answers switched it off}).

    * ``require`` („Wenn bei F… "02" angegeben wird, dann wird G… zur Pflichtangabe“): the target is
      required when the answer matches. A target that the schema marks optional (``anzahl`` 0:…)
      exists only for that case, so it is switched off otherwise (not shown, not validated, not
      submitted, not on the review page) — e.g. the holder of a vehicle registered to someone else.
    * ``only_if`` („… sind nur dann zu befüllen, wenn F… bejaht wurde“): off unless the answer holds.
    """
    required: set[str] = set()
    off: dict[str, set[str]] = {}
    nodes = nodes_by_id(defn)
    for c in conditions(defn):
        ok = holds(c, find_value(answers, c["field"]))
        for target in c["targets"]:
            if c["action"] == "require":
                if ok:
                    required.add(target)
                elif target in nodes and nodes[target]["min"] == 0:
                    off.setdefault(target, set()).add(c["field"])
            elif c["action"] == "only_if" and not ok:
                off.setdefault(target, set()).add(c["field"])
    return required, off


def active_effects(defn: dict[str, Any], answers: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(ids made required, ids switched off) under the current answers."""
    required, off = evaluate(defn, answers)
    return required, set(off)


def _ids_in(node: dict[str, Any]) -> set[str]:
    ids = {node["id"]}
    for child in node.get("children", []):
        ids |= _ids_in(child)
    return ids


def hidden_in_step(defn: dict[str, Any], step: dict[str, Any], answers: dict[str, Any]) -> set[str]:
    """Ids of fields and groups this step need not show: switched off by an answer given on another
    step. A condition whose field is on the same step cannot be decided before the step is
    submitted (no JavaScript needed), so its targets stay visible (but are not validated while the
    posted answer switches them off)."""
    here = _ids_in(step)
    _required, off = evaluate(defn, answers)
    return {target for target, fields in off.items() if not fields & here}


def active_steps(defn: dict[str, Any], answers: dict[str, Any]) -> list[int]:
    """Indexes of the steps that apply under the current answers (a step switched off is skipped)."""
    _required, off = evaluate(defn, answers)
    return [i for i, step in enumerate(steps(defn)) if step["id"] not in off]


def instance_count(node: dict[str, Any], raw: list[Any] | None) -> int:
    n = len(raw) if isinstance(raw, list) else 0
    if not isinstance(raw, list):
        n = max(node["min"], 1)
    return min(n, node["max"] if node["max"] is not None else MAX_REPEAT)


def is_empty(value: Any) -> bool:
    if isinstance(value, list):
        return all(is_empty(v) for v in value)
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    return value in (None, "", False, "false")  # "false": an unchecked checkbox


# --- building forms ------------------------------------------------------------------------------


def _decimal(value: str) -> Decimal:
    text = value.strip().replace(" ", "").replace("€", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return Decimal(text)


# Field meanings read from a field's name/label (FIM schemas do not always model them as types).
CONSENT_RE = re.compile(
    r"\beinwillig|\bzustimm|\beinverst|\bbestätig|\bkenntnisnahme|\bversichere\b", re.IGNORECASE
)
IDENTIFIER_RE = re.compile(r"nummer|\bnr\b|kennzeichen|identifi|\bID\b", re.IGNORECASE)
IDENTIFIER_CHARS = re.compile(r"[A-Za-z0-9ÄÖÜäöü][A-Za-z0-9ÄÖÜäöü ./-]*")


def is_identifier(node: dict[str, Any]) -> bool:
    """A "number" that is a label, not a quantity (Fahrzeug-Identifizierungsnummer, Parkausweisnummer):
    real ones contain letters or leading zeros, so they are entered and kept as text."""
    text = f"{node.get('name', '')} {node.get('label', '')}"
    return node["datentyp"] in ("num", "num_int") and bool(IDENTIFIER_RE.search(text))


def is_consent(node: dict[str, Any]) -> bool:
    return bool(CONSENT_RE.search(f"{node.get('name', '')} {node.get('label', '')}"))


NUMBER_MESSAGES = {
    "num": gettext_lazy(
        "Bitte geben Sie eine Zahl ein, nur mit Ziffern und höchstens einem Komma (z. B. 3 oder 2,5)."
    ),
    "num_int": gettext_lazy("Bitte geben Sie eine ganze Zahl ein, nur mit Ziffern (z. B. 12)."),
    "num_currency": gettext_lazy("Bitte geben Sie einen Betrag in Euro ein (z. B. 12,50)."),
}


class NumberField(forms.CharField):
    def __init__(self, *, datentyp: str, min_value: str | None, max_value: str | None, **kw: Any) -> None:
        self.datentyp, self.min_v, self.max_v = datentyp, min_value, max_value
        super().__init__(**kw)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value in ("", None):
            return ""
        message = str(NUMBER_MESSAGES[self.datentyp])
        try:
            num = _decimal(value)
        except InvalidOperation:
            raise forms.ValidationError(message) from None
        if not num.is_finite():
            raise forms.ValidationError(message)
        if self.datentyp == "num_int" and num != num.to_integral_value():
            raise forms.ValidationError(message)
        exponent = num.as_tuple().exponent  # an int for a finite number
        if self.datentyp == "num_currency" and isinstance(exponent, int) and exponent < -2:
            raise forms.ValidationError(_("Bitte geben Sie höchstens zwei Nachkommastellen an."))
        if self.min_v not in (None, "") and num < _decimal(str(self.min_v)):
            raise forms.ValidationError(_("Der Wert muss mindestens %(v)s sein.") % {"v": self.min_v})
        if self.max_v not in (None, "") and num > _decimal(str(self.max_v)):
            raise forms.ValidationError(_("Der Wert darf höchstens %(v)s sein.") % {"v": self.max_v})
        if self.datentyp == "num_int":
            return str(int(num))
        if self.datentyp == "num_currency":
            return f"{num:.2f}"
        return str(num)


class CheckboxInput(forms.CheckboxInput):
    """A checkbox that always posts ``value`` (the code of a one-entry code list, or "true")."""

    def __init__(self, value: str, attrs: dict[str, Any] | None = None) -> None:
        self.on_value = value
        super().__init__(attrs, check_test=lambda v: str(v).strip().lower() in {value.lower(), *TRUTHY})

    def format_value(self, value: Any) -> str:
        return self.on_value

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name, "")


class CheckField(forms.Field):
    """A single checkbox: a consent (datentyp bool, or a select whose code list has one entry such as
    „01 Ich stimme zu.“). Checked yields ``on`` (the code or "true"), unchecked ``off`` ("" or "false");
    ``required`` means it must be checked."""

    def __init__(self, *, on: str, off: str, **kw: Any) -> None:
        self.on, self.off = on, off
        kw.setdefault("error_messages", {})["required"] = _("Bitte setzen Sie das Häkchen, um fortzufahren.")
        super().__init__(widget=CheckboxInput(on), **kw)

    def to_python(self, value: Any) -> str:
        text = str(value).strip().lower() if value not in (None, False) else ""
        return self.on if text in {self.on.lower(), *TRUTHY} else self.off

    def validate(self, value: Any) -> None:
        if self.required and value != self.on:
            raise forms.ValidationError(self.error_messages["required"], code="required")


def _identifier_check(value: str) -> None:
    if not IDENTIFIER_CHARS.fullmatch(value):
        raise forms.ValidationError(
            _(
                "Bitte verwenden Sie nur Buchstaben, Ziffern, Leerzeichen, Punkt, Schrägstrich "
                "und Bindestrich."
            )
        )


def make_field(node: dict[str, Any], defn: dict[str, Any], required: bool) -> forms.Field:
    kw: dict[str, Any] = {"label": node["label"], "required": required, "help_text": node.get("help", "")}
    dt = node["datentyp"]
    if node["feldart"] == "select" and node.get("codelist"):
        items = defn["codelists"][node["codelist"]]["items"]
        if len(items) == 1:  # „01 Ich stimme zu.“: a checkbox, not a select with one option
            code, text = items[0]
            kw["label"] = f"{node['label']}: {text}"
            return CheckField(on=code, off="", **kw)
        return forms.ChoiceField(choices=[("", _("Bitte wählen"))] + [(c, lbl) for c, lbl in items], **kw)
    if dt == "bool":
        # A yes/no field is a checkbox. Unchecked means "no", so only a consent must be checked.
        kw["required"] = required and is_consent(node)
        return CheckField(on="true", off="false", **kw)
    if is_identifier(node):
        return forms.CharField(
            max_length=node.get("max_length") or 50,
            min_length=node.get("min_length"),
            validators=[_identifier_check],
            strip=True,
            **kw,
        )
    if dt == "date":
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            input_formats=["%Y-%m-%d", "%d.%m.%Y"],
            **kw,
        )
    if dt == "time":
        return forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **kw)
    if dt == "datetime":
        return forms.DateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
            **kw,
        )
    if dt in ("num", "num_int", "num_currency"):
        attrs = {"inputmode": "decimal" if dt != "num_int" else "numeric"}
        return NumberField(
            datentyp=dt,
            min_value=node.get("min_value"),
            max_value=node.get("max_value"),
            widget=forms.TextInput(attrs=attrs),
            **kw,
        )
    if dt == "file":
        attrs = {"accept": ",".join(node["media_types"])} if node.get("media_types") else {}

        limit = min(node.get("max_size") or MAX_FILE_BYTES, MAX_FILE_BYTES)
        allowed = list(node.get("media_types") or [])

        def small(upload: Any) -> None:
            if not isinstance(upload, UploadedFile):
                return
            try:
                uploads.check_file(upload, size=upload.size or 0, max_bytes=limit, allowed=allowed or None)
            except uploads.UploadRejected as exc:
                raise forms.ValidationError(exc.message) from exc

        return forms.FileField(widget=forms.ClearableFileInput(attrs=attrs), validators=[small], **kw)
    validators: list[Any] = []
    if node.get("pattern"):
        rx = compile_pattern(node["pattern"])

        def check(value: str, rx: re.Pattern[str] = rx) -> None:
            if not rx.fullmatch(value):
                raise forms.ValidationError(_("Die Eingabe hat nicht das erwartete Format."))

        validators.append(check)
    if dt == "text_latin":

        def latin(value: str) -> None:
            if not LATIN_RE.fullmatch(value):
                raise forms.ValidationError(_("Bitte verwenden Sie nur lateinische Schriftzeichen."))

        validators.append(latin)
    long = (node.get("max_length") or 0) > 200 or dt == "obj"
    return forms.CharField(
        min_length=node.get("min_length"),
        max_length=node.get("max_length"),
        validators=validators,
        widget=forms.Textarea(attrs={"rows": 4}) if long else forms.TextInput,
        strip=True,
        **kw,
    )


class StepForm(forms.Form):
    """The fields of one step, built from the definition; ``layout`` drives the template."""

    def __init__(
        self, defn: dict[str, Any], index: int, answers: dict[str, Any], *args: Any, **kwargs: Any
    ) -> None:
        self.defn = defn
        self.step = steps(defn)[index]
        self.answers = answers
        # name -> (node, innermost optional instance path or "", required once that instance is started)
        self.field_nodes: dict[str, tuple[dict[str, Any], str, bool]] = {}
        self.off_names: set[str] = set()
        self.required_ids, self.off_ids = active_effects(defn, answers)
        self.hidden_ids = hidden_in_step(defn, self.step, answers)
        kwargs.setdefault("initial", flatten(self.step, answers.get(self.step["id"])))
        super().__init__(*args, **kwargs)
        self.layout = self._build_group(self.step, [self.step["id"]], answers.get(self.step["id"]), True)

    def _build_group(
        self,
        node: dict[str, Any],
        path: list[str],
        raw: Any,
        top: bool = False,
        opt_root: str = "",
        off: bool = False,
    ) -> dict[str, Any]:
        # A group switched off by a rule (answer on this step) is shown but neither validated nor kept.
        off = off or node["id"] in self.off_ids
        needed = node["id"] in self.required_ids and not off
        least = max(node["min"], 1) if needed else node["min"]
        count = max(instance_count(node, raw), least if needed else 0)
        if top:
            count = max(1, count)
        instances = []
        for i in range(count):
            ipath = [*path, str(i)]
            inst_raw = raw[i] if isinstance(raw, list) and i < len(raw) and isinstance(raw[i], dict) else {}
            optional = i >= least or off
            root = SEP.join(ipath) if optional else opt_root
            entries = []
            for child in node["children"]:
                if child["id"] in self.hidden_ids:
                    continue
                cpath = [*ipath, child["id"]]
                if child["kind"] == "group":
                    entries.append(
                        self._build_group(child, cpath, inst_raw.get(child["id"]), opt_root=root, off=off)
                    )
                    continue
                if child["feldart"] in ("label", "hidden", "locked"):
                    if child["feldart"] != "hidden":
                        entries.append({"type": "label", "node": child, "text": child.get("content") or ""})
                    continue
                name = SEP.join(cpath)
                field_off = off or child["id"] in self.off_ids
                req = (child["min"] >= 1 or child["id"] in self.required_ids) and not field_off
                self.fields[name] = make_field(child, self.defn, req and not root)
                # An unticked yes/no checkbox is the answer "Nein", never a missing one (unless it is
                # a consent, which must be ticked): a started optional instance does not require it.
                yes_no = child.get("datentyp") == "bool" and not is_consent(child)
                self.field_nodes[name] = (child, root, req and not yes_no)
                if field_off:
                    self.off_names.add(name)
                entries.append({"type": "field", "name": name, "off": field_off})
            instances.append({"index": i, "path": SEP.join(ipath), "entries": entries})
        maximum = node["max"] if node["max"] is not None else MAX_REPEAT
        return {
            "type": "group",
            "node": node,
            "path": SEP.join(path),
            "instances": instances,
            "top": top,
            "off": off,
            "repeatable": maximum > 1 or (not top and node["min"] == 0),
            "can_add": count < maximum,
            "can_remove": count > (max(least, 1) if top else least),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Fields switched off by a rule under the posted answers: not validated, not kept.
        for name in self.off_names:
            self.errors.pop(name, None)
            cleaned.pop(name, None)
        # Fields of optional instances: required only when the instance was started.
        for name, (_node, root, needed) in self.field_nodes.items():
            if not (root and needed) or name in self.errors or name in self.off_names:
                continue
            prefix = root + SEP
            started = any(not self._blank(n, v) for n, v in cleaned.items() if n.startswith(prefix))
            if started and self._blank(name, cleaned.get(name)):
                self.add_error(name, REQUIRED_MSG)
        return cleaned

    def _blank(self, name: str, value: Any) -> bool:
        """Nothing answered in this field: "false" means an unticked checkbox only for yes/no fields
        (a citizen may well type the word "false" into a text field)."""
        node = self.field_nodes.get(name, (None, "", False))[0]
        if node is not None and node.get("datentyp") == "bool":
            return is_empty(value)
        return value is None or value == "" or (isinstance(value, list | dict) and is_empty(value))

    def bound_fields_by_name(self) -> dict[str, forms.BoundField]:
        return {name: self[name] for name in self.fields}

    def result(self) -> dict[str, Any]:
        """The validated step as nested answers (instances that stayed empty are dropped)."""
        return {self.step["id"]: _collect(self.step, [self.step["id"]], self.layout, self.cleaned_data, True)}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _collect(
    node: dict[str, Any], path: list[str], layout: dict[str, Any], data: dict[str, Any], top: bool
) -> list[Any]:
    out = []
    for inst in layout["instances"]:
        values: dict[str, Any] = {}
        for entry in inst["entries"]:
            if entry.get("off"):
                continue
            if entry["type"] == "field":
                values[entry["name"].rsplit(SEP, 1)[1]] = _plain(data.get(entry["name"], ""))
            elif entry["type"] == "group":
                values[entry["node"]["id"]] = _collect(entry["node"], [], entry, data, False)
        for child in node["children"]:
            if child["kind"] == "field" and child["feldart"] in ("hidden", "locked") and child.get("content"):
                values[child["id"]] = child["content"]
        if top or not is_empty(values):
            out.append(values)
    return out


def flatten(node: dict[str, Any], raw: Any, path: list[str] | None = None) -> dict[str, Any]:
    """Nested answers of one group → {form field name: value}."""
    path = path or [node["id"]]
    out: dict[str, Any] = {}
    if not isinstance(raw, list):
        return out
    for i, inst in enumerate(raw):
        if not isinstance(inst, dict):
            continue
        for child in node["children"]:
            cpath = [*path, str(i), child["id"]]
            if child["kind"] == "group":
                out.update(flatten(child, inst.get(child["id"]), cpath))
            elif child["id"] in inst:
                out[SEP.join(cpath)] = inst[child["id"]]
    return out


def raw_from_post(
    node: dict[str, Any], post: Any, files: Any, path: list[str], counts: dict[str, int], existing: Any
) -> list[Any]:
    """The posted values of one group as nested raw answers (no validation; for drafts)."""
    key = SEP.join(path)
    n = counts.get(key, instance_count(node, existing))
    out = []
    for i in range(n):
        inst: dict[str, Any] = {}
        old = (
            existing[i]
            if isinstance(existing, list) and i < len(existing) and isinstance(existing[i], dict)
            else {}
        )
        for child in node["children"]:
            cpath = [*path, str(i), child["id"]]
            name = SEP.join(cpath)
            if child["kind"] == "group":
                inst[child["id"]] = raw_from_post(child, post, files, cpath, counts, old.get(child["id"]))
            elif child["feldart"] in ("input", "select"):
                if child["datentyp"] == "file":
                    upload = files.get(name) if files is not None else None
                    inst[child["id"]] = (
                        upload if isinstance(upload, UploadedFile) else old.get(child["id"], "")
                    )
                else:
                    inst[child["id"]] = post.get(name, "")
        out.append(inst)
    return out


def counts_from_post(post: Any) -> dict[str, int]:
    out = {}
    for key, value in post.items():
        if key.startswith("count__") and value.isdigit():
            out[key[len("count__") :]] = min(int(value), MAX_REPEAT)
    return out


def group_counts(layout: dict[str, Any]) -> list[tuple[str, int]]:
    out = []
    for inst in layout["instances"]:
        for entry in inst["entries"]:
            if entry["type"] == "group":
                out.append((entry["path"], len(entry["instances"])))
                out.extend(group_counts(entry))
    return out


def apply_action(step: dict[str, Any], raw: list[Any], action: str) -> list[Any]:
    """add_<path> / remove_<path> on the raw answers of a step."""
    kind, _, target = action.partition("_")
    parts = target.split(SEP)
    if len(parts) < 2:
        return raw
    container: Any = {step["id"]: raw}
    node: dict[str, Any] | None = {"children": [step]}
    body = parts[:-1] if kind == "remove" else parts
    cur = container
    for j, part in enumerate(body):
        if part.isdigit():
            idx = int(part)
            if not isinstance(cur, list) or idx >= len(cur):
                return raw
            cur = cur[idx]
        else:
            child = next((c for c in (node or {}).get("children", []) if c["id"] == part), None)
            if child is None or not isinstance(cur, dict):
                return raw
            node = child
            if j == len(body) - 1 and kind == "add":
                lst = cur.setdefault(part, [])
                if not isinstance(lst, list):
                    return raw
                maximum = child["max"] if child["max"] is not None else MAX_REPEAT
                if len(lst) < maximum:
                    lst.append({})
                changed: list[Any] = container[step["id"]]
                return changed
            cur = cur.setdefault(part, [] if child["kind"] == "group" else "")
    if kind == "remove" and isinstance(cur, list) and parts[-1].isdigit() and node is not None:
        idx = int(parts[-1])
        if idx < len(cur) and len(cur) > node.get("min", 0):
            cur.pop(idx)
    result: list[Any] = container[step["id"]]
    return result


def validate_all(defn: dict[str, Any], answers: dict[str, Any]) -> tuple[dict[str, Any], dict[int, StepForm]]:
    """Validate every step; (payload, {step index: invalid form})."""
    payload: dict[str, Any] = {}
    invalid: dict[int, StepForm] = {}
    active = set(active_steps(defn, answers))
    for i, step in enumerate(steps(defn)):
        if i not in active:
            continue  # switched off by a rule: not validated, not submitted
        flat = flatten(step, answers.get(step["id"]))
        data = {k: v for k, v in flat.items() if not isinstance(v, dict)}
        form = StepForm(defn, i, answers, data=data, files={})
        if form.is_valid():
            payload.update(form.result())
        else:
            invalid[i] = form
    return payload, invalid
