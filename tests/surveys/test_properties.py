"""Property: for random valid response sets, the result counts equal a direct count in Python."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.surveys import queries, services, structure
from rathaus.surveys.models import Kind, Tally
from tests.surveys.conftest import build

pytestmark = pytest.mark.django_db


def answer_strategy(s: structure.Structure) -> st.SearchStrategy[dict[str, Any]]:
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for q in s.ordered_questions():
        opts = [o.pk for o in s.options.get(q.pk, []) if not o.is_other]
        if q.kind == Kind.SINGLE:
            v = st.builds(lambda o: {"o": o}, st.sampled_from(opts))
        elif q.kind == Kind.MULTIPLE:
            v = st.lists(
                st.sampled_from(opts),
                min_size=max(1, q.min_choices or 1),
                max_size=q.max_choices or len(opts),
                unique=True,
            ).map(lambda ids, opts=opts: {"o": sorted(ids, key=opts.index)})
        elif q.kind in (Kind.SCALE,):
            v = st.integers(q.scale_min, q.scale_max).map(lambda n: {"n": n})
        elif q.kind == Kind.YES_NO:
            v = st.sampled_from([0, 1]).map(lambda n: {"n": n})
        elif q.kind == Kind.NUMBER:
            v = st.integers(q.min_value or 0, q.max_value or 100).map(lambda n: {"n": n})
        elif q.kind == Kind.MATRIX:
            rows = [str(r.pk) for r in s.rows[q.pk]]
            v = st.fixed_dictionaries({r: st.integers(q.scale_min, q.scale_max) for r in rows}).map(
                lambda m: {"m": m}
            )
        elif q.kind == Kind.RANKING:
            v = st.permutations(opts).map(lambda r: {"r": list(r)})
        elif q.kind == Kind.DATE:
            v = st.dates().map(lambda d: {"d": d.isoformat()})
        else:
            v = (
                st.text(alphabet="abcxyz ", min_size=1, max_size=20)
                .map(str.strip)
                .filter(bool)
                .map(lambda t: {"t": t})
            )
        parts[str(q.pk)] = v if q.required else st.none() | v
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})


def direct_counts(
    s: structure.Structure, responses: list[tuple[str, dict[str, Any]]], segment: str | None
) -> Counter:
    c: Counter = Counter()
    for seg, answers in responses:
        if segment is not None and seg != segment:
            continue
        c[(None, "n")] += 1
        for key, value in answers.items():
            q = s.questions[int(key)]
            c[(q.pk, "a")] += 1
            if q.kind in (Kind.SINGLE,):
                c[(q.pk, f"o{value['o']}")] += 1
            elif q.kind == Kind.MULTIPLE:
                for o in value["o"]:
                    c[(q.pk, f"o{o}")] += 1
            elif q.kind in (Kind.SCALE, Kind.YES_NO, Kind.NUMBER):
                c[(q.pk, f"v{value['n']}")] += 1
            elif q.kind == Kind.MATRIX:
                for r, n in value["m"].items():
                    c[(q.pk, f"r{r}:v{n}")] += 1
            elif q.kind == Kind.RANKING:
                for rank, o in enumerate(value["r"], start=1):
                    c[(q.pk, f"o{o}:v{rank}")] += 1
    return c


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_result_counts_equal_direct_count(muni_a, data):
    survey = build(muni_a)
    s = structure.load(survey)
    n = data.draw(st.integers(0, 12))
    responses = []
    for _i in range(n):
        answers = structure.prune(s, data.draw(answer_strategy(s)))
        seg = data.draw(st.sampled_from(["", "citizen", "business"]))
        services.submit(survey, services.Submission(answers=answers, segment=seg), s=s)
        responses.append((seg, answers))
    for segment in (None, "citizen"):
        expected = direct_counts(s, responses, segment)
        # tallies (the default results page)
        total, counts = queries._counts(survey, queries.Filter(segment=segment))
        assert total == expected[(None, "n")]
        assert {k: v for k, v in counts.items() if v} == {k: v for k, v in expected.items() if v}
        # results objects: counts per option of every choice question
        res = queries.results(survey, queries.Filter(segment=segment), s=s)
        for qr in res.questions:
            q = qr.question
            assert qr.answered == expected[(q.pk, "a")]
            if q.kind in (Kind.SINGLE, Kind.MULTIPLE):
                assert [r.count for r in qr.rows] == [expected[(q.pk, f"o{o.pk}")] for o in s.options[q.pk]]
    # the Answer-table path (used with filters) gives the same counts as the tallies
    yes_no = next(q for q in s.ordered_questions() if q.kind == Kind.YES_NO)
    flt = queries.Filter(question=yes_no, key="v1")
    total, counts = queries._counts(survey, flt)
    chosen = [(seg, a) for seg, a in responses if a.get(str(yes_no.pk)) == {"n": 1}]
    expected = direct_counts(s, chosen, None)
    assert total == len(chosen)
    assert {k: v for k, v in counts.items() if v} == {
        k: v for k, v in expected.items() if v and k[0] is not None
    }
    # rebuilding tallies from answers changes nothing
    before = sorted(
        Tally.objects.filter(survey=survey).values_list("question_id", "segment", "key", "count"), key=str
    )
    services.rebuild_tallies(survey)
    after = sorted(
        Tally.objects.filter(survey=survey).values_list("question_id", "segment", "key", "count"), key=str
    )
    assert before == after
