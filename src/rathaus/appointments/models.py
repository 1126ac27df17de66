"""Terminvergabe: appointments at the Bürgerbüro (or any office with counters).

A Location (Bürgerbüro) has counters (Schalter), opening hours and blocked days. Staff
availabilities say who serves which services at which counter when. Per catalogue service a
ServiceSetting (duration, how many at once, lead time) makes the service bookable. An Appointment
holds one or several services (AppointmentItem; durations add up) at one counter with one staff member.

The hard rules live in the database (migration 0002, PostgreSQL exclusion constraints over
tstzrange): a counter and a staff member are never booked twice at once (including the buffer time
after each appointment), and one person never holds two overlapping appointments. On SQLite the
booking service re-checks inside the write transaction (BEGIN IMMEDIATE), which serialises writers.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import TenantOwned


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Montag")
    TUESDAY = 1, _("Dienstag")
    WEDNESDAY = 2, _("Mittwoch")
    THURSDAY = 3, _("Donnerstag")
    FRIDAY = 4, _("Freitag")
    SATURDAY = 5, _("Samstag")
    SUNDAY = 6, _("Sonntag")


class Location(TenantOwned):
    name = models.CharField(_("Name"), max_length=150)
    slug = models.SlugField(_("Kurzname"), max_length=80)
    address = models.TextField(_("Adresse"), max_length=500, blank=True)
    buffer_minutes = models.PositiveSmallIntegerField(
        _("Pufferzeit nach jedem Termin (Minuten)"), default=5, validators=[MaxValueValidator(60)]
    )
    step_minutes = models.PositiveSmallIntegerField(
        _("Raster der Startzeiten (Minuten)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(60)],
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("Buchbar für die nächsten … Tage"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Standort")
        verbose_name_plural = _("Standorte")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "slug"], name="appointments_location_unique_slug"
            ),
            models.CheckConstraint(
                condition=models.Q(step_minutes__gte=5) & models.Q(step_minutes__lte=60),
                name="appointments_location_step",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningHours(TenantOwned):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("Wochentag"), choices=Weekday.choices)
    opens = models.TimeField(_("von"))
    closes = models.TimeField(_("bis"))

    class Meta:
        verbose_name = _("Öffnungszeit")
        verbose_name_plural = _("Öffnungszeiten")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="appointments_hours_close_after_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Counter(TenantOwned):
    """A Schalter: one place where one appointment at a time is served."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="counters")
    name = models.CharField(_("Bezeichnung"), max_length=100)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Schalter")
        verbose_name_plural = _("Schalter")
        ordering = ["location", "name"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="appointments_counter_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.location.name} – {self.name}"


class BlockedDay(TenantOwned):
    """A day without appointments at a location (holiday, staff meeting, closure)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="blocked_days")
    day = models.DateField(_("Tag"))
    reason = models.CharField(_("Grund"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Schließtag")
        verbose_name_plural = _("Schließtage")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["location", "day"], name="appointments_blocked_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.location.name} {self.day:%Y-%m-%d}"


class ServiceSetting(TenantOwned):
    """Makes one catalogue service bookable: duration, how many at once, lead time."""

    service = models.OneToOneField(
        "catalog.Service",
        on_delete=models.CASCADE,
        related_name="appointment_setting",
        verbose_name=_("Leistung"),
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="service_settings")
    duration_minutes = models.PositiveSmallIntegerField(
        _("Dauer je Vorgang (Minuten)"), default=15, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    max_quantity = models.PositiveSmallIntegerField(
        _("Höchstens gleichzeitig buchbar"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("z. B. 3: bis zu drei Personalausweise (Familie) in einem Termin."),
    )
    lead_time_hours = models.PositiveSmallIntegerField(
        _("Vorlaufzeit (Stunden)"), default=2, validators=[MaxValueValidator(24 * 14)]
    )
    is_bookable = models.BooleanField(_("online buchbar"), default=True)

    class Meta:
        verbose_name = _("Termineinstellung einer Leistung")
        verbose_name_plural = _("Termineinstellungen der Leistungen")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5) & models.Q(duration_minutes__lte=240),
                name="appointments_setting_duration",
            ),
            models.CheckConstraint(
                condition=models.Q(max_quantity__gte=1) & models.Q(max_quantity__lte=10),
                name="appointments_setting_quantity",
            ),
        ]

    def __str__(self) -> str:
        return str(self.service)


class Availability(TenantOwned):
    """A staff member serves the given services at a counter on a weekday, from–to."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="appointment_availabilities",
        verbose_name=_("Mitarbeiter/in"),
    )
    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="availabilities")
    weekday = models.PositiveSmallIntegerField(_("Wochentag"), choices=Weekday.choices)
    starts = models.TimeField(_("von"))
    ends = models.TimeField(_("bis"))
    services = models.ManyToManyField(
        ServiceSetting, related_name="availabilities", verbose_name=_("Leistungen")
    )

    class Meta:
        verbose_name = _("Dienstzeit")
        verbose_name_plural = _("Dienstzeiten")
        ordering = ["weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="appointments_availability_order"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.staff} {self.counter} {self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"
        )


class Status(models.TextChoices):
    PENDING = "pending", _("wartet auf Bestätigung")
    BOOKED = "booked", _("gebucht")
    CANCELLED = "cancelled", _("abgesagt")
    NO_SHOW = "no_show", _("nicht erschienen")
    EXPIRED = "expired", _("nicht bestätigt (verfallen)")


class Appointment(TenantOwned):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    # Chosen when the appointment is booked (a guest's request holds nothing until confirmed).
    counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_at = models.DateTimeField(_("Beginn"), db_index=True)
    ends_at = models.DateTimeField(_("Ende"))
    blocked_until = models.DateTimeField(editable=False)  # ends_at + the location's buffer
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="appointments"
    )
    name = models.CharField(_("Name"), max_length=150)
    email = models.EmailField(_("E-Mail-Adresse"))
    phone = models.CharField(_("Telefon (freiwillig)"), max_length=30, blank=True)
    # The person, for "one person never holds two overlapping appointments": u:<user id> or e:<email>.
    person_key = models.CharField(max_length=260, editable=False)
    manage_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    confirm_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    confirm_expires_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    rebooked_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rebooked_to"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    no_show_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Termin")
        verbose_name_plural = _("Termine")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at"))
                & models.Q(blocked_until__gte=models.F("ends_at")),
                name="appointments_appointment_times",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "booked", "cancelled", "no_show", "expired"]),
                name="appointments_appointment_status",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="booked") | models.Q(counter__isnull=False),
                name="appointments_booked_has_counter",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "starts_at"]),
            models.Index(fields=["counter", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"Termin #{self.pk}"

    @property
    def is_booked(self) -> bool:
        return self.status == Status.BOOKED


class AppointmentItem(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="items")
    setting = models.ForeignKey(ServiceSetting, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1) & models.Q(quantity__lte=10),
                name="appointments_item_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.setting}"
