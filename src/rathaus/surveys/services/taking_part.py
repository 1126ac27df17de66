"""Taking part: who may, drafts, validation, submission and the tallies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.surveys import structure
from rathaus.surveys.models import (
    Access,
    Answer,
    Draft,
    Invitation,
    Participation,
    Question,
    Response,
    Segment,
    Status,
    Survey,
    Tally,
)

from ._common import SurveyError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rathaus.core.accounts.models import User


@dataclass
class Submission:
    answers: dict[str, Any]
    segment: str = ""
    user: User | AnonymousUser | None = None
    invitation_id: int | None = None


def may_take_part(survey: Survey, user: User | AnonymousUser | None) -> str | None:
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
        and user is not None
        and user.is_authenticated
        and Participation.objects.filter(survey=survey, user=user).exists()
    ):
        return _("Sie haben an dieser Umfrage bereits teilgenommen.")
    return None


def is_verified(user: User | AnonymousUser | None) -> bool:
    from allauth.account.models import EmailAddress

    return bool(
        user is not None
        and user.is_authenticated
        and EmailAddress.objects.filter(user=user, verified=True).exists()
    )


def save_draft(survey: Survey, user: User | AnonymousUser, data: Mapping[str, object]) -> None:
    if user.is_authenticated:
        Draft.objects.update_or_create(survey=survey, user=user, defaults={"data": data})


def load_draft(survey: Survey, user: User | AnonymousUser) -> dict[str, object] | None:
    if not user.is_authenticated:
        return None
    d = Draft.objects.filter(survey=survey, user=user).first()
    if d is None:
        return None
    data: dict[str, object] = d.data  # a JSONField: the dict save_draft stored
    return data


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
    user = sub.user if sub.user is not None and sub.user.is_authenticated else None
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
        qs = Tally.objects.filter(survey=survey, question=question_id, segment=segment, key=key)
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
