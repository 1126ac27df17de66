"""Surveys (Umfragen): structure, invitations, responses and the aggregates results are read from.

Storage of answers, designed for 1,000,000 responses:

* ``Response.data`` holds the whole response as compact JSON (``{question_id: value}``): the CSV and
  XLSX exports stream these rows with ``.iterator()``, one row per response, constant memory.
* ``Answer`` is the denormalised answer table: one row per (response, question, option | matrix row)
  with integer columns (``option_id``, ``row_id``, ``number``) and the segment copied in. Filters and
  cross-tabulations are single indexed ``GROUP BY`` queries on it.
* ``Tally`` holds the counts per (survey, question, segment, key), maintained in the same transaction
  as the response. The default results page reads only tallies, so its time does not grow with the
  number of responses. ``services.rebuild_tallies`` recomputes them from ``Answer`` at any time.

Anonymized mode keeps no user, no invitation and no timestamp on the response (only ``submitted_on``
is left empty too); ``Participation`` (survey, user) prevents a second response of an account without
linking to the response.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import TenantOwned


def new_salt() -> str:
    return secrets.token_hex(16)


class Access(models.TextChoices):
    PUBLIC = "public", _("öffentlich (jede Person, eine Teilnahme je Browser)")
    ACCOUNT = "account", _("mit bestätigtem Konto (eine Teilnahme je Konto)")
    INVITATION = "invitation", _("nur mit Einladungscode (eine Teilnahme je Code)")


class Status(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    SCHEDULED = "scheduled", _("geplant")
    OPEN = "open", _("laufend")
    CLOSED = "closed", _("beendet")


class Segment(models.TextChoices):
    NONE = "", _("keine Angabe")
    CITIZEN = "citizen", _("Bürgerin oder Bürger")
    BUSINESS = "business", _("Unternehmen")


class Kind(models.TextChoices):
    SINGLE = "single", _("Einfachauswahl")
    MULTIPLE = "multiple", _("Mehrfachauswahl")
    TEXT_SHORT = "text_short", _("Freitext (kurz)")
    TEXT_LONG = "text_long", _("Freitext (lang)")
    NUMBER = "number", _("Zahl")
    DATE = "date", _("Datum")
    SCALE = "scale", _("Skala (Likert)")
    MATRIX = "matrix", _("Matrix (Zeilen × Skala)")
    RANKING = "ranking", _("Rangfolge")
    YES_NO = "yes_no", _("Ja/Nein")


CHOICE_KINDS = {Kind.SINGLE, Kind.MULTIPLE, Kind.RANKING}
TEXT_KINDS = {Kind.TEXT_SHORT, Kind.TEXT_LONG}
# Kinds a condition or a cross-tabulation can refer to (answers are a small set of values).
CATEGORICAL_KINDS = {Kind.SINGLE, Kind.MULTIPLE, Kind.YES_NO, Kind.SCALE}


def _lang(de: str, en: str) -> str:
    return en if en and translation.get_language() == "en" else de


class Survey(TenantOwned):
    title = models.CharField(_("Titel"), max_length=200)
    title_en = models.CharField(_("Titel (englisch)"), max_length=200, blank=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    description_en = models.TextField(_("Beschreibung (englisch)"), blank=True)
    is_published = models.BooleanField(_("veröffentlicht"), default=False)
    is_template = models.BooleanField(_("Vorlage"), default=False)
    opens_at = models.DateTimeField(_("Beginn"), null=True, blank=True)
    closes_at = models.DateTimeField(_("Ende"), null=True, blank=True)
    access = models.CharField(_("Zugang"), max_length=12, choices=Access.choices, default=Access.PUBLIC)
    anonymized = models.BooleanField(
        _("anonymisiert"),
        default=False,
        help_text=_("Antworten werden ohne Konto, Code und genauen Zeitpunkt gespeichert."),
    )
    publish_results = models.BooleanField(_("Ergebnisse nach Ende veröffentlichen"), default=False)
    ask_segment = models.BooleanField(_("nach Art der Teilnahme fragen (Bürger/Unternehmen)"), default=False)
    code_salt = models.CharField(max_length=32, default=new_salt, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Umfrage")
        verbose_name_plural = _("Umfragen")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["municipality", "is_published", "is_template"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__isnull=True)
                | models.Q(closes_at__isnull=True)
                | models.Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_opens",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        return _lang(self.title, self.title_en)

    @property
    def display_description(self) -> str:
        return _lang(self.description, self.description_en)

    def status_at(self, now: Any = None) -> str:
        now = now or timezone.now()
        if not self.is_published or self.is_template:
            return Status.DRAFT
        if self.opens_at and now < self.opens_at:
            return Status.SCHEDULED
        if self.closes_at and now >= self.closes_at:
            return Status.CLOSED
        return Status.OPEN

    @property
    def status(self) -> str:
        return self.status_at()

    def get_status_display(self) -> str:
        return str(Status(self.status).label)

    @property
    def results_public(self) -> bool:
        return self.publish_results and self.status == Status.CLOSED

    def get_absolute_url(self) -> str:
        return reverse("surveys:detail", args=[self.pk])


class Page(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="pages")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("Überschrift der Seite"), max_length=200)
    title_en = models.CharField(_("Überschrift (englisch)"), max_length=200, blank=True)
    description = models.TextField(_("Einleitung"), blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        return _lang(self.title, self.title_en)


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("Fragetyp"), max_length=12, choices=Kind.choices)
    text = models.CharField(_("Frage"), max_length=500)
    text_en = models.CharField(_("Frage (englisch)"), max_length=500, blank=True)
    help_text = models.CharField(_("Hilfetext"), max_length=500, blank=True)
    help_text_en = models.CharField(_("Hilfetext (englisch)"), max_length=500, blank=True)
    required = models.BooleanField(_("Pflichtfrage"), default=False)
    min_choices = models.PositiveSmallIntegerField(_("mindestens auswählen"), null=True, blank=True)
    max_choices = models.PositiveSmallIntegerField(_("höchstens auswählen"), null=True, blank=True)
    min_value = models.IntegerField(_("kleinster Wert"), null=True, blank=True)
    max_value = models.IntegerField(_("größter Wert"), null=True, blank=True)
    scale_min = models.SmallIntegerField(_("Skala von"), default=1)
    scale_max = models.SmallIntegerField(_("Skala bis"), default=5)
    scale_low_label = models.CharField(_("Beschriftung unteres Ende"), max_length=100, blank=True)
    scale_high_label = models.CharField(_("Beschriftung oberes Ende"), max_length=100, blank=True)
    allow_other = models.BooleanField(_("„Sonstiges“ mit Freitext anbieten"), default=False)

    class Meta:
        ordering = ["page__position", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scale_max__gt=models.F("scale_min")), name="question_scale_range"
            ),
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True)
                | models.Q(max_value__isnull=True)
                | models.Q(max_value__gte=models.F("min_value")),
                name="question_value_range",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def display_text(self) -> str:
        return _lang(self.text, self.text_en)

    @property
    def display_help(self) -> str:
        return _lang(self.help_text, self.help_text_en)

    @property
    def scale_points(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(_("Antwortmöglichkeit"), max_length=300)
    label_en = models.CharField(_("Antwortmöglichkeit (englisch)"), max_length=300, blank=True)
    is_other = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def display_label(self) -> str:
        return _lang(self.label, self.label_en)


class MatrixRow(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(_("Zeile"), max_length=300)
    label_en = models.CharField(_("Zeile (englisch)"), max_length=300, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def display_label(self) -> str:
        return _lang(self.label, self.label_en)


class Operator(models.TextChoices):
    EQUALS = "equals", _("ist gleich")
    NOT_EQUALS = "not_equals", _("ist nicht gleich")
    CONTAINS = "contains", _("enthält (Mehrfachauswahl)")
    AT_LEAST = "at_least", _("ist mindestens")
    AT_MOST = "at_most", _("ist höchstens")
    ANSWERED = "answered", _("wurde beantwortet")


class Condition(models.Model):
    """Show ``target_question`` or ``target_page`` only if an earlier question's answer fits."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="conditions")
    target_question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="conditions"
    )
    target_page = models.ForeignKey(
        Page, on_delete=models.CASCADE, null=True, blank=True, related_name="conditions"
    )
    source = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    operator = models.CharField(_("Bedingung"), max_length=12, choices=Operator.choices)
    option = models.ForeignKey(Option, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    value = models.IntegerField(_("Wert"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(target_question__isnull=True) & models.Q(target_page__isnull=False))
                | (models.Q(target_question__isnull=False) & models.Q(target_page__isnull=True)),
                name="condition_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.operator}"


class Invitation(models.Model):
    """An invitation code, stored only as HMAC-SHA256(SECRET_KEY + survey salt, code)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    code_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["survey", "used"])]

    def __str__(self) -> str:
        return f"Einladung {self.pk}"


class Participation(models.Model):
    """That an account took part (one per survey and account) — deliberately not linked to the response.

    The primary key is a random UUID so that the order of participations cannot be matched with the
    order of response ids.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="participation_once_per_account")
        ]

    def __str__(self) -> str:
        return f"Teilnahme {self.pk}"


class Draft(models.Model):
    """A saved, unfinished response of an account holder (resume later); deleted on submission."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="draft_once_per_account")]

    def __str__(self) -> str:
        return f"Entwurf {self.pk}"


class Response(TenantOwned):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    segment = models.CharField(max_length=10, choices=Segment.choices, blank=True, default="")
    data = models.JSONField(default=dict)
    # Only in non-anonymized surveys:
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    invitation = models.OneToOneField(Invitation, on_delete=models.SET_NULL, null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Anonymized or not: the day of submission (month-level for anonymized surveys: the 1st).
    submitted_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["survey", "id"]),
            models.Index(fields=["municipality", "submitted_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"],
                condition=models.Q(user__isnull=False),
                name="response_once_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"Antwort {self.pk}"


class Answer(models.Model):
    """One row per (response, question, option | matrix row): the table filters and cross-tabs group."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", db_index=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+", db_index=False)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+", db_index=False)
    option = models.ForeignKey(
        Option, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    row = models.ForeignKey(
        MatrixRow, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    number = models.IntegerField(null=True, blank=True)
    text = models.TextField(blank=True, default="")
    segment = models.CharField(max_length=10, blank=True, default="")
    hidden = models.BooleanField(default=False)  # moderation of free text before publication

    class Meta:
        indexes = [
            models.Index(fields=["question", "option", "row", "number"], name="answer_question_value"),
            models.Index(fields=["question", "response"], name="answer_question_response"),
            models.Index(fields=["response"], name="answer_response"),
            models.Index(fields=["survey", "segment"], name="answer_survey_segment"),
        ]

    def __str__(self) -> str:
        return f"Antwort {self.response_id}/{self.question_id}"


class Tally(models.Model):
    """Count of answers per key; ``question`` null = number of responses (key "n")."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    segment = models.CharField(max_length=10, blank=True, default="")
    key = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "question", "segment", "key"], name="tally_unique_key"),
            models.UniqueConstraint(
                fields=["survey", "segment", "key"],
                condition=models.Q(question__isnull=True),
                name="tally_unique_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
