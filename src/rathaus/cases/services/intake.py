"""The intake API (FIT-Connect-like): announce, upload attachments, submit."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction

from rathaus.cases.models import (
    ApiIntake,
    Application,
    Attachment,
    Channel,
)
from rathaus.core.accounts.models import ApiToken
from rathaus.core.audit.services import record
from rathaus.core.storage import private_storage
from rathaus.fim import services as fim

from .attachments import (
    StagedFiles,
    after_files_written,
    atomic_with_files,
    check_attachment,
    read_attachment,
    safe_name,
    setting_for,
)
from .submission import _AlreadyDone, _open, applicant_from
from .workflow import AttachmentRejected


class IntakeError(Exception):
    def __init__(self, message: str, status: int = 422, errors: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors


def create_intake(token: ApiToken, form: Any, announced: list[dict[str, str]]) -> ApiIntake:
    """A new submission with one upload slot per announced attachment."""
    setting = setting_for(form)
    if len(announced) > setting.max_attachments:
        raise IntakeError(
            f"Zu viele Anlagen angekündigt / too many attachments announced (max {setting.max_attachments})"
        )
    with transaction.atomic():
        intake = ApiIntake.objects.create(municipality_id=form.municipality_id, token=token, form=form)
        for item in announced:
            Attachment.objects.create(
                municipality_id=form.municipality_id,
                intake=intake,
                name=safe_name(item.get("filename") or "anlage"),
                media_type=str(item.get("mimeType") or "")[:60],
            )
        record(
            "cases.intake.created",
            municipality=form.municipality,
            obj=intake,
            object_repr=f"API {token.name if token else ''}",
        )
    return intake


def upload_intake_attachment(intake: ApiIntake, att: Attachment, data: bytes) -> Attachment:
    """PUT of one announced attachment: content-checked, SHA-256 stored; replaces an earlier upload."""
    if intake.application_id is not None:
        raise IntakeError("Bereits eingereicht / already submitted", status=409)
    setting = setting_for(intake.form)
    try:
        media_type = check_attachment(setting, att.name, data, 0)
    except AttachmentRejected as exc:
        raise IntakeError(str(exc), status=422) from exc
    old = att.path
    with atomic_with_files(intake.municipality_id) as staged:
        locked: Attachment = Attachment.objects.select_for_update().get(pk=att.pk)
        locked.path = staged.write(data)
        locked.media_type = media_type
        locked.size = len(data)
        locked.sha256 = hashlib.sha256(data).hexdigest()
        locked.save()
        after_files_written(staged)
        if old:
            transaction.on_commit(lambda: private_storage().delete(old))
    return locked


def submit_intake(intake: ApiIntake, data: dict[str, Any], metadata: dict[str, Any]) -> Application:
    """Validate data against the form and metadata against the uploads; then open the application."""
    if intake.application is not None:  # no query when application_id is None
        return intake.application
    form = intake.form
    version = form.active_version
    if version is None:
        raise IntakeError("Formular nicht veröffentlicht / form not published", status=404)
    try:
        payload = fim.validate_answers(version, data)
    except fim.SubmissionInvalid as exc:
        raise IntakeError(
            "Fachdaten ungültig / invalid submission data", errors=fim.invalid_messages(exc)
        ) from exc
    atts = list(intake.attachments.all())
    missing = [str(a.pk) for a in atts if not a.path]
    if missing:
        raise IntakeError("Anlagen fehlen / attachments not uploaded", status=409, errors=missing)
    listed = {
        str(a.get("attachmentId")): a for a in metadata.get("contentStructure", {}).get("attachments", [])
    }
    for att in atts:
        entry = listed.get(str(att.pk))
        if entry is None:
            raise IntakeError(
                "Anlage fehlt in den Metadaten / attachment missing in metadata", errors=[str(att.pk)]
            )
        digest = hashlib.sha512(read_attachment(att)).hexdigest()
        if entry.get("hash", {}).get("content") != digest:
            raise IntakeError("Hashwert passt nicht / hash mismatch", errors=[str(att.pk)])
    if set(listed) - {str(a.pk) for a in atts}:
        raise IntakeError("Unbekannte Anlage in den Metadaten / unknown attachment in metadata")
    setting = setting_for(form)
    reply = metadata.get("replyChannel", {}).get("eMail", {}).get("address", "")
    name, email = applicant_from(version.definition, payload["answers"])

    def build(staged: StagedFiles, app: Application) -> Any:
        locked = ApiIntake.objects.select_for_update().get(pk=intake.pk)
        if locked.application_id is not None:
            raise _AlreadyDone
        Attachment.objects.filter(intake=intake).update(application=app)
        locked.application = app
        locked.save(update_fields=["application"])
        app.applicant_name = name
        return fim.store_submission(
            form=form,
            version=version,
            payload=payload,
            reference=app.reference,
            key=app.idempotency_key,
            email=app.applicant_email,
        )

    app, _created, _raw = _open(
        form.municipality,
        f"api:{intake.pk}",
        build,
        form=form,
        setting=setting,
        user=None,
        email=reply or email,
        channel=Channel.API,
        metadata=metadata,
    )
    return app
