"""What every use-case module of the surveys services shares: the errors, the lock, the audit."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.surveys.models import (
    CATEGORICAL_KINDS,
    Response,
    Survey,
)


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


def categorical(kind: str) -> bool:
    return kind in CATEGORICAL_KINDS
