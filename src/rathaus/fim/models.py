"""FIM forms: a definition per schema and municipality, immutable imported versions, drafts, submissions."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import TenantOwned

leika_validator = RegexValidator(r"^99\d{12}$", _("Ein LeiKa-Schlüssel hat 14 Ziffern und beginnt mit 99."))


class FormDefinition(TenantOwned):
    schema_id = models.CharField(_("Schema-ID"), max_length=100)
    leika = models.CharField(_("LeiKa-Schlüssel"), max_length=14, blank=True, validators=[leika_validator])
    name = models.CharField(_("Name"), max_length=300)
    active_version = models.ForeignKey(
        "FormVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("aktive Version"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Formular")
        verbose_name_plural = _("Formulare")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "schema_id"], name="fim_form_unique_schema"),
        ]

    def __str__(self) -> str:
        return self.name


class FormVersion(TenantOwned):
    """One imported schema; never changed after creation (drafts and submissions point to it)."""

    form = models.ForeignKey(FormDefinition, on_delete=models.CASCADE, related_name="versions")
    version_label = models.CharField(_("Version"), max_length=50)
    definition = models.JSONField(_("Definition"))
    warnings = models.JSONField(default=list, blank=True)
    source_name = models.CharField(_("Datei"), max_length=255, blank=True)
    source_hash = models.CharField(max_length=64)
    imported_at = models.DateTimeField(_("importiert am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Formularversion")
        verbose_name_plural = _("Formularversionen")
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["form", "source_hash"], name="fim_version_unique_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.form_id} v{self.version_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("FormVersion is immutable; import a new version instead.")
        super().save(*args, **kwargs)


class Draft(TenantOwned):
    form = models.ForeignKey(FormDefinition, on_delete=models.CASCADE, related_name="drafts")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="drafts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="fim_drafts"
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    email = models.EmailField(blank=True)
    answers = models.JSONField(default=dict, blank=True)
    current_step = models.PositiveIntegerField(default=0)
    # One-time key of the submit button: a double click or retry finds the same submission.
    submit_key = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Entwurf")
        verbose_name_plural = _("Entwürfe")
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(token_hash=""), name="fim_draft_has_owner"
            ),
        ]


class FormSubmission(TenantOwned):
    """The validated, versioned payload handed to the submission service (issue 4)."""

    form = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="submissions")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="submissions")
    payload = models.JSONField()
    reference = models.CharField(_("Vorgangsnummer"), max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fim_submissions",
    )
    email = models.EmailField(blank=True)
    submitted_at = models.DateTimeField(_("eingereicht am"), auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("Eingereichter Antrag")
        verbose_name_plural = _("Eingereichte Anträge")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="fim_submission_idempotent",
            ),
        ]


class FormDesign(TenantOwned):
    """A form built by staff in the form designer (issue 18): the working copy of its definition.

    ``definition`` has exactly the shape of ``FormVersion.definition`` (rathaus.fim.importers.xdf).
    Publishing exports it as XDatenfelder 2.0 and imports that export through the normal importer,
    so the published version is an ordinary FormVersion of ``form`` (same engine, same round trip).
    """

    form = models.OneToOneField(
        FormDefinition, on_delete=models.CASCADE, related_name="design", verbose_name=_("Formular")
    )
    definition = models.JSONField(_("Definition"))
    # Catalogue service (rathaus.catalog.Service pk) that offers this form; no FK: the catalogue
    # depends on the form engine, not the other way round.
    catalog_service_id = models.PositiveIntegerField(_("Leistung im Katalog"), null=True, blank=True)
    next_number = models.PositiveIntegerField(default=1)
    published_revision = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Formularentwurf (Designer)")
        verbose_name_plural = _("Formularentwürfe (Designer)")

    def __str__(self) -> str:
        return str(self.definition.get("title", self.form_id))

    @property
    def has_unpublished_changes(self) -> bool:
        return self.revision != self.published_revision


class FormDesignChange(TenantOwned):
    """The change log of a designed form: who changed what when."""

    design = models.ForeignKey(FormDesign, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(_("Aktion"), max_length=40)
    summary = models.CharField(_("Änderung"), max_length=500)
    revision = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True)

    class Meta:
        verbose_name = _("Änderung am Formular")
        verbose_name_plural = _("Änderungen am Formular")
        ordering = ["-at", "-pk"]
