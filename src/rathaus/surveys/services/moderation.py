"""Moderation of free-text answers."""

from __future__ import annotations

from django.db import transaction

from rathaus.core.context import ServiceContext
from rathaus.surveys.models import (
    Answer,
)

from ._common import _audit


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
