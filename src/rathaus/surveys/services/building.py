"""Building a survey: settings, pages, questions, options, rows and conditions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.db import models, transaction
from django.utils.translation import gettext as _

from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.models import Municipality
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

from ._common import SurveyError, SurveyLocked, _audit, _unlocked, is_locked

SURVEY_TEXT_FIELDS = ("title", "title_en", "description", "description_en")
SURVEY_FIELDS = (
    *SURVEY_TEXT_FIELDS,
    "is_published",
    "opens_at",
    "closes_at",
    "access",
    "anonymized",
    "publish_results",
    "ask_segment",
)
# Settings that change how responses were collected: fixed once responses exist.
LOCKED_SURVEY_FIELDS = ("access", "anonymized", "ask_segment")


@transaction.atomic
def create_survey(
    municipality: Municipality, data: Mapping[str, object], *, ctx: ServiceContext | None = None
) -> Survey:
    survey = Survey.objects.create(
        municipality=municipality, **{k: v for k, v in data.items() if k in SURVEY_FIELDS}
    )
    _audit("surveys.survey.created", ctx, survey, survey, title=survey.title)
    return survey


@transaction.atomic
def update_survey(survey: Survey, data: Mapping[str, object], *, ctx: ServiceContext | None = None) -> Survey:
    locked = is_locked(survey)
    changes: dict[str, str] = {}
    for key, value in data.items():
        if key not in SURVEY_FIELDS or getattr(survey, key) == value:
            continue
        if locked and key in LOCKED_SURVEY_FIELDS:
            raise SurveyLocked
        changes[key] = str(value)
        setattr(survey, key, value)
    if survey.opens_at and survey.closes_at and survey.closes_at <= survey.opens_at:
        raise SurveyError(_("Das Ende muss nach dem Beginn liegen."))
    survey.save()
    _audit("surveys.survey.updated", ctx, survey, survey, **changes)
    return survey


def _next_position(qs: models.Manager[Page] | models.Manager[Question]) -> int:
    last = qs.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def add_page(
    survey: Survey,
    title: str,
    *,
    title_en: str = "",
    description: str = "",
    ctx: ServiceContext | None = None,
) -> Page:
    _unlocked(survey)
    page = Page.objects.create(
        survey=survey,
        title=title,
        title_en=title_en,
        description=description,
        position=_next_position(survey.pages),
    )
    _audit("surveys.page.created", ctx, page, survey, title=title)
    return page


@transaction.atomic
def update_page(page: Page, data: Mapping[str, object], *, ctx: ServiceContext | None = None) -> Page:
    for key in ("title", "title_en", "description"):
        if key in data:
            setattr(page, key, data[key])
    page.save()
    _audit("surveys.page.updated", ctx, page, page.survey, title=page.title)
    return page


@transaction.atomic
def delete_page(page: Page, *, ctx: ServiceContext | None = None) -> None:
    _unlocked(page.survey)
    _audit("surveys.page.deleted", ctx, page, page.survey, title=page.title)
    page.delete()


QUESTION_TEXT_FIELDS = ("text", "text_en", "help_text", "help_text_en", "scale_low_label", "scale_high_label")
QUESTION_FIELDS = (
    *QUESTION_TEXT_FIELDS,
    "kind",
    "required",
    "min_choices",
    "max_choices",
    "min_value",
    "max_value",
    "scale_min",
    "scale_max",
    "allow_other",
)


def _check_question(q: Question) -> None:
    if q.kind in (Kind.SCALE, Kind.MATRIX) and q.scale_max <= q.scale_min:
        raise SurveyError(_("Das obere Ende der Skala muss größer als das untere sein."))
    if q.kind in (Kind.SCALE, Kind.MATRIX) and q.scale_max - q.scale_min > 10:
        raise SurveyError(_("Eine Skala hat höchstens 11 Stufen."))
    if q.min_value is not None and q.max_value is not None and q.max_value < q.min_value:
        raise SurveyError(_("Der größte Wert darf nicht kleiner als der kleinste sein."))
    if q.min_choices and q.max_choices and q.max_choices < q.min_choices:
        raise SurveyError(_("„höchstens auswählen“ darf nicht kleiner als „mindestens auswählen“ sein."))


@transaction.atomic
def add_question(
    page: Page,
    data: Mapping[str, object],
    *,
    options: Sequence[str] = (),
    rows: Sequence[str] = (),
    ctx: ServiceContext | None = None,
) -> Question:
    survey = page.survey
    _unlocked(survey)
    q = Question(
        survey=survey,
        page=page,
        position=_next_position(page.questions),
        **{k: v for k, v in data.items() if k in QUESTION_FIELDS and v is not None},
    )
    if q.kind not in CHOICE_KINDS:
        q.allow_other = False
    if q.kind == Kind.RANKING:
        q.allow_other = False
    _check_question(q)
    q.save()
    _set_options(q, options)
    _set_rows(q, rows)
    _audit("surveys.question.created", ctx, q, survey, text=q.text, kind=q.kind)
    return q


@transaction.atomic
def update_question(
    q: Question,
    data: Mapping[str, object],
    *,
    options: Sequence[str] | None = None,
    rows: Sequence[str] | None = None,
    ctx: ServiceContext | None = None,
) -> Question:
    locked = is_locked(q.survey)
    changes: dict[str, str] = {}
    for key, value in data.items():
        if key not in QUESTION_FIELDS or getattr(q, key) == value:
            continue
        if locked and key not in QUESTION_TEXT_FIELDS:
            raise SurveyLocked
        changes[key] = str(value)
        setattr(q, key, value)
    if q.kind not in CHOICE_KINDS or q.kind == Kind.RANKING:
        q.allow_other = False
    _check_question(q)
    q.save()
    if options is not None:
        _set_options(q, options, locked=locked)
    if rows is not None:
        _set_rows(q, rows, locked=locked)
    _audit("surveys.question.updated", ctx, q, q.survey, **changes)
    return q


def _clean_lines(lines: Iterable[str]) -> list[str]:
    return [line.strip()[:300] for line in lines if line.strip()]


def _set_options(q: Question, labels: Sequence[str], *, locked: bool = False) -> None:
    """Options of a choice question from labels; with responses only renaming (same number) is allowed."""
    wanted = _clean_lines(labels) if q.kind in CHOICE_KINDS else []
    if q.kind in CHOICE_KINDS and len(wanted) < 2:
        raise SurveyError(_("Eine Auswahlfrage braucht mindestens zwei Antwortmöglichkeiten."))
    existing = [o for o in q.options.all() if not o.is_other]
    if locked and len(wanted) != len(existing):
        raise SurveyLocked
    for i, label in enumerate(wanted):
        if i < len(existing):
            if existing[i].label != label or existing[i].position != i:
                existing[i].label, existing[i].position = label, i
                existing[i].save(update_fields=["label", "position"])
        else:
            Option.objects.create(question=q, label=label, position=i)
    for extra in existing[len(wanted) :]:
        if Condition.objects.filter(option=extra).exists():
            raise SurveyError(
                _("Eine Antwortmöglichkeit wird in einer Bedingung verwendet und kann nicht entfernt werden.")
            )
        extra.delete()
    other = q.options.filter(is_other=True).first()
    if q.allow_other and other is None:
        if locked:
            raise SurveyLocked
        Option.objects.create(question=q, label=_("Sonstiges"), position=999, is_other=True)
    elif not q.allow_other and other is not None:
        if locked:
            raise SurveyLocked
        other.delete()


def _set_rows(q: Question, labels: Sequence[str], *, locked: bool = False) -> None:
    wanted = _clean_lines(labels) if q.kind == Kind.MATRIX else []
    if q.kind == Kind.MATRIX and not wanted:
        raise SurveyError(_("Eine Matrixfrage braucht mindestens eine Zeile."))
    existing = list(q.rows.all())
    if locked and len(wanted) != len(existing):
        raise SurveyLocked
    for i, label in enumerate(wanted):
        if i < len(existing):
            if existing[i].label != label:
                existing[i].label = label
                existing[i].save(update_fields=["label"])
        else:
            MatrixRow.objects.create(question=q, label=label, position=i)
    for extra in existing[len(wanted) :]:
        extra.delete()


@transaction.atomic
def delete_question(q: Question, *, ctx: ServiceContext | None = None) -> None:
    _unlocked(q.survey)
    _audit("surveys.question.deleted", ctx, q, q.survey, text=q.text)
    q.delete()


@transaction.atomic
def add_condition(
    survey: Survey,
    *,
    source: Question,
    operator: str,
    target_question: Question | None = None,
    target_page: Page | None = None,
    option: Option | None = None,
    value: int | None = None,
    ctx: ServiceContext | None = None,
) -> Condition:
    _unlocked(survey)
    if target_page is not None and target_question is None:
        target_page_obj = target_page
    elif target_question is not None and target_page is None:
        target_page_obj = target_question.page
    else:
        raise SurveyError(_("Bitte wählen Sie genau ein Ziel: eine Frage oder eine Seite."))
    for obj in (source, target_question, target_page, option):
        if obj is not None and getattr(obj, "survey_id", None) not in (None, survey.pk):
            raise SurveyError(_("Die Bedingung bezieht sich auf eine andere Umfrage."))
    if option is not None and option.question_id != source.pk:
        raise SurveyError(_("Die Antwortmöglichkeit gehört nicht zur gewählten Frage."))
    pages = list(survey.pages.values_list("pk", flat=True))
    if pages.index(source.page_id) >= pages.index(target_page_obj.pk):
        raise SurveyError(
            _(
                "Eine Bedingung kann sich nur auf eine Frage einer früheren Seite beziehen "
                "(ohne JavaScript wird seitenweise ausgewertet)."
            )
        )
    if operator not in Operator.values:
        raise SurveyError(_("Unbekannte Bedingung."))
    if operator in (Operator.EQUALS, Operator.NOT_EQUALS, Operator.CONTAINS):
        if source.kind in (Kind.SINGLE, Kind.MULTIPLE, Kind.RANKING):
            if option is None:
                raise SurveyError(_("Bitte wählen Sie die Antwortmöglichkeit der Bedingung."))
        elif source.kind in (Kind.YES_NO, Kind.SCALE, Kind.NUMBER):
            if value is None:
                raise SurveyError(_("Bitte geben Sie den Wert der Bedingung an (Ja = 1, Nein = 0)."))
        else:
            raise SurveyError(_("Für Freitext- und Datumsfragen ist nur „wurde beantwortet“ möglich."))
    if operator in (Operator.AT_LEAST, Operator.AT_MOST) and (
        source.kind not in (Kind.SCALE, Kind.NUMBER) or value is None
    ):
        raise SurveyError(_("„mindestens“ und „höchstens“ gelten nur für Skalen und Zahlen mit einem Wert."))
    cond = Condition.objects.create(
        survey=survey,
        source=source,
        operator=operator,
        target_question=target_question,
        target_page=target_page,
        option=option if source.kind in CHOICE_KINDS else None,
        value=value if source.kind not in CHOICE_KINDS else None,
    )
    _audit("surveys.condition.created", ctx, cond, survey, source=source.pk, operator=operator)
    return cond


@transaction.atomic
def delete_condition(cond: Condition, *, ctx: ServiceContext | None = None) -> None:
    _unlocked(cond.survey)
    _audit("surveys.condition.deleted", ctx, cond, cond.survey)
    cond.delete()
