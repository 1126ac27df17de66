"""Submission: a FIM form's answers become a case with a reference number and attachments."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.cases.models import (
    Application,
    Attachment,
    Channel,
    ServiceSetting,
    Status,
)
from rathaus.core.audit.services import record
from rathaus.core.storage import private_storage
from rathaus.core.tenancy.models import Municipality
from rathaus.fim import services as fim

from .attachments import (
    StagedFiles,
    atomic_with_files,
    check_attachment,
    delete_files,
    setting_for,
    sniff,
    store_attachment,
)
from .extensions import _extensions
from .guest_links import new_guest_token
from .mails import _send_held_after_commit, _send_receipt_after_commit
from .references import allocate_reference
from .workflow import AttachmentRejected, _event

NAME_LABELS = ("familienname", "nachname", "name")
FIRST_NAME_LABELS = ("vorname", "vornamen")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _fields(defn: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for n in nodes:
            if n.get("kind") == "group":
                walk(n.get("children", []))
            else:
                out.setdefault(n["id"], str(n.get("label", "")).strip().lower())

    walk(defn.get("items", []))
    return out


def _first_values(answers: Any) -> Iterator[tuple[str, Any]]:
    """(field id, value) in document order, first instance of each group only."""
    if isinstance(answers, dict):
        for key, value in answers.items():
            if isinstance(value, list):
                if value and isinstance(value[0], dict):
                    yield from _first_values(value[0])
            else:
                yield key, value


def applicant_from(defn: dict[str, Any], answers: dict[str, Any]) -> tuple[str, str]:
    """(name, e-mail) found in the answers by the fields' labels (best effort)."""
    labels = _fields(defn)
    last = first = email = ""
    for fid, value in _first_values(answers):
        if not isinstance(value, str) or not value:
            continue
        label = labels.get(fid, "")
        if not last and label in NAME_LABELS:
            last = value
        elif not first and label in FIRST_NAME_LABELS:
            first = value
        elif not email and ("mail" in label) and EMAIL_RE.match(value):
            email = value
    return " ".join(p for p in (first, last) if p)[:200], email


@dataclass
class Incoming:
    """What every channel hands to :func:`open_application`."""

    form: Any
    version: Any
    payload: dict[str, Any]
    key: str
    channel: str = Channel.WEB
    user: Any = None
    email: str = ""
    files: list[tuple[str, bytes]] | None = None  # (name, data) to be checked and stored
    metadata: dict[str, Any] | None = None
    submitted_at: datetime | None = None


def _collect_draft_files(answers: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(answers, dict):
        if "path" in answers and "name" in answers:
            out.append(answers)
            return
        for v in answers.values():
            _collect_draft_files(v, out)
    elif isinstance(answers, list):
        for v in answers:
            _collect_draft_files(v, out)


def _replace_file_refs(answers: Any, mapping: dict[str, Attachment]) -> Any:
    if isinstance(answers, dict):
        if "path" in answers and "name" in answers:
            att = mapping.get(answers["path"])
            if att is None:
                return answers
            return {"name": att.name, "attachment": str(att.pk), "sha256": att.sha256, "size": att.size}
        return {k: _replace_file_refs(v, mapping) for k, v in answers.items()}
    if isinstance(answers, list):
        return [_replace_file_refs(v, mapping) for v in answers]
    return answers


def submit_draft(draft: Any, payload: dict[str, Any], key: str) -> Any:
    """The FIM form engine's submit handler: the draft becomes an application (idempotent by key)."""
    municipality = draft.municipality
    done = Application.objects.filter(municipality=municipality, idempotency_key=key).first()
    if done is not None and done.submission is not None:
        return done.submission
    refs: list[dict[str, Any]] = []
    _collect_draft_files(payload.get("answers", {}), refs)
    files: list[tuple[str, str, bytes]] = []
    for ref in refs:
        try:
            with private_storage().open(ref["path"], "rb") as fh:
                files.append((ref["path"], ref["name"], fh.read()))
        except (OSError, ValueError) as exc:
            raise AttachmentRejected(
                _("Die Datei „%(name)s“ ist nicht mehr vorhanden. Bitte laden Sie sie erneut hoch.")
                % {"name": ref.get("name", "")}
            ) from exc
    setting = setting_for(draft.form)
    for n, (_p, name, data) in enumerate(files):
        check_attachment(setting, name, data, n)
    app, created, raw = _open(
        municipality,
        key,
        lambda staged, app: _draft_payload(staged, app, draft, payload, files),
        form=draft.form,
        setting=setting,
        user=draft.user,
        email=fim.draft_email(draft),
        channel=Channel.WEB,
        lock_draft=draft,
        # who identified, how and at which level (rathaus.identity), shown in the inbox
        metadata={"identity": payload["identity"]} if payload.get("identity") else None,
    )
    if created:
        # The draft's own copies are no longer needed once the application is stored.
        draft_paths = [p for p, _n, _d in files]
        transaction.on_commit(lambda: delete_files(draft_paths))
    sub = app.submission
    sub.guest_token = raw  # type: ignore[union-attr]
    return sub


def _draft_payload(
    staged: StagedFiles,
    app: Application,
    draft: Any,
    payload: dict[str, Any],
    files: list[tuple[str, str, bytes]],
) -> Any:
    mapping: dict[str, Attachment] = {}
    for path, name, data in files:
        mapping[path] = store_attachment(
            staged,
            municipality_id=app.municipality_id,
            name=name,
            data=data,
            media_type=sniff(data) or "application/octet-stream",
            application=app,
        )
    payload = {**payload, "answers": _replace_file_refs(payload.get("answers", {}), mapping)}
    sub = fim.store_submission(
        form=draft.form,
        version=draft.version,
        payload=payload,
        reference=app.reference,
        key=app.idempotency_key,
        user=draft.user,
        email=app.applicant_email,
    )
    name, email = applicant_from(draft.version.definition, payload["answers"])
    if name:
        app.applicant_name = name
    if not app.applicant_email and email:
        app.applicant_email = email
    draft.delete()
    return sub


def _open(
    municipality: Municipality,
    key: str,
    build: Any,
    *,
    form: Any,
    setting: ServiceSetting,
    user: Any,
    email: str,
    channel: str,
    lock_draft: Any = None,
    metadata: dict[str, Any] | None = None,
) -> tuple[Application, bool, str]:
    """Create the application (or return the one of this key); returns (app, created, guest token)."""
    existing = Application.objects.filter(municipality=municipality, idempotency_key=key).first()
    if existing is not None:
        return existing, False, ""
    user = user if getattr(user, "is_authenticated", False) else None
    raw, digest = ("", "") if user is not None or channel == Channel.API else new_guest_token()
    try:
        with atomic_with_files(municipality.pk) as staged:
            # Serialises a double click: the second request waits here, then finds the draft gone.
            if (
                lock_draft is not None
                and not type(lock_draft).objects.select_for_update().filter(pk=lock_draft.pk).exists()
            ):
                raise _AlreadyDone
            existing = Application.objects.filter(municipality=municipality, idempotency_key=key).first()
            if existing is not None:
                raise _AlreadyDone
            now = timezone.now()
            app = Application.objects.create(
                municipality=municipality,
                reference=allocate_reference(municipality, timezone.localdate(now).year),
                form=form,
                service_name=form.name[:300],
                channel=channel,
                idempotency_key=key,
                applicant=user,
                applicant_email=(email or (user.email if user else ""))[:254],
                guest_token_hash=digest,
                department=setting.department,
                submitted_at=now,
                due_date=timezone.localdate(now) + timedelta(days=setting.deadline_days),
                metadata=metadata or {},
            )
            app.submission = build(staged, app)
            if not app.applicant_name and user is not None:
                app.applicant_name = (user.display_name or user.email)[:200]
            held = channel == Channel.WEB and any(ext.hold(app) for ext in _extensions)
            if held:
                app.status = Status.PAYMENT_DUE
            app.save()
            _event(app, "", app.status, actor=user, by_applicant=True)
            record("cases.submitted", actor=user, municipality=municipality, obj=app)
            if held:
                _send_held_after_commit(app, raw)
            else:
                _send_receipt_after_commit(app, raw)
    except (_AlreadyDone, IntegrityError):
        existing = Application.objects.filter(municipality=municipality, idempotency_key=key).first()
        if existing is None:
            raise
        return existing, False, ""
    return app, True, raw


class _AlreadyDone(Exception):
    pass
