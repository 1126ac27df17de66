"""Taking part through the pages: each question type, conditions, access modes, anonymized mode."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from rathaus.core.audit.models import AuditEvent
from rathaus.surveys import services
from rathaus.surveys.models import Answer, Draft, Invitation, Participation, Response
from tests.conftest import HOST_A, HOST_B, client_for, make_user
from tests.surveys.conftest import build, opt, q

pytestmark = pytest.mark.django_db


def page1(survey, single="Bus"):
    data = {
        f"q{q(survey, 'Verkehrsmittel').pk}": str(opt(survey, "Verkehrsmittel", single)),
        f"q{q(survey, 'Zwecke').pk}": [
            str(opt(survey, "Zwecke", "Arbeit")),
            str(opt(survey, "Zwecke", "Freizeit")),
        ],
        f"q{q(survey, 'Deutschlandticket').pk}": "0",
        f"q{q(survey, 'Zufriedenheit').pk}": "5",
    }
    return data


def page2(survey, with_bus=True):
    m = q(survey, "Häufigkeit")
    rows = list(m.rows.all())
    r = q(survey, "Prioritäten")
    opts = list(r.options.all())
    data = {
        f"q{q(survey, 'Anmerkungen').pk}": "Mehr Bänke am Markt",
        f"q{q(survey, 'Alter').pk}": "37",
        f"q{q(survey, 'Seit wann').pk}": "2019-03-01",
        f"q{m.pk}_r{rows[0].pk}": "3",
        f"q{m.pk}_r{rows[1].pk}": "2",
        f"q{r.pk}_o{opts[0].pk}": "2",
        f"q{r.pk}_o{opts[1].pk}": "1",
        f"q{r.pk}_o{opts[2].pk}": "3",
    }
    if with_bus:
        data[f"q{q(survey, 'Warum Bus?').pk}"] = "Pünktlich"
    return data


def start(c, survey, **extra):
    r = c.post(f"/umfragen/{survey.pk}/", {"segment": "citizen", **extra})
    assert r.status_code == 302, r.content.decode()[:2000]
    return r


def test_public_list_and_detail(survey, client_a):
    r = client_a.get("/umfragen/")
    assert survey.title in r.content.decode()
    r = client_a.get(f"/umfragen/{survey.pk}/")
    assert r.status_code == 200
    assert "keine Garantie" in r.content.decode()  # honest about one-response-per-browser


def test_full_flow_with_every_type_and_condition(survey, client_a):
    start(client_a, survey)
    r = client_a.get(f"/umfragen/{survey.pk}/seite/1/")
    html = r.content.decode()
    assert "<fieldset" in html and "<legend" in html and "Seite 1 von 2" in html
    r = client_a.post(f"/umfragen/{survey.pk}/seite/1/", page1(survey))
    assert r.status_code == 302 and r["Location"].endswith("/seite/2/")
    html = client_a.get(f"/umfragen/{survey.pk}/seite/2/").content.decode()
    assert "Warum Bus?" in html  # condition holds
    assert 'scope="row"' in html  # matrix as table with row headers
    r = client_a.post(f"/umfragen/{survey.pk}/seite/2/", page2(survey))
    assert r.status_code == 302 and r["Location"].endswith("/danke/")
    response = Response.objects.get(survey=survey)
    assert response.segment == "citizen"
    data = response.data
    assert data[str(q(survey, "Warum Bus?").pk)] == {"t": "Pünktlich"}
    assert data[str(q(survey, "Zwecke").pk)]["o"] == [
        opt(survey, "Zwecke", "Arbeit"),
        opt(survey, "Zwecke", "Freizeit"),
    ]
    assert data[str(q(survey, "Deutschlandticket").pk)] == {"n": 0}
    assert data[str(q(survey, "Alter").pk)] == {"n": 37}
    assert data[str(q(survey, "Seit wann").pk)] == {"d": "2019-03-01"}
    ranking = q(survey, "Prioritäten")
    opts = list(ranking.options.all())
    assert data[str(ranking.pk)] == {"r": [opts[1].pk, opts[0].pk, opts[2].pk]}
    # One browser, one response: the signed cookie refuses a second start.
    r = client_a.get(f"/umfragen/{survey.pk}/")
    assert "bereits teilgenommen" in r.content.decode()


def test_condition_hides_question_and_its_answer_is_dropped(survey, client_a):
    start(client_a, survey)
    client_a.post(f"/umfragen/{survey.pk}/seite/1/", page1(survey, single="Rad"))
    html = client_a.get(f"/umfragen/{survey.pk}/seite/2/").content.decode()
    assert "Warum Bus?" not in html
    # A forged answer to the hidden question is ignored.
    client_a.post(f"/umfragen/{survey.pk}/seite/2/", page2(survey, with_bus=True))
    response = Response.objects.get(survey=survey)
    assert str(q(survey, "Warum Bus?").pk) not in response.data
    assert not Answer.objects.filter(question=q(survey, "Warum Bus?")).exists()


def test_answers_kept_when_page_fails_validation(survey, client_a):
    start(client_a, survey)
    data = page1(survey)
    data[f"q{q(survey, 'Zwecke').pk}"] = [str(o.pk) for o in q(survey, "Zwecke").options.all()]  # 3 > max 2
    r = client_a.post(f"/umfragen/{survey.pk}/seite/1/", data)
    assert r.status_code == 400
    html = r.content.decode()
    assert "höchstens 2" in html
    bus = opt(survey, "Verkehrsmittel", "Bus")
    assert f'value="{bus}" id="q{q(survey, "Verkehrsmittel").pk}_{bus}" checked' in html
    assert 'value="5" id="q' in html and "checked" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("Verkehrsmittel", "", "Pflichtfrage"),
        ("Verkehrsmittel", "999999", "angebotenen"),
        ("Zufriedenheit", "9", "Skala"),
        ("Deutschlandticket", "2", "Ja"),
    ],
)
def test_page_one_validation(survey, client_a, field, value, message):
    start(client_a, survey)
    data = page1(survey)
    data[f"q{q(survey, field).pk}"] = value
    r = client_a.post(f"/umfragen/{survey.pk}/seite/1/", data)
    assert r.status_code == 400 and message in r.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("Alter", "5", "mindestens 14"),
        ("Alter", "abc", "ganze Zahl"),
        ("Seit wann", "31.02.2020", "JJJJ-MM-TT"),
        ("Prioritäten", "dup", "nur einmal"),
    ],
)
def test_page_two_validation(survey, client_a, field, value, message):
    start(client_a, survey)
    client_a.post(f"/umfragen/{survey.pk}/seite/1/", page1(survey))
    data = page2(survey)
    if value == "dup":
        r_q = q(survey, "Prioritäten")
        for o in r_q.options.all():
            data[f"q{r_q.pk}_o{o.pk}"] = "1"
    else:
        data[f"q{q(survey, field).pk}"] = value
    r = client_a.post(f"/umfragen/{survey.pk}/seite/2/", data)
    assert r.status_code == 400 and message in r.content.decode()
    assert not Response.objects.exists()


def test_other_option_needs_text(survey, client_a):
    start(client_a, survey)
    data = page1(survey)
    other = q(survey, "Verkehrsmittel").options.get(is_other=True)
    data[f"q{q(survey, 'Verkehrsmittel').pk}"] = str(other.pk)
    r = client_a.post(f"/umfragen/{survey.pk}/seite/1/", data)
    assert r.status_code == 400 and "Sonstiges" in r.content.decode()
    data[f"q{q(survey, 'Verkehrsmittel').pk}_other"] = "Tretroller"
    assert client_a.post(f"/umfragen/{survey.pk}/seite/1/", data).status_code == 302


def test_closed_and_scheduled_surveys_refuse(survey, client_a):
    survey.closes_at = timezone.now() - timedelta(minutes=1)
    survey.opens_at = timezone.now() - timedelta(days=2)
    survey.save()
    r = client_a.post(f"/umfragen/{survey.pk}/", {"segment": ""})
    assert r.status_code == 200 and "beendet" in r.content.decode()
    with pytest.raises(services.SurveyError):
        services.submit(survey, services.Submission(answers={}))
    survey.opens_at = timezone.now() + timedelta(days=1)
    survey.closes_at = timezone.now() + timedelta(days=2)
    survey.save()
    assert "beginnt erst" in client_a.get(f"/umfragen/{survey.pk}/").content.decode()


def test_drafts_and_templates_are_not_public(muni_a, client_a):
    draft = build(muni_a, is_published=False)
    assert client_a.get(f"/umfragen/{draft.pk}/").status_code == 404


def test_forged_ids_of_other_municipality_and_other_survey(survey, muni_b, client_a):
    other = build(muni_b)
    assert client_for(HOST_A).get(f"/umfragen/{other.pk}/").status_code == 404
    # A question id of another survey posted to this survey's page is ignored.
    start(client_a, survey)
    data = page1(survey)
    foreign_q = q(other, "Verkehrsmittel")
    data[f"q{foreign_q.pk}"] = str(foreign_q.options.first().pk)
    data[f"q{q(survey, 'Verkehrsmittel').pk}"] = str(foreign_q.options.first().pk)  # option of another survey
    r = client_a.post(f"/umfragen/{survey.pk}/seite/1/", data)
    assert r.status_code == 400
    # The service refuses forged answers too.
    with pytest.raises(services.SurveyError):
        services.submit(
            survey, services.Submission(answers={str(foreign_q.pk): {"o": foreign_q.options.first().pk}})
        )
    assert client_for(HOST_B).get(f"/umfragen/{survey.pk}/").status_code == 404


def test_account_mode_one_response_per_account(muni_a):
    survey = build(muni_a, access="account")
    user = make_user("teilnehmer@example.org")
    anon = client_for(HOST_A)
    r = anon.post(f"/umfragen/{survey.pk}/", {"segment": ""})
    assert (r.status_code == 302 and "/konto/" in r["Location"]) or "login" in r["Location"]
    c = client_for(HOST_A, user)
    start(c, survey)
    c.post(f"/umfragen/{survey.pk}/seite/1/", page1(survey))
    c.post(f"/umfragen/{survey.pk}/seite/2/", page2(survey))
    assert Response.objects.filter(survey=survey, user=user).count() == 1
    assert Participation.objects.filter(survey=survey, user=user).count() == 1
    assert "bereits teilgenommen" in c.get(f"/umfragen/{survey.pk}/").content.decode()
    with pytest.raises(services.SurveyError):
        services.submit(survey, services.Submission(answers={}, user=user))
    assert Response.objects.filter(survey=survey).count() == 1


def test_account_mode_unverified_cannot_submit(muni_a):
    from allauth.account.models import EmailAddress

    survey = build(muni_a, access="account")
    user = make_user("unbestaetigt@example.org")
    EmailAddress.objects.filter(user=user).update(verified=False)
    c = client_for(HOST_A, user)
    assert "bestätigen Sie zuerst" in c.get(f"/umfragen/{survey.pk}/").content.decode()
    with pytest.raises(services.SurveyError):
        services.submit(survey, services.Submission(answers={}, user=user))


def test_resume_later_for_account_holders(survey):
    user = make_user("spaeter@example.org")
    c = client_for(HOST_A, user)
    start(c, survey)
    r = c.post(f"/umfragen/{survey.pk}/seite/1/", {**page1(survey), "aktion": "speichern"})
    assert r.status_code == 302
    assert Draft.objects.filter(survey=survey, user=user).exists()
    # A new session (other device) resumes from the saved draft.
    c2 = client_for(HOST_A, user)
    assert "Weiter ausfüllen" in c2.get(f"/umfragen/{survey.pk}/").content.decode()
    start(c2, survey)
    html = c2.get(f"/umfragen/{survey.pk}/seite/1/").content.decode()
    assert "checked" in html
    c2.post(f"/umfragen/{survey.pk}/seite/1/", page1(survey))
    c2.post(f"/umfragen/{survey.pk}/seite/2/", page2(survey))
    assert Response.objects.filter(survey=survey).count() == 1
    assert not Draft.objects.filter(survey=survey, user=user).exists()


def test_invitation_codes_are_hashed_and_used_once(muni_a):
    survey = build(muni_a, access="invitation")
    codes = services.generate_invitations(survey, 3)
    assert len(codes) == 3
    stored = list(Invitation.objects.filter(survey=survey).values_list("code_hash", flat=True))
    assert all(code not in h for code in codes for h in stored)
    assert all(len(h) == 64 for h in stored)
    c = client_for(HOST_A)
    r = c.post(f"/umfragen/{survey.pk}/", {"code": "FALSCH-CODE1", "segment": ""})
    assert r.status_code == 200 and "ungültig" in r.content.decode()
    start(c, survey, code=services.format_code(codes[0]).lower())  # case and dash do not matter
    c.post(f"/umfragen/{survey.pk}/seite/1/", page1(survey))
    r = c.post(f"/umfragen/{survey.pk}/seite/2/", page2(survey))
    assert r["Location"].endswith("/danke/")
    assert Invitation.objects.filter(survey=survey, used=True).count() == 1
    # Reuse of the same code: refused at the start and at submission.
    c2 = client_for(HOST_A)
    r = c2.post(f"/umfragen/{survey.pk}/", {"code": codes[0], "segment": ""})
    assert "ungültig oder wurde bereits verwendet" in r.content.decode()
    used = Invitation.objects.get(survey=survey, used=True)
    with pytest.raises(services.SurveyError) as err:
        services.submit(survey, services.Submission(answers={}, invitation_id=used.pk))
    assert err.value.code in ("code_used", "invalid")
    assert Response.objects.filter(survey=survey).count() == 1


def test_invitation_code_of_another_survey_is_refused(muni_a):
    survey = build(muni_a, access="invitation")
    other = build(muni_a, access="invitation")
    code = services.generate_invitations(other, 1)[0]
    r = client_for(HOST_A).post(f"/umfragen/{survey.pk}/", {"code": code, "segment": ""})
    assert "ungültig" in r.content.decode()
    inv = Invitation.objects.get(survey=other)
    with pytest.raises(services.SurveyError):
        services.submit(survey, services.Submission(answers={}, invitation_id=inv.pk))


def test_invitation_mails(muni_a, mailoutbox, django_capture_on_commit_callbacks):
    survey = build(muni_a, access="invitation")
    with django_capture_on_commit_callbacks(execute=True):
        codes = services.generate_invitations(survey, 0, emails=["a@example.org", "b@example.org"])
    assert codes == []
    assert len(mailoutbox) == 2
    assert "Einladungscode" in mailoutbox[0].body
    assert Invitation.objects.filter(survey=survey).count() == 2


def test_anonymized_mode_stores_nothing_that_links_a_person(muni_a):
    survey = build(muni_a, access="invitation", anonymized=True)
    code = services.generate_invitations(survey, 1)[0]
    user = make_user("anonym@example.org")
    c = client_for(HOST_A, user)
    html = c.get(f"/umfragen/{survey.pk}/").content.decode()
    assert "anonymisiert" in html
    start(c, survey, code=code)
    assert "anonymisiert" in c.get(f"/umfragen/{survey.pk}/seite/1/").content.decode()
    c.post(f"/umfragen/{survey.pk}/seite/1/", page1(survey))
    c.post(f"/umfragen/{survey.pk}/seite/2/", page2(survey))
    response = Response.objects.get(survey=survey)
    assert response.user_id is None and response.invitation_id is None and response.submitted_at is None
    assert response.submitted_on is not None and response.submitted_on.day == 1  # month only
    # Nothing else links the response to the account or the code.
    assert not Draft.objects.filter(user=user).exists()
    inv = Invitation.objects.get(survey=survey)
    assert inv.used and not hasattr(inv, "created_for")
    # No audit event with an exact time for the response (it could be matched with the login).
    assert not AuditEvent.objects.filter(action="surveys.response.created").exists()
    # Scan every column of every row holding the response for the user's id, e-mail or code.
    import json

    row = json.dumps(Response.objects.filter(pk=response.pk).values().get(), default=str)
    assert user.email not in row and code not in row
    for a in Answer.objects.filter(response=response).values():
        assert user.email not in json.dumps(a, default=str)


def test_anonymized_account_mode_blocks_second_response_without_link(muni_a):
    survey = build(muni_a, access="account", anonymized=True)
    user = make_user("anon-konto@example.org")
    c = client_for(HOST_A, user)
    start(c, survey)
    c.post(f"/umfragen/{survey.pk}/seite/1/", page1(survey))
    c.post(f"/umfragen/{survey.pk}/seite/2/", page2(survey))
    response = Response.objects.get(survey=survey)
    assert response.user_id is None
    assert Participation.objects.filter(survey=survey, user=user).exists()
    # Participation has no link to the response (no field refers to it).
    assert {f.name for f in Participation._meta.get_fields()} == {"id", "survey", "user"}
    with pytest.raises(services.SurveyError):
        services.submit(survey, services.Submission(answers={}, user=user))


def test_public_mode_rate_limit(survey, client_a, settings):
    cache.clear()
    from rathaus.surveys import views

    for _i in range(views.SUBMIT_LIMIT + 1):
        c = client_for(HOST_A)
        start(c, survey)
        c.post(f"/umfragen/{survey.pk}/seite/1/", page1(survey))
        r = c.post(f"/umfragen/{survey.pk}/seite/2/", page2(survey), follow=True)
    assert "sehr viele Antworten" in r.content.decode()
    assert Response.objects.filter(survey=survey).count() == views.SUBMIT_LIMIT


def test_page_condition_skips_a_whole_page_and_unknown_page_is_404(survey, client_a):
    from rathaus.surveys.models import Operator, Page

    page2 = Page.objects.get(survey=survey, title="Seite Zwei")
    services.add_condition(
        survey, source=q(survey, "Deutschlandticket"), operator=Operator.EQUALS, target_page=page2, value=1
    )
    start(client_a, survey)
    r = client_a.post(f"/umfragen/{survey.pk}/seite/1/", page1(survey))  # ticket = 0 → page 2 hidden
    assert r["Location"].endswith("/danke/")
    response = Response.objects.get(survey=survey)
    assert str(q(survey, "Alter").pk) not in response.data
    assert client_a.post(f"/umfragen/{survey.pk}/seite/9/", {}).status_code == 404


def test_condition_operators(survey):
    from rathaus.surveys import structure
    from rathaus.surveys.models import Condition, Operator

    s = structure.load(survey)
    sat = q(survey, "Zufriedenheit")
    multi = q(survey, "Zwecke")
    target = q(survey, "Anmerkungen")
    cases = [
        (Operator.AT_LEAST, sat, None, 4, {str(sat.pk): {"n": 4}}, True),
        (Operator.AT_LEAST, sat, None, 4, {str(sat.pk): {"n": 3}}, False),
        (Operator.AT_MOST, sat, None, 2, {str(sat.pk): {"n": 2}}, True),
        (Operator.ANSWERED, sat, None, None, {}, False),
        (Operator.NOT_EQUALS, sat, None, 3, {}, True),
        (
            Operator.CONTAINS,
            multi,
            opt(survey, "Zwecke", "Einkauf"),
            None,
            {str(multi.pk): {"o": [opt(survey, "Zwecke", "Einkauf")]}},
            True,
        ),
        (
            Operator.CONTAINS,
            multi,
            opt(survey, "Zwecke", "Einkauf"),
            None,
            {str(multi.pk): {"o": [opt(survey, "Zwecke", "Arbeit")]}},
            False,
        ),
    ]
    for operator, source, option, value, answers, expected in cases:
        c = Condition(
            survey=survey,
            target_question=target,
            source=source,
            operator=operator,
            option_id=option,
            value=value,
        )
        s.question_conditions[target.pk] = [c]
        shown = target in structure.visible_questions(s, target.page, answers)
        assert shown is expected, (operator, answers)
