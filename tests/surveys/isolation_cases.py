"""Surveys entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from rathaus.surveys import services
from rathaus.surveys.models import Answer, Condition, Kind, Operator
from tests import isolation
from tests.isolation import Tenant


@isolation.seeder
def seed_surveys(t: Tenant) -> None:
    muni = t.municipality
    now = timezone.now()
    survey = services.create_survey(
        muni,
        {
            "title": t.marker("SURVEY-TITLE"),
            "description": t.marker("SURVEY-DESC"),
            "is_published": True,
            "publish_results": True,
            "ask_segment": True,
        },
    )
    p1 = services.add_page(survey, t.marker("SURVEY-PAGE"))
    p2 = services.add_page(survey, t.marker("SURVEY-PAGE2"))
    single = services.add_question(
        p1,
        {"kind": Kind.SINGLE, "text": t.marker("SURVEY-QUESTION")},
        options=[t.marker("SURVEY-OPTION"), "Zwei"],
    )
    text_q = services.add_question(p2, {"kind": Kind.TEXT_SHORT, "text": t.marker("SURVEY-TEXTQ")})
    cond = services.add_condition(
        survey, source=single, operator=Operator.EQUALS, target_question=text_q, option=single.options.first()
    )
    closed = services.create_survey(
        muni,
        {
            "title": t.marker("SURVEY-CLOSED"),
            "is_published": True,
            "publish_results": True,
            "access": "invitation",
            "opens_at": now - timedelta(days=10),
            "closes_at": now + timedelta(days=1),
        },
    )
    cp = services.add_page(closed, "Seite")
    cq = services.add_question(cp, {"kind": Kind.TEXT_SHORT, "text": t.marker("SURVEY-CLOSED-Q")})
    code = services.generate_invitations(closed, 1)[0]
    invitation = services.find_invitation(closed, code)
    services.submit(
        closed,
        services.Submission(
            answers={str(cq.pk): {"t": t.marker("SURVEY-ANSWER")}}, invitation_id=invitation.pk
        ),  # type: ignore[union-attr]
    )
    closed.closes_at = now - timedelta(hours=1)
    closed.save(update_fields=["closes_at"])
    t.add("surveys.survey", survey)
    t.add("surveys.closed", closed)
    t.add("surveys.page", p2)
    t.add("surveys.question", text_q)
    t.add("surveys.condition", cond)
    t.add("surveys.answer", Answer.objects.get(question=cq))
    assert isinstance(cond, Condition)


def nothing(t: Tenant, obj: Any) -> dict[str, Any]:
    return {}


def page_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"title": "Geänderte Seite", "title_en": "", "description": ""}


def question_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"kind": "text_short", "text": "Geänderte Frage", "scale_min": "1", "scale_max": "5"}


def survey_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "title": "Geänderte Umfrage",
        "access": obj.access,
        "ask_segment": "on" if obj.ask_segment else "",
    }


def condition_form(t: Tenant, obj: Any) -> dict[str, Any]:
    single = t["surveys.condition"].source  # type: ignore[attr-defined]
    return {"source": single.pk, "operator": "answered"}


isolation.object_url("surveys:detail", "surveys.survey", shows=["SURVEY-TITLE", "SURVEY-DESC"])
isolation.object_url(
    "surveys:take", "surveys.survey", kwargs=lambda s: {"pk": s.pk, "number": 1}, get=False, post=nothing
)
isolation.object_url("surveys:thanks", "surveys.survey", shows=["SURVEY-TITLE"])
isolation.object_url("surveys:public_results", "surveys.closed", shows=["SURVEY-CLOSED", "SURVEY-ANSWER"])
isolation.object_url(
    "surveys:edit", "surveys.survey", post=survey_form, shows=["SURVEY-TITLE", "SURVEY-QUESTION"]
)
isolation.object_url("surveys:copy", "surveys.survey", get=False, post=nothing)
isolation.object_url("surveys:page_create", "surveys.survey", get=False, post=page_form)
isolation.object_url("surveys:preview", "surveys.survey", post=nothing, shows=["SURVEY-TITLE"])
isolation.object_url(
    "surveys:preview_page",
    "surveys.survey",
    kwargs=lambda s: {"pk": s.pk, "number": 1},
    get=False,
    post=nothing,
)
isolation.object_url(
    "surveys:invitations",
    "surveys.closed",
    post=lambda t, o: {"count": "2"},
    post_ok={200},
    shows=["SURVEY-CLOSED"],
)
isolation.object_url("surveys:results", "surveys.closed", shows=["SURVEY-CLOSED-Q", "SURVEY-ANSWER"])
isolation.object_url("surveys:export_csv", "surveys.closed", shows=["SURVEY-ANSWER"])
isolation.object_url("surveys:export_xlsx", "surveys.closed")
isolation.object_url("surveys:codebook_csv", "surveys.closed", shows=["SURVEY-CLOSED-Q"])
isolation.object_url(
    "surveys:page_edit", "surveys.page", post=page_form, shows=["SURVEY-PAGE2", "SURVEY-TEXTQ"]
)
isolation.object_url("surveys:page_delete", "surveys.page", get=False, post=nothing)
isolation.object_url("surveys:page_condition", "surveys.page", get=False, post=condition_form)
isolation.object_url("surveys:question_create", "surveys.page", post=question_form, shows=["SURVEY-PAGE2"])
isolation.object_url("surveys:question_edit", "surveys.question", post=question_form, shows=["SURVEY-TEXTQ"])
isolation.object_url("surveys:question_delete", "surveys.question", get=False, post=nothing)
isolation.object_url("surveys:question_condition", "surveys.question", get=False, post=condition_form)
isolation.object_url("surveys:condition_delete", "surveys.condition", get=False, post=nothing)
isolation.object_url("surveys:moderate", "surveys.answer", get=False, post=lambda t, o: {"hidden": "1"})

isolation.page("surveys:index", shows=["SURVEY-TITLE", "SURVEY-CLOSED"])
isolation.page("surveys:manage", shows=["SURVEY-TITLE", "SURVEY-CLOSED"])
isolation.page("surveys:open_data_csv", shows=["SURVEY-CLOSED"])
