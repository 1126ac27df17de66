"""FIT-Connect export: the metadata and document another system imports."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils import timezone

from rathaus.cases.models import (
    Application,
    AttachmentKind,
)
from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext

from .attachments import read_attachment


def fitconnect_metadata(app: Application) -> dict[str, Any]:
    """FIT-Connect metadata (schema 1.0.0) of the application: data hash, attachments (SHA-512)."""
    sub = app.submission
    data = json.dumps(sub.payload if sub else {}, sort_keys=True, ensure_ascii=False).encode()
    attachments = []
    for att in app.attachments.all():
        if not att.path:
            continue
        try:
            digest = hashlib.sha512(read_attachment(att)).hexdigest()
        except OSError:
            continue
        attachments.append(
            {
                "hash": {"type": "sha512", "content": digest},
                "purpose": "report" if att.kind == AttachmentKind.DECISION else "attachment",
                "filename": att.name,
                "mimeType": att.media_type or "application/octet-stream",
                "attachmentId": str(att.pk),
            }
        )
    meta: dict[str, Any] = {
        "contentStructure": {
            "data": {
                "hash": {"type": "sha512", "content": hashlib.sha512(data).hexdigest()},
                "submissionSchema": {
                    "schemaUri": f"urn:xoev-de:fim:standard:xdatenfelder:schema:{app.form.schema_id}",
                    "mimeType": "application/json",
                },
            },
            "attachments": attachments,
        },
        "additionalReferenceInfo": {
            "senderReference": app.reference,
            "applicationDate": timezone.localtime(app.submitted_at).date().isoformat(),
        },
    }
    leika = app.form.leika
    meta["publicServiceType"] = {
        "name": app.service_name,
        "identifier": f"urn:de:fim:leika:leistung:{leika}"
        if leika
        else f"urn:de:fim:schema:{app.form.schema_id.lower()}",
    }
    if app.applicant_email:
        meta["replyChannel"] = {"eMail": {"address": app.applicant_email}}
    return meta


def export_document(app: Application) -> dict[str, Any]:
    sub = app.submission
    return {
        "reference": app.reference,
        "service": app.service_name,
        "status": app.status,
        "channel": app.channel,
        "submitted_at": app.submitted_at.isoformat(),
        "data": sub.payload if sub else {},
        "metadata": fitconnect_metadata(app),
    }


def record_export(app: Application, *, ctx: ServiceContext) -> None:
    record("cases.exported", ctx=ctx, obj=app)
