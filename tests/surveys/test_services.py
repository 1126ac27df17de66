from __future__ import annotations

from rathaus.surveys import queries, services
from rathaus.surveys.models import Answer, Tally
from tests.surveys.conftest import full_answers


def test_submit_stores_response_answers_and_tallies(survey):
    answers = full_answers(survey)
    response = services.submit(survey, services.Submission(answers=answers, segment="citizen"))
    assert response.data == answers
    assert response.segment == "citizen"
    # one row per option (multiple), per matrix row, per ranked option
    assert Answer.objects.filter(response=response).count() == 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 2 + 3
    assert Tally.objects.get(survey=survey, question=None, key="n").count == 1
    res = queries.results(survey)
    assert res.total == 1
    first = res.questions[0]
    assert [(r.label, r.count) for r in first.rows][:3] == [("Bus", 1), ("Rad", 0), ("Auto", 0)]


def test_results_from_tallies_equal_results_from_answers(survey):
    services.submit(survey, services.Submission(answers=full_answers(survey), segment="citizen"))
    a = queries.results(survey)
    services.rebuild_tallies(survey)
    b = queries.results(survey)
    assert [(r.question.pk, [(x.label, x.count) for x in r.rows], r.answered) for r in a.questions] == [
        (r.question.pk, [(x.label, x.count) for x in r.rows], r.answered) for r in b.questions
    ]
