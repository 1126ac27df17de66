"""All writes of the case management (Anträge und Sachbearbeitung): transactional and audited."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext
from rathaus.core.mail import bilingual_body, bilingual_subject
from rathaus.core.pdf import Document
from rathaus.core.storage import private_storage
from rathaus.core.tasks import send_email_after_commit
from rathaus.core.tenancy.models import Municipality
from rathaus.fim import queries as fim_queries
from rathaus.fim import services as fim

from . import letters
from .models import (
    DECIDED,
    FINAL,
    Application,
    Attachment,
    AttachmentKind,
    Channel,
    LetterSettings,
    Message,
    MessageKind,
    Note,
    ReferenceCounter,
    ServiceSetting,
    Status,
    StatusEvent,
)

logger = logging.getLogger(__name__)

# --- the workflow -----------------------------------------------------------------------------

S = Status
# Every legal transition: (from, to) -> who may make it ("staff", "applicant").
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    # An application with a fee waits until the payment provider confirms (rathaus.payments).
    (S.PAYMENT_DUE, S.RECEIVED): frozenset({"system"}),
    (S.PAYMENT_DUE, S.WITHDRAWN): frozenset({"applicant", "staff", "system"}),
    (S.RECEIVED, S.IN_REVIEW): frozenset({"staff"}),
    (S.RECEIVED, S.QUERY): frozenset({"staff"}),
    (S.RECEIVED, S.WITHDRAWN): frozenset({"applicant", "staff"}),
    (S.IN_REVIEW, S.QUERY): frozenset({"staff"}),
    (S.IN_REVIEW, S.APPROVED): frozenset({"staff"}),
    (S.IN_REVIEW, S.REJECTED): frozenset({"staff"}),
    (S.IN_REVIEW, S.PARTIAL): frozenset({"staff"}),
    (S.IN_REVIEW, S.WITHDRAWN): frozenset({"applicant", "staff"}),
    (S.QUERY, S.IN_REVIEW): frozenset({"applicant", "staff"}),
    (S.QUERY, S.WITHDRAWN): frozenset({"applicant", "staff"}),
    (S.APPROVED, S.CLOSED): frozenset({"staff"}),
    (S.REJECTED, S.CLOSED): frozenset({"staff"}),
    (S.PARTIAL, S.CLOSED): frozenset({"staff"}),
}


class IllegalTransition(Exception):
    pass


class AttachmentRejected(fim.SubmissionRejected):
    pass


def allowed_targets(status: str, role: str = "staff") -> list[str]:
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == status and role in roles]


def can_transition(status: str, to: str, role: str = "staff") -> bool:
    return role in TRANSITIONS.get((status, to), frozenset())


def _locked(app: Application) -> Application:
    fresh: Application = Application.objects.select_for_update().get(pk=app.pk)
    return fresh


def transition(
    app: Application,
    to: str,
    *,
    actor: Any = None,
    ctx: ServiceContext | None = None,
    by_applicant: bool = False,
    note: str = "",
    system: bool = False,
) -> Application:
    """Move the application to ``to`` (row locked); IllegalTransition for anything not in the table."""
    role = "system" if system else ("applicant" if by_applicant else "staff")
    with transaction.atomic():
        fresh = _locked(app)
        if not can_transition(fresh.status, to, role):
            raise IllegalTransition(
                _("Der Statuswechsel von „%(a)s“ nach „%(b)s“ ist nicht zulässig.")
                % {"a": Status(fresh.status).label, "b": Status(to).label if to in Status.values else to}
            )
        before = fresh.status
        fresh.status = to
        now = timezone.now()
        fields = ["status"]
        if to in DECIDED:
            fresh.decided_at = now
            fields.append("decided_at")
        if to in FINAL:
            fresh.closed_at = now
            fields.append("closed_at")
        fresh.save(update_fields=fields)
        _event(fresh, before, to, actor=actor, by_applicant=by_applicant, note=note)
        record(
            "cases.status",
            ctx=ctx,
            actor=actor,
            municipality=fresh.municipality,
            obj=fresh,
            changes={"status": [before, to]},
        )
    app.refresh_from_db()
    return app


def _event(app: Application, before: str, to: str, *, actor: Any, by_applicant: bool, note: str = "") -> None:
    StatusEvent.objects.create(
        municipality_id=app.municipality_id,
        application=app,
        from_status=before,
        to_status=to,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        by_applicant=by_applicant,
        note=note[:500],
    )


# --- extensions (the payment step, rathaus.payments) ------------------------------------------


@dataclass(frozen=True)
class CaseExtension:
    """What another app adds to the case flow without cases naming it (ADR 0006).

    ``hold(app)`` runs inside the transaction that stores a web application; True keeps it in
    "Zahlung offen" (no receipt mail yet). ``applicant_link(app, request)`` gives the applicant's next
    step for such an application (label, url) or None. ``staff_panel(app, request)`` gives HTML for the
    staff case page (or "")."""

    key: str
    hold: Any
    applicant_link: Any
    staff_panel: Any


_extensions: list[CaseExtension] = []


def register_extension(ext: CaseExtension) -> None:
    if all(e.key != ext.key for e in _extensions):
        _extensions.append(ext)


def extensions() -> list[CaseExtension]:
    return list(_extensions)


def payment_confirmed(app: Application, *, note: str = "") -> bool:
    """The fee of an application in "Zahlung offen" is confirmed: it is now "eingegangen".

    Idempotent (False when the application was not waiting any more). The Bearbeitungsfrist counts from
    now; the Eingangsbestätigung goes out now."""
    with transaction.atomic():
        fresh = _locked(app)
        if fresh.status != Status.PAYMENT_DUE:
            return False
        setting = setting_for(fresh.form)
        fresh.status = Status.RECEIVED
        fresh.due_date = timezone.localdate() + timedelta(days=setting.deadline_days)
        fresh.save(update_fields=["status", "due_date"])
        _event(fresh, Status.PAYMENT_DUE, Status.RECEIVED, actor=None, by_applicant=False, note=note)
        record(
            "cases.status",
            municipality=fresh.municipality,
            obj=fresh,
            changes={"status": [Status.PAYMENT_DUE, Status.RECEIVED]},
        )
        _send_receipt_after_commit(fresh, "")
    app.refresh_from_db()
    return True


def payment_expired(app: Application) -> bool:
    """An unpaid application whose payment period has ended is withdrawn by the system (idempotent)."""
    with transaction.atomic():
        fresh = _locked(app)
        if fresh.status != Status.PAYMENT_DUE:
            return False
        transition(fresh, Status.WITHDRAWN, note=_("Gebühr nicht fristgerecht bezahlt"), system=True)
    app.refresh_from_db()
    return True


def notify_applicant(app: Application, subject: Any, text: Any) -> None:
    """A short bilingual mail to the applicant (used by extensions, e.g. the payment reminder)."""
    _notify(app, subject, text)


# --- reference numbers ------------------------------------------------------------------------


def allocate_reference(municipality: Municipality, year: int | None = None) -> str:
    """``<PREFIX>-<YYYY>-<000123>`` from the locked counter row (call inside a transaction)."""
    year = year or timezone.localdate().year
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
        municipality=municipality, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    prefix = (municipality.reference_prefix or "XX").strip().upper()
    return f"{prefix}-{year}-{counter.last:06d}"


def advance_reference_counters(gap: int, since: date) -> list[str]:
    """After a restore (``manage.py restore``): move every municipality's counter of every year from
    the backup's year to this year ``gap`` numbers ahead, creating missing rows, so that the
    Aktenzeichen issued between the backup and the restore are never issued again
    (docs/operations.md, "Reference numbers after a restore")."""
    from rathaus.core.tenancy.models import Municipality

    today = timezone.localdate()
    advanced: list[str] = []
    with transaction.atomic():
        for muni in Municipality.objects.order_by("pk"):
            for year in range(min(since.year, today.year), today.year + 1):
                counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
                    municipality=muni, year=year
                )
                counter.last += gap
                counter.save(update_fields=["last"])
                advanced.append(f"{muni.slug} {year}: {counter.last}")
    return advanced


def attachment_file_references() -> Iterator[Any]:
    """Every stored attachment file (for ``manage.py check_files`` and the restore check)."""
    from rathaus.core.backup.registry import FileRef

    rows = Attachment.objects.exclude(path="").values_list("pk", "path")
    for pk, path in rows.iterator():
        yield FileRef(f"cases.Attachment {pk}", "file", private_storage().exists(path))


# --- attachments --------------------------------------------------------------------------------

MAGIC: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
]
TYPE_LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def sniff(data: bytes) -> str | None:
    """The media type told by the file's first bytes (never by its name or the browser's claim)."""
    for magic, media_type, _ext in MAGIC:
        if data.startswith(magic):
            return media_type
    return None


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
    if len(data) > setting.max_attachment_bytes:
        raise AttachmentRejected(
            _("Die Datei „%(name)s“ ist zu groß (höchstens %(mb)d MB).")
            % {"name": name, "mb": setting.max_attachment_mb}
        )
    if not data:
        raise AttachmentRejected(_("Die Datei „%(name)s“ ist leer.") % {"name": name})
    media_type = sniff(data)
    allowed = list(setting.allowed_types or [])
    if media_type is None or media_type not in allowed:
        raise AttachmentRejected(
            _("Die Datei „%(name)s“ hat keinen erlaubten Typ (erlaubt: %(types)s).")
            % {"name": name, "types": ", ".join(TYPE_LABELS.get(t, t) for t in allowed)}
        )
    return media_type


def safe_name(name: str) -> str:
    base = PurePath(name or "datei").name
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "datei"
    return base[:150]


class StagedFiles:
    """Files written during a transaction; deleted again when the transaction fails."""

    def __init__(self, municipality_id: int) -> None:
        self.municipality_id = municipality_id
        self.paths: list[str] = []

    def write(self, data: bytes) -> str:
        path = private_storage().save(f"cases/{self.municipality_id}/{uuid.uuid4().hex}", ContentFile(data))
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
    intake: Any = None,
    attachment_id: Any = None,
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


# --- guest links --------------------------------------------------------------------------------


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_guest_token() -> tuple[str, str]:
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def application_for_guest(municipality: Municipality, raw: str) -> Application | None:
    """The application whose secret link carries ``raw`` (hash looked up, then compared in constant time)."""
    if not raw or len(raw) < 20 or len(raw) > 100:
        return None
    digest = hash_token(raw)
    app: Application | None = (
        Application.objects.for_tenant(municipality).filter(guest_token_hash=digest).first()
    )
    if app is None or not hmac.compare_digest(app.guest_token_hash, digest):
        return None
    return app


# --- submission -------------------------------------------------------------------------------

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


# --- receipt and mails --------------------------------------------------------------------------


def status_url(app: Application, raw_token: str = "") -> str:
    from django.urls import reverse

    from rathaus.core.tenancy.services import public_url

    if raw_token:
        path = reverse("cases:guest", kwargs={"token": raw_token})
    else:
        path = reverse("cases:detail", kwargs={"pk": app.pk})
    return public_url(app.municipality, path)


def receipt_pdf(app: Application) -> bytes:
    """Eingangsbestätigung: reference, date, every answer, every attachment with its SHA-256."""
    muni = app.municipality
    doc = Document(
        municipality_name=muni.official_name or muni.name,
        title=_("Eingangsbestätigung"),
        subject=f"{app.service_name} – {app.reference}",
    )
    doc.fields(
        [
            (_("Aktenzeichen"), app.reference),
            (_("Leistung"), app.service_name),
            (_("Eingang"), date_format(timezone.localtime(app.submitted_at), "DATETIME_FORMAT")),
            (_("Antragsteller/in"), app.applicant_name or "–"),
            (_("Bearbeitungsfrist"), date_format(app.due_date, "DATE_FORMAT")),
        ]
    )
    sub = app.submission
    if sub is not None:
        defn = sub.version.definition
        for section in fim_queries.answer_rows(defn, sub.payload.get("answers", {})):
            doc.heading(section["title"])
            if section["rows"]:
                doc.table([_("Angabe"), _("Ihre Eingabe")], section["rows"])
    atts = [a for a in app.attachments.all() if a.kind == AttachmentKind.APPLICATION]
    doc.heading(_("Anlagen"))
    if atts:
        doc.table([_("Datei"), _("Größe (Bytes)"), "SHA-256"], [(a.name, a.size, a.sha256) for a in atts])
    else:
        doc.paragraph(_("Keine Anlagen."))
    doc.paragraph(_("Diese Bestätigung wurde maschinell erstellt und ist ohne Unterschrift gültig."))
    return doc.output()


def _send_receipt_after_commit(app: Application, raw_token: str) -> None:
    """Confirmation mail with the PDF receipt. Sent directly after commit (not through the task
    queue): a guest's secret link must not be stored in clear in the task table."""
    if not app.applicant_email:
        return
    pk = app.pk

    def send() -> None:
        fresh = Application.objects.select_related("municipality", "submission__version").get(pk=pk)
        url = status_url(fresh, raw_token)

        def body() -> str:
            text = _(
                "Guten Tag,\n\nIhr Antrag „%(service)s“ ist am %(date)s eingegangen.\nAktenzeichen: %(ref)s\n"
            ) % {
                "service": fresh.service_name,
                "date": date_format(timezone.localtime(fresh.submitted_at), "DATETIME_FORMAT"),
                "ref": fresh.reference,
            }
            if raw_token or fresh.applicant_id:
                text += "\n" + _("Den Stand Ihres Antrags sehen Sie hier:\n%(url)s") % {"url": url} + "\n"
            if raw_token:
                text += "\n" + _(
                    "Bitte geben Sie diesen Link nicht weiter: Wer ihn kennt, kann Ihren Antrag sehen."
                )
            text += "\n\n" + _("Die Eingangsbestätigung finden Sie als PDF im Anhang.")
            return text

        subject = bilingual_subject(lambda: _("Eingangsbestätigung %(ref)s") % {"ref": fresh.reference})
        with override("de"):
            pdf = receipt_pdf(fresh)
        msg = EmailMessage(subject=subject, body=bilingual_body(body), to=[fresh.applicant_email])
        msg.attach(f"Eingangsbestaetigung-{fresh.reference}.pdf", pdf, "application/pdf")
        msg.send(fail_silently=False)

    transaction.on_commit(send, robust=True)


def _send_held_after_commit(app: Application, raw_token: str) -> None:
    """The application waits for its fee ("Zahlung offen"): the applicant gets the link to it, so that
    an abandoned payment can be taken up again (a guest's link exists only in this mail and on the
    confirmation page). Sent directly after commit, like the receipt, never through the task table."""
    if not app.applicant_email:
        return
    pk = app.pk

    def send() -> None:
        fresh = Application.objects.select_related("municipality").get(pk=pk)
        url = status_url(fresh, raw_token)

        def body() -> str:
            text = _(
                "Guten Tag,\n\nIhr Antrag „%(service)s“ ist gespeichert (Aktenzeichen %(ref)s). Er gilt als "
                "eingegangen, sobald die Gebühr bezahlt ist."
            ) % {"service": fresh.service_name, "ref": fresh.reference}
            if raw_token or fresh.applicant_id:
                text += "\n\n" + _("Hier können Sie die Gebühr bezahlen und den Stand sehen:\n%(url)s") % {
                    "url": url
                }
            if raw_token:
                text += "\n\n" + _(
                    "Bitte geben Sie diesen Link nicht weiter: Wer ihn kennt, kann Ihren Antrag sehen."
                )
            return text

        subject = bilingual_subject(
            lambda: _("Antrag gespeichert, Gebühr offen: %(ref)s") % {"ref": fresh.reference}
        )
        EmailMessage(subject=subject, body=bilingual_body(body), to=[fresh.applicant_email]).send(
            fail_silently=False
        )

    transaction.on_commit(send, robust=True)


def _notify(app: Application, subject: Any, text: Any) -> None:
    """A short bilingual mail to the applicant (no secret in it: the link points to Meine Anträge
    for account holders; guests are told to use the link from their confirmation mail)."""
    if not app.applicant_email:
        return
    link = status_url(app) if app.applicant_id else ""

    def body() -> str:
        out = str(text()) + "\n\n" + _("Aktenzeichen: %(ref)s") % {"ref": app.reference}
        if link:
            out += "\n" + link
        else:
            out += "\n" + _("Bitte öffnen Sie den Link aus Ihrer Eingangsbestätigung.")
        return out

    send_email_after_commit(bilingual_subject(subject), bilingual_body(body), [app.applicant_email])


# --- applicant actions ------------------------------------------------------------------------


def withdraw(app: Application, *, actor: Any = None, ctx: ServiceContext | None = None) -> Application:
    """Rücknahme by the applicant: possible until a decision."""
    return transition(app, Status.WITHDRAWN, actor=actor, ctx=ctx, by_applicant=True)


def answer_query(
    app: Application,
    body: str,
    *,
    files: list[tuple[str, bytes]] | None = None,
    actor: Any = None,
    ctx: ServiceContext | None = None,
) -> Message:
    """The applicant answers a Rückfrage (optionally with attachments); the case goes back to review."""
    if app.status != Status.QUERY:
        raise IllegalTransition(_("Zu diesem Antrag ist keine Rückfrage offen."))
    setting = setting_for(app.form)
    files = files or []
    count = app.attachments.filter(kind__in=[AttachmentKind.APPLICATION, AttachmentKind.MESSAGE]).count()
    types = [check_attachment(setting, name, data, count + n) for n, (name, data) in enumerate(files)]
    with atomic_with_files(app.municipality_id) as staged:
        msg = Message.objects.create(
            municipality_id=app.municipality_id,
            application=app,
            kind=MessageKind.ANSWER,
            from_applicant=True,
            author=actor if getattr(actor, "is_authenticated", False) else None,
            body=body,
        )
        for (name, data), media_type in zip(files, types, strict=True):
            store_attachment(
                staged,
                municipality_id=app.municipality_id,
                name=name,
                data=data,
                media_type=media_type,
                kind=AttachmentKind.MESSAGE,
                application=app,
                message=msg,
            )
        record("cases.answered", ctx=ctx, actor=actor, municipality=app.municipality, obj=app)
        transition(app, Status.IN_REVIEW, actor=actor, ctx=ctx, by_applicant=True)
    return msg


# --- staff actions ----------------------------------------------------------------------------


def start_review(app: Application, *, ctx: ServiceContext) -> Application:
    return transition(app, Status.IN_REVIEW, ctx=ctx)


def assign(app: Application, user: Any, *, ctx: ServiceContext) -> Application:
    with transaction.atomic():
        fresh = _locked(app)
        before = fresh.assignee_id
        fresh.assignee = user
        fresh.save(update_fields=["assignee"])
        record(
            "cases.assigned",
            ctx=ctx,
            obj=fresh,
            changes={"assignee": [before, user.pk if user else None]},
        )
    app.refresh_from_db()
    return app


def add_note(app: Application, body: str, *, ctx: ServiceContext) -> Note:
    with transaction.atomic():
        note = Note.objects.create(
            municipality_id=app.municipality_id, application=app, author=ctx.actor, body=body
        )
        record("cases.note", ctx=ctx, obj=app)
    return note


def set_due_date(app: Application, due: Any, *, ctx: ServiceContext) -> Application:
    with transaction.atomic():
        fresh = _locked(app)
        before = fresh.due_date
        fresh.due_date = due
        fresh.save(update_fields=["due_date"])
        record("cases.deadline", ctx=ctx, obj=fresh, changes={"due_date": [str(before), str(due)]})
    app.refresh_from_db()
    return app


def ask(app: Application, body: str, *, ctx: ServiceContext) -> Message:
    """Rückfrage: a message to the applicant; the case waits for the answer."""
    with transaction.atomic():
        transition(app, Status.QUERY, ctx=ctx)
        msg = Message.objects.create(
            municipality_id=app.municipality_id,
            application=app,
            kind=MessageKind.QUERY,
            author=ctx.actor,
            body=body,
        )
        record("cases.query", ctx=ctx, obj=app)
        _notify(
            app,
            lambda: _("Rückfrage zu Ihrem Antrag %(ref)s") % {"ref": app.reference},
            lambda: (
                _(
                    "Zu Ihrem Antrag „%(s)s“ hat die Verwaltung eine Rückfrage. "
                    "Bitte antworten Sie im Postfach."
                )
                % {"s": app.service_name}
            ),
        )
    return msg


MissingReasons = letters.MissingReasons


def build_letter(
    app: Application, outcome: str, reasons: str, *, author: Any = None, template: str | None = None
) -> letters.DecisionLetter:
    """The decision letter (Bescheid) as it would be sent: for the staff preview and for :func:`decide`.

    MissingReasons for a (partial) refusal without reasons."""
    if outcome not in DECIDED:
        raise IllegalTransition(_("Unbekannte Entscheidung."))
    letters.check_reasons(outcome, reasons)
    if template is None:
        template = setting_for(app.form).decision_template
    with override("de"):
        return letters.build(app, outcome, reasons, template=template, author=author)


def render_decision(app: Application, outcome: str, reasons: str, template: str = "") -> str:
    """The decision letter's text: the service's template with its placeholders filled, inside the letter."""
    with override("de"):
        return letters.build(app, outcome, reasons, template=template).text()


def decide(app: Application, outcome: str, reasons: str, *, ctx: ServiceContext) -> Attachment:
    """Bescheid: status to the outcome, letter as PDF from the service's template, into the Postfach.

    A rejection or partial approval needs reasons (MissingReasons, nothing is changed)."""
    if outcome not in DECIDED:
        raise IllegalTransition(_("Unbekannte Entscheidung."))
    letters.check_reasons(outcome, reasons)
    setting = setting_for(app.form)
    author = ctx.actor
    with atomic_with_files(app.municipality_id) as staged:
        transition(app, outcome, ctx=ctx)
        letter = build_letter(app, outcome, reasons, author=author, template=setting.decision_template)
        text = letter.text()
        with override("de"):
            pdf = letter.pdf()
        app.decision_text = text
        app.save(update_fields=["decision_text"])
        msg = Message.objects.create(
            municipality_id=app.municipality_id,
            application=app,
            kind=MessageKind.DECISION,
            author=ctx.actor,
            body=text,
        )
        att = store_attachment(
            staged,
            municipality_id=app.municipality_id,
            name=f"Bescheid-{app.reference}.pdf",
            data=pdf,
            media_type="application/pdf",
            kind=AttachmentKind.DECISION,
            application=app,
            message=msg,
        )
        record("cases.decided", ctx=ctx, obj=app, changes={"outcome": [None, outcome]})
        _notify(
            app,
            lambda: _("Entscheidung zu Ihrem Antrag %(ref)s") % {"ref": app.reference},
            lambda: (
                _("Über Ihren Antrag „%(s)s“ ist entschieden. Den Bescheid finden Sie im Postfach.")
                % {"s": app.service_name}
            ),
        )
    return att


def close(app: Application, *, ctx: ServiceContext) -> Application:
    return transition(app, Status.CLOSED, ctx=ctx)


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


# --- retention ----------------------------------------------------------------------------------


DEFAULT_RETENTION_DAYS = 730


def expired(municipality: Municipality | None = None, now: datetime | None = None) -> Any:
    """Closed or withdrawn applications whose service's retention period has passed."""
    from django.db.models import Q

    now = now or timezone.now()
    qs = Application.objects.filter(status__in=FINAL, erased_at__isnull=True, closed_at__isnull=False)
    settings_qs = ServiceSetting.objects.all()
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
        settings_qs = settings_qs.filter(municipality=municipality)
    # One condition per retention period in use (a handful), so the database does the date maths.
    by_days: dict[int, list[int]] = {}
    for form_id, days in settings_qs.values_list("form_id", "retention_days"):
        by_days.setdefault(days, []).append(form_id)
    configured = [f for ids in by_days.values() for f in ids]
    cond = Q(closed_at__lt=now - timedelta(days=DEFAULT_RETENTION_DAYS)) & ~Q(form_id__in=configured)
    for days, ids in by_days.items():
        cond |= Q(form_id__in=ids, closed_at__lt=now - timedelta(days=days))
    return qs.filter(cond)


def erase(app: Application, *, reason: str = "retention") -> None:
    """Erase the personal data of one application; keep an anonymous statistical record."""
    paths: list[str] = []
    with transaction.atomic():
        fresh = _locked(app)
        paths = [p for p in fresh.attachments.values_list("path", flat=True) if p]
        fresh.attachments.all().delete()
        fresh.messages.all().delete()
        fresh.notes.all().delete()
        fresh.events.update(note="", actor=None)
        if fresh.submission is not None:
            fim.erase_submission(fresh.submission)
        fresh.applicant = None
        fresh.applicant_name = ""
        fresh.applicant_email = ""
        fresh.guest_token_hash = ""
        fresh.assignee = None
        fresh.decision_text = ""
        fresh.metadata = {}
        fresh.erased_at = timezone.now()
        fresh.save()
        record(
            "cases.erased",
            municipality=fresh.municipality,
            obj=fresh,
            changes={"reason": [None, reason]},
        )
        transaction.on_commit(lambda: delete_files(paths))


def erase_expired(municipality: Municipality | None = None, now: datetime | None = None) -> int:
    count = 0
    for app in expired(municipality, now).select_related("municipality").iterator():
        erase(app)
        count += 1
    return count


# --- DSGVO ------------------------------------------------------------------------------------


def export_user_applications(user: Any) -> tuple[str, Any]:
    apps = (
        Application.objects.filter(applicant=user)
        .select_related("municipality", "submission")
        .prefetch_related("events", "messages", "attachments")
    )
    return (
        "cases_applications",
        [
            {
                "municipality": a.municipality.name,
                "reference": a.reference,
                "service": a.service_name,
                "status": a.status,
                "submitted_at": a.submitted_at.isoformat(),
                "answers": (a.submission.payload.get("answers") if a.submission else None),
                "attachments": [{"name": f.name, "sha256": f.sha256} for f in a.attachments.all()],
                "messages": [
                    {
                        "kind": m.kind,
                        "from_applicant": m.from_applicant,
                        "body": m.body,
                        "at": m.created_at.isoformat(),
                    }
                    for m in a.messages.all()
                ],
                "events": [{"status": e.to_status, "at": e.created_at.isoformat()} for e in a.events.all()],
            }
            for a in apps
        ],
    )


def erase_user_applications(user: Any) -> None:
    """Account deletion: open and finished applications stay with the authority (legal duty to
    keep records until the retention period); the account link and guest access are removed."""
    Application.objects.filter(applicant=user).update(applicant=None)
    Application.objects.filter(assignee=user).update(assignee=None)


# --- FIT-Connect export --------------------------------------------------------------------------


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


# --- intake API (FIT-Connect-like) ----------------------------------------------------------------


class IntakeError(Exception):
    def __init__(self, message: str, status: int = 422, errors: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors


def create_intake(token: Any, form: Any, announced: list[dict[str, str]]) -> Any:
    """A new submission with one upload slot per announced attachment."""
    from .models import ApiIntake

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


def upload_intake_attachment(intake: Any, att: Attachment, data: bytes) -> Attachment:
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


def submit_intake(intake: Any, data: dict[str, Any], metadata: dict[str, Any]) -> Application:
    """Validate data against the form and metadata against the uploads; then open the application."""
    from .models import ApiIntake

    if intake.application_id is not None:
        return intake.application  # type: ignore[no-any-return]
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
