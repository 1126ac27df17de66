"""Copying a survey and building one from a template spec."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.models import Municipality
from rathaus.surveys import structure
from rathaus.surveys.models import (
    CHOICE_KINDS,
    Condition,
    Kind,
    MatrixRow,
    Operator,
    Option,
    Page,
    Question,
    Survey,
)
from rathaus.surveys.templates_data import SurveySpec

from ._common import _audit
from .building import QUESTION_FIELDS, SURVEY_FIELDS, add_condition, add_page, add_question


@transaction.atomic
def copy_survey(
    source: Survey,
    municipality: Municipality,
    *,
    title: str | None = None,
    is_template: bool = False,
    ctx: ServiceContext | None = None,
) -> Survey:
    """A new draft with the same pages, questions, options, rows and conditions (no responses)."""
    s = structure.load(source)
    new = Survey.objects.create(
        municipality=municipality,
        title=title or _("Kopie von %(title)s") % {"title": source.title},
        title_en=source.title_en,
        description=source.description,
        description_en=source.description_en,
        access=source.access,
        anonymized=source.anonymized,
        publish_results=source.publish_results,
        ask_segment=source.ask_segment,
        is_template=is_template,
    )
    page_map: dict[int, Page] = {}
    question_map: dict[int, Question] = {}
    option_map: dict[int, Option] = {}
    for p in s.pages:
        page_map[p.pk] = Page.objects.create(
            survey=new, position=p.position, title=p.title, title_en=p.title_en, description=p.description
        )
    for q in s.questions.values():
        old_pk = q.pk
        q.pk = None
        q.id = None
        q.survey = new
        q.page = page_map[q.page_id]
        q.save()
        question_map[old_pk] = q
        for o in s.options.get(old_pk, []):
            old_o = o.pk
            o.pk = None
            o.id = None
            o.question = q
            o.save()
            option_map[old_o] = o
        MatrixRow.objects.bulk_create(
            [
                MatrixRow(question=q, position=r.position, label=r.label, label_en=r.label_en)
                for r in s.rows.get(old_pk, [])
            ]
        )
    for c in s.conditions:
        Condition.objects.create(
            survey=new,
            source=question_map[c.source_id],
            operator=c.operator,
            target_question=question_map.get(c.target_question_id or 0),
            target_page=page_map.get(c.target_page_id or 0),
            option=option_map.get(c.option_id or 0),
            value=c.value,
        )
    _audit("surveys.survey.copied", ctx, new, new, source=source.pk)
    return new


def build_from_spec(municipality: Municipality, spec: SurveySpec, *, is_template: bool = True) -> Survey:
    """A survey from a template description (see templates_data.py)."""
    with transaction.atomic():
        survey = Survey.objects.create(
            municipality=municipality,
            is_template=is_template,
            **{k: v for k, v in spec.items() if k in SURVEY_FIELDS},
        )
        by_code: dict[str, Question] = {}
        for p_spec in spec["pages"]:
            page = add_page(survey, p_spec["title"], description=p_spec.get("description", ""))
            for q_spec in p_spec["questions"]:
                data = {k: v for k, v in q_spec.items() if k in QUESTION_FIELDS}
                q = add_question(page, data, options=q_spec.get("options", ()), rows=q_spec.get("rows", ()))
                by_code[q_spec["code"]] = q
                if "if" in q_spec:
                    src_code, label = q_spec["if"]
                    src = by_code[src_code]
                    opt = src.options.get(label=label) if src.kind in CHOICE_KINDS else None
                    add_condition(
                        survey,
                        source=src,
                        operator=Operator.CONTAINS if src.kind == Kind.MULTIPLE else Operator.EQUALS,
                        target_question=q,
                        option=opt,
                        value=None if opt else int(label),
                    )
    return survey
