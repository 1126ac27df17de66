"""Anträge (applications) and their processing (Vorgangsbearbeitung).

Invariants kept by the database: a reference number is unique (per municipality and year from a
locked counter, never reused); one application per idempotency key; status is one of the workflow
states; an attachment belongs to an application or an API intake.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import TenantOwned

DEFAULT_TYPES = ["application/pdf", "image/jpeg", "image/png"]


def default_types() -> list[str]:
    return list(DEFAULT_TYPES)


class Status(models.TextChoices):
    PAYMENT_DUE = "zahlung_offen", _("Zahlung offen")
    RECEIVED = "eingegangen", _("eingegangen")
    IN_REVIEW = "in_pruefung", _("in Prüfung")
    QUERY = "rueckfrage", _("Rückfrage")
    APPROVED = "bewilligt", _("entschieden: bewilligt")
    REJECTED = "abgelehnt", _("entschieden: abgelehnt")
    PARTIAL = "teilweise", _("entschieden: teilweise bewilligt")
    CLOSED = "abgeschlossen", _("abgeschlossen")
    WITHDRAWN = "zurueckgezogen", _("zurückgezogen")


DECIDED = (Status.APPROVED, Status.REJECTED, Status.PARTIAL)
OPEN = (Status.RECEIVED, Status.IN_REVIEW, Status.QUERY)
FINAL = (Status.CLOSED, Status.WITHDRAWN)


class Channel(models.TextChoices):
    WEB = "web", _("Online-Formular")
    API = "api", _("Schnittstelle")


class ReferenceCounter(TenantOwned):
    """Last reference number issued per municipality and year (row locked while counting)."""

    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "year"], name="cases_counter_unique")]


class ServiceSetting(TenantOwned):
    """How one online service (a FIM form) is processed: department, deadlines, retention, uploads."""

    form = models.OneToOneField(
        "fim.FormDefinition",
        on_delete=models.CASCADE,
        related_name="case_setting",
        verbose_name=_("Leistung"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("zuständiger Fachbereich"),
    )
    deadline_days = models.PositiveSmallIntegerField(
        _("Bearbeitungsfrist (Tage)"), default=30, help_text=_("Kalendertage ab Eingang")
    )
    retention_days = models.PositiveIntegerField(
        _("Aufbewahrungsfrist (Tage)"),
        default=730,
        help_text=_("Nach Abschluss werden personenbezogene Daten nach dieser Frist gelöscht."),
    )
    max_attachment_mb = models.PositiveSmallIntegerField(_("Höchstgröße je Anlage (MB)"), default=10)
    max_attachments = models.PositiveSmallIntegerField(_("Höchstzahl der Anlagen"), default=10)
    allowed_types = models.JSONField(_("erlaubte Dateitypen"), default=default_types)
    decision_template = models.TextField(
        _("Vorlage für den Bescheid"),
        blank=True,
        help_text=_(
            "Entscheidungstext (Tenor) zwischen Anrede und Begründung. Platzhalter: {anrede}, {name}, "
            "{vorname}, {nachname}, {aktenzeichen}, {leistung}, {eingang}, {entscheidung}, {begruendung}, "
            "{datum}, {kommune}, {fachbereich}. Leer: Standardtext."
        ),
    )

    class Meta:
        verbose_name = _("Einstellung der Leistung")
        verbose_name_plural = _("Einstellungen der Leistungen")
        constraints = [
            models.CheckConstraint(condition=Q(max_attachment_mb__gte=1), name="cases_setting_size_min"),
        ]

    def __str__(self) -> str:
        return str(self.form_id)

    @property
    def max_attachment_bytes(self) -> int:
        return int(self.max_attachment_mb) * 1024 * 1024


class Application(TenantOwned):
    """An Antrag (and its Vorgang): one per submission, processed through the status workflow."""

    reference = models.CharField(_("Aktenzeichen"), max_length=24, unique=True)
    form = models.ForeignKey(
        "fim.FormDefinition",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("Leistung"),
    )
    service_name = models.CharField(_("Leistung"), max_length=300)
    submission = models.OneToOneField(
        "fim.FormSubmission", null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )
    channel = models.CharField(_("Eingangskanal"), max_length=3, choices=Channel.choices, default=Channel.WEB)
    idempotency_key = models.CharField(max_length=64)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
        verbose_name=_("Antragsteller/in (Konto)"),
    )
    applicant_name = models.CharField(_("Antragsteller/in"), max_length=200, blank=True)
    applicant_email = models.EmailField(_("E-Mail"), blank=True)
    guest_token_hash = models.CharField(max_length=64, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Fachbereich"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_applications",
        verbose_name=_("Bearbeitung durch"),
    )
    submitted_at = models.DateTimeField(_("Eingang"))
    due_date = models.DateField(_("Bearbeitungsfrist"))
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    closed_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)
    decision_text = models.TextField(_("Bescheidtext"), blank=True)
    metadata = models.JSONField(_("Metadaten"), default=dict, blank=True)
    erased_at = models.DateTimeField(_("personenbezogene Daten gelöscht am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Antrag")
        verbose_name_plural = _("Anträge")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "idempotency_key"], name="cases_app_idempotent"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="cases_app_status_valid"),
        ]
        indexes = [
            models.Index(fields=["municipality", "department", "status", "submitted_at"], name="cases_inbox"),
            models.Index(fields=["municipality", "submitted_at"], name="cases_muni_submitted"),
            models.Index(fields=["municipality", "status", "due_date"], name="cases_overdue"),
            models.Index(fields=["municipality", "form", "status"], name="cases_form_status"),
            models.Index(fields=["municipality", "assignee"], name="cases_assignee"),
            models.Index(fields=["municipality", "applicant_name"], name="cases_name"),
            models.Index(fields=["guest_token_hash"], name="cases_guest_token"),
            models.Index(fields=["status", "closed_at"], name="cases_retention"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED or (self.status == Status.CLOSED and self.decided_at is not None)

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.status in OPEN and self.due_date < timezone.localdate()


class StatusEvent(TenantOwned):
    """One step of the timeline (Verlauf); also the API's status events."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    by_applicant = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["application", "created_at"], name="cases_event_app")]

    @property
    def citizen_label(self) -> str:
        """What happened, in words for the applicant (no internal notes, no codes, no repetition)."""
        return str(_event_label(self, for_applicant=True))

    @property
    def staff_label(self) -> str:
        """What happened, in words for the staff timeline (who acted is shown beside it)."""
        return str(_event_label(self, for_applicant=False))


def _event_label(event: StatusEvent, *, for_applicant: bool) -> Any:
    to, before = event.to_status, event.from_status
    if to == Status.PAYMENT_DUE:
        return _("Antrag gespeichert, Gebühr noch nicht bezahlt")
    if to == Status.RECEIVED and before == Status.PAYMENT_DUE:
        return _("Gebühr bezahlt, Antrag eingegangen")
    if to == Status.RECEIVED:
        return _("Antrag eingegangen")
    if to == Status.IN_REVIEW:
        if before == Status.QUERY and event.by_applicant:
            if for_applicant:
                return _("Ihre Antwort auf die Rückfrage ist eingegangen; die Prüfung geht weiter")
            return _("Antwort auf die Rückfrage eingegangen; Prüfung geht weiter")
        if before == Status.QUERY:
            return _("Prüfung ohne Antwort auf die Rückfrage fortgesetzt")
        return _("Prüfung begonnen")
    if to == Status.QUERY:
        return _("Rückfrage der Verwaltung (siehe Postfach)")
    if to == Status.APPROVED:
        return _("Bescheid erlassen: bewilligt")
    if to == Status.REJECTED:
        return _("Bescheid erlassen: abgelehnt")
    if to == Status.PARTIAL:
        return _("Bescheid erlassen: teilweise bewilligt")
    if to == Status.CLOSED:
        return _("Vorgang abgeschlossen")
    if to == Status.WITHDRAWN:
        if before == Status.PAYMENT_DUE and not event.by_applicant and event.actor_id is None:
            return _("Antrag verfallen: Gebühr nicht fristgerecht bezahlt")
        if event.by_applicant:
            return _("Antrag von Ihnen zurückgenommen") if for_applicant else _("Antrag zurückgenommen")
        return _("Rücknahme von der Verwaltung erfasst")
    return Status(to).label if to in Status.values else to


class MessageKind(models.TextChoices):
    QUERY = "rueckfrage", _("Rückfrage")
    ANSWER = "antwort", _("Antwort")
    DECISION = "bescheid", _("Bescheid")
    INFO = "info", _("Mitteilung")


class Message(TenantOwned):
    """Postfach: staff questions and decisions, the applicant's answers."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    from_applicant = models.BooleanField(default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    body = models.TextField(_("Nachricht"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["application", "created_at"], name="cases_message_app")]


class Note(TenantOwned):
    """Internal note (Vermerk), never shown to the applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    body = models.TextField(_("Vermerk"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class ApiIntake(TenantOwned):
    """A submission announced through the intake API (FIT-Connect-like), before and after submit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token = models.ForeignKey("accounts.ApiToken", null=True, on_delete=models.SET_NULL, related_name="+")
    form = models.ForeignKey("fim.FormDefinition", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="intake"
    )

    class Meta:
        ordering = ["-created_at"]


class AttachmentKind(models.TextChoices):
    APPLICATION = "antrag", _("Anlage zum Antrag")
    MESSAGE = "nachricht", _("Anlage zur Nachricht")
    DECISION = "bescheid", _("Bescheid")


class Attachment(TenantOwned):
    """A stored file: checked by content, with its SHA-256 (files live under cases/<muni>/)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    intake = models.ForeignKey(
        ApiIntake, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.APPLICATION)
    name = models.CharField(_("Dateiname"), max_length=150)
    media_type = models.CharField(max_length=60, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False) | Q(intake__isnull=False),
                name="cases_attachment_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def uploaded(self) -> bool:
        return bool(self.path)


class IdempotencyRecord(TenantOwned):
    """API: the answer given to an Idempotency-Key (same key + same body → same answer)."""

    token = models.ForeignKey("accounts.ApiToken", null=True, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "token", "key"], name="cases_idempotency_unique"),
        ]


DEFAULT_LEGAL_REMEDY = (
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden. "
    "Der Widerspruch ist schriftlich, in elektronischer Form nach § 3a Abs. 2 des "
    "Verwaltungsverfahrensgesetzes oder zur Niederschrift bei der Behörde einzulegen, die den Bescheid "
    "erlassen hat: {behoerde}, {anschrift}."
)


class LetterSettings(TenantOwned):
    """Briefkopf and Rechtsbehelfsbelehrung of the municipality's decision letters (Bescheide).

    Empty fields fall back to the municipality's contact details; an empty Rechtsbehelfsbelehrung to
    :data:`DEFAULT_LEGAL_REMEDY` (Sachsen-Anhalt: Widerspruch within one month at the issuing authority).
    """

    authority = models.CharField(
        _("Behörde im Briefkopf"),
        max_length=200,
        blank=True,
        help_text=_("z. B. „Stadt Zeitz – Der Oberbürgermeister“; leer: amtlicher Name der Kommune"),
    )
    address = models.TextField(
        _("Anschrift der Behörde"), blank=True, help_text=_("leer: Anschrift der Kommune")
    )
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    website = models.URLField(_("Website"), blank=True)
    place = models.CharField(
        _("Ort in der Datumszeile"), max_length=100, blank=True, help_text=_("leer: Name der Kommune")
    )
    legal_remedy = models.TextField(
        _("Rechtsbehelfsbelehrung"),
        blank=True,
        help_text=_(
            "Platzhalter: {behoerde}, {anschrift}. Leer: Widerspruch binnen eines Monats (Sachsen-Anhalt)."
        ),
    )
    closing = models.CharField(_("Grußformel"), max_length=100, default="Mit freundlichen Grüßen")
    signature = models.CharField(
        _("Zeichnung"),
        max_length=200,
        blank=True,
        help_text=_("z. B. „Im Auftrag“; darunter steht der Name der bearbeitenden Person"),
    )

    class Meta:
        verbose_name = _("Briefkopf und Rechtsbehelfsbelehrung")
        verbose_name_plural = _("Briefköpfe und Rechtsbehelfsbelehrungen")
        constraints = [models.UniqueConstraint(fields=["municipality"], name="cases_letter_one_per_muni")]
