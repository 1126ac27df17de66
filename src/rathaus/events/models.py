"""Events and courses: events with one or more dates, tags, and registrations with a waiting list.

Invariants kept by the database: one registration per event and e-mail address, dates end after they
start, capacity is at least one, token hashes are unique. The capacity rule itself (never more
REGISTERED rows than seats) is kept by ``services`` inside a lock on the event row.
"""

from __future__ import annotations

from typing import Any, Self, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rathaus.core.tenancy.models import TenantOwned, TenantQuerySet
from rathaus.core.ui.vocabulary import register_terms, term


class EventType(models.TextChoices):
    EVENT = "veranstaltung", _("Veranstaltung")
    WORKSHOP = "workshop", _("Workshop")
    COURSE = "kurs", _("Kurs")
    CONSULTATION = "sprechstunde", _("Sprechstunde")
    DIALOGUE = "buergerdialog", _("Bürgerdialog")


class TargetGroup(models.TextChoices):
    CITIZENS = "buerger", _("Bürgerinnen und Bürger")
    BUSINESSES = "unternehmen", _("Unternehmen")
    ADMINISTRATION = "verwaltung", _("Verwaltung")


# Target groups are three booleans rather than a JSON list: filtering then works the same on
# SQLite and PostgreSQL and uses plain indexes.
TARGET_FIELDS = {
    TargetGroup.CITIZENS: "for_citizens",
    TargetGroup.BUSINESSES: "for_businesses",
    TargetGroup.ADMINISTRATION: "for_administration",
}


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    PUBLISHED = "published", _("Veröffentlicht")
    CANCELLED = "cancelled", _("Abgesagt")


# Keywords the platform ships (demo events): shown in English in English mode; keywords staff
# create stay as written (core/ui/vocabulary.py).
STANDARD_TAGS = register_terms(
    gettext_noop("Senioren"),
    gettext_noop("Smartphone"),
    gettext_noop("Digitale Teilhabe"),
    gettext_noop("Online-Ausweis"),
    gettext_noop("Digitale Verwaltung"),
    gettext_noop("Weiterbildung"),
    gettext_noop("Office"),
    gettext_noop("Mobilität"),
    gettext_noop("Beteiligung"),
    gettext_noop("Wirtschaft"),
    gettext_noop("E-Rechnung"),
    gettext_noop("Open Data"),
    gettext_noop("Verwaltung"),
)


class Tag(TenantOwned):
    name = models.CharField(_("Name"), max_length=60)
    slug = models.SlugField(_("Kurzname"), max_length=60)

    class Meta:
        verbose_name = _("Schlagwort")
        verbose_name_plural = _("Schlagwörter")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="events_tag_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The keyword in the active language (a platform-defined one in English, others as written)."""
        return term(self.name)


_E = TypeVar("_E", bound=TenantOwned, covariant=True)


class EventQuerySet(TenantQuerySet[_E]):
    """Generic like TenantQuerySet, so annotated rows (``.annotate(...)``) keep their annotations."""

    def listed(self) -> Self:
        """What the public sees in lists, search and feeds: published (or cancelled) public events."""
        return self.filter(is_public=True, status__in=[EventStatus.PUBLISHED, EventStatus.CANCELLED])

    def visible(self) -> Self:
        """Reachable by URL without a role: everything but drafts (non-public events are unlisted)."""
        return self.exclude(status=EventStatus.DRAFT)


class Event(TenantOwned):
    title = models.CharField(_("Titel"), max_length=200)
    summary = models.CharField(_("Kurzbeschreibung"), max_length=300)
    description = models.TextField(_("Beschreibung"), blank=True)
    event_type = models.CharField(_("Art"), max_length=20, choices=EventType.choices, default=EventType.EVENT)
    organiser = models.CharField(_("Veranstalter"), max_length=200)
    organiser_email = models.EmailField(_("E-Mail des Veranstalters"), blank=True)
    venue = models.CharField(
        _("Ort"), max_length=200, blank=True, help_text=_("z. B. Digital Hub Zeitz, Raum 2")
    )
    address = models.CharField(_("Anschrift"), max_length=300, blank=True)
    online_url = models.URLField(_("Online-Teilnahme (Link)"), blank=True)
    accessibility = models.TextField(
        _("Barrierefreiheit"),
        blank=True,
        help_text=_("z. B. stufenloser Zugang, Induktionsschleife, Gebärdensprachdolmetschung auf Anfrage"),
    )
    for_citizens = models.BooleanField(_("für Bürgerinnen und Bürger"), default=True)
    for_businesses = models.BooleanField(_("für Unternehmen"), default=False)
    for_administration = models.BooleanField(_("für die Verwaltung"), default=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="events", verbose_name=_("Schlagwörter"))
    capacity = models.PositiveIntegerField(_("Plätze"), default=20)
    registration_opens_at = models.DateTimeField(_("Anmeldung ab"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(
        _("Anmeldung bis"), null=True, blank=True, help_text=_("Leer: bis zum Beginn")
    )
    is_public = models.BooleanField(
        _("öffentlich"), default=True, help_text=_("Nicht öffentliche Termine erscheinen in keiner Liste.")
    )
    status = models.CharField(
        _("Status"), max_length=12, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    # Last number handed out to a registration placed on a seat or the waiting list (under the lock).
    last_queue_number = models.PositiveIntegerField(default=0, editable=False)
    # Denormalised from the dates (first start, last end) for filtering and ordering.
    starts_at = models.DateTimeField(_("Beginn"), db_index=True)
    ends_at = models.DateTimeField(_("Ende"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("Veranstaltung")
        verbose_name_plural = _("Veranstaltungen")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["municipality", "status", "is_public", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="events_event_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="events_event_capacity_positive"),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=models.F("registration_opens_at")),
                name="events_event_registration_window",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def target_groups(self) -> list[str]:
        return [group for group, field in TARGET_FIELDS.items() if getattr(self, field)]

    @property
    def target_group_labels(self) -> list[Any]:
        return [TargetGroup(g).label for g in self.target_groups]

    @property
    def free_seats(self) -> int | None:
        """Free seats, when the queryset was annotated with ``seats_taken`` (queries.with_counts)."""
        taken = getattr(self, "seats_taken", None)
        return None if taken is None else max(0, self.capacity - taken)

    @property
    def is_online(self) -> bool:
        return bool(self.online_url) and not (self.venue or self.address)


class EventDate(models.Model):
    """One date (Termin) of an event; a course has several."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="dates")
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))

    class Meta:
        verbose_name = _("Termin")
        verbose_name_plural = _("Termine")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="events_date_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.starts_at:%Y-%m-%d %H:%M}"


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Bestätigung ausstehend")
    REGISTERED = "registered", _("Angemeldet")
    WAITLIST = "waitlist", _("Warteliste")
    CANCELLED = "cancelled", _("Storniert")


class Registration(TenantOwned):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("Name"), max_length=150)
    email = models.EmailField(_("E-Mail-Adresse"))
    status = models.CharField(
        _("Status"), max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING
    )
    # Random per registration; the link tokens are HMACs of it (services.link_token), stored hashed.
    nonce = models.CharField(max_length=32)
    confirm_token_hash = models.CharField(max_length=64, unique=True)
    cancel_token_hash = models.CharField(max_length=64, unique=True)
    requested_at = models.DateTimeField(_("angefragt am"))
    # Order of placement (seat or waiting list), handed out under the event lock: the waiting list
    # is served in this order. A counter rather than a timestamp: clocks of several web servers differ.
    queue_number = models.PositiveIntegerField(_("Reihenfolge"), null=True, blank=True)
    queued_at = models.DateTimeField(_("eingereiht am"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("nachgerückt am"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("storniert am"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("erinnert am"), null=True, blank=True)
    attended_at = models.DateTimeField(_("anwesend seit"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("Anmeldung")
        verbose_name_plural = _("Anmeldungen")
        ordering = ["queue_number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "email"], name="events_registration_one_per_email"),
            models.UniqueConstraint(
                fields=["event", "queue_number"], name="events_registration_unique_queue_number"
            ),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="events_registration_email_lower"),
        ]
        indexes = [models.Index(fields=["event", "status", "queue_number"])]

    def __str__(self) -> str:
        return f"{self.name} – {self.event_id}"
