"""Per-service settings and the municipality's letter settings."""

from __future__ import annotations

from django.db import transaction

from rathaus.cases import letters
from rathaus.cases.models import (
    LetterSettings,
    ServiceSetting,
)
from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.models import Municipality


def save_setting(setting: ServiceSetting, *, ctx: ServiceContext) -> ServiceSetting:
    with transaction.atomic():
        is_new = setting.pk is None
        setting.save()
        record(
            "cases.setting.created" if is_new else "cases.setting.changed",
            ctx=ctx,
            obj=setting,
            changes={
                "department": [None, setting.department_id],
                "deadline_days": [None, setting.deadline_days],
                "retention_days": [None, setting.retention_days],
            },
        )
    return setting


def letter_settings_of(municipality: Municipality) -> LetterSettings:
    """The municipality's letterhead settings (unsaved defaults when none are stored)."""
    return letters.letter_settings(municipality)


def save_letter_settings(conf: LetterSettings, *, ctx: ServiceContext) -> LetterSettings:
    with transaction.atomic():
        is_new = conf.pk is None
        if ctx.municipality is None:
            raise ValueError("letter settings belong to a municipality")
        conf.municipality = ctx.municipality
        conf.save()
        record(
            "cases.letter_settings.created" if is_new else "cases.letter_settings.changed",
            ctx=ctx,
            obj=conf,
            changes={"authority": [None, conf.authority], "legal_remedy": [None, conf.legal_remedy]},
        )
    return conf
