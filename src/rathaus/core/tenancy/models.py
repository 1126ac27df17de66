"""Municipalities (Mandanten), their domains, and the base for every tenant-owned model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .validators import ags_matches_ars, validate_ags, validate_ars, validate_brand_colour

if TYPE_CHECKING:
    from django.http import HttpRequest

    from rathaus.core.context import ServiceContext


class State(models.TextChoices):
    BW = "08", "Baden-Württemberg"
    BY = "09", "Bayern"
    BE = "11", "Berlin"
    BB = "12", "Brandenburg"
    HB = "04", "Bremen"
    HH = "02", "Hamburg"
    HE = "06", "Hessen"
    MV = "13", "Mecklenburg-Vorpommern"
    NI = "03", "Niedersachsen"
    NW = "05", "Nordrhein-Westfalen"
    RP = "07", "Rheinland-Pfalz"
    SL = "10", "Saarland"
    SN = "14", "Sachsen"
    ST = "15", "Sachsen-Anhalt"
    SH = "01", "Schleswig-Holstein"
    TH = "16", "Thüringen"


class Municipality(models.Model):
    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kurzname"), max_length=60, unique=True)
    official_name = models.CharField(_("Amtlicher Name"), max_length=200, blank=True)
    ags = models.CharField(_("Amtlicher Gemeindeschlüssel (AGS)"), max_length=8, validators=[validate_ags])
    ars = models.CharField(_("Amtlicher Regionalschlüssel (ARS)"), max_length=12, validators=[validate_ars])
    state = models.CharField(_("Land"), max_length=2, choices=State.choices)
    reference_prefix = models.CharField(
        _("Kürzel für Aktenzeichen"), max_length=4, default="XX", help_text=_("z. B. ZZ für Zeitz")
    )
    # Contact details shown on the portal and in the Impressum.
    address = models.TextField(_("Anschrift"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    website = models.URLField(_("Website"), blank=True)
    opening_hours = models.TextField(_("Öffnungszeiten"), blank=True)
    accessibility_contact_email = models.EmailField(_("E-Mail für Barrierefreiheits-Feedback"), blank=True)
    # Theming within KERN: only a brand colour and a logo, both checked for accessibility.
    brand_colour = models.CharField(
        _("Markenfarbe"), max_length=7, default="#1c4f8a", validators=[validate_brand_colour]
    )
    logo = models.ImageField(_("Logo"), upload_to="logos/", blank=True)
    logo_alt = models.CharField(_("Alternativtext des Logos"), max_length=200, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Kommune")
        verbose_name_plural = _("Kommunen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["ags"], name="municipality_unique_ags"),
            models.CheckConstraint(
                condition=models.Q(ags__regex=r"^[0-9]{8}$"), name="municipality_ags_8_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(ars__regex=r"^[0-9]{12}$"), name="municipality_ars_12_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        keys_complete = bool(self.ags and self.ars and len(self.ags) == 8 and len(self.ars) == 12)
        if keys_complete and not ags_matches_ars(self.ags, self.ars):
            errors["ars"] = _("Der ARS passt nicht zum AGS (Stellen 1–5 und 10–12 müssen übereinstimmen).")
        if self.ags and self.state and self.ags[:2] != self.state:
            errors["state"] = _("Das Land passt nicht zum AGS.")
        if self.logo and not self.logo_alt:
            errors["logo_alt"] = _("Ein Logo braucht einen Alternativtext.")
        if errors:
            raise ValidationError(errors)


class Domain(models.Model):
    """A host name under which a municipality's portal is served (e.g. zeitz.localhost)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="domains")
    host = models.CharField(_("Hostname"), max_length=253, unique=True)
    is_primary = models.BooleanField(_("Hauptdomain"), default=False)

    class Meta:
        verbose_name = _("Domain")
        verbose_name_plural = _("Domains")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"], condition=models.Q(is_primary=True), name="domain_one_primary"
            ),
            models.CheckConstraint(
                condition=models.Q(host__regex=r"^[a-z0-9.:\-\[\]]+$"), name="domain_host_lower"
            ),
        ]

    def __str__(self) -> str:
        return self.host

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.host = self.host.strip().lower()
        super().save(*args, **kwargs)


_M = TypeVar("_M", bound=models.Model, covariant=True)


class TenantQuerySet(models.QuerySet[_M]):
    """Querysets of tenant-owned models: ``for_tenant`` is the one safe way in.

    Generic in the model (``TenantQuerySet[Service]``), so ``for_tenant(...)`` keeps the model's type.
    """

    def for_tenant(self, municipality: Municipality | HttpRequest | ServiceContext) -> Self:
        muni = getattr(municipality, "municipality", municipality)
        if not isinstance(muni, Municipality):
            raise TypeError("for_tenant() needs a Municipality or a request with one")
        return self.filter(municipality=muni)


TenantManager = models.Manager.from_queryset(TenantQuerySet)


class TenantOwned(models.Model):
    """Abstract base for every row that belongs to one municipality."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("Kommune")
    )

    objects = TenantManager()

    class Meta:
        abstract = True
