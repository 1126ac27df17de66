"""bench/run.py's cache column comes from the cache headers of every measured answer, so that with
requests spread over many municipalities it shows how many were hits (issue 15)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.run import Round, combine, describe_cache  # noqa: E402


def test_one_label_when_nearly_every_answer_had_it():
    assert describe_cache({"hit": 996, "miss": 4}) == "hit"
    assert describe_cache({"own hit": 10}) == "own hit"
    assert describe_cache({"none": 50}) == "–"
    assert describe_cache({}) == ""


def test_shares_when_answers_differ():
    assert describe_cache({"miss": 29, "hit": 71}) == "hit 71 %, miss 29 %"
    # A state below half a percent is left out of the shares.
    assert describe_cache({"hit": 900, "miss": 97, "none": 3}) == "hit 90 %, miss 10 %"


def test_rounds_are_summed():
    rounds = [
        Round(10, 0, 1.0, {5: 10}, 50.0, {"hit": 5, "miss": 5}),
        Round(10, 0, 1.0, {5: 10}, 50.0, {"hit": 10}),
    ]
    assert combine("anonymous", "/", rounds).cache == "hit 75 %, miss 25 %"
