"""The real Bewohnerparkausweis schema's rules (XDF2 ``regel`` R05000281, R05000334) decide which steps
and groups apply: a step or group switched off is not shown, not validated, not submitted and not on
the review page (issue 14, "Forms and cases")."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.fim import engine, queries
from rathaus.fim.importers.xdf import codelists_from_dir, parse_xdf

from .conftest import bewohnerparken_path

HOLDER = "G05000499"  # "Angaben zur Fahrzeughalterin, zum Fahrzeughalter" (anzahl 0:1), step 5
PERMIT = "G05000599"  # "Angaben zur bestehenden Parkgenehmigung" (anzahl 0:1) inside step 3


@pytest.fixture(scope="module")
def defn() -> dict[str, Any]:
    path = bewohnerparken_path()
    return parse_xdf(path.read_bytes(), codelists=codelists_from_dir(path.parent, path)).definition


def answers(holder_code: str = "01", kind: str = "01", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "_allgemein0": [{"F00-4cb0dd14-629c-4661-9435-4e9eadc43e07": "01", "F05001344": "01"}],
        "G05000496": [
            {
                "F05000059": "Mustermann",
                "F05000060": "Erika",
                "F05000351": "1980-02-03",
                "F05001354": "erika@example.org",
                "G05000428": [{"F00000053": "Schützenplatz", "F00000016": "1"}],
                "G00000113": [{"F00000054": "06712", "F00000035": "Zeitz"}],
                "F05000523": "000",
            }
        ],
        "G05000493": [{"F05001064": "1", "F05001347": kind, PERMIT: []}],
        "G05000477": [{"F05000627": "ZZ-AB 123", "F05001062": "1", "F05001047": holder_code}],
    }
    out.update(extra)
    return out


# Holder data a person typed before switching to "own vehicle": invalid and incomplete on purpose.
STALE_HOLDER = [{"F05001243": "Halter", "F05001244": "", "G05000554": [{"F00000054": "x"}]}]


def test_own_vehicle_switches_the_holder_step_off(defn):
    required, off = engine.active_effects(defn, answers("01"))
    assert HOLDER in off and HOLDER not in required
    assert len(engine.steps(defn)) == 5
    assert engine.active_steps(defn, answers("01")) == [0, 1, 2, 3]


def test_other_holder_makes_the_step_apply_and_required(defn):
    required, off = engine.active_effects(defn, answers("02"))
    assert HOLDER in required and HOLDER not in off
    assert engine.active_steps(defn, answers("02")) == [0, 1, 2, 3, 4]


def test_own_vehicle_validates_without_holder_and_submits_nothing_of_it(defn):
    data = answers("01", **{HOLDER: STALE_HOLDER})
    payload, invalid = engine.validate_all(defn, data)
    assert invalid == {}
    assert HOLDER not in payload
    titles = [s["title"] for s in queries.answer_rows(defn, data)]
    assert "Angaben zur Fahrzeughalterin, zum Fahrzeughalter" not in titles
    assert len(titles) == 4


def test_other_holder_requires_the_holder_fields(defn):
    _payload, invalid = engine.validate_all(defn, answers("02"))
    assert list(invalid) == [4]
    errors = invalid[4].errors
    assert "G05000499__0__F05001243" in errors and "G05000499__0__F05001248" in errors


def test_holder_step_switched_off_builds_no_required_field(defn):
    """Step 5 on its own (the bug report): nothing is required while the vehicle is one's own."""
    form = engine.StepForm(defn, 4, answers("01"), data={}, files={})
    assert form.fields and not any(f.required for f in form.fields.values())
    assert form.is_valid(), form.errors


def test_new_permit_ignores_and_drops_the_existing_permit_group_on_the_same_step(defn):
    # Same step as its condition: shown (no JavaScript needed), but not validated or kept.
    bad_permit = [{"F05001346": "keine Zahl", "F05001345": "31.02.2020"}]
    data = answers("01", kind="01")
    data["G05000493"][0][PERMIT] = bad_permit
    payload, invalid = engine.validate_all(defn, data)
    assert invalid == {}
    assert PERMIT not in payload["G05000493"][0]
    rows = [label for s in queries.answer_rows(defn, data) for label, _v in s["rows"]]
    assert not any("Parkausweisnummer" in r for r in rows)


def test_renewal_requires_the_existing_permit_even_if_the_instance_was_removed(defn):
    data = answers("01", kind="02")
    data["G05000493"][0][PERMIT] = []
    payload, invalid = engine.validate_all(defn, data)
    assert list(invalid) == [2]
    assert "G05000493__0__G05000599__0__F05001346" in invalid[2].errors
    data["G05000493"][0][PERMIT] = [{"F05001346": "4711", "F05001345": "2025-12-31"}]
    payload, invalid = engine.validate_all(defn, data)
    assert invalid == {} and payload["G05000493"][0][PERMIT] == [
        {"F05001346": "4711", "F05001345": "2025-12-31"}
    ]


def test_same_step_target_stays_visible(defn):
    data = answers("01", kind="01")
    del data["G05000493"][0][PERMIT]  # not yet edited: one instance is shown
    form = engine.StepForm(defn, 2, data)
    assert "G05000493__0__G05000599__0__F05001346" in form.fields
    assert not form.fields["G05000493__0__G05000599__0__F05001346"].required
