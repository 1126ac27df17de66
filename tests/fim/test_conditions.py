"""Fields switched off by an answer on an earlier step are not shown; on the same step they stay
visible (the condition cannot be decided before the step is submitted) but are not required."""

from __future__ import annotations

from rathaus.fim import engine


def _field(fid: str, label: str, datentyp: str = "text", minimum: int = 1) -> dict:
    return {
        "kind": "field",
        "id": fid,
        "name": label,
        "label": label,
        "feldart": "input",
        "datentyp": datentyp,
        "min": minimum,
        "max": 1,
        "help": "",
    }


def _group(gid: str, label: str, children: list[dict]) -> dict:
    return {
        "kind": "group",
        "id": gid,
        "name": label,
        "label": label,
        "help": "",
        "min": 1,
        "max": 1,
        "rules": [],
        "children": children,
    }


DEFN = {
    "items": [
        _group("G1", "Fahrzeug", [_field("F1", "Eigenes Fahrzeug?", "bool"), _field("F9", "Kennzeichen")]),
        _group("G2", "Halter", [_field("F2", "Name des Halters"), _field("F3", "Anschrift")]),
    ],
    "rules": [
        {
            "conditions": [
                {"action": "only_if", "targets": ["F2"], "field": "F1", "equals": "true"},
                {"action": "only_if", "targets": ["F9"], "field": "F1", "equals": "true"},
            ]
        }
    ],
    "codelists": {},
}


def test_target_on_later_step_is_hidden_when_condition_fails():
    form = engine.StepForm(DEFN, 1, {"G1": [{"F1": "false"}]})
    assert any(name.endswith("F3") for name in form.fields)
    assert not any(name.endswith("F2") for name in form.fields)


def test_target_on_later_step_is_shown_and_required_when_condition_holds():
    form = engine.StepForm(DEFN, 1, {"G1": [{"F1": "true"}]})
    names = [n for n in form.fields if n.endswith("F2")]
    assert names and form.fields[names[0]].required


def test_target_on_same_step_stays_visible_but_optional():
    form = engine.StepForm(DEFN, 0, {})
    names = [n for n in form.fields if n.endswith("F9")]
    assert names and not form.fields[names[0]].required
