"""A survey page as a Django form (forms.TakeForm): per-kind validation, the error summary, bad input."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.http import QueryDict

from rathaus.surveys import structure
from rathaus.surveys.forms import TakeForm
from rathaus.surveys.models import Response
from tests.surveys.conftest import build, opt, q
from tests.surveys.test_taking_part import page1, page2, start

pytestmark = pytest.mark.django_db


def post_page(client, survey, number, data):
    return client.post(f"/umfragen/{survey.pk}/seite/{number}/", data)


def assert_error_shown(html: str, question, message: str) -> None:
    """The message is in the summary (linked to the question) and at the field (described by it)."""
    summary = re.search(
        r'<div class="kern-alert kern-alert--danger" role="alert" tabindex="-1" autofocus '
        r"data-error-summary>.*?</ul>",
        html,
        re.S,
    )
    assert summary, "no error summary"
    assert f'href="#q{question.pk}-group"' in summary.group(0) and message in summary.group(0)
    assert f'id="q{question.pk}-error"' in html
    assert re.search(rf'aria-describedby="[^"]*q{question.pk}-error"', html)


@pytest.mark.parametrize(
    ("page", "field", "value", "message"),
    [
        (1, "Verkehrsmittel", "", "Pflichtfrage"),  # single, required
        (1, "Verkehrsmittel", "abc", "angebotenen"),  # single, not a number
        (1, "Zwecke", ["999999"], "nur angebotene"),  # multiple, forged option id
        (1, "Deutschlandticket", "ja", "Ja"),  # yes/no
        (1, "Zufriedenheit", "0", "Skala"),  # scale
        (2, "Anmerkungen", "x" * (structure.MAX_TEXT_LONG + 1), "5000"),  # text_long, oversized
        (2, "Warum Bus?", "x" * (structure.MAX_TEXT_SHORT + 1), "300"),  # text_short, oversized
        (2, "Alter", "111", "höchstens 110"),  # number
        (2, "Alter", "1e3", "ganze Zahl"),
        (2, "Seit wann", "2020-13-01", "JJJJ-MM-TT"),  # date
        (2, "Häufigkeit", "9", "Skala"),  # matrix
        (2, "Prioritäten", "7", "gültigen Rang"),  # ranking
    ],
)
def test_each_kind_reports_its_error_in_the_summary(survey, client_a, page, field, value, message):
    start(client_a, survey)
    if page == 2:
        assert post_page(client_a, survey, 1, page1(survey)).status_code == 302
    data = page1(survey) if page == 1 else page2(survey)
    question = q(survey, field)
    if question.kind == "matrix":
        data[f"q{question.pk}_r{question.rows.first().pk}"] = value
    elif question.kind == "ranking":
        data[f"q{question.pk}_o{question.options.first().pk}"] = value
    else:
        data[f"q{question.pk}"] = value
    r = post_page(client_a, survey, page, data)
    assert r.status_code == 400
    html = r.content.decode()
    assert html.count("data-error-summary") == 1
    assert_error_shown(html, question, message)
    assert "<title>Fehler: " in html
    assert not Response.objects.exists()


def test_option_of_another_question_is_refused(survey, client_a):
    start(client_a, survey)
    data = page1(survey)
    data[f"q{q(survey, 'Verkehrsmittel').pk}"] = str(opt(survey, "Zwecke", "Arbeit"))
    r = post_page(client_a, survey, 1, data)
    assert r.status_code == 400 and "angebotenen" in r.content.decode()


def test_rows_and_options_of_other_questions_are_ignored(survey, muni_b, client_a):
    other = build(muni_b)
    start(client_a, survey)
    post_page(client_a, survey, 1, page1(survey))
    data = page2(survey)
    m, foreign = q(survey, "Häufigkeit"), q(other, "Häufigkeit")
    data[f"q{m.pk}_r{foreign.rows.first().pk}"] = "1"  # a row of another survey's matrix
    data[f"q{foreign.pk}_r{foreign.rows.first().pk}"] = "1"
    assert post_page(client_a, survey, 2, data).status_code == 302
    response = Response.objects.get(survey=survey)
    assert set(response.data[str(m.pk)]["m"]) == {str(r.pk) for r in m.rows.all()}
    assert str(foreign.pk) not in response.data


def test_double_submit_stores_one_response(survey, client_a):
    start(client_a, survey)
    post_page(client_a, survey, 1, page1(survey))
    first = post_page(client_a, survey, 2, page2(survey))
    again = post_page(client_a, survey, 2, page2(survey))
    assert first.status_code == 302 and again.status_code == 302
    assert Response.objects.filter(survey=survey).count() == 1


def test_page_renders_every_kind_through_the_form(survey, client_a):
    start(client_a, survey)
    html = client_a.get(f"/umfragen/{survey.pk}/seite/1/").content.decode()
    single = q(survey, "Verkehrsmittel")
    bus = opt(survey, "Verkehrsmittel", "Bus")
    assert f'name="q{single.pk}" value="{bus}" id="q{single.pk}_{bus}" class="kern-form-check__radio"' in html
    assert f'<label class="kern-label" for="q{single.pk}_other">' in html
    assert "mindestens 1, höchstens 2 Antworten" in html
    assert "data-error-summary" not in html
    post_page(client_a, survey, 1, page1(survey))
    html = client_a.get(f"/umfragen/{survey.pk}/seite/2/").content.decode()
    m, r = q(survey, "Häufigkeit"), q(survey, "Prioritäten")
    row = m.rows.first()
    assert f'name="q{m.pk}_r{row.pk}" value="1" id="q{m.pk}_r{row.pk}_1"' in html
    assert f'<select class="kern-form-input__select" name="q{r.pk}_o{r.options.first().pk}"' in html
    assert f'type="date" name="q{q(survey, "Seit wann").pk}"' in html


def test_stored_answers_fill_the_form_again(survey):
    s = structure.load(survey)
    questions = structure.visible_questions(s, s.pages[0], {})
    bus = opt(survey, "Verkehrsmittel", "Bus")
    post = QueryDict(mutable=True)
    for key, value in page1(survey).items():
        post.setlist(key, value if isinstance(value, list) else [value])
    form = TakeForm(s, questions, {}, data=post)
    assert form.is_valid(), form.errors
    answers = {str(pk): v for pk, v in form.values.items() if v is not None}
    assert answers[str(q(survey, "Verkehrsmittel").pk)] == {"o": bus}
    again = TakeForm(s, questions, answers)
    html = "".join(str(f.as_field_group()) for f in again.question_fields())
    assert f'value="{bus}" id="q{q(survey, "Verkehrsmittel").pk}_{bus}" checked' in html
    assert 'value="5" id="q' in html


def test_english_page_and_errors(survey, client_a):
    client_a.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    start(client_a, survey)
    data = page1(survey)
    data[f"q{q(survey, 'Verkehrsmittel').pk}"] = ""
    html = post_page(client_a, survey, 1, data).content.decode()
    assert "Please correct the following" in html
    assert "Bitte korrigieren" not in html
