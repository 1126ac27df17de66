"""Public API of the surveys app for writes: building, invitations, taking part, moderation.

Every function is one transaction and audited. Structural edits are refused once a survey has
responses (``SurveyLocked``): answers refer to question, option and row ids, and changing them would
corrupt results. Text fixes (wording, help texts, translations) stay possible.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.mail import bilingual_body, bilingual_subject
from rathaus.core.tasks import send_email_after_commit
from rathaus.core.tenancy.models import Municipality

from . import structure
from .models import (
    CATEGORICAL_KINDS,
    CHOICE_KINDS,
    Access,
    Answer,
    Condition,
    Draft,
    Invitation,
    Kind,
    MatrixRow,
    Operator,
    Option,
    Page,
    Participation,
    Question,
    Response,
    Segment,
    Status,
    Survey,
    Tally,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10
MAX_CODES_PER_BATCH = 2000


class SurveyError(Exception):
    """A rule refused the request; ``message`` is shown to the person as it is."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class SurveyLocked(SurveyError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "Diese Umfrage hat bereits Antworten. Fragen, Antwortmöglichkeiten, Seiten und Bedingungen "
                "können nicht mehr hinzugefügt, entfernt oder im Typ geändert werden, sonst würden die "
                "Ergebnisse verfälscht. Korrekturen an Texten sind weiterhin möglich. Kopieren Sie die "
                "Umfrage für eine geänderte Fassung."
            ),
            "locked",
        )


def is_locked(survey: Survey) -> bool:
    return Response.objects.filter(survey=survey).exists()


def _unlocked(survey: Survey) -> None:
    if is_locked(survey):
        raise SurveyLocked


def _audit(action: str, ctx: ServiceContext | None, obj: Any, survey: Survey, **changes: Any) -> None:
    audit.record(action, ctx=ctx, municipality=survey.municipality, obj=obj, changes=changes or None)


# --- Building -------------------------------------------------------------------------------------

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
    municipality: Municipality, data: dict[str, Any], *, ctx: ServiceContext | None = None
) -> Survey:
    survey = Survey.objects.create(
        municipality=municipality, **{k: v for k, v in data.items() if k in SURVEY_FIELDS}
    )
    _audit("surveys.survey.created", ctx, survey, survey, title=survey.title)
    return survey


@transaction.atomic
def update_survey(survey: Survey, data: dict[str, Any], *, ctx: ServiceContext | None = None) -> Survey:
    locked = is_locked(survey)
    changes = {}
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


def _next_position(qs: Any) -> int:
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
def update_page(page: Page, data: dict[str, Any], *, ctx: ServiceContext | None = None) -> Page:
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
    data: dict[str, Any],
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
    data: dict[str, Any],
    *,
    options: Sequence[str] | None = None,
    rows: Sequence[str] | None = None,
    ctx: ServiceContext | None = None,
) -> Question:
    locked = is_locked(q.survey)
    changes: dict[str, Any] = {}
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
    if (target_question is None) == (target_page is None):
        raise SurveyError(_("Bitte wählen Sie genau ein Ziel: eine Frage oder eine Seite."))
    target_page_obj = target_page or target_question.page  # type: ignore[union-attr]
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


# --- Copy and templates -----------------------------------------------------------------------------


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


def build_from_spec(municipality: Municipality, spec: dict[str, Any], *, is_template: bool = True) -> Survey:
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


# --- Invitations ------------------------------------------------------------------------------------


def code_hash(survey: Survey, code: str) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY and the survey's salt: found by equality, never stored in clear."""
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    key = (settings.SECRET_KEY + survey.code_salt).encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def format_code(code: str) -> str:
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


@transaction.atomic
def generate_invitations(
    survey: Survey, count: int, *, emails: Sequence[str] = (), ctx: ServiceContext | None = None
) -> list[str]:
    """``count`` new codes (plus one per e-mail address, sent by mail). Returned once, stored as hashes."""
    if survey.access != Access.INVITATION:
        raise SurveyError(_("Einladungscodes gibt es nur für Umfragen mit Zugang „nur mit Einladungscode“."))
    total = count + len(emails)
    if not 1 <= total <= MAX_CODES_PER_BATCH:
        raise SurveyError(
            _("Bitte erzeugen Sie zwischen 1 und %(n)s Codes auf einmal.") % {"n": MAX_CODES_PER_BATCH}
        )
    codes = ["".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH)) for _j in range(total)]
    Invitation.objects.bulk_create([Invitation(survey=survey, code_hash=code_hash(survey, c)) for c in codes])
    muni = survey.municipality
    from django.urls import reverse

    from rathaus.core.tenancy.services import public_url

    link = public_url(muni, reverse("surveys:detail", args=[survey.pk]))
    for email, code in zip(emails, codes[count:], strict=True):
        words = {"survey": survey.title, "code": format_code(code), "link": link, "muni": muni.name}
        subject = bilingual_subject(partial(_invitation_subject, words))
        body = bilingual_body(partial(_invitation_body, words))
        send_email_after_commit(subject, body, [email])
    _audit("surveys.invitations.created", ctx, survey, survey, count=total, emailed=len(emails))
    return codes[:count]


def _invitation_subject(ctx: dict[str, str]) -> str:
    return _("Einladung zur Umfrage „%(survey)s“") % ctx


def _invitation_body(ctx: dict[str, str]) -> str:
    return (
        _(
            "Guten Tag,\n\n%(muni)s lädt Sie zur Umfrage „%(survey)s“ ein.\n\n"
            "Ihr persönlicher Einladungscode: %(code)s\n(gilt für eine Teilnahme)\n\n"
            "Zur Umfrage: %(link)s\n"
        )
        % ctx
    )


def find_invitation(survey: Survey, code: str) -> Invitation | None:
    return Invitation.objects.filter(survey=survey, code_hash=code_hash(survey, code), used=False).first()


# --- Taking part ------------------------------------------------------------------------------------


@dataclass
class Submission:
    answers: dict[str, Any]
    segment: str = ""
    user: Any = None
    invitation_id: int | None = None


def may_take_part(survey: Survey, user: Any) -> str | None:
    """A reason why the person cannot (or no longer) take part, or None."""
    status = survey.status
    if status == Status.DRAFT:
        return _("Diese Umfrage ist nicht veröffentlicht.")
    if status == Status.SCHEDULED:
        return _("Diese Umfrage beginnt erst am %(date)s.") % {
            "date": formats.date_format(timezone.localtime(survey.opens_at), "SHORT_DATETIME_FORMAT")
        }
    if status == Status.CLOSED:
        return _("Diese Umfrage ist beendet. Eine Teilnahme ist nicht mehr möglich.")
    if (
        survey.access == Access.ACCOUNT
        and getattr(user, "is_authenticated", False)
        and Participation.objects.filter(survey=survey, user=user).exists()
    ):
        return _("Sie haben an dieser Umfrage bereits teilgenommen.")
    return None


def is_verified(user: Any) -> bool:
    from allauth.account.models import EmailAddress

    return bool(
        getattr(user, "is_authenticated", False)
        and EmailAddress.objects.filter(user=user, verified=True).exists()
    )


def save_draft(survey: Survey, user: Any, data: dict[str, Any]) -> None:
    if getattr(user, "is_authenticated", False):
        Draft.objects.update_or_create(survey=survey, user=user, defaults={"data": data})


def load_draft(survey: Survey, user: Any) -> dict[str, Any] | None:
    if not getattr(user, "is_authenticated", False):
        return None
    d = Draft.objects.filter(survey=survey, user=user).first()
    return d.data if d else None


def validate_answers(s: structure.Structure, answers: dict[str, Any]) -> dict[str, Any]:
    """The visible answers, each checked again; raises SurveyError for the first invalid one."""
    kept = structure.prune(s, {str(k): v for k, v in answers.items() if v is not None})
    for page in structure.visible_pages(s, kept):
        for q in structure.visible_questions(s, page, kept):
            error = structure.check(s, q, kept.get(str(q.pk)))
            if error:
                raise SurveyError(f"{q.text}: {error}")
    return kept


@transaction.atomic
def submit(
    survey: Survey,
    sub: Submission,
    *,
    ctx: ServiceContext | None = None,
    s: structure.Structure | None = None,
) -> Response:
    """Store one complete response, its answers and tallies; enforce the access mode in the database."""
    reason = may_take_part(survey, sub.user)
    if reason:
        raise SurveyError(reason, "closed")
    s = s or structure.load(survey)
    answers = validate_answers(s, sub.answers)
    segment = sub.segment if survey.ask_segment and sub.segment in Segment.values else ""
    invitation_id = None
    if survey.access == Access.INVITATION:
        if sub.invitation_id is None:
            raise SurveyError(_("Für diese Umfrage brauchen Sie einen Einladungscode."), "code")
        # Atomic: only one transaction can turn an unused code into a used one.
        if not Invitation.objects.filter(pk=sub.invitation_id, survey=survey, used=False).update(used=True):
            raise SurveyError(_("Dieser Einladungscode wurde bereits verwendet."), "code_used")
        invitation_id = sub.invitation_id
    user = sub.user if getattr(sub.user, "is_authenticated", False) else None
    if survey.access == Access.ACCOUNT:
        if user is None or not is_verified(user):
            raise SurveyError(
                _("Für diese Umfrage brauchen Sie ein Konto mit bestätigter E-Mail-Adresse."), "account"
            )
        try:
            with transaction.atomic():
                Participation.objects.create(survey=survey, user=user)
        except IntegrityError:
            raise SurveyError(_("Sie haben an dieser Umfrage bereits teilgenommen."), "twice") from None
    today = timezone.localdate()
    if survey.anonymized:
        response = Response.objects.create(
            municipality=survey.municipality,
            survey=survey,
            segment=segment,
            data=answers,
            submitted_on=today.replace(day=1),
        )
    else:
        response = Response.objects.create(
            municipality=survey.municipality,
            survey=survey,
            segment=segment,
            data=answers,
            user=user if survey.access != Access.PUBLIC else None,
            invitation_id=invitation_id,
            submitted_at=timezone.now(),
            submitted_on=today,
        )
    rows = []
    counter: Counter[tuple[int | None, str]] = Counter({(None, "n"): 1})
    for key, value in answers.items():
        q = s.questions[int(key)]
        for option_id, row_id, number, text in structure.answer_rows(q, value):
            rows.append(
                Answer(
                    response=response,
                    survey=survey,
                    question=q,
                    option_id=option_id,
                    row_id=row_id,
                    number=number,
                    text=text,
                    segment=segment,
                )
            )
        for tkey in structure.tally_keys(q, value):
            counter[(q.pk, tkey)] += 1
    Answer.objects.bulk_create(rows)
    _bump(survey, segment, counter)
    if user is not None:
        Draft.objects.filter(survey=survey, user=user).delete()
    if not survey.anonymized:
        # Anonymized responses are deliberately not audited one by one: an audit event's exact time
        # could be matched with the person's login or other events and so undo the anonymization.
        audit.record("surveys.response.created", ctx=ctx, municipality=survey.municipality, obj=response)
    return response


def _bump(survey: Survey, segment: str, counter: Counter[tuple[int | None, str]]) -> None:
    """Add to the tallies: UPDATE … SET count = count + n; create a missing row (race-safe)."""
    for (question_id, key), n in counter.items():
        qs = Tally.objects.filter(survey=survey, question_id=question_id, segment=segment, key=key)  # type: ignore[misc]
        if qs.update(count=F("count") + n):
            continue
        try:
            with transaction.atomic():
                Tally.objects.create(
                    survey=survey, question_id=question_id, segment=segment, key=key, count=n
                )
        except IntegrityError:
            qs.update(count=F("count") + n)


@transaction.atomic
def rebuild_tallies(survey: Survey) -> None:
    """Recompute every tally from the Answer table (after a bulk import or a repair)."""
    Tally.objects.filter(survey=survey).delete()
    kinds = dict(Question.objects.filter(survey=survey).values_list("pk", "kind"))
    new: list[Tally] = []
    for row in Response.objects.filter(survey=survey).values("segment").annotate(c=Count("id")):
        new.append(Tally(survey=survey, question=None, segment=row["segment"], key="n", count=row["c"]))
    for row in (
        Answer.objects.filter(survey=survey)
        .values("question_id", "segment")
        .annotate(c=Count("response_id", distinct=True))
    ):
        new.append(
            Tally(
                survey=survey, question_id=row["question_id"], segment=row["segment"], key="a", count=row["c"]
            )
        )
    grouped = (
        Answer.objects.filter(survey=survey)
        .values("question_id", "segment", "option_id", "row_id", "number")
        .annotate(c=Count("id"))
    )
    for row in grouped:
        key = structure.tally_key(kinds[row["question_id"]], row["option_id"], row["row_id"], row["number"])
        if key:
            new.append(
                Tally(
                    survey=survey,
                    question_id=row["question_id"],
                    segment=row["segment"],
                    key=key,
                    count=row["c"],
                )
            )
    Tally.objects.bulk_create(new, batch_size=1000)


# --- Moderation -------------------------------------------------------------------------------------


@transaction.atomic
def set_answer_hidden(answer: Answer, hidden: bool, *, ctx: ServiceContext | None = None) -> None:
    Answer.objects.filter(pk=answer.pk).update(hidden=hidden)
    _audit(
        "surveys.answer.hidden" if hidden else "surveys.answer.shown",
        ctx,
        answer.response,
        answer.response.survey,
        answer=answer.pk,
    )


# --- DSGVO ------------------------------------------------------------------------------------------


def export_responses(user: Any) -> tuple[str, list[dict[str, Any]]]:
    """Art. 15: non-anonymized responses given with this account (anonymized ones cannot be found)."""
    rows = Response.objects.filter(user=user).select_related("survey").order_by("id")
    return "surveys_responses", [
        {
            "survey": r.survey.title,
            "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            "answers": r.data,
        }
        for r in rows
    ]


def erase_responses(user: Any) -> None:
    """Art. 17: unlink the account (the answers stay as anonymous statistics); drop drafts."""
    Response.objects.filter(user=user).update(user=None)
    Draft.objects.filter(user=user).delete()


def responses_in_last_year(municipality: Municipality) -> int:
    since: date = timezone.localdate().replace(day=1)
    since = since.replace(year=since.year - 1)
    return Response.objects.for_tenant(municipality).filter(submitted_on__gte=since).count()


def categorical(kind: str) -> bool:
    return kind in CATEGORICAL_KINDS
