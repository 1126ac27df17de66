"""Advisors and topics, kept by the Digital Hub's managers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from rathaus.consulting.models import (
    Advisor,
    Topic,
)
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext

if TYPE_CHECKING:
    from rathaus.core.accounts.models import User


def save_advisor(advisor: Advisor, actor: User | None, *, ctx: ServiceContext | None = None) -> Advisor:
    fields = ["user_id", "display_name", "organisation", "bio", "email", "is_active"]
    with transaction.atomic():
        before = audit.snapshot(Advisor.objects.get(pk=advisor.pk), fields) if advisor.pk else {}
        advisor.save()
        audit.record(
            "consulting.advisor.saved",
            ctx=ctx,
            actor=actor,
            municipality=advisor.municipality,
            obj=advisor,
            changes=audit.diff(before, audit.snapshot(advisor, fields)),
        )
    return advisor


def save_topic(topic: Topic, actor: User | None, *, ctx: ServiceContext | None = None) -> Topic:
    fields = ["name", "name_en", "slug", "description", "is_active"]
    with transaction.atomic():
        before = audit.snapshot(Topic.objects.get(pk=topic.pk), fields) if topic.pk else {}
        topic.save()
        audit.record(
            "consulting.topic.saved",
            ctx=ctx,
            actor=actor,
            municipality=topic.municipality,
            obj=topic,
            changes=audit.diff(before, audit.snapshot(topic, fields)),
        )
    return topic
