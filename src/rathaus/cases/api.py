"""Intake API for other systems (FIT-Connect-like submission flow), mounted at /api/v1/submissions.

Flow: ``POST /`` announces a submission for a service (FIM schema ID or LeiKa key) with its
attachments and returns upload slots; ``PUT /{id}/attachments/{attachment_id}`` uploads each file
as the raw request body; ``POST /{id}/submit`` sends the data (answers in the form's nested
structure) and FIT-Connect metadata (schema 1.0.0); ``GET /{id}/events`` reads the status events.
POSTs honour an ``Idempotency-Key`` header: the same key with the same body returns the stored
answer, with a different body 409.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.db import IntegrityError, transaction
from django.urls import reverse
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from rathaus.api.auth import ApiTokenAuth, TokenRequest
from rathaus.api.schemas import ErrorOut
from rathaus.fim import queries as fim_queries

from . import services
from .models import ApiIntake, Attachment, IdempotencyRecord

router = Router(tags=["Anträge / submissions"], auth=ApiTokenAuth())

MAX_BODY = 50 * 1024 * 1024


# --- schemas (the FIT-Connect metadata 1.0.0 structure, as far as the intake uses it) ------------


class Hash(Schema):
    type: Literal["sha512"]
    content: str = Field(pattern=r"^[a-f0-9]{128}$")


class SubmissionSchemaRef(Schema):
    schemaUri: str = Field(min_length=1)
    mimeType: Literal["application/json", "application/xml"]


class DataStructure(Schema):
    hash: Hash
    submissionSchema: SubmissionSchemaRef


class AttachmentMeta(Schema):
    hash: Hash
    purpose: Literal["form", "attachment", "report"]
    filename: str | None = None
    mimeType: str = Field(pattern=r"^[-\w.]+/[-\w.+]+$")
    attachmentId: UUID


class ContentStructure(Schema):
    data: DataStructure | None = None
    attachments: list[AttachmentMeta]


class PublicServiceType(Schema):
    name: str | None = None
    description: str | None = None
    identifier: str = Field(pattern=r"^urn:[a-z0-9][a-z0-9-]{0,31}:[a-z0-9()+,.:=@;$_!*'%/?#-]+$")


class EMailChannel(Schema):
    address: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class ReplyChannel(Schema):
    eMail: EMailChannel | None = None


class AdditionalReferenceInfo(Schema):
    senderReference: str | None = None
    applicationDate: date | None = None


class Metadata(Schema):
    model_config = ConfigDict(extra="allow")

    contentStructure: ContentStructure
    publicServiceType: PublicServiceType | None = None
    replyChannel: ReplyChannel | None = None
    additionalReferenceInfo: AdditionalReferenceInfo | None = None


class AnnouncedAttachment(Schema):
    filename: str = Field(min_length=1, max_length=150)
    mimeType: str = Field(default="", max_length=60)


class CreateIn(Schema):
    service: str = Field(min_length=1, max_length=100, description="FIM-Schema-ID oder LeiKa-Schlüssel")
    attachments: list[AnnouncedAttachment] = Field(default_factory=list, max_length=50)


class SlotOut(Schema):
    attachmentId: UUID
    filename: str
    uploadUrl: str


class CreateOut(Schema):
    submissionId: UUID
    attachments: list[SlotOut]


class UploadOut(Schema):
    attachmentId: UUID
    sha256: str
    size: int
    mimeType: str


class SubmitIn(Schema):
    data: dict[str, Any]
    metadata: Metadata


class SubmitOut(Schema):
    submissionId: UUID
    reference: str
    status: str


class SubmissionEventOut(Schema):
    status: str
    label: str
    timestamp: datetime


# --- helpers --------------------------------------------------------------------------------------


def _intake(request: TokenRequest, pk: UUID) -> ApiIntake | None:
    # Scoped to the token's municipality (the auth already ties the token to the host's one).
    return (
        ApiIntake.objects.filter(municipality=request.auth.municipality, pk=pk)
        .select_related("form__active_version", "application")
        .first()
    )


def _not_found(request: TokenRequest) -> tuple[int, dict[str, str]]:
    return 404, {"detail": "Nicht gefunden / not found"}


def _idempotent(request: TokenRequest, scope: str, body: bytes, produce: Any) -> Any:
    """Run ``produce`` once per Idempotency-Key; replay its stored answer for the same body."""
    key = request.headers.get("Idempotency-Key", "").strip()[:100]
    if not key:
        return produce()
    token = request.auth
    digest = hashlib.sha256(scope.encode() + b"\n" + body).hexdigest()
    found = IdempotencyRecord.objects.filter(municipality=token.municipality, token=token, key=key).first()
    if found is not None:
        if found.body_hash != digest:
            return 409, {
                "detail": "Idempotency-Key mit anderem Inhalt verwendet / key reused with a different body"
            }
        return found.status_code, found.response
    status, payload = produce()
    if status < 500:
        data = json.loads(json.dumps(payload, default=str))
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    municipality=token.municipality,
                    token=token,
                    key=key,
                    scope=scope,
                    body_hash=digest,
                    status_code=status,
                    response=data,
                )
        except IntegrityError:
            pass  # a parallel request with the same key stored its (identical) answer first
    return status, payload


# --- endpoints ------------------------------------------------------------------------------------


@router.post(
    "",
    response={201: CreateOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Einreichung anlegen / create a submission",
)
def create(request: TokenRequest, body: CreateIn) -> Any:
    token = request.auth

    def produce() -> tuple[int, Any]:
        forms = fim_queries.published_forms(token.municipality)
        form = forms.filter(schema_id=body.service).first() or forms.filter(leika=body.service).first()
        if form is None:
            return 404, {"detail": "Leistung nicht gefunden / unknown service"}
        try:
            intake = services.create_intake(token, form, [a.model_dump() for a in body.attachments])
        except services.IntakeError as exc:
            return exc.status, {"detail": str(exc), "errors": exc.errors}
        slots = [
            {
                "attachmentId": str(a.pk),
                "filename": a.name,
                "uploadUrl": reverse(
                    "api:upload_attachment", kwargs={"submission_id": intake.pk, "attachment_id": a.pk}
                ),
            }
            for a in intake.attachments.order_by("created_at", "pk")
        ]
        return 201, {"submissionId": str(intake.pk), "attachments": slots}

    return _idempotent(request, "POST /submissions", request.body, produce)


@router.put(
    "/{submission_id}/attachments/{attachment_id}",
    response={200: UploadOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut},
    summary="Anlage hochladen (Rohdaten im Body) / upload an attachment (raw body)",
    url_name="upload_attachment",
)
def upload(request: TokenRequest, submission_id: UUID, attachment_id: UUID) -> Any:
    intake = _intake(request, submission_id)
    if intake is None:
        return _not_found(request)
    att = Attachment.objects.filter(intake=intake, pk=attachment_id).first()
    if att is None:
        return _not_found(request)
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BODY:
        return 413, {"detail": "Datei zu groß / file too large"}
    # Read the stream directly (request.body would refuse anything above DATA_UPLOAD_MAX_MEMORY_SIZE),
    # at most one byte more than the service allows, so oversize uploads are refused with 422.
    limit = services.setting_for(intake.form).max_attachment_bytes
    data = request.read(limit + 1)
    try:
        stored = services.upload_intake_attachment(intake, att, data)
    except services.IntakeError as exc:
        return exc.status, {"detail": str(exc), "errors": exc.errors}
    return 200, {
        "attachmentId": stored.pk,
        "sha256": stored.sha256,
        "size": stored.size,
        "mimeType": stored.media_type,
    }


@router.post(
    "/{submission_id}/submit",
    response={200: SubmitOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Einreichung absenden (Fachdaten + FIT-Connect-Metadaten) / submit",
)
def submit(request: TokenRequest, submission_id: UUID, body: SubmitIn) -> Any:
    intake = _intake(request, submission_id)
    if intake is None:
        return _not_found(request)

    def produce() -> tuple[int, Any]:
        try:
            app = services.submit_intake(
                intake, body.data, body.metadata.model_dump(mode="json", exclude_none=True)
            )
        except services.IntakeError as exc:
            return exc.status, {"detail": str(exc), "errors": exc.errors}
        return 200, {"submissionId": str(intake.pk), "reference": app.reference, "status": app.status}

    return _idempotent(request, f"POST /submissions/{submission_id}/submit", request.body, produce)


@router.get(
    "/{submission_id}",
    response={200: dict[str, Any], 404: ErrorOut},
    summary="Einreichung als JSON mit FIT-Connect-Metadaten / submission with FIT-Connect metadata",
    url_name="submission_export",
)
def export(request: TokenRequest, submission_id: UUID) -> Any:
    intake = _intake(request, submission_id)
    if intake is None or intake.application is None:
        return _not_found(request)
    return 200, services.export_document(intake.application)


@router.get(
    "/{submission_id}/events",
    response={200: list[SubmissionEventOut], 404: ErrorOut},
    summary="Statusereignisse / status events",
)
def events(request: TokenRequest, submission_id: UUID) -> Any:
    intake = _intake(request, submission_id)
    if intake is None:
        return _not_found(request)
    if intake.application is None:
        return 200, []
    return 200, [
        {"status": e.to_status, "label": str(e.get_to_status_display()), "timestamp": e.created_at}
        for e in intake.application.events.all()
    ]
