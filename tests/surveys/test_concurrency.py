"""One invitation code, one account: 20 threads race to submit (PostgreSQL); exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from rathaus.surveys import services
from rathaus.surveys.models import Invitation, Participation, Response
from tests.conftest import make_user
from tests.surveys.conftest import build, full_answers

RACERS = 20


def _race(fn) -> list[str]:
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            fn()
            result = "ok"
        except services.SurveyError as err:
            result = f"refused:{err.code}"
        except Exception as exc:  # anything else would be a 500 in the view
            result = f"error:{type(exc).__name__}:{exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_one_code_many_threads_one_response(muni_a):
    if connection.vendor != "postgresql":
        pytest.skip("real parallel writers need PostgreSQL; SQLite serialises writers")
    survey = build(muni_a, access="invitation", anonymized=True)
    services.generate_invitations(survey, 1)
    invitation = Invitation.objects.get(survey=survey)
    answers = full_answers(survey)
    outcomes = _race(
        lambda: services.submit(survey, services.Submission(answers=answers, invitation_id=invitation.pk))
    )
    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "refused:code_used" for o in outcomes if o != "ok"), sorted(set(outcomes))
    assert Response.objects.filter(survey=survey).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_account_many_threads_one_response(muni_a):
    if connection.vendor != "postgresql":
        pytest.skip("real parallel writers need PostgreSQL; SQLite serialises writers")
    survey = build(muni_a, access="account", anonymized=True)
    user = make_user("schnell@example.org")
    answers = full_answers(survey)
    outcomes = _race(lambda: services.submit(survey, services.Submission(answers=answers, user=user)))
    assert outcomes.count("ok") == 1, outcomes
    assert all(o.startswith("refused:") for o in outcomes if o != "ok"), sorted(set(outcomes))
    assert Response.objects.filter(survey=survey).count() == 1
    assert Participation.objects.filter(survey=survey).count() == 1
