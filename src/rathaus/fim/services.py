"""All writes of the FIM form engine (transactional, audited)."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from rathaus.core.audit.services import record
from rathaus.core.mail import bilingual_body, bilingual_subject
from rathaus.core.tasks import send_email_after_commit

from . import engine
from .importers.xdf import XdfImportError, codelists_from_dir, count_nodes, parse_xdf
from .models import Draft, FormDefinition, FormSubmission, FormVersion, leika_validator


class SubmissionInvalid(Exception):
    def __init__(self, invalid: dict[int, Any]) -> None:
        super().__init__(f"invalid steps: {sorted(invalid)}")
        self.invalid = invalid


@dataclass
class ImportOutcome:
    form: FormDefinition
    version: FormVersion
    created: bool
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def xsd_dir() -> Path | None:
    configured = getattr(settings, "RATHAUS_FIM_XSD_DIR", "") or ""
    import os

    configured = os.environ.get("RATHAUS_FIM_XSD_DIR", configured)
    path = Path(configured) if configured else Path(settings.RATHAUS_TESTDATA) / "fim" / "xsd"
    return path if path.is_dir() else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def import_file(path: Path, municipality: Any, **kw: Any) -> ImportOutcome:
    return import_schema(
        municipality,
        path.read_bytes(),
        source_name=path.name,
        codelists=codelists_from_dir(path.parent, exclude=path),
        **kw,
    )


def import_schema(
    municipality: Any,
    data: bytes,
    *,
    source_name: str = "",
    codelists: dict[str, bytes] | None = None,
    leika: str = "",
    actor: Any = None,
    request: Any = None,
    allow_missing_codelists: bool = False,
) -> ImportOutcome:
    """Parse and store a new version; raises XdfImportError (nothing stored) on failure."""
    directory = xsd_dir()
    result = parse_xdf(
        data, codelists=codelists, xsd_dir=directory, allow_missing_codelists=allow_missing_codelists
    )
    defn = result.definition
    if leika:
        try:
            leika_validator(leika)
        except ValidationError as exc:
            raise XdfImportError(_("Ungültiger LeiKa-Schlüssel „%(k)s“.") % {"k": leika}) from exc
    digest = hashlib.sha256(data + json.dumps(defn["codelists"], sort_keys=True).encode()).hexdigest()
    with transaction.atomic():
        form, _created = FormDefinition.objects.select_for_update().get_or_create(
            municipality=municipality,
            schema_id=defn["schema_id"],
            defaults={
                "name": defn["title"][:300],
                "leika": leika or (defn["leika"][0] if defn["leika"] else ""),
            },
        )
        existing = FormVersion.objects.filter(form=form, source_hash=digest).first()
        if existing is not None:
            return ImportOutcome(
                form, existing, False, count_nodes(existing.definition), list(existing.warnings)
            )
        version = FormVersion.objects.create(
            municipality=municipality,
            form=form,
            version_label=defn["version"] or "1",
            definition=defn,
            warnings=result.warnings,
            source_name=source_name[:255],
            source_hash=digest,
        )
        form.active_version = version
        form.name = defn["title"][:300]
        if leika:
            form.leika = leika
        form.save()
        record(
            "fim.import",
            request=request,
            actor=actor,
            municipality=municipality,
            obj=version,
            changes={"schema": [None, defn["schema_id"]], "version": [None, version.version_label]},
        )
    return ImportOutcome(form, version, True, result.counts, result.warnings)


# --- drafts --------------------------------------------------------------------------------------


def start_draft(form: FormDefinition, *, user: Any = None) -> tuple[Draft, str]:
    """A new draft on the form's active version; returns (draft, guest token or "")."""
    assert form.active_version is not None
    token = "" if user is not None and user.is_authenticated else secrets.token_urlsafe(32)
    draft = Draft.objects.create(
        municipality=form.municipality,
        form=form,
        version=form.active_version,
        user=user if token == "" else None,
        token_hash=token_hash(token) if token else "",
    )
    return draft, token


def _store_files(draft: Draft, value: Any) -> Any:
    if isinstance(value, UploadedFile):
        name = Path(value.name or "datei").name[:100]
        path = default_storage.save(f"fim/{draft.municipality_id}/{uuid.uuid4().hex}/{name}", value)
        return {"name": name, "path": path, "size": value.size}
    if isinstance(value, list):
        return [_store_files(draft, v) for v in value]
    if isinstance(value, dict) and "path" not in value:
        return {k: _store_files(draft, v) for k, v in value.items()}
    return value


def save_step(draft: Draft, step_id: str, raw: list[Any], current_step: int) -> Draft:
    answers = dict(draft.answers)
    answers[step_id] = _store_files(draft, raw)
    draft.answers = answers
    draft.current_step = current_step
    draft.save(update_fields=["answers", "current_step", "updated_at"])
    return draft


def send_resume_link(draft: Draft, email: str, url: str) -> None:
    """Guests: mail the secret resume link (the token is only in the mail and the session)."""
    draft.email = email
    draft.save(update_fields=["email", "updated_at"])
    name = draft.form.name

    def body() -> str:
        return _(
            "Sie haben den Antrag „%(name)s“ als Entwurf gespeichert.\n\n"
            "Mit diesem Link setzen Sie ihn fort:\n"
            "%(url)s\n\nBitte geben Sie den Link nicht weiter: Wer ihn kennt, kann Ihre Angaben sehen."
        ) % {"name": name, "url": url}

    send_email_after_commit(bilingual_subject(lambda: _("Ihr Antragsentwurf")), bilingual_body(body), [email])


def submit(draft: Draft) -> FormSubmission:
    """Validate every step server-side, then store the versioned payload (boundary to issue 4)."""
    defn = draft.version.definition
    payload, invalid = engine.validate_all(defn, draft.answers)
    if invalid:
        raise SubmissionInvalid(invalid)
    with transaction.atomic():
        submission = FormSubmission.objects.create(
            municipality=draft.municipality,
            form=draft.form,
            version=draft.version,
            payload={
                "schema_id": defn["schema_id"],
                "schema_version": defn["version"],
                "form_version_id": draft.version_id,
                "answers": payload,
            },
            reference=uuid.uuid4().hex[:12].upper(),
            user=draft.user,
            email=draft.email or (draft.user.email if draft.user else ""),
        )
        record("fim.submit", actor=draft.user, municipality=draft.municipality, obj=submission)
        draft.delete()
    return submission


# --- DSGVO ---------------------------------------------------------------------------------------


def export_user_forms(user: Any) -> tuple[str, Any]:
    drafts = Draft.objects.filter(user=user).select_related("form", "municipality")
    submissions = FormSubmission.objects.filter(user=user).select_related("form", "municipality")
    return (
        "fim_forms",
        {
            "drafts": [
                {
                    "municipality": d.municipality.name,
                    "form": d.form.name,
                    "answers": d.answers,
                    "updated_at": d.updated_at.isoformat(),
                }
                for d in drafts
            ],
            "submissions": [
                {
                    "municipality": s.municipality.name,
                    "form": s.form.name,
                    "reference": s.reference,
                    "payload": s.payload,
                    "submitted_at": s.submitted_at.isoformat(),
                }
                for s in submissions
            ],
        },
    )


def erase_user_forms(user: Any) -> None:
    """Account deletion: drafts go; submitted applications stay with the authority (user unlinked)."""
    Draft.objects.filter(user=user).delete()
