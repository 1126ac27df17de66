"""Digital Hub: locations, bookable resources (desks, rooms, event space) and their bookings.

The rule "no double booking, ever" lives in the database: on PostgreSQL an exclusion constraint over
(resource, tstzrange(starts_at, ends_at)) for confirmed bookings (migration 0002); on SQLite the
booking service re-checks overlaps inside a transaction that holds the database write lock.
Likewise "one desk per person at a time": an exclusion constraint over (user, time range) of
confirmed bookings whose ``resource_kind`` is a desk (migration 0003), and the locked re-check.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.accounts.models import Organisation
from rathaus.core.tenancy.models import TenantOwned

WEEKDAYS = [
    (0, _("Montag")),
    (1, _("Dienstag")),
    (2, _("Mittwoch")),
    (3, _("Donnerstag")),
    (4, _("Freitag")),
    (5, _("Samstag")),
    (6, _("Sonntag")),
]


class Location(TenantOwned):
    name = models.CharField(_("Name"), max_length=200)
    address = models.TextField(_("Anschrift"))
    floor = models.CharField(_("Etage"), max_length=100, blank=True, help_text=_("z. B. Erdgeschoss"))
    step_free = models.BooleanField(_("stufenlos erreichbar"), default=False)
    accessibility = models.TextField(
        _("Barrierefreiheit"),
        blank=True,
        help_text=_("Zugang, Aufzug, WC, Parkplätze, Induktionsschleife – was Besucher wissen sollten."),
    )
    description = models.TextField(_("Beschreibung"), blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Standort")
        verbose_name_plural = _("Standorte")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """One opening interval per weekday (local time, Europe/Berlin). No row: closed that weekday."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("Wochentag"), choices=WEEKDAYS)
    opens = models.TimeField(_("öffnet"))
    closes = models.TimeField(_("schließt"))

    class Meta:
        verbose_name = _("Öffnungszeit")
        verbose_name_plural = _("Öffnungszeiten")
        ordering = ["weekday"]
        constraints = [
            models.UniqueConstraint(fields=["location", "weekday"], name="hub_hours_one_per_weekday"),
            models.CheckConstraint(condition=models.Q(closes__gt=models.F("opens")), name="hub_hours_order"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="hub_hours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ClosingDay(TenantOwned):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closing_days")
    date = models.DateField(_("Datum"))
    reason = models.CharField(_("Grund"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Schließtag")
        verbose_name_plural = _("Schließtage")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["location", "date"], name="hub_closing_day_unique")]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.reason}".strip()


class ResourceGroup(TenantOwned):
    """Resources sharing booking rules, optionally reserved for the members of one organisation."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("Name"), max_length=200)
    max_days_ahead = models.PositiveIntegerField(
        _("höchstens Tage im Voraus"), default=28, help_text=_("Wie weit im Voraus gebucht werden darf.")
    )
    max_active_bookings = models.PositiveIntegerField(
        _("aktive Buchungen je Person"), default=5, help_text=_("Künftige, nicht stornierte Buchungen.")
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("Mindestvorlauf (Minuten)"), default=0, help_text=_("0 = sofort buchbar")
    )
    cancellation_deadline_hours = models.PositiveIntegerField(
        _("Stornofrist (Stunden vor Beginn)"), default=0
    )
    no_show_grace_minutes = models.PositiveIntegerField(
        _("Freigabe ohne Check-in nach (Minuten)"),
        default=30,
        help_text=_("Ohne Check-in wird die Buchung so viele Minuten nach Beginn freigegeben."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nur für Mitglieder der Organisation"),
    )

    class Meta:
        verbose_name = _("Ressourcengruppe")
        verbose_name_plural = _("Ressourcengruppen")
        ordering = ["location__name", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(max_days_ahead__gte=1), name="hub_group_horizon_min"),
            models.CheckConstraint(condition=models.Q(max_active_bookings__gte=1), name="hub_group_max_min"),
        ]

    def __str__(self) -> str:
        return self.name


class ResourceKind(models.TextChoices):
    DESK = "desk", _("Arbeitsplatz")
    MEETING_ROOM = "meeting_room", _("Besprechungsraum")
    EVENT_SPACE = "event_space", _("Veranstaltungsraum")


class BookingUnit(models.TextChoices):
    HALF_DAY = "half_day", _("halber Tag")
    DAY = "day", _("ganzer Tag")
    SLOT = "slot", _("Zeitfenster")


def _checkin_token() -> str:
    return secrets.token_urlsafe(16)


class Resource(TenantOwned):
    group = models.ForeignKey(ResourceGroup, on_delete=models.PROTECT, related_name="resources")
    name = models.CharField(_("Name"), max_length=200)
    kind = models.CharField(_("Art"), max_length=20, choices=ResourceKind.choices, default=ResourceKind.DESK)
    capacity = models.PositiveIntegerField(_("Plätze"), default=1)
    equipment = models.TextField(_("Ausstattung"), blank=True, help_text=_("z. B. Monitor, Dockingstation"))
    booking_unit = models.CharField(
        _("Buchungseinheit"), max_length=10, choices=BookingUnit.choices, default=BookingUnit.DAY
    )
    slot_minutes = models.PositiveIntegerField(
        _("Länge eines Zeitfensters (Minuten)"), default=60, help_text=_("Nur für die Einheit Zeitfenster.")
    )
    is_active = models.BooleanField(_("buchbar"), default=True)
    checkin_token = models.CharField(max_length=40, unique=True, default=_checkin_token, editable=False)

    class Meta:
        verbose_name = _("Ressource")
        verbose_name_plural = _("Ressourcen")
        ordering = ["group__location__name", "kind", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="hub_resource_capacity_min"),
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=5, slot_minutes__lte=720), name="hub_resource_slot_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("bestätigt")
    CANCELLED = "cancelled", _("storniert")
    RELEASED = "released", _("freigegeben (nicht erschienen)")


class Booking(TenantOwned):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_bookings")
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    status = models.CharField(
        _("Status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    # The resource's kind when booked, copied for the constraint "one desk per person at a time"
    # (an exclusion constraint cannot look into the resource table). Changing a resource's kind later
    # leaves existing bookings as they were.
    resource_kind = models.CharField(
        _("Art der Ressource"), max_length=20, choices=ResourceKind.choices, blank=True, editable=False
    )
    series = models.UUIDField(null=True, blank=True, editable=False)
    checked_in_at = models.DateTimeField(_("eingecheckt um"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # iCalendar UID

    class Meta:
        verbose_name = _("Buchung")
        verbose_name_plural = _("Buchungen")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["resource", "starts_at"], name="hub_booking_resource_start"),
            models.Index(fields=["user", "status", "ends_at"], name="hub_booking_user_active"),
            models.Index(fields=["status", "starts_at"], name="hub_booking_status_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="hub_booking_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.starts_at:%d.%m.%Y %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.resource_kind and self.resource_id is not None:
            self.resource_kind = self.resource.kind
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status == BookingStatus.CONFIRMED


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(TenantOwned):
    """The secret URL of a person's iCal feed of their bookings (regenerable)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "user"], name="hub_feed_one_per_user")]

    def __str__(self) -> str:
        return f"Kalender #{self.pk}"
