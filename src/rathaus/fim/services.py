"""All writes of the FIM form engine (transactional, audited)."""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rathaus.core import uploads
from rathaus.core.accounts.models import User
from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports
from rathaus.core.mail import bilingual_body, bilingual_subject
from rathaus.core.storage import private_storage
from rathaus.core.tasks import send_email_after_commit
from rathaus.core.tenancy.models import Municipality

from . import engine, prefill
from .importers.xdf import XdfImportError, codelists_from_dir, count_nodes, parse_xdf
from .models import Draft, FormDefinition, FormSubmission, FormVersion, leika_validator


class SubmissionInvalid(Exception):
    def __init__(self, invalid: dict[int, Any]) -> None:
        super().__init__(f"invalid steps: {sorted(invalid)}")
        self.invalid = invalid


class SubmissionRejected(Exception):
    """The submission cannot be accepted as it is (e.g. an attachment of a forbidden type)."""


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


def import_file(path: Path, municipality: Municipality, **kw: Any) -> ImportOutcome:
    return import_schema(
        municipality,
        path.read_bytes(),
        source_name=path.name,
        codelists=codelists_from_dir(path.parent, exclude=path),
        **kw,
    )


def import_schema(
    municipality: Municipality,
    data: bytes,
    *,
    source_name: str = "",
    codelists: dict[str, bytes] | None = None,
    leika: str = "",
    actor: User | None = None,
    ctx: ServiceContext | None = None,
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
            ctx=ctx,
            actor=actor,
            municipality=municipality,
            obj=version,
            changes={"schema": [None, defn["schema_id"]], "version": [None, version.version_label]},
        )
    return ImportOutcome(form, version, True, result.counts, result.warnings)


# --- the upload as an import job (rathaus.core.jobs.imports, declared in apps.py) ----------------

IMPORT_KIND = "fim.xdf"
MAX_IMPORT_BYTES = 20 * 1024 * 1024  # the job file: schema, code lists and options, compressed
_SCHEMA_MEMBER = "schema.xml"
_OPTIONS_MEMBER = "options.json"
_CODELIST_FOLDER = "codelists/"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # no time stamps: the same upload gives the same bytes (checksum)


@dataclass
class SchemaUpload:
    """What the upload form hands over: the schema, its code lists (file name → bytes) and options."""

    schema: bytes
    source_name: str = ""
    codelists: dict[str, bytes] = field(default_factory=dict)
    leika: str = ""
    allow_missing_codelists: bool = False


def pack_upload(upload: SchemaUpload) -> bytes:
    """The one file an import job stores: a ZIP with the schema, the code lists and the options.

    Deterministic (sorted members, fixed times), so a double submit of the same files and options
    has the same checksum and opens the running job instead of a second one.
    """
    names = sorted(upload.codelists)
    options = {
        "source_name": upload.source_name,
        "leika": upload.leika,
        "allow_missing_codelists": upload.allow_missing_codelists,
        "codelists": names,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:

        def put(name: str, data: bytes) -> None:
            zf.writestr(zipfile.ZipInfo(name, date_time=_FIXED_TIME), data, zipfile.ZIP_DEFLATED)

        put(_OPTIONS_MEMBER, json.dumps(options, sort_keys=True).encode())
        put(_SCHEMA_MEMBER, upload.schema)
        for i, name in enumerate(names):
            put(f"{_CODELIST_FOLDER}{i}.xml", upload.codelists[name])
    return buffer.getvalue()


def unpack_upload(data: bytes) -> SchemaUpload:
    """The upload of a job file written by :func:`pack_upload`; ImportFailed for anything else."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            options = json.loads(zf.read(_OPTIONS_MEMBER))
            names = [str(n) for n in options["codelists"]]
            return SchemaUpload(
                schema=zf.read(_SCHEMA_MEMBER),
                source_name=str(options["source_name"]),
                codelists={name: zf.read(f"{_CODELIST_FOLDER}{i}.xml") for i, name in enumerate(names)},
                leika=str(options["leika"]),
                allow_missing_codelists=bool(options["allow_missing_codelists"]),
            )
    except (zipfile.BadZipFile, KeyError, TypeError, ValueError):
        raise imports.ImportFailed(
            _("Die Importdatei ist beschädigt; bitte laden Sie das Schema erneut hoch.")
        ) from None


def run_import_job(
    ctx: ServiceContext, job: Any, data: bytes, progress: imports.Progress
) -> tuple[str, dict[str, Any]]:
    """The importer of ``fim.xdf`` jobs: read, check and store the schema as a new form version.

    A refused schema (:class:`XdfImportError`) ends the job failed with the importer's message;
    :func:`import_schema` stores the version in one transaction, so a failed job stored nothing.
    """
    assert ctx.municipality is not None
    progress.start(2)
    upload = unpack_upload(data)
    progress.advance()
    try:
        outcome = import_schema(
            ctx.municipality,
            upload.schema,
            source_name=upload.source_name,
            codelists=upload.codelists,
            leika=upload.leika,
            ctx=ctx,
            allow_missing_codelists=upload.allow_missing_codelists,
        )
    except XdfImportError as exc:
        raise imports.ImportFailed(str(exc)) from None
    progress.advance()
    if outcome.created:
        message = _("Neue Version %(v)s importiert.") % {"v": outcome.version.version_label}
    else:
        message = _("Diese Datei ist bereits importiert; es wurde keine neue Version angelegt.")
    if outcome.warnings:
        message += " " + ngettext(
            "%(n)s Hinweis beim Import steht in der Vorschau des Formulars.",
            "%(n)s Hinweise beim Import stehen in der Vorschau des Formulars.",
            len(outcome.warnings),
        ) % {"n": len(outcome.warnings)}
    result = {
        "created": 1 if outcome.created else 0,
        "form": outcome.form.pk,
        "version": outcome.version.version_label,
        "warnings": len(outcome.warnings),
        **outcome.counts,
        "url": reverse("fim:preview", kwargs={"pk": outcome.form.pk}),
    }
    return message, result


IMPORTER = imports.Importer(
    kind=IMPORT_KIND,
    module="services",
    run=run_import_job,
    back_url_name="fim:manage",
    start_url_name="fim:import",
    max_bytes=MAX_IMPORT_BYTES,
)


# --- drafts --------------------------------------------------------------------------------------


def start_draft(form: FormDefinition, *, user: User | AnonymousUser | None = None) -> tuple[Draft, str]:
    """A new draft on the form's active version; returns (draft, guest token or "")."""
    assert form.active_version is not None
    signed_in = user if user is not None and user.is_authenticated else None
    token = "" if signed_in is not None else secrets.token_urlsafe(32)  # a guest's draft: by its token
    draft = Draft.objects.create(
        municipality=form.municipality,
        form=form,
        version=form.active_version,
        user=signed_in,
        token_hash=token_hash(token) if token else "",
        answers=prefill.initial_answers(form.active_version.definition, user, form.municipality),
    )
    return draft, token


def _store_files(draft: Draft, value: Any) -> Any:
    if isinstance(value, UploadedFile):
        name = Path(value.name or "datei").name[:100]
        path = private_storage().save(uploads.storage_name("fim", draft.municipality_id, name), value)
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


# Extension point of the submission boundary: the case management (rathaus.cases) registers a
# handler that stores the application (reference number, attachments, receipt) in the same
# transaction. Without a handler, the form engine stores the bare submission itself.
SubmitHandler = Callable[[Draft, dict[str, Any], str], FormSubmission]
_submit_handlers: list[SubmitHandler] = []


def register_submit_handler(fn: SubmitHandler) -> SubmitHandler:
    if fn not in _submit_handlers:
        _submit_handlers.append(fn)
    return fn


def validate_draft(draft: Draft) -> dict[str, Any]:
    """The versioned payload of a complete draft; raises SubmissionInvalid."""
    defn = draft.version.definition
    payload, invalid = engine.validate_all(defn, draft.answers)
    if invalid:
        raise SubmissionInvalid(invalid)
    return {
        "schema_id": defn["schema_id"],
        "schema_version": defn["version"],
        "form_version_id": draft.version_id,
        "answers": payload,
    }


def validate_answers(version: FormVersion, answers: dict[str, Any]) -> dict[str, Any]:
    """Server-to-server submissions: nested answers validated like a draft; raises SubmissionInvalid."""
    defn = version.definition
    payload, invalid = engine.validate_all(defn, answers)
    if invalid:
        raise SubmissionInvalid(invalid)
    return {
        "schema_id": defn["schema_id"],
        "schema_version": defn["version"],
        "form_version_id": version.pk,
        "answers": payload,
    }


def invalid_messages(exc: SubmissionInvalid) -> list[dict[str, Any]]:
    """The errors of an invalid submission as plain data (step index, field name, messages)."""
    out = []
    for index, form in sorted(exc.invalid.items()):
        for name, errors in form.errors.items():
            out.append({"step": index, "field": name, "messages": [str(e) for e in errors]})
    return out


def submission_for_key(municipality: Municipality, key: str) -> FormSubmission | None:
    if not key:
        return None
    return FormSubmission.objects.filter(municipality=municipality, idempotency_key=key).first()


def store_submission(
    *,
    form: FormDefinition,
    version: FormVersion,
    payload: dict[str, Any],
    reference: str,
    key: str = "",
    user: User | None = None,
    email: str = "",
) -> FormSubmission:
    """Store a validated payload (call inside the caller's transaction)."""
    submission = FormSubmission.objects.create(
        municipality=form.municipality,
        form=form,
        version=version,
        payload=payload,
        reference=reference,
        idempotency_key=key,
        user=user if user is not None and getattr(user, "is_authenticated", False) else None,
        email=email,
    )
    record("fim.submit", actor=submission.user, municipality=form.municipality, obj=submission)
    return submission


def erase_submission(submission: FormSubmission) -> None:
    """Retention: drop the personal payload, keep the row (schema, version, date)."""
    payload = submission.payload or {}
    submission.payload = {k: v for k, v in payload.items() if k != "answers"} | {
        "answers": {},
        "erased": True,
    }
    submission.email = ""
    submission.user = None
    submission.save(update_fields=["payload", "email", "user"])


def draft_email(draft: Draft) -> str:
    return draft.email or (draft.user.email if draft.user else "")


def submit(draft: Draft, *, key: str = "", extra: dict[str, Any] | None = None) -> FormSubmission:
    """Validate every step server-side, then store the versioned payload (boundary to issue 4).

    ``key`` is the one-time key of the submit form (the draft's ``submit_key``): the same key never
    yields two submissions (checked again under the database's unique constraint).
    """
    key = key or str(draft.submit_key)
    payload = validate_draft(draft)
    if extra:
        payload.update({k: v for k, v in extra.items() if k not in payload})
    if _submit_handlers:
        return _submit_handlers[-1](draft, payload, key)
    with transaction.atomic():
        existing = submission_for_key(draft.municipality, key)
        if existing is not None:
            return existing
        submission = store_submission(
            form=draft.form,
            version=draft.version,
            payload=payload,
            reference=uuid.uuid4().hex[:12].upper(),
            key=key,
            user=draft.user,
            email=draft_email(draft),
        )
        draft.delete()
    return submission


# --- DSGVO ---------------------------------------------------------------------------------------


def export_user_forms(user: User) -> tuple[str, Any]:
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


def erase_user_forms(user: User) -> None:
    """Account deletion: drafts go; submitted applications stay with the authority (user unlinked)."""
    Draft.objects.filter(user=user).delete()


# --- access gates (identity) ---------------------------------------------------------------------
# What a form gate (registered in rathaus.fim.hooks, run by the form views) answers when the person
# may not use the form yet: why not, and where to log in. The prefill helpers below let a login
# provider fill and lock answers without knowing the engine's answer shape.


@dataclass
class Gate:
    message: str
    login_url: str = ""
    login_label: str = ""


def prefill_answers(defn: dict[str, Any], known: dict[str, str], by_field: dict[str, str]) -> dict[str, Any]:
    """Answers (engine shape) holding only the given values: by meaning for the applicant's fields,
    by FIM field id (``by_field``) anywhere."""
    return prefill.answers_from(defn, known, by_field)


def overlay_answers(answers: dict[str, Any], forced: dict[str, Any]) -> dict[str, Any]:
    return prefill.overlay(answers, forced)


def set_answers(draft: Draft, answers: dict[str, Any]) -> None:
    draft.answers = answers
    draft.save(update_fields=["answers", "updated_at"])


def field_ids_of(defn: dict[str, Any], answers: dict[str, Any]) -> set[str]:
    """Every field id that holds a value in these answers (for marking prefilled fields)."""
    return prefill.field_ids(answers)
