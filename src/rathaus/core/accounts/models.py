"""Users, organisations, departments and per-municipality roles."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import TenantOwned


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("E-Mail-Adresse fehlt")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Accounts are platform-wide; roles are granted per municipality (Membership).

    ``is_superuser`` is the platform admin (the IT service provider's operators); ``is_staff``
    only opens Django's technical admin and is given to platform admins alone.
    """

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    display_name = models.CharField(_("Anzeigename"), max_length=150, blank=True)
    account_type = models.CharField(
        _("Kontoart"),
        max_length=12,
        choices=[("person", _("Privatperson")), ("business", _("Unternehmen / Organisation"))],
        default="person",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        verbose_name = _("Benutzerkonto")
        verbose_name_plural = _("Benutzerkonten")

    def __str__(self) -> str:
        return self.display_name or self.email


class Organisation(models.Model):
    """A business, association or public body that people act for (e.g. the IT partner)."""

    name = models.CharField(_("Name"), max_length=200)
    kind = models.CharField(
        _("Art"),
        max_length=20,
        choices=[
            ("business", _("Unternehmen")),
            ("association", _("Verein")),
            ("public", _("Öffentliche Stelle")),
        ],
        default="business",
    )
    members: models.ManyToManyField[User, OrganisationMembership] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="OrganisationMembership", related_name="organisations"
    )

    class Meta:
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationMembership(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    is_representative = models.BooleanField(_("vertretungsberechtigt"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="org_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class Department(TenantOwned):
    """An organisational unit (Fachbereich / Amt) of a municipality."""

    name = models.CharField(_("Name"), max_length=200)
    email = models.EmailField(_("E-Mail"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    address = models.TextField(_("Anschrift"), blank=True)
    opening_hours = models.TextField(_("Öffnungszeiten"), blank=True)

    class Meta:
        verbose_name = _("Fachbereich")
        verbose_name_plural = _("Fachbereiche")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    STAFF = "staff", _("Mitarbeitende")
    MODULE_MANAGER = "module_manager", _("Modulverantwortliche")
    ADMIN = "admin", _("Kommunal-Administration")


class Module(models.TextChoices):
    """Modules whose management can be delegated to a module manager."""

    SERVICES = "services", _("Online-Dienste (OZG)")
    HUB = "hub", _("Digital Hub")
    EVENTS = "events", _("Veranstaltungen")
    PARTICIPATION = "participation", _("Beteiligung")
    HERITAGE = "heritage", _("Kulturerbe")
    MOBILITY = "mobility", _("Mobilität")
    STRATEGY = "strategy", _("Digitalstrategie")
    OPENDATA = "opendata", _("Offene Daten")
    PORTAL = "portal", _("Portal und Rechtstexte")


class Membership(TenantOwned):
    """A person's role in one municipality. Citizens need none: any verified account may act as one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices)
    modules = models.JSONField(_("Module"), default=list, blank=True)
    departments = models.ManyToManyField(Department, blank=True, related_name="members")

    class Meta:
        verbose_name = _("Rolle in der Kommune")
        verbose_name_plural = _("Rollen in der Kommune")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "user"], name="membership_unique_user"),
        ]
        indexes = [models.Index(fields=["user", "municipality"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} ({self.municipality})"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(TenantOwned):
    """A server-to-server credential. Only its SHA-256 is stored; the raw token is shown once."""

    name = models.CharField(_("Bezeichnung"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        raw = "rh_" + secrets.token_urlsafe(32)
        return raw, raw[:10], _hash_token(raw)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)
