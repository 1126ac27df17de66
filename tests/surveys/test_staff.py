"""Builder, locking, copy/template, preview, invitations, results, moderation, exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from rathaus.core import figures
from rathaus.surveys import queries, services, structure
from rathaus.surveys.demo import generate_responses
from rathaus.surveys.models import Answer, Condition, Kind, Option, Page, Question, Response, Survey
from rathaus.surveys.templates_data import DIGITAL, MOBILITY
from tests.conftest import HOST_A, client_for
from tests.exports import csv_rows, csv_text
from tests.surveys.conftest import build, full_answers, q

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(manager_a):
    return client_for(HOST_A, manager_a)


def test_citizen_has_no_access_to_builder(citizen, survey):
    c = client_for(HOST_A, citizen)
    assert c.get("/umfragen/verwaltung/").status_code == 403
    assert c.get(f"/umfragen/verwaltung/{survey.pk}/ergebnisse/").status_code == 403
    assert c.get(f"/umfragen/verwaltung/{survey.pk}/antworten.csv").status_code == 403


def test_build_survey_with_plain_forms(staff, muni_a):
    r = staff.post("/umfragen/verwaltung/", {"title": "Radverkehr", "access": "public"})
    survey = Survey.objects.get(title="Radverkehr")
    assert r["Location"] == f"/umfragen/verwaltung/{survey.pk}/"
    staff.post(f"/umfragen/verwaltung/{survey.pk}/seiten/neu/", {"title": "Erste Seite"})
    staff.post(f"/umfragen/verwaltung/{survey.pk}/seiten/neu/", {"title": "Zweite Seite"})
    p1, p2 = Page.objects.filter(survey=survey)
    r = staff.post(
        f"/umfragen/verwaltung/seite/{p1.pk}/frage/neu/",
        {
            "kind": "single",
            "text": "Fahren Sie Rad?",
            "options_text": "ja\nnein",
            "scale_min": 1,
            "scale_max": 5,
            "required": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    r = staff.post(
        f"/umfragen/verwaltung/seite/{p2.pk}/frage/neu/",
        {
            "kind": "matrix",
            "text": "Wie sicher?",
            "rows_text": "Innenstadt\nAußenbezirke",
            "scale_min": 1,
            "scale_max": 4,
        },
    )
    assert r.status_code == 302
    # A choice question without options is refused with a message, nothing stored.
    r = staff.post(
        f"/umfragen/verwaltung/seite/{p2.pk}/frage/neu/",
        {"kind": "multiple", "text": "Leer", "scale_min": 1, "scale_max": 5},
    )
    assert r.status_code == 200 and "mindestens zwei" in r.content.decode()
    assert not Question.objects.filter(text="Leer").exists()
    src = Question.objects.get(text="Fahren Sie Rad?")
    target = Question.objects.get(text="Wie sicher?")
    r = staff.post(
        f"/umfragen/verwaltung/frage/{target.pk}/bedingung/",
        {"source": src.pk, "operator": "equals", "option": src.options.get(label="ja").pk},
    )
    assert Condition.objects.filter(target_question=target, source=src).count() == 1
    # A condition on a question of the same page is refused (evaluated page by page).
    r = staff.post(
        f"/umfragen/verwaltung/frage/{src.pk}/bedingung/",
        {"source": src.pk, "operator": "answered"},
        follow=True,
    )
    assert Condition.objects.count() == 1
    for url in (
        "/umfragen/verwaltung/",
        f"/umfragen/verwaltung/{survey.pk}/",
        f"/umfragen/verwaltung/seite/{p1.pk}/",
        f"/umfragen/verwaltung/frage/{target.pk}/",
        f"/umfragen/verwaltung/seite/{p1.pk}/frage/neu/",
    ):
        assert staff.get(url).status_code == 200, url


def test_locking_refuses_structural_edits_but_allows_text_fixes(survey):
    services.submit(survey, services.Submission(answers=full_answers(survey)))
    assert services.is_locked(survey)
    single = q(survey, "Verkehrsmittel")
    page = single.page
    with pytest.raises(services.SurveyLocked):
        services.add_question(page, {"kind": Kind.TEXT_SHORT, "text": "Neu"})
    with pytest.raises(services.SurveyLocked):
        services.delete_question(single)
    with pytest.raises(services.SurveyLocked):
        services.add_page(survey, "Neu")
    with pytest.raises(services.SurveyLocked):
        services.update_question(single, {"kind": Kind.MULTIPLE})
    with pytest.raises(services.SurveyLocked):
        services.update_question(single, {}, options=["Bus", "Rad"])  # one option fewer
    with pytest.raises(services.SurveyLocked):
        services.update_survey(survey, {"anonymized": True})
    with pytest.raises(services.SurveyLocked):
        services.delete_condition(Condition.objects.get(survey=survey))
    services.update_question(
        single, {"text": "Hauptverkehrsmittel", "help_text": "eins"}, options=["Bus (PVG)", "Rad", "Auto"]
    )
    single.refresh_from_db()
    assert single.text == "Hauptverkehrsmittel"
    assert list(single.options.filter(is_other=False).values_list("label", flat=True)) == [
        "Bus (PVG)",
        "Rad",
        "Auto",
    ]


def test_locking_message_in_the_builder(survey, staff):
    services.submit(survey, services.Submission(answers=full_answers(survey)))
    page = Page.objects.filter(survey=survey).first()
    r = staff.post(f"/umfragen/verwaltung/seite/{page.pk}/loeschen/", follow=True)
    assert "bereits Antworten" in r.content.decode()
    assert Page.objects.filter(pk=page.pk).exists()
    qq = q(survey, "Verkehrsmittel")
    r = staff.post(
        f"/umfragen/verwaltung/frage/{qq.pk}/",
        {"kind": "multiple", "text": "x", "options_text": "a\nb\nc", "scale_min": 1, "scale_max": 5},
    )
    assert r.status_code == 200 and "bereits Antworten" in r.content.decode()


def test_copy_and_templates(staff, survey, muni_a):
    services.submit(survey, services.Submission(answers=full_answers(survey)))
    r = staff.post(f"/umfragen/verwaltung/{survey.pk}/kopieren/")
    copy = Survey.objects.exclude(pk=survey.pk).get()
    assert r["Location"] == f"/umfragen/verwaltung/{copy.pk}/"
    assert copy.questions.count() == survey.questions.count()
    assert (
        Option.objects.filter(question__survey=copy).count()
        == Option.objects.filter(question__survey=survey).count()
    )
    cond = Condition.objects.get(survey=copy)
    assert cond.source.survey_id == copy.pk and cond.option.question.survey_id == copy.pk
    assert not services.is_locked(copy) and not copy.is_published
    for key, spec in (("mobilitaet", MOBILITY), ("digitalisierung", DIGITAL)):
        r = staff.post("/umfragen/verwaltung/vorlage/", {"template": f"builtin:{key}"})
        assert r.status_code == 302
        made = Survey.objects.filter(title=spec["title"]).get()
        assert made.questions.count() == sum(len(p["questions"]) for p in spec["pages"])


def test_preview_stores_nothing(staff, survey):
    r = staff.post(f"/umfragen/verwaltung/{survey.pk}/vorschau/")
    assert r["Location"].endswith("/vorschau/1/")
    html = staff.get(r["Location"]).content.decode()
    assert "Vorschau" in html
    from tests.surveys.test_taking_part import page1, page2

    staff.post(f"/umfragen/verwaltung/{survey.pk}/vorschau/1/", page1(survey))
    r = staff.post(f"/umfragen/verwaltung/{survey.pk}/vorschau/2/", page2(survey))
    assert r["Location"] == f"/umfragen/verwaltung/{survey.pk}/"
    assert not Response.objects.exists()


def test_invitation_page_shows_codes_once(staff, muni_a):
    survey = build(muni_a, access="invitation")
    r = staff.post(f"/umfragen/verwaltung/{survey.pk}/codes/", {"count": "5", "emails": ""})
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    html = r.content.decode()
    assert html.count("<code>") == 5
    code = html.split("<code>")[1].split("</code>")[0]
    assert services.find_invitation(survey, code) is not None
    again = staff.get(f"/umfragen/verwaltung/{survey.pk}/codes/").content.decode()
    assert code not in again and "5 Codes erzeugt" in again
    r = staff.post(f"/umfragen/verwaltung/{survey.pk}/codes/", {"count": "1", "emails": "kein-mail"})
    assert "Ungültige E-Mail-Adresse" in r.content.decode()


def test_results_page_constant_queries(staff, survey, django_assert_max_num_queries):
    generate_responses(survey, 5, seed=1)
    url = f"/umfragen/verwaltung/{survey.pk}/ergebnisse/"
    with django_assert_max_num_queries(40) as small:
        staff.get(url)
    generate_responses(survey, 120, seed=2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = staff.get(url)
    html = r.content.decode()
    assert "125 Antworten" in html
    assert "<svg" in html and "<table" in html
    by = q(survey, "Verkehrsmittel")
    where = f"{q(survey, 'Deutschlandticket').pk}:v1"
    with django_assert_max_num_queries(len(small.captured_queries) + 4):
        r = staff.get(url, {"segment": "citizen", "wenn": where, "nach": by.pk})
    assert "Kreuztabelle" in r.content.decode()


def test_filter_and_crosstab_counts(survey):
    generate_responses(survey, 80, seed=3)
    s = structure.load(survey)
    ticket = q(survey, "Deutschlandticket")
    single = q(survey, "Verkehrsmittel")
    res = queries.results(
        survey, queries.Filter(segment="citizen", question=ticket, key="v1", by=single), s=s
    )
    responses = [
        r
        for r in Response.objects.filter(survey=survey)
        if r.segment == "citizen" and r.data.get(str(ticket.pk)) == {"n": 1}
    ]
    assert res.total == len(responses)
    sat = next(x for x in res.questions if x.question.text == "Zufriedenheit")
    expect = sum(1 for r in responses if r.data.get(str(sat.question.pk)) == {"n": 4})
    assert next(row.count for row in sat.rows if row.label == "4") == expect
    # cross tab: Zufriedenheit 4 × Verkehrsmittel Bus
    bus = single.options.get(label="Bus").pk
    col = [key for key, _l in queries.categories(s, single)].index(f"o{bus}")
    line = next(cells for label, cells in sat.cross.lines if label == "4")
    expect = sum(
        1
        for r in responses
        if r.data.get(str(sat.question.pk)) == {"n": 4} and r.data.get(str(single.pk), {}).get("o") == bus
    )
    assert line[col][0] == expect


def test_public_results_only_after_close_and_hidden_texts(survey, client_a, staff):
    from datetime import timedelta

    from django.utils import timezone

    services.submit(survey, services.Submission(answers=full_answers(survey)))
    assert client_a.get(f"/umfragen/{survey.pk}/ergebnisse/").status_code == 404
    survey.opens_at = timezone.now() - timedelta(days=3)
    survey.closes_at = timezone.now() - timedelta(days=1)
    survey.save()
    assert "Mehr Bänke" in client_a.get(f"/umfragen/{survey.pk}/ergebnisse/").content.decode()
    answer = Answer.objects.get(text="Mehr Bänke")
    r = staff.post(
        f"/umfragen/verwaltung/antwort/{answer.pk}/sichtbarkeit/",
        {"hidden": "1", "next": f"/umfragen/verwaltung/{survey.pk}/ergebnisse/"},
    )
    assert r.status_code == 302
    assert "Mehr Bänke" not in client_a.get(f"/umfragen/{survey.pk}/ergebnisse/").content.decode()
    assert "ausgeblendet" in staff.get(f"/umfragen/verwaltung/{survey.pk}/ergebnisse/").content.decode()
    assert "Mehr Bänke" not in csv_text(client_a.get("/umfragen/ergebnisse.csv"))
    assert "Verkehrsmittel" in csv_text(client_a.get("/umfragen/ergebnisse.csv"))
    survey.publish_results = False
    survey.save()
    assert client_a.get(f"/umfragen/{survey.pk}/ergebnisse/").status_code == 404


def _csv(response):
    return csv_rows(response)


def test_exports_parse_back(staff, survey):
    answers = full_answers(survey)
    services.submit(survey, services.Submission(answers=answers, segment="business"))
    generate_responses(survey, 20, seed=4)
    r = staff.get(f"/umfragen/verwaltung/{survey.pk}/antworten.csv")
    assert r.streaming
    rows = _csv(r)
    head, first = rows[0], rows[1]
    assert len(rows) == 22
    cell = dict(zip(head, first, strict=True))
    assert cell["segment"] == "business"
    assert cell["F1"] == "1"  # Bus = code 1
    assert cell["F2_1"] == "1" and cell["F2_2"] == "0"
    assert cell["F3"] == "1" and cell["F4"] == "4"
    assert cell["F5"] == "Weil er pünktlich ist"
    assert cell["F9_1"] == "3" and cell["F9_2"] == "1"
    assert cell["F10_1"] == "3" and cell["F10_3"] == "1"  # reversed ranking
    book = _csv(staff.get(f"/umfragen/verwaltung/{survey.pk}/codebuch.csv"))
    assert ["F1", "Verkehrsmittel", "single", "1", "Bus"] in book
    r = staff.get(f"/umfragen/verwaltung/{survey.pk}/antworten.xlsx")
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)
    sheet = list(wb[wb.sheetnames[0]].iter_rows(values_only=True))
    assert list(sheet[0]) == head and len(sheet) == 22
    assert sheet[1][head.index("F7")] == 42
    assert wb.sheetnames[1] == "Codebuch"


def test_figures_registered(survey, muni_a):
    services.submit(survey, services.Submission(answers=full_answers(survey)))
    assert figures.indicator("surveys.count").compute(muni_a) == 1
    assert figures.indicator("surveys.responses_12m").compute(muni_a) == 1
    src = figures.dataset_source("surveys.results")
    assert src is not None and src.distributions[0].url_name == "surveys:open_data_csv"


def test_dsgvo_export_and_erase(muni_a):
    from tests.conftest import make_user

    survey = build(muni_a, access="account")
    user = make_user("dsgvo@example.org")
    services.submit(survey, services.Submission(answers=full_answers(survey), user=user))
    name, rows = services.export_responses(user)
    assert name == "surveys_responses" and len(rows) == 1
    services.erase_responses(user)
    assert Response.objects.get(survey=survey).user_id is None


def test_public_list_query_count(client_a, muni_a, django_assert_max_num_queries):
    for i in range(5):
        build(muni_a, title=f"Umfrage {i}")
    with django_assert_max_num_queries(12):
        r = client_a.get("/umfragen/")
    assert "Umfrage 4" in r.content.decode()


def test_demo_is_idempotent(muni_a):
    from rathaus.surveys import demo

    demo.survey_templates(None)
    demo.mobility_survey(None)
    counts = (Survey.objects.count(), Response.objects.count(), Answer.objects.count())
    demo.survey_templates(None)
    demo.mobility_survey(None)
    assert (Survey.objects.count(), Response.objects.count(), Answer.objects.count()) == counts
    assert counts[1] == demo.DEMO_RESPONSES
    survey = Survey.objects.get(title=MOBILITY["title"], is_template=False)
    assert survey.status == "open"


def test_home_page_links_the_survey_list(client_a):
    assert 'href="/umfragen/"' in client_a.get("/").content.decode()


def test_exports_neutralise_formulas_in_free_texts(staff, survey):
    # issue 14.1: free-text answers are typed by anyone who takes the survey
    answers = full_answers(survey)
    key = next(k for k, v in answers.items() if v == {"t": "Weil er pünktlich ist"})
    answers[key] = {"t": '=HYPERLINK("http://x")'}
    services.submit(survey, services.Submission(answers=answers, segment="business"))
    rows = _csv(staff.get(f"/umfragen/verwaltung/{survey.pk}/antworten.csv"))
    cell = dict(zip(rows[0], rows[1], strict=True))
    assert cell["F5"] == '\'=HYPERLINK("http://x")'
    r = staff.get(f"/umfragen/verwaltung/{survey.pk}/antworten.xlsx")
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    ws = wb[wb.sheetnames[0]]
    f5 = ws.cell(row=2, column=rows[0].index("F5") + 1)
    assert f5.data_type == "s" and f5.value == '\'=HYPERLINK("http://x")'
