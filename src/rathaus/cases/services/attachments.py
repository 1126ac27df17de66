"""Attachments: the upload check, safe names, and files written together with the transaction."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from rathaus.cases.models import (
    ApiIntake,
    Application,
    Attachment,
    AttachmentKind,
    Message,
    ServiceSetting,
)
from rathaus.core import uploads
from rathaus.core.storage import private_storage

from .workflow import AttachmentRejected

logger = logging.getLogger("rathaus.cases.services")


def sniff(data: bytes) -> str | None:
    """The media type told by the file's first bytes (never by its name or the browser's claim)."""
    kind = uploads.sniff(data[: uploads.HEAD_BYTES])
    return kind.media_type if kind else None


def setting_for(form: Any) -> ServiceSetting:
    setting = ServiceSetting.objects.filter(form=form).select_related("department").first()
    if setting is None:
        setting = ServiceSetting(municipality_id=form.municipality_id, form=form)
    return setting


def check_attachment(setting: ServiceSetting, name: str, data: bytes, count_before: int = 0) -> str:
    """The sniffed media type; AttachmentRejected with a clear message otherwise."""
    if count_before + 1 > setting.max_attachments:
        raise AttachmentRejected(
            _("Es sind höchstens %(n)d Anlagen erlaubt.") % {"n": setting.max_attachments}
        )
    try:
        kind = uploads.check(
            size=len(data),
            head=data[: uploads.HEAD_BYTES],
            max_bytes=setting.max_attachment_bytes,
            allowed=list(setting.allowed_types or []),
            name=name,
        )
    except uploads.UploadRejected as exc:
        raise AttachmentRejected(exc.message) from exc
    assert kind is not None  # an allowed type was found
    return kind.media_type


def safe_name(name: str) -> str:
    return uploads.safe_name(name)


class StagedFiles:
    """Files written during a transaction; deleted again when the transaction fails."""

    def __init__(self, municipality_id: int) -> None:
        self.municipality_id = municipality_id
        self.paths: list[str] = []

    def write(self, data: bytes) -> str:
        path = private_storage().save(uploads.storage_name("cases", self.municipality_id), ContentFile(data))
        self.paths.append(path)
        return path

    def discard(self) -> None:
        for path in self.paths:
            try:
                private_storage().delete(path)
            except OSError:  # pragma: no cover - logged, the next run of the orphan check finds it
                logger.exception("could not delete %s", path)


def after_files_written(staged: StagedFiles) -> None:
    """Test hook: a failure injected here must leave neither rows nor files behind."""


@contextmanager
def atomic_with_files(municipality_id: int) -> Iterator[StagedFiles]:
    """A transaction that also owns the files written in it: on any failure they are deleted.

    Callers run it as the outermost transaction of a use case (the views do not wrap requests in
    transactions), so that a commit really is final for the files too.
    """
    staged = StagedFiles(municipality_id)
    try:
        with transaction.atomic():
            yield staged
            if staged.paths:
                after_files_written(staged)
    except BaseException:
        staged.discard()
        raise


def store_attachment(
    staged: StagedFiles,
    *,
    municipality_id: int,
    name: str,
    data: bytes,
    media_type: str,
    kind: str = AttachmentKind.APPLICATION,
    application: Application | None = None,
    message: Message | None = None,
    intake: ApiIntake | None = None,
    attachment_id: UUID | None = None,
) -> Attachment:
    path = staged.write(data)
    att = Attachment(
        municipality_id=municipality_id,
        application=application,
        message=message,
        intake=intake,
        kind=kind,
        name=safe_name(name),
        media_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        path=path,
    )
    if attachment_id is not None:
        att.id = attachment_id
    att.save()
    return att


def delete_files(paths: list[str]) -> None:
    for path in paths:
        private_storage().delete(path)


def read_attachment(att: Attachment) -> bytes:
    with private_storage().open(att.path, "rb") as fh:
        return bytes(fh.read())
