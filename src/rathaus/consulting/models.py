"""Consulting appointments (Beratung): advisors, topics, slots and bookings.

The one hard rule — a slot is never booked twice — lives in the database: a partial unique index
allows at most one *active* booking per slot (cancelled bookings stay as history). The booking
service re-checks inside a row lock (PostgreSQL) / the IMMEDIATE write lock (SQLite) first, so the
index is the last line of defence, not the usual path.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import TenantOwned

NEED_MAX_LENGTH = 1000  # characters of the "what do you need" text; documented limit
PHONE_MAX_LENGTH = 30


class Advisor(TenantOwned):
    """A person who gives advice: city staff, staff of the IT partner, a Digitallotse.

    Linked to an account when the person manages his own slots; a named person otherwise
    (slots are then published for him by the Digital Hub's managers).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consulting_advisor_profiles",
        verbose_name=_("Benutzerkonto"),
    )
    display_name = models.CharField(_("Name"), max_length=150)
    organisation = models.CharField(_("Organisation"), max_length=200, blank=True)
    bio = models.TextField(_("Kurzvorstellung"), max_length=1000, blank=True)
    email = models.EmailField(
        _("E-Mail für Benachrichtigungen"),
        blank=True,
        help_text=_("Leer lassen, um die Adresse des Benutzerkontos zu verwenden."),
    )
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Beratende Person")
        verbose_name_plural = _("Beratende Personen")
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "user"],
                condition=models.Q(user__isnull=False),
                name="consulting_advisor_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["municipality", "display_name"], name="consulting_advisor_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def notification_email(self) -> str:
        if self.email:
            return self.email
        return self.user.email if self.user_id and self.user else ""


class Topic(TenantOwned):
    name = models.CharField(_("Thema"), max_length=150)
    name_en = models.CharField(_("Thema (Englisch)"), max_length=150, blank=True)
    slug = models.SlugField(_("Kurzname"), max_length=80)
    description = models.TextField(_("Beschreibung"), max_length=1000, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Beratungsthema")
        verbose_name_plural = _("Beratungsthemen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="consulting_topic_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the active language (English when set and the page is English)."""
        english = (get_language() or "de").startswith("en")
        return self.name_en if english and self.name_en else self.name


class Mode(models.TextChoices):
    ON_SITE = "on_site", _("vor Ort")
    ONLINE = "online", _("online (Video)")
    PHONE = "phone", _("telefonisch")


class Slot(TenantOwned):
    """A time an advisor offers for one consultation."""

    advisor = models.ForeignKey(Advisor, on_delete=models.PROTECT, related_name="slots")
    starts_at = models.DateTimeField(_("Beginn"), db_index=True)
    ends_at = models.DateTimeField(_("Ende"))
    mode = models.CharField(_("Form"), max_length=10, choices=Mode.choices, default=Mode.ON_SITE)
    location = models.CharField(
        _("Ort oder Hinweis"),
        max_length=200,
        blank=True,
        help_text=_("z. B. Digital Hub Zeitz, Beratungsraum 1 – oder: Link folgt per E-Mail"),
    )
    topics = models.ManyToManyField(Topic, related_name="slots", verbose_name=_("Themen"))
    series = models.UUIDField(null=True, blank=True, editable=False, db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Beratungstermin")
        verbose_name_plural = _("Beratungstermine")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="consulting_slot_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.advisor} {self.starts_at:%Y-%m-%d %H:%M}"


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("wartet auf Bestätigung")  # a guest's request: holds nothing
    ACTIVE = "active", _("gebucht")
    CANCELLED = "cancelled", _("abgesagt")


class Booking(TenantOwned):
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    # An account holder's booking has a user; a guest's has name and address instead and is managed
    # through secret links (shared appointment engine: only the hashes are stored).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consulting_bookings",
    )
    guest_name = models.CharField(_("Name"), max_length=150, blank=True, db_default="")
    guest_email = models.EmailField(_("E-Mail-Adresse"), blank=True, db_default="")
    confirm_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True, db_default="")
    confirm_expires_at = models.DateTimeField(null=True, blank=True)
    manage_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True, db_default="")
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("Thema")
    )
    need = models.TextField(_("Ihr Anliegen"), max_length=NEED_MAX_LENGTH)
    # The contact the slot's form needs (services.contact_for): a number to call for a telephone
    # consultation, an address for the video link of an online one; nothing on site.
    contact_phone = models.CharField(_("Telefonnummer"), max_length=PHONE_MAX_LENGTH, blank=True)
    contact_email = models.EmailField(_("E-Mail-Adresse für den Link zur Videoberatung"), blank=True)
    status = models.CharField(max_length=10, choices=BookingStatus.choices, default=BookingStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    rebooked_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rebooked_to"
    )

    class Meta:
        verbose_name = _("Buchung")
        verbose_name_plural = _("Buchungen")
        ordering = ["-created_at"]
        constraints = [
            # No slot is ever booked twice: at most one active booking per slot.
            models.UniqueConstraint(
                fields=["slot"],
                condition=models.Q(status="active"),
                name="consulting_one_active_booking_per_slot",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("need"), NEED_MAX_LENGTH) & GreaterThan(Length("need"), 0),
                name="consulting_booking_need_length",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "active", "cancelled"]),
                name="consulting_booking_status",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(guest_email=""),
                name="consulting_booking_person",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"Buchung #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status == BookingStatus.ACTIVE

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def person_email(self) -> str:
        return self.user.email if self.user_id and self.user else self.guest_email

    @property
    def person_name(self) -> str:
        if self.user_id and self.user:
            return str(getattr(self.user, "display_name", "") or self.user.email)
        return self.guest_name
