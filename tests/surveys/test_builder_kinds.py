"""Issue 14: the question builder shows only the settings of the chosen kind (two steps, no JavaScript)."""

from __future__ import annotations

import re

import pytest

from rathaus.surveys.forms import KIND_FIELDS, KIND_SPECIFIC_FIELDS
from rathaus.surveys.models import Kind, Page, Question
from tests.conftest import HOST_A, client_for
from tests.surveys.conftest import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(manager_a):
    return client_for(HOST_A, manager_a)


def _names(html: str) -> set[str]:
    form = html.split('<form method="post" novalidate>')[1].split("</form>")[0]
    return set(re.findall(r'name="([a-z_]+)"', form)) - {"csrfmiddlewaretoken"}


def test_step_one_asks_for_the_kind_only(staff, muni_a):
    page = Page.objects.filter(survey=build(muni_a)).first()
    html = staff.get(f"/umfragen/verwaltung/seite/{page.pk}/frage/neu/").content.decode()
    assert '<form method="get" novalidate>' in html and '<form method="post" novalidate>' not in html
    assert html.count('type="radio" name="art"') == len(Kind.choices)
    assert 'class="kern-form-check__radio"' in html
    assert "options_text" not in html and "scale_min" not in html


@pytest.mark.parametrize("kind", [k.value for k in Kind])
def test_step_two_shows_only_the_settings_of_the_kind(staff, muni_a, kind):
    page = Page.objects.filter(survey=build(muni_a)).first()
    html = staff.get(f"/umfragen/verwaltung/seite/{page.pk}/frage/neu/", {"art": kind}).content.decode()
    names = _names(html)
    assert names & KIND_SPECIFIC_FIELDS == set(KIND_FIELDS.get(kind, ()))
    assert {"kind", "text", "text_en", "required"} <= names
    assert f'name="kind" value="{kind}"' in html  # hidden: the kind was chosen in step 1


def test_matrix_question_is_created_in_two_steps(staff, muni_a):
    page = Page.objects.filter(survey=build(muni_a)).first()
    url = f"/umfragen/verwaltung/seite/{page.pk}/frage/neu/?art=matrix"
    r = staff.post(
        url, {"kind": "matrix", "text": "Wie oft?", "rows_text": "Bus\nRad", "scale_min": 1, "scale_max": 4}
    )
    assert r.status_code == 302
    q = Question.objects.get(text="Wie oft?")
    assert (q.kind, q.scale_max, [r.label for r in q.rows.all()]) == ("matrix", 4, ["Bus", "Rad"])


def test_post_without_a_kind_stores_nothing(staff, muni_a):
    page = Page.objects.filter(survey=build(muni_a)).first()
    before = Question.objects.count()
    url = f"/umfragen/verwaltung/seite/{page.pk}/frage/neu/"
    r = staff.post(url, {"text": "Ohne Art", "kind": "unbekannt"})
    assert r.status_code == 200 and Question.objects.count() == before


def test_edit_shows_the_questions_kind_and_can_switch(staff, muni_a):
    survey = build(muni_a)
    question = Question.objects.get(survey=survey, kind=Kind.NUMBER)
    html = staff.get(f"/umfragen/verwaltung/frage/{question.pk}/").content.decode()
    assert _names(html) & KIND_SPECIFIC_FIELDS == {"min_value", "max_value"}
    switched = staff.get(f"/umfragen/verwaltung/frage/{question.pk}/", {"art": "scale"}).content.decode()
    assert _names(switched) & KIND_SPECIFIC_FIELDS == set(KIND_FIELDS[Kind.SCALE])
