"""Invitation codes for surveys with access by invitation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from rathaus.core.context import ServiceContext
from rathaus.core.mail import bilingual_body, bilingual_subject
from rathaus.core.tasks import send_email_after_commit
from rathaus.surveys.models import (
    Access,
    Invitation,
    Survey,
)

from ._common import SurveyError, _audit

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10
MAX_CODES_PER_BATCH = 2000


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
